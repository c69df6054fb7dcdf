"""Every built page carries a strict Content-Security-Policy and a referrer policy; in Chromium the header search
and an aligned table work under it with both engines. That no page type raises a violation, served or in the
offline bundle, is checked on the same visits as privacy (test_privacy, test_zensical)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from generator import csp

from .browser import DESKTOP, browser, serve  # noqa: F401 (fixtures)
from .test_privacy import Traffic

CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
REFERRER_META = re.compile(r'<meta name="referrer" content="([^"]*)">')
# Referrer policies that send other sites no more than strict-origin-when-cross-origin does.
STRICT_REFERRERS = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


# The same project (with a page holding an aligned table) built by each engine.
@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def site(request) -> Path:
    return request.getfixturevalue({"mkdocs": "formats_site", "zensical": "zensical_site"}[request.param])


@pytest.fixture(scope="module")
def bundle(offline_bundle: Path) -> Path:
    return offline_bundle


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
    assert evaluating == {"mitmachen/fall/index.html", "mitmachen/methode/index.html", "mitmachen/format/index.html"}


def test_policy_follows_an_edited_theme_script() -> None:
    page = '<html><head><meta charset="utf-8"><script>a()</script></head><body><script>b()</script></body></html>'
    protected = csp.protect(page)
    assert csp.protect(protected) == protected
    edited = csp.protect(protected.replace("b()", "evil()"))
    assert _sha256("b()") in protected and _sha256("b()") not in edited and _sha256("evil()") in edited
    assert _sha256("a()") in edited


# --- in Chromium ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(site: Path):
    with serve(site) as url:
        yield url


@pytest.fixture
def tab(browser, served: str):  # noqa: F811 (fixture)
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    traffic = Traffic(context, served)
    yield context.new_page(), traffic
    context.close()


def test_header_search_and_aligned_table_without_violations(tab, served: str) -> None:
    page, traffic = tab
    page.goto(served)
    page.locator("input.cimis-search__input").fill("Museum")
    page.locator("input.cimis-search__input").press("Enter")
    page.wait_for_selector(".pagefind-ui__result")
    assert "/suche/" in page.url and traffic.violations(page) == []
    page.goto(served + "tabelle/")
    aligned = page.eval_on_selector_all("td", "cells => cells.map(c => getComputedStyle(c).textAlign)")
    assert aligned == ["left", "center", "right"]
    assert traffic.violations(page) == []


def test_site_policies_are_reused_only_for_unchanged_pages(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CIMIS_CACHE_DIR", str(tmp_path / "cache"))
    site = tmp_path / "site"
    site.mkdir()
    page = site / "index.html"
    page.write_text('<html><head><meta charset="utf-8"></head><body><script>a()</script></body></html>', "utf-8")
    assert csp.protect_site(site) == 1
    first = page.read_text("utf-8")
    assert _sha256("a()") in first
    # The engine writes the same page again: its placement comes from the cache, the parser is not asked.
    page.write_text(csp._INSERTED.sub("", first), "utf-8")
    with monkeypatch.context() as patch:
        patch.setattr(csp, "_placement", lambda text: pytest.fail("parsed although unchanged"))
        csp.protect_site(site)
    assert page.read_text("utf-8") == first
    # A changed page is parsed again and gets a policy of its own.
    page.write_text('<html><head><meta charset="utf-8"></head><body><script>b()</script></body></html>', "utf-8")
    csp.protect_site(site)
    assert _sha256("b()") in page.read_text("utf-8") and _sha256("a()") not in page.read_text("utf-8")
