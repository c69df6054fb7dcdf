"""German search quality: the queries in search_queries.yml, typed into the built site's search box."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from .browser import browser, site_url  # noqa: F401 (fixtures)

QUERIES = yaml.safe_load((Path(__file__).parent / "search_queries.yml").read_text("utf-8"))
# Material's German messages in the result header: the empty box, and any finished search.
IDLE = "() => document.querySelector('.md-search-result__meta').textContent === 'Suchbegriff eingeben'"
DONE = "() => /Suchergebnis/.test(document.querySelector('.md-search-result__meta').textContent)"


@pytest.fixture(scope="module")
def search_page(browser, site_url: str):  # noqa: F811 (fixtures)
    """The home page with Material's search index loaded, shared by all queries."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.goto(site_url)
    page.wait_for_function(IDLE)
    yield page
    context.close()


def search(page, query: str) -> list[str]:
    """Type ``query`` the way a reader does; the pages of the result list, best first ('faelle/slug')."""
    box = page.locator("input.md-search__input")
    # Material searches on keyup. Emptying the box first shows the idle message, so the next finished
    # search seen is the one for this query.
    box.fill("")
    box.press("End")
    page.wait_for_function(IDLE)
    box.fill(query)
    box.press("End")
    page.wait_for_function(DONE)
    hrefs = page.eval_on_selector_all(".md-search-result__item", "items => items.map(i => i.querySelector('a').href)")
    return [urlparse(href).path.strip("/") for href in hrefs]


def test_queries_cover_what_readers_type() -> None:
    assert len(QUERIES) >= 15
    assert len({q["query"] for q in QUERIES}) == len(QUERIES)


@pytest.mark.parametrize("case", QUERIES, ids=[q["query"] for q in QUERIES])
def test_search_finds_expected_entries(search_page, case: dict) -> None:
    top = case.get("top", 3)
    results = search(search_page, case["query"])
    missing = [page for page in case["expect"] if page not in results[:top]]
    assert not missing, f"{case['query']!r}: {missing} not in the first {top} results {results[:5]}"
