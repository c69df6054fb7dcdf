"""The second engine: the same staged tree built with Zensical is a whole, accessible, private site."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from generator import pipeline

from .browser import DESKTOP, browser, serve  # noqa: F401 (fixtures)
from .conftest import TODAY
from .pages import PAGE_TYPES
from .test_accessibility import axe_pages, describe, run_axe, show_everything  # noqa: F401 (fixture)
from .test_links import broken_links
from .test_privacy import Traffic, assert_private, use_the_page

# The page types a reader meets most; every kind of template is among them.
MAIN_TYPES = ("start", "faelle-gefiltert", "methoden-gefiltert", "fall", "methode", "regionen", "region",
              "branche-leer", "matrix", "karten", "mitmachen", "daten", "ueber", "suche")


def pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html") if not p.is_relative_to(site / "pagefind")}


@pytest.fixture(scope="module")
def zensical_url(zensical_site: Path):
    with serve(zensical_site) as url:
        yield url


def test_both_engines_build_the_same_pages(formats_site: Path, zensical_site: Path) -> None:
    assert pages(zensical_site) == pages(formats_site)
    assert (zensical_site / "pagefind" / "pagefind.js").is_file()
    assert (zensical_site / "karten" / "methodenkarten-a6.pdf").read_bytes() == \
        (formats_site / "karten" / "methodenkarten-a6.pdf").read_bytes()


def test_zensical_site_has_no_broken_links(zensical_site: Path) -> None:
    assert broken_links(zensical_site) == []


def test_zensical_broken_link_is_placed_in_its_source(project: Path) -> None:
    file = project / "content" / "ueber.md"
    file.write_text(file.read_text("utf-8") + "\nSiehe [den Fall](../cases/gibt-es-nicht.md).\n", "utf-8")
    line = file.read_text("utf-8").count("\n")
    outcome = pipeline.build(project, TODAY, engine="zensical")
    assert outcome.failed
    assert [(d.path, d.line, d.code, d.message) for d in outcome.diagnostics] == [
        ("content/ueber.md", line, "broken-link", "Der Link '../cases/gibt-es-nicht.md' führt ins Leere")]
    assert not (project / "site").exists()


# Each page type at one width, desktop and phone taking turns: both layouts of the theme are checked, and
# test_accessibility checks every page type at both widths with MkDocs, whose templates Zensical uses too.
@pytest.mark.parametrize("name, width", list(zip(MAIN_TYPES, itertools.cycle(("desktop", "phone")))))
def test_zensical_page_has_no_wcag_violations(axe_pages, zensical_url: str, name: str, width: str) -> None:  # noqa: F811
    path = PAGE_TYPES[name]
    page = axe_pages[width]
    response = page.goto(zensical_url + path)
    assert response is not None and response.ok
    show_everything(page, path)
    violations = run_axe(page)["violations"]
    assert not violations, f"axe violations on /{path} (Zensical, {width}):\n{describe(violations)}"


def test_zensical_pages_stay_on_the_site(browser, zensical_url: str) -> None:  # noqa: F811
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    traffic = Traffic(context, zensical_url)
    page = context.new_page()
    try:
        for name in MAIN_TYPES:
            traffic.current = name
            page.goto(zensical_url + PAGE_TYPES[name])
            traffic.settle(page)
            use_the_page(page, traffic, PAGE_TYPES[name])
            assert_private(page, traffic, f"zensical {name}")
    finally:
        context.close()
