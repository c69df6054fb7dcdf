"""No reader leaves a trace elsewhere: every page type, in Chromium, requests nothing from another host, opens no
WebSocket, sets no cookie and runs no analytics; the same for the offline bundle opened from a folder (file://),
one page of each kind in the browser and every page read for what it would load; its search must work there.
Run with ``pytest -s`` to see the request log."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urljoin

import pytest

from .browser import DESKTOP, browser, site_url  # noqa: F401 (fixtures)
from .conftest import REPO
from .pages import PAGE_TYPES, is_local, offline_file, start_tags

CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")
# Globals that the usual analytics scripts define (Google, Matomo, Plausible, Umami, Fathom).
ANALYTICS = ["dataLayer", "gtag", "ga", "_gaq", "_paq", "plausible", "umami", "fathom"]
WATCH_POLICY = """window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
}, true);"""


class Traffic:
    """Every request and WebSocket of one browser context, filed under the page type being visited, and every
    Content-Security-Policy violation: the DOM event and Chromium's console report (which also covers frames,
    such as the offline search's worker frame)."""

    def __init__(self, context, base: str) -> None:
        self.base = base
        self.current = ""
        self.requests: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.sockets: list[str] = []
        self.console: list[str] = []
        self.pending = 0
        self.last = time.monotonic()
        context.add_init_script(WATCH_POLICY)
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)
        context.on("page", self._watch)

    def _watch(self, page) -> None:
        page.on("websocket", lambda ws: self.sockets.append(ws.url))
        page.on("console", lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None)

    def violations(self, page) -> list[str]:
        """The policy violations since the last call."""
        found = self.console + page.evaluate("() => window.__violations || []")
        self.console.clear()
        return found

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
    """Nothing left the site, no WebSocket, no cookie, no analytics script running, no policy violated."""
    print(f"\nprivacy {name}: {traffic.summary(name)}")
    assert traffic.violations(page) == [], f"{name} violated the Content-Security-Policy"
    assert not traffic.external(name), f"{name} requested other hosts: {traffic.external(name)}"
    assert not traffic.sockets, f"WebSockets opened: {traffic.sockets}"
    assert page.context.cookies() == [], page.context.cookies()
    assert page.evaluate("() => document.cookie") == ""
    assert page.evaluate("names => names.filter(name => name in window)", ANALYTICS) == []


def visible_entries(page) -> int:
    return page.eval_on_selector_all("li.cimis-entry", "items => items.filter(i => !i.hidden).length")


def filter_the_list(page, path: str) -> None:
    """Tick filters until the list changes, as a reader would: within a group filters combine with OR, so
    not every choice changes the list. The list follows each change at once (facets.js)."""
    before = visible_entries(page)
    for group in page.locator("[data-cimis-facets] details[data-facet]").all():
        if not group.evaluate("el => el.open"):
            group.locator("summary").click()
        for box in group.locator("input[type=checkbox]").all():
            box.uncheck() if box.is_checked() else box.check()
            if visible_entries(page) != before:
                return
            box.uncheck() if box.is_checked() else box.check()
    raise AssertionError(f"{path}: the filter did not filter")


def use_the_page(page, traffic: Traffic, path: str) -> None:
    """Do what a reader does on the page, so that what scripts load on demand is logged too; asserts that the
    page's scripts work under its policy."""
    # The palette script (inline, allowed by its hash) sets the colour scheme; the theme's bundle runs.
    page.wait_for_function("() => document.body.hasAttribute('data-md-color-scheme') && typeof __md_scope === 'object'")
    if page.locator("[data-cimis-facets]:not([hidden])").count():
        filter_the_list(page, path)
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
def from_folder(browser, offline_bundle: Path):  # noqa: F811 (fixtures)
    """A tab on the offline bundle opened from its folder, as from a USB stick."""
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    base = offline_bundle.as_uri() + "/"
    traffic = Traffic(context, base)
    page = context.new_page()
    yield page, traffic, base
    context.close()


# The bundle's pages come from the templates of the served site, where every page type is visited. Here the
# browser opens one page of each kind of script and link that the bundle rewrites (lists with filters, the map,
# the planner with its card script, a form, the data downloads); every page is read for what it would load.
OFFLINE_VISITS = ("start", "faelle-gefiltert", "fall", "methode", "regionen", "matrix", "karten", "planer-mit-plan",
                  "formular-fall", "daten", "ueber")
LOADS = {"link": "href", "script": "src", "img": "src", "source": "src", "video": "poster", "audio": "src",
         "iframe": "src", "embed": "src", "object": "data"}


def test_offline_bundle_stays_in_its_folder(from_folder, offline_bundle: Path) -> None:
    page, traffic, base = from_folder
    for name in OFFLINE_VISITS:
        local = offline_file(offline_bundle, PAGE_TYPES[name])
        assert local, f"{name} is missing from the offline bundle"
        visit(page, traffic, f"offline {name}", base + local)
        use_the_page(page, traffic, PAGE_TYPES[name])
        assert_private(page, traffic, f"offline {name}")


def test_no_offline_page_loads_anything_from_outside_its_folder(offline_bundle: Path) -> None:
    outside = []
    # 404.html only a web server shows, so its links start at the server's root.
    pages = sorted(p for p in offline_bundle.rglob("*.html") if p.name != "404.html")
    for file in pages:
        name = file.relative_to(offline_bundle).as_posix()
        urls = []
        for tag, attrs in start_tags(file.read_text("utf-8")):
            if (value := attrs.get(LOADS.get(tag, ""))) and not (
                    tag == "link" and {"canonical", "alternate"} & set((attrs.get("rel") or "").split())):
                urls.append((tag, value))
            urls += [(tag, url) for url in CSS_URL.findall(attrs.get("style") or "")]
        for tag, value in urls:
            url = urljoin(f"file:///usb/{name}", value)
            if not (url.startswith("file:///usb/") or url.startswith("data:")):
                outside.append(f"{name}: <{tag}> {value}")
    assert len(pages) > 100, f"only {len(pages)} pages in the bundle"
    assert outside == [], "offline pages load from outside their folder:\n" + "\n".join(outside)


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


def test_offline_bundle_has_the_formats(from_folder, offline_bundle: Path) -> None:
    """A multi-day format page in the bundle opened from its folder: local only, clock times set, planner link."""
    page, traffic, base = from_folder
    slug = next(p.stem for p in sorted((REPO / "formats").glob("*.md")) if "\ndays: " in p.read_text("utf-8"))
    visit(page, traffic, "offline format", base + f"formate/{slug}.html")
    page.locator("[data-cimis-start]").fill("08:00")
    page.locator("[data-cimis-start]").dispatch_event("change")
    assert page.locator("[data-cimis-time]").first.inner_text() == "08:00"
    assert page.locator("a[data-cimis-planner]").get_attribute("href") == f"../planer/index.html?format={slug}"
    assert (offline_bundle / "karten" / "formate" / f"{slug}.pdf").is_file()
    assert (offline_bundle / "formate" / "index.html").is_file() and (offline_bundle / "daten" / "formate.json").is_file()
    assert_private(page, traffic, "offline format")
