"""Grow the shipped content to N cases and M methods by varying real entries (for benchmarks)."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def _split(text: str) -> tuple[dict, str]:
    _, head, body = text.split("---\n", 2)
    return yaml.safe_load(head), body


def _write(file: Path, data: dict, body: str) -> None:
    head = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    file.write_text(f"---\n{head}---\n{body}", "utf-8")


def grow(target: Path, cases: int, methods: int, seed: int = 7) -> Path:
    """Write a project with ``cases`` cases and ``methods`` methods into ``target``."""
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copytree(REPO / "content", target / "content")
    shutil.copy2(REPO / "mkdocs.yml", target / "mkdocs.yml")
    vocab = {p.stem: list(yaml.safe_load(p.read_text("utf-8"))) for p in (REPO / "content" / "vocabularies").glob("*.yml")}
    method_sources = [_split(p.read_text("utf-8")) for p in sorted((REPO / "methods").glob("*.md"))]
    case_sources = [_split(p.read_text("utf-8")) for p in sorted((REPO / "cases").glob("*.md"))]
    (target / "methods").mkdir()
    (target / "cases").mkdir()
    slugs = [f"methode-{j:04d}" for j in range(methods)]
    for j, slug in enumerate(slugs):
        data, body = method_sources[j % len(method_sources)]
        data = dict(data, title=f"{data['title'][:42]} {j}",
                    phases=rng.sample(vocab["phases"], rng.randint(1, 2)),
                    combine_with=rng.sample([s for s in slugs if s != slug], min(2, len(slugs) - 1)))
        _write(target / "methods" / f"{slug}.md", data, body)
    for i in range(cases):
        data, body = case_sources[i % len(case_sources)]
        # The grown project has no formats (their agendas name the shipped methods, which grow renames).
        data = {k: v for k, v in data.items() if k != "format"}
        data = dict(data, title=f"{data['title'][:80]} {i}", district=rng.choice(vocab["districts"]),
                    topics=rng.sample(vocab["topics"], rng.randint(1, 3)),
                    methods=rng.sample(slugs, rng.randint(2, 4)),
                    organisation=dict(data["organisation"], industry=rng.choice(vocab["industries"])),
                    creatives=[dict(c, submarket=rng.choice(vocab["submarkets"])) for c in data["creatives"]],
                    year=rng.randint(2023, 2026))
        # Case bodies name the original methods in prose only, so they stay valid.
        body = re.sub(r"\]\(\.\./methods/[^)]+\)", "](../methods/" + data["methods"][0] + ".md)", body)
        _write(target / "cases" / f"fall-{i:05d}.md", data, body)
    return target
