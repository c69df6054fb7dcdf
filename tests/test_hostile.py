"""Hostile Markdown: every construct that makes an image, a link or an attribute is refused at its line, with
the message pinned; the check of the rendered HTML refuses each file on its own, without the source patterns."""

from __future__ import annotations

import shutil
from pathlib import Path

import markdown
import pytest
import yaml

from generator import passthrough, pipeline, safety
from generator.load import load_project

from .conftest import FIXTURES, TODAY, copy_project

HOSTILE = FIXTURES / "hostile"
EXPECTED: dict[str, list[list]] = yaml.safe_load((HOSTILE / "expected.yml").read_text("utf-8"))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    shutil.copytree(HOSTILE, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.yml"))
    return root


@pytest.fixture(scope="module")
def diagnostics_by_path(project: Path) -> dict[str, list]:
    found: dict[str, list] = {}
    for d in pipeline.check(project, TODAY):
        found.setdefault(d.path, []).append(d)
    return found


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_hostile_file_gives_expected_diagnostics(rel: str, diagnostics_by_path) -> None:
    got = sorted([d.line, d.column, d.code, d.message, d.hint] for d in diagnostics_by_path.get(rel, []))
    assert got == sorted(EXPECTED[rel])


@pytest.mark.parametrize("rel", sorted(rel for rel, expected in EXPECTED.items() if expected))
def test_rendered_check_alone_refuses_it(rel: str, project: Path) -> None:
    """Refused at a line the file is expected to be refused at (a raw <div markdown> is the patterns' call:
    rendered, it is a plain div)."""
    source = load_project(project)
    (doc,) = [d for d in source.documents if d.path == rel]
    rendered = {d.line for d in safety.check_rendered(doc, project, source.site_config)}
    assert rendered and rendered <= {line for line, *_ in EXPECTED[rel]}


def test_no_diagnostics_outside_fixtures(diagnostics_by_path) -> None:
    assert set(diagnostics_by_path) <= set(EXPECTED)


def test_every_fixture_file_is_listed() -> None:
    files = {p.relative_to(HOSTILE).as_posix() for p in HOSTILE.rglob("*.md")}
    assert files == set(EXPECTED)


# Markdown drops control characters and expands tabs before it looks for the markers.
@pytest.mark.parametrize("marker", ["<!-- cimis:html -->", "<!-- cimis:html\t-->", "<!-- cimis:\x02html -->",
                                    " <!--\tcimis:html\x03 --> "], ids=["plain", "tab", "stx", "mixed"])
def test_an_unclosed_marker_of_cimis_own_html_is_refused(tmp_path: Path, marker: str) -> None:
    # Alone it leaves the body Markdown (the script stays code), but on the page a list's end marker would
    # close it and hand the lines between to the browser unread.
    root = copy_project(tmp_path / "project")
    case = root / "cases" / "tischlerei-azubi-werkstattvideos.md"
    text = case.read_text("utf-8")
    case.write_text(text.replace("\n## Ergebnis\n", f"\n## Ergebnis\n\n{marker}\n`<script>alert(1)</script>`\n", 1),
                    "utf-8")
    line = text.split("\n").index("## Ergebnis") + 3
    found = [(d.path, d.line, d.code, d.message) for d in pipeline.check(root, TODAY)]
    assert found == [("cases/tischlerei-azubi-werkstattvideos.md", line, "unsafe-html",
                      "Die Zeile '<!-- cimis:html -->' ist cimis vorbehalten")]


def test_a_stray_start_marker_before_cimis_own_pair_stays_markdown() -> None:
    # cimis writes tight pairs; a start still open when the next one comes was not cimis' and is left to Markdown.
    text = f"{passthrough.START}\n`<b>fett</b>`\n\n{passthrough.START}\n<ul><li>Liste</li></ul>\n{passthrough.END}\n"
    html = markdown.markdown(text, extensions=["generator.passthrough"])
    assert "<code>&lt;b&gt;fett&lt;/b&gt;</code>" in html and "<ul><li>Liste</li></ul>" in html
