"""The JSON Schema is the one declaration: a field or value added there reaches check, new and guide."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO, copy_project

CASE = "cases/webereimuseum-ar-webstuhl.md"


def _copy_with_code(target: Path) -> Path:
    """The shipped project plus a copy of the generator package, so its schemas can be edited."""
    root = copy_project(target)
    shutil.copytree(REPO / "generator", root / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _cimis(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root), "CIMIS_CACHE_DIR": str(root.parent / "cache")}
    return subprocess.run([sys.executable, "-m", "generator", *args, "--root", str(root)], cwd=root, env=env,
                          capture_output=True, text=True, check=False)


def test_a_new_field_and_value_reach_guide_template_and_check(tmp_path: Path) -> None:
    root = _copy_with_code(tmp_path / "project")
    schema_file = root / "generator" / "schemas" / "case.schema.json"
    schema = json.loads(schema_file.read_text("utf-8"))
    schema["properties"]["audience"] = {
        "type": "string", "maxLength": 80, "title": "Zielgruppe",
        "description": "Für wen das Ergebnis gedacht ist.", "examples": ["Schulklassen"]}
    schema_file.write_text(json.dumps(schema, ensure_ascii=False, indent=2), "utf-8")
    with (root / "content" / "vocabularies" / "topics.yml").open("a", encoding="utf-8") as file:
        file.write("kreislaufwirtschaft:\n  label: Kreislaufwirtschaft\n")

    guide = _cimis(root, "guide").stdout
    assert "| `audience` | nein | Zielgruppe: Für wen das Ergebnis gedacht ist. | höchstens 80 Zeichen |" in guide
    assert "| `kreislaufwirtschaft` | Kreislaufwirtschaft |" in guide

    assert _cimis(root, "new", "case", "probe", "--no-input").returncode == 0
    template = (root / "cases" / "probe.md").read_text("utf-8")
    assert '# Zielgruppe (höchstens 80 Zeichen): Für wen das Ergebnis gedacht ist.\n# audience: "Schulklassen"\n' \
        in template
    assert "kreislaufwirtschaft" in template
    (root / "cases" / "probe.md").unlink()

    file = root / CASE
    text = file.read_text("utf-8")
    file.write_text(text.replace("\ntopics: [", "\naudience: " + "x" * 81 + "\ntopics: [kreislaufwirtschaft, ", 1),
                    "utf-8")
    line = text.split("\n").index(next(l for l in text.split("\n") if l.startswith("topics:"))) + 1
    result = _cimis(root, "check", "--format", "json")
    found = json.loads(result.stdout)
    assert [(d["line"], d["code"], d["message"]) for d in found] == [
        (line, "too-long", "'audience' ist 81 Zeichen lang, erlaubt sind höchstens 80")]
