"""No reader leaves a trace elsewhere: every page type, in Chromium, requests nothing from another host, opens no
WebSocket, sets no cookie and runs no analytics; the same for the offline bundle opened from a folder (file://),
whose search must work there. Run with ``pytest -s`` to see the request log."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from generator import pipeline

from .browser import DESKTOP, browser, serve, site_url  # noqa: F401 (fixtures)
from .conftest import TODAY, copy_project, copy_project_with_formats
from .pages import FORMAT_SITE_PAGES, PAGE_TYPES, is_local, offline_file

# Globals that the usual analytics scripts define (Google, Matomo, Plausible, Umami, Fathom).
ANALYTICS = ["dataLayer", "gtag", "ga", "_gaq", "_paq", "plausible", "umami", "fathom"]


class Traffic:
    """Every request and WebSocket of one browser context, filed under the page type being visited."""

    def __init__(self, context, base: str) -> None:
        self.base = base
        self.current = ""
        self.requests: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.sockets: list[str] = []
        self.pending = 0
        self.last = time.monotonic()
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)
        context.on("page", lambda page: page.on("websocket", lambda ws: self.sockets.append(ws.url)))

    def _started(self, request) -> None:
        self.requests[self.current].append((request.resource_type, request.url))
        self.pending += 1
        self.last = time.monotonic()

    def _ended(self, request) -> None:
        self.pending -= 1
        self.last = time.monotonic()

    def settle(self, page, quiet: float = 0.1, limit: float = 10.0) -> None:
        """Wait until no request has been in flight for ``quiet`` seconds: late requests (workers, search
        chunks, anything a script starts after load) are logged too."""
        end = time.monotonic() + limit
        while time.monotonic() < end and (self.pending > 0 or time.monotonic() - self.last < quiet):
            page.wait_for_timeout(50)

    def external(self, name: str) -> list[str]:
        return [url for _, url in self.requests[name] if not is_local(url, self.base)]

    def summary(self, name: str) -> str:
        kinds = Counter(kind for kind, _ in self.requests[name])
        detail = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
        return f"{len(self.requests[name])} requests ({detail}), external {len(self.external(name))}"


def visit(page, traffic: Traffic, name: str, url: str) -> None:
    traffic.current = name
    page.goto(url)
    traffic.settle(page)


def assert_private(page, traffic: Traffic, name: str) -> None:
    """Nothing left the site, no WebSocket, no cookie, no analytics script running."""
    print(f"\nprivacy {name}: {traffic.summary(name)}")
    assert not traffic.external(name), f"{name} requested other hosts: {traffic.external(name)}"
    assert not traffic.sockets, f"WebSockets opened: {traffic.sockets}"
    assert page.context.cookies() == [], page.context.cookies()
    assert page.evaluate("() => document.cookie") == ""
    assert page.evaluate("names => names.filter(name => name in window)", ANALYTICS) == []


def use_the_page(page, traffic: Traffic, path: str) -> None:
    """Do what a reader does on the page, so that what scripts load on demand is logged too."""
    if page.locator("[data-cimis-facets]:not([hidden])").count():
        group = page.locator("[data-cimis-facets] details[data-facet]").first
        if not group.evaluate("el => el.open"):
            group.locator("summary").click()
        group.locator("input[type=checkbox]").first.check()
        traffic.settle(page)
    if path.startswith("suche/"):
        page.wait_for_selector(".pagefind-ui__result")
        traffic.settle(page)
    if path.startswith("planer/") and page.locator("[data-cimis-block]").count():
        with page.expect_download():  # the deck loads pdf-lib and the cards: from the site itself
            page.locator("[data-cimis-deck]").click()
        traffic.settle(page)


@pytest.fixture(scope="module")
def served(browser, site_url: str):  # noqa: F811 (fixtures)
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    traffic = Traffic(context, site_url)
    page = context.new_page()
    yield page, traffic
    context.close()


@pytest.mark.parametrize("name, path", PAGE_TYPES.items(), ids=list(PAGE_TYPES))
def test_page_type_stays_on_the_site(served, site_url: str, name: str, path: str) -> None:  # noqa: F811
    page, traffic = served
    visit(page, traffic, name, site_url + path)
    use_the_page(page, traffic, path)
    assert_private(page, traffic, name)


def test_header_search_stays_on_the_site(served, site_url: str) -> None:  # noqa: F811
    """The header form leads to /suche/, where Pagefind loads its index chunks from the site itself."""
    page, traffic = served
    visit(page, traffic, "header search", site_url)
    page.locator("input.cimis-search__input").fill("Museum")
    page.locator("input.cimis-search__input").press("Enter")
    page.wait_for_selector(".pagefind-ui__result")
    traffic.settle(page)
    assert any("/pagefind/" in url for _, url in traffic.requests["header search"])
    assert_private(page, traffic, "header search")


@pytest.fixture(scope="module")
def offline_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content built as the offline bundle (``cimis build --offline``)."""
    root = copy_project(tmp_path_factory.mktemp("offline") / "project")
    out = root / "offline"
    outcome = pipeline.build(root, TODAY, out=out, offline=True)
    assert not outcome.failed, outcome.diagnostics
    return out


@pytest.fixture(scope="module")
def from_folder(browser, offline_bundle: Path):  # noqa: F811 (fixtures)
    """A tab on the offline bundle opened from its folder, as from a USB stick."""
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    base = offline_bundle.as_uri() + "/"
    traffic = Traffic(context, base)
    page = context.new_page()
    yield page, traffic, base
    context.close()


def test_offline_bundle_stays_in_its_folder(from_folder, offline_bundle: Path) -> None:
    page, traffic, base = from_folder
    visited = 0
    for name, path in PAGE_TYPES.items():
        local = offline_file(offline_bundle, path)
        # Not in a folder: the search page (the bundle searches in the header, next test) and 404.html, which
        # only a web server shows, so its links start at the server's root.
        if not local or name == "404":
            continue
        visit(page, traffic, f"offline {name}", base + local)
        use_the_page(page, traffic, path)
        assert_private(page, traffic, f"offline {name}")
        visited += 1
    assert visited == len(PAGE_TYPES) - 2


def test_offline_bundle_search_works_from_the_folder(from_folder) -> None:
    page, traffic, base = from_folder
    visit(page, traffic, "offline search", base + "index.html")
    box = page.locator("input.md-search__input")
    box.click()  # from file:// Material starts its search worker only when the search opens
    box.fill("Museum")
    box.press("End")
    page.wait_for_function("() => /Suchergebnis/.test(document.querySelector('.md-search-result__meta').textContent)")
    results = page.eval_on_selector_all(".md-search-result__item a", "links => links.map(a => a.href)")
    assert results and all(url.startswith(base) and ".html" in url for url in results), results
    page.locator(".md-search-result__item a").first.click()
    page.wait_for_load_state()
    assert page.url.startswith(base) and page.title()
    traffic.settle(page)
    print(f"\noffline search: {len(results)} results for 'Museum', first {results[0]}")
    assert any("search_index.js" in url for _, url in traffic.requests["offline search"])
    assert_private(page, traffic, "offline search")


@pytest.fixture(scope="module")
def formats_served(browser, formats_site: Path):  # noqa: F811 (fixtures)
    with serve(formats_site) as url:
        context = browser.new_context(viewport=DESKTOP, service_workers="block")
        traffic = Traffic(context, url)
        yield context.new_page(), traffic, url
        context.close()


@pytest.mark.parametrize("name, path", FORMAT_SITE_PAGES.items(), ids=list(FORMAT_SITE_PAGES))
def test_format_pages_stay_on_the_site(formats_served, name: str, path: str) -> None:
    page, traffic, url = formats_served
    visit(page, traffic, name, url + path)
    use_the_page(page, traffic, path)
    assert_private(page, traffic, name)


def test_offline_bundle_has_the_formats(browser, tmp_path: Path) -> None:  # noqa: F811 (fixture)
    """A format page in the bundle opened from its folder: local only, clock times set, planner link in the bundle."""
    root = copy_project_with_formats(tmp_path / "project")
    out = root / "offline"
    assert not pipeline.build(root, TODAY, out=out, offline=True).failed
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    base = out.as_uri() + "/"
    traffic = Traffic(context, base)
    page = context.new_page()
    try:
        visit(page, traffic, "offline format", base + "formate/zwei-tage-werkstatt.html")
        page.locator("[data-cimis-start]").fill("08:00")
        page.locator("[data-cimis-start]").dispatch_event("change")
        assert page.locator("[data-cimis-time]").first.inner_text() == "08:00"
        assert page.locator("a[data-cimis-planner]").get_attribute("href") == \
            "../planer/index.html?format=zwei-tage-werkstatt"
        assert (out / "karten" / "formate" / "zwei-tage-werkstatt.pdf").is_file()
        assert (out / "formate" / "index.html").is_file() and (out / "daten" / "formate.json").is_file()
        assert_private(page, traffic, "offline format")
    finally:
        context.close()
