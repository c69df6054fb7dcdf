"""German search quality: the queries in search_queries.yml, run through the built site's Pagefind search."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import yaml

from .browser import browser, site_url  # noqa: F401 (fixtures)

RESULT = ".pagefind-ui__result > .pagefind-ui__result-inner > .pagefind-ui__result-title > a"
QUERIES = yaml.safe_load((Path(__file__).parent / "search_queries.yml").read_text("utf-8"))
# An entry's own page; everything else (home, matrix, overviews, index pages, cards, guide) is a hub.
ENTRY_PAGE = re.compile(r"^(faelle|methoden|formate)/[^/]+$")


@pytest.fixture(scope="module")
def search_page(browser, site_url: str):  # noqa: F811 (fixtures)
    """The search page, opened once as the header form opens it (/suche/?q=…); the queries are then typed into
    its own search box, as a reader searching again does. A page load per query was half the module's time."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.goto(f"{site_url}suche/?q={quote(QUERIES[0]['query'])}")
    yield page
    context.close()


def search(page, query: str) -> list[str]:
    """The pages Pagefind lists for ``query``, best first ('faelle/slug'); sub-results left out."""
    box = page.get_by_role("search", name="Suche diese Seite").get_by_role("textbox")  # not the header's box
    if box.input_value() != query:
        box.fill(query)
    # Pagefind announces the count for the query first ("12 Ergebnisse für Museen"), then fills in results
    # as their fragments arrive; until then the previous query's results may still stand.
    page.wait_for_function(f"""query => {{
        const message = document.querySelector('.pagefind-ui__message')?.textContent || '';
        if (!message.endsWith(' für ' + query)) return false;
        if (/^Keine/.test(message)) return true;
        const count = parseInt(message, 10);
        return count > 0 && document.querySelectorAll('{RESULT}').length >= Math.min(count, 5);
    }}""", arg=query)
    hrefs = page.eval_on_selector_all(RESULT, "links => links.map(a => a.href)")
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
    if case.get("above_hubs"):
        first_hub = next((i for i, page in enumerate(results) if not ENTRY_PAGE.match(page)), len(results))
        late = [page for page in case["expect"] if results.index(page) > first_hub]
        assert not late, f"{case['query']!r}: the hub {results[first_hub]!r} ranks above {late}: {results[:5]}"


def test_some_queries_rank_entries_above_hubs() -> None:
    assert sum(bool(q.get("above_hubs")) for q in QUERIES) >= 5
