"""Every built page carries a strict Content-Security-Policy and a referrer policy; in Chromium no page type
raises a policy violation and everything still works, on the served site and in the offline bundle (file://)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from generator import csp, pipeline

from .browser import DESKTOP, browser, serve  # noqa: F401 (fixtures)
from .conftest import TODAY, copy_project
from .pages import PAGE_TYPES, offline_file

CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
REFERRER_META = re.compile(r'<meta name="referrer" content="([^"]*)">')
# Referrer policies that send other sites no more than strict-origin-when-cross-origin does.
STRICT_REFERRERS = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
# A page of its own with an aligned table: the tables extension aligns with style attributes.
TABLE_PAGE = """---
title: Tabelle
---

# Tabelle

| Links | Mitte | Rechts |
|:------|:-----:|-------:|
| a     | b     | c      |
"""
WATCH = """window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
}, true);"""


def _project(tmp_path_factory, name: str) -> Path:
    root = copy_project(tmp_path_factory.mktemp(name) / "project")
    (root / "content" / "tabelle.md").write_text(TABLE_PAGE, "utf-8")
    return root


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def site(request, tmp_path_factory) -> Path:
    root = _project(tmp_path_factory, f"csp-{request.param}")
    outcome = pipeline.build(root, TODAY, engine=request.param)
    assert not outcome.failed, outcome.diagnostics
    return root / "site"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    root = _project(tmp_path_factory, "csp-offline")
    out = root / "offline"
    outcome = pipeline.build(root, TODAY, out=out, offline=True)
    assert not outcome.failed, outcome.diagnostics
    return out


def _policy(text: str) -> dict[str, list[str]]:
    (content,) = CSP_META.findall(text)
    return {d.split()[0]: d.split()[1:] for d in content.split("; ")}


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def inline_allowed(text: str) -> bool:
    """True when the page's policy allows each of its inline scripts and style attributes by hash."""
    policy = _policy(text)
    scripts = {_sha256(script) for script in re.findall(r"<script>(.*?)</script>", text, re.S)}
    styles = {_sha256(style) for style in re.findall(r'\sstyle="([^"]*)"', text)}
    return scripts <= set(policy["script-src"]) and styles <= set(policy["style-src"]) and \
        (not styles or "'unsafe-hashes'" in policy["style-src"])


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def test_every_page_carries_the_policy_first_in_its_head(site: Path, bundle: Path) -> None:
    for folder in (site, bundle):
        _assert_policy_first(folder)


def _assert_policy_first(folder: Path) -> None:
    pages = _pages(folder)
    assert len(pages) > 100
    for page in pages:
        text = page.read_text("utf-8")
        head = text[text.index("<head>"):text.index("</head>")]
        assert len(CSP_META.findall(text)) == 1 and len(REFERRER_META.findall(text)) == 1, page
        assert REFERRER_META.search(text).group(1) in STRICT_REFERRERS
        first = CSP_META.search(head).start()
        later = [m.start() for m in re.finditer(r"<(script|link|style|base)\b", head)]
        assert later and first < min(later), f"{page}: the policy must come before any script, style or link"
        assert head.index('<meta charset="utf-8">') < first


def test_policy_is_strict_and_allows_exactly_the_inline_scripts(site: Path, bundle: Path) -> None:
    for folder in (site, bundle):
        _assert_strict(folder)


def _assert_strict(folder: Path) -> None:
    for page in _pages(folder):
        text = page.read_text("utf-8")
        policy = _policy(text)
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:"]
        values = [v for sources in policy.values() for v in sources]
        # The one exception: the two contribution forms, whose validator (ajv) compiles the schema; see below.
        loads_validator = "vendor/form-vendor.js" in text
        assert ("'unsafe-eval'" in policy["script-src"]) is loads_validator, page
        assert not [v for v in values if v in ("'unsafe-inline'", "*", "http:", "https:", "blob:")
                    or "://" in v or v.startswith("//")], page
        # Material's inline scripts carry no attributes; data blocks (JSON, JSON-LD) have a type and are not run.
        inline = re.findall(r"<script>(.*?)</script>", text, re.S)
        assert inline and not re.search(r"<script(?![^>]*\b(src|type)=)[^>]+>", text)
        hashes = [v for v in policy["script-src"] if v.startswith("'sha256-")]
        assert sorted(hashes) == sorted({_sha256(script) for script in inline}), page
        loads_pagefind = "pagefind/pagefind-ui.js" in text
        assert ("'wasm-unsafe-eval'" in policy["script-src"]) is loads_pagefind
        assert policy["form-action"] == (["'self'"] if "<form" in text else ["'none'"])
        styles = re.findall(r'\sstyle="([^"]*)"', text)
        assert policy["style-src"] == (["'self'", "'unsafe-hashes'", *sorted({_sha256(s) for s in styles})]
                                       if styles else ["'self'"]), page


def test_only_the_search_page_may_run_webassembly(site: Path) -> None:
    wasm = {p.relative_to(site).as_posix() for p in _pages(site) if "'wasm-unsafe-eval'" in p.read_text("utf-8")}
    assert wasm == {"suche/index.html"}


def test_only_the_contribution_forms_may_compile_code(site: Path) -> None:
    evaluating = {p.relative_to(site).as_posix() for p in _pages(site)
                  if "'unsafe-eval'" in _policy(p.read_text("utf-8"))["script-src"]}
    assert evaluating == {"mitmachen/fall/index.html", "mitmachen/methode/index.html"}


def test_policy_follows_an_edited_theme_script() -> None:
    page = '<html><head><meta charset="utf-8"><script>a()</script></head><body><script>b()</script></body></html>'
    protected = csp.protect(page)
    assert csp.protect(protected) == protected
    edited = csp.protect(protected.replace("b()", "evil()"))
    assert _sha256("b()") in protected and _sha256("b()") not in edited and _sha256("evil()") in edited
    assert _sha256("a()") in edited


# --- in Chromium ---------------------------------------------------------------------------------------

class Watched:
    """A browser tab that records every CSP violation: the DOM event and Chromium's console report (which also
    covers frames, such as the offline search's worker frame)."""

    def __init__(self, browser) -> None:  # noqa: F811 (fixture)
        self.context = browser.new_context(viewport=DESKTOP, service_workers="block")
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None)

    def violations(self) -> list[str]:
        found = self.console + self.page.evaluate("() => window.__violations || []")
        self.console.clear()
        return found

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def served(site: Path):
    with serve(site) as url:
        yield url


@pytest.fixture
def tab(browser):  # noqa: F811 (fixture)
    watched = Watched(browser)
    yield watched
    watched.close()


def visible_entries(page) -> int:
    return page.eval_on_selector_all("li.cimis-entry", "items => items.filter(i => !i.hidden).length")


def use(page, path: str) -> None:
    """What a reader does on the page; asserts that the page's scripts work under the policy."""
    # The palette script (inline, allowed by its hash) sets the colour scheme; the theme's bundle wraps tables.
    page.wait_for_function("() => document.body.hasAttribute('data-md-color-scheme') && typeof __md_scope === 'object'")
    if page.locator("[data-cimis-facets]").count():
        before = visible_entries(page)
        # Filters combine with OR within a group, so not every choice changes the list: try them in turn
        # until one does, as a reader would.
        changed = False
        for group in page.locator("[data-cimis-facets] details[data-facet]").all():
            if not group.evaluate("el => el.open"):
                group.locator("summary").click()
            for box in group.locator("input[type=checkbox]").all():
                box.uncheck() if box.is_checked() else box.check()
                page.wait_for_timeout(100)
                if visible_entries(page) != before:
                    changed = True
                    break
                box.uncheck() if box.is_checked() else box.check()
            if changed:
                break
        assert changed, f"{path}: the filter did not filter"
    if path.startswith("suche"):
        page.wait_for_selector(".pagefind-ui__result")


@pytest.mark.parametrize("name, path", PAGE_TYPES.items(), ids=list(PAGE_TYPES))
def test_page_type_works_without_violations(tab: Watched, served: str, name: str, path: str) -> None:
    tab.page.goto(served + path)
    use(tab.page, path)
    assert tab.violations() == []


def test_header_search_and_aligned_table_without_violations(tab: Watched, served: str) -> None:
    page = tab.page
    page.goto(served)
    page.locator("input.cimis-search__input").fill("Museum")
    page.locator("input.cimis-search__input").press("Enter")
    page.wait_for_selector(".pagefind-ui__result")
    assert "/suche/" in page.url and tab.violations() == []
    page.goto(served + "tabelle/")
    aligned = page.eval_on_selector_all("td", "cells => cells.map(c => getComputedStyle(c).textAlign)")
    assert aligned == ["left", "center", "right"]
    assert tab.violations() == []


def test_offline_bundle_works_from_the_folder_without_violations(tab: Watched, bundle: Path) -> None:
    page, base = tab.page, bundle.as_uri() + "/"
    visited = 0
    for name, path in PAGE_TYPES.items():
        local = offline_file(bundle, path)
        if not local or name == "404":  # 404.html's links start at a web server's root
            continue
        page.goto(base + local)
        use(page, path)
        assert tab.violations() == [], name
        visited += 1
    assert visited == len(PAGE_TYPES) - 2
    page.goto(base + "index.html")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("Museum")
    box.press("End")
    page.wait_for_function("() => /Suchergebnis/.test(document.querySelector('.md-search-result__meta').textContent)")
    assert page.locator(".md-search-result__item a").count() > 0
    assert tab.violations() == []
