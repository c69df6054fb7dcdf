"""Property-based: whatever front matter and body arrive, check answers with diagnostics, never a traceback."""

from __future__ import annotations

import dataclasses
import datetime as dt
import posixpath
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.load import load_document, load_project
from generator.render import _relative_path
from generator.validate import validate

from .conftest import REPO, TODAY

# The random entry is checked beside the vocabularies and the one method the strategies name, not beside
# every shipped entry: those would be validated again with each of the 240 examples.
_SHIPPED = load_project(REPO)
SOURCE = dataclasses.replace(_SHIPPED, documents=tuple(d for d in _SHIPPED.documents if d.path == "methods/persona.md"))
assert len(SOURCE.documents) == 1, "the strategies name the shipped method 'persona'"
KEYS = ["title", "description", "challenge", "year", "status", "district", "organisation", "creatives", "methods",
        "topics", "outcome", "updated", "tagline", "phases", "duration", "group_size", "difficulty", "setting",
        "materials", "combine_with", "source", "image", "links", "license", "example", "titel", "<<", "name"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=60), st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
                    st.sampled_from(["dresden", "persona", "no", "2024-02-30", "«Platzhalter»", "javascript:x",
                                     "https://example.org", "../../etc/passwd", "<script>", "laufend"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(KEYS + ["min", "max", "src",
                                                                                               "alt", "type"]),
                                                                       inner, max_size=4)), max_leaves=12)
front_matter = st.dictionaries(st.sampled_from(KEYS), values, max_size=14)
body_lines = st.lists(st.one_of(
    st.text(max_size=80).map(lambda t: t.replace("\r", "")),
    st.sampled_from(["## Ausgangslage", "## Ablauf", "## Worum es geht", "## Learnings", "1. Schritt", "```",
                     "<script>x</script>", "![](https://x.org/a.png)", "[a](javascript:b)", "<details open>",
                     "{ onclick=x }", "## Fazit", "- Tipp", "[r]: data:text/html,x"])), max_size=20)
raw_header = st.text(max_size=200)


def positions_exist(diagnostics, text: str) -> bool:
    lines = text.replace("\r\n", "\n").split("\n")
    return all(1 <= d.line <= len(lines) + 1 and d.column >= 1 for d in diagnostics)


def check_text(tmp: Path, kind: str, text: str):
    folder = tmp / ("cases" if kind == "case" else "methods")
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "zufall.md"
    file.write_text(text, "utf-8")
    doc = load_document(file, f"{folder.name}/zufall.md", kind)
    source = dataclasses.replace(SOURCE, root=str(tmp), documents=SOURCE.documents + (doc,))
    return [d for d in validate(source, TODAY) if d.path == doc.path]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["case", "method"]), data=front_matter, body=body_lines)
def test_random_entries_get_diagnostics_not_tracebacks(tmp_path: Path, kind: str, data: dict, body: list) -> None:
    text = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n" + "\n".join(body) + "\n"
    diagnostics = check_text(tmp_path, kind, text)
    assert positions_exist(diagnostics, text)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["case", "method"]), header=raw_header, body=st.text(max_size=200))
def test_random_yaml_text_never_crashes(tmp_path: Path, kind: str, header: str, body: str) -> None:
    text = "---\n" + header + "\n---\n" + body
    diagnostics = check_text(tmp_path, kind, text)
    assert positions_exist(diagnostics, text)
    assert diagnostics, "random text is never a valid entry"


_PART = st.sampled_from(["faelle", "methoden", "index.md", "a", "b.md", "x-y", "."])


@given(st.lists(_PART, max_size=4), st.lists(_PART, max_size=4), st.booleans())
def test_relative_paths_equal_posixpath_relpath(to: list[str], at: list[str], folder: bool) -> None:
    path, start = "/".join(to) + ("/" if folder and to else ""), "/".join(at)
    assert _relative_path(path, start) == posixpath.relpath(path or ".", start or ".")
