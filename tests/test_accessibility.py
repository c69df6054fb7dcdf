"""WCAG 2.1 A and AA in a real browser: axe-core on every page type, light and dark palette, desktop and phone.

Each page type gets every rule at desktop width, in the light palette or the dark one by turns from one page type
to the next, and every rule but the colour rules at phone width: the palettes set the same colours at every
width. The lists, whose filters fold into a panel of their own on a phone, get the colour rules there too, in
the other palette; the case with an image and the navigation drawer get both palettes, the forms' messages every
rule (tests/test_forms.py).

axe-core comes from PyPI (axe-playwright-python bundles axe.min.js; installed by the test extra); nothing is
fetched at test time. Run with ``pytest -s`` to see the per-page summary.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator import pipeline

from .browser import DESKTOP, PHONE, _unavailable, browser, serve, site_url  # noqa: F401 (fixtures)
from .conftest import REPO, TODAY, lean_project
from .pages import PAGE_TYPES, start_tags

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
# A palette changes colours only: in the second palette the rules that read colours are enough.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
AXE_COLOUR_OPTIONS = {"runOnly": {"type": "rule", "values": COLOUR_RULES}, "resultTypes": ["violations"]}
# The colour rules are about 85 % of axe's time on a page.
AXE_LAYOUT_OPTIONS = {**AXE_OPTIONS, "rules": {rule: {"enabled": False} for rule in COLOUR_RULES}}
SCHEME_NAMES = {"default": "hell", "slate": "dunkel"}
SCHEMES = tuple(SCHEME_NAMES)
# axe must see final colours, not a palette switch or tooltip half-way through its transition. Switching
# transitions off saves waiting for them (a quarter second after every switch). The site's CSP refuses a
# <style> element; a constructed style sheet is CSSOM, which the CSP allows.
NO_TRANSITIONS = """document.addEventListener("DOMContentLoaded", () => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync("*, *::before, *::after { transition: none !important; animation: none !important; }");
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
});"""
SETTLE = """() => Promise.all(document.getAnimations()
    .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity).map(a => a.finished.catch(() => null)))"""
TRANSITIONS_OFF = """() => { const probe = document.createElement("div"); probe.className = "md-tooltip";
  document.body.append(probe); const off = getComputedStyle(probe).transitionDuration === "0s"; probe.remove(); return off; }"""
PALETTE_TOGGLE = "[data-md-component=palette] label:not([hidden])"


def axe_script() -> Path:
    try:
        import axe_playwright_python
    except ImportError:
        return Path()
    return Path(axe_playwright_python.__file__).parent / "axe.min.js"


@pytest.fixture(scope="module")
def axe_pages(request, browser):  # noqa: F811 (fixture)
    """One tab per width, each with axe-core loaded into every document it opens."""
    script = axe_script()
    if not script.is_file():
        _unavailable(request, "the Python package 'axe-playwright-python' is missing (pip install -e '.[test]')")
    contexts = {}
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        contexts[width] = browser.new_context(viewport=viewport, service_workers="block")
        contexts[width].add_init_script(path=str(script))
        contexts[width].add_init_script(NO_TRANSITIONS)
    yield {width: context.new_page() for width, context in contexts.items()}
    for context in contexts.values():
        context.close()


def run_axe(page, options: dict = AXE_OPTIONS) -> dict:
    page.evaluate(SETTLE)
    return page.evaluate("options => axe.run(document, options)", options)


def scheme(page) -> str:
    return page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")


def toggle_palette(page) -> None:
    """Switch the palette with Material's header button, as a reader does, then move the mouse off it."""
    before = scheme(page)
    page.locator(PALETTE_TOGGLE).click()
    page.wait_for_function("s => document.body.getAttribute('data-md-color-scheme') !== s", arg=before)
    # Off the button, to the page's left edge half-way down: the page margin, where no link and so no tooltip
    # is (a corner can hold the footer's next-page link, whose tooltip would open while axe runs).
    page.mouse.move(0, page.viewport_size["height"] // 2)


def show_everything(page, path: str) -> None:
    """Bring the page into the state a reader works with: filters open, search results shown."""
    if path.startswith(("faelle/", "methoden/", "formate/")) and page.locator("[data-cimis-facets]").count():
        page.wait_for_selector("[data-cimis-facets]:not([hidden])")
        panel = page.locator(".cimis-facets__panel")
        if not panel.evaluate("el => el.open"):  # folded on a phone: open it as a reader does
            panel.locator("> summary").click()
        page.evaluate("() => document.querySelectorAll('.cimis-facets details').forEach(d => { d.open = true; })")
    if path.startswith("suche/"):
        page.wait_for_selector(".pagefind-ui__result")
    if page.locator("[data-cimis-start]").count():  # a format's timetable, moved to another start
        page.locator("[data-cimis-start]").fill("10:00")
        page.locator("[data-cimis-start]").dispatch_event("change")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def check_both_palettes(page, label: str) -> dict[str, dict]:
    """All WCAG rules in the palette the page opened with, the colour rules in the other; results by palette.

    The palette stays switched for the tab's next page (Material keeps it), so the palettes take turns
    in getting the full run.
    """
    # Material's tooltips fade in over a quarter second; were the sheet refused, axe would read them half-way.
    assert page.evaluate(TRANSITIONS_OFF), f"{label}: transitions are still on, axe would read colours mid-fade"
    results = {SCHEME_NAMES[scheme(page)]: run_axe(page)}
    toggle_palette(page)
    results[SCHEME_NAMES[scheme(page)]] = run_axe(page, AXE_COLOUR_OPTIONS)
    assert set(results) == {"hell", "dunkel"}, f"{label}: the palette toggle did not switch"
    return results


def report(name: str, path: str, runs: dict[str, dict]) -> list[str]:
    """Print one summary line per page type; return the failures."""
    counts = ", ".join(f"{variant} {len(r['violations'])}" for variant, r in runs.items())
    passed = max(len(r["passes"]) for r in runs.values())
    review = sorted({i["id"] for r in runs.values() for i in r["incomplete"]})
    print(f"\naxe {name} (/{path}): violations {counts}; rules passed {passed}; "
          f"to review by hand: {', '.join(review) or 'none'}")
    return [f"{variant}:\n{describe(r['violations'])}" for variant, r in runs.items() if r["violations"]]


def folds_filters(page, path: str) -> bool:
    """Whether the page is a list whose filters a phone shows folded, in a panel of their own."""
    return path.startswith(("faelle/", "methoden/", "formate/")) and page.locator("[data-cimis-facets]").count() > 0


@pytest.mark.parametrize("name, path", PAGE_TYPES.items(), ids=list(PAGE_TYPES))
def test_page_type_has_no_wcag_violations(axe_pages, site_url: str, name: str, path: str) -> None:  # noqa: F811
    # A trade-off for the suite's time: each page type is checked for colour in one palette, the next page type
    # in the other (the components recur from page to page), and the phone's layout without the colour rules
    # but on the lists, whose folded filters only a phone shows. Both palettes at both widths took twice as long.
    turn = list(PAGE_TYPES).index(name)
    runs = {}
    for i, (width, page) in enumerate(axe_pages.items()):
        response = page.goto(site_url + path)
        assert response is not None and response.ok, f"/{path}: {response.status if response else 'no response'}"
        show_everything(page, path)
        colours = width == "desktop" or folds_filters(page, path)
        wanted = SCHEMES[(turn + i) % 2]
        if colours and scheme(page) != wanted:
            toggle_palette(page)
        assert not colours or scheme(page) == wanted, f"/{path} ({width}): the palette toggle did not switch"
        assert page.evaluate(TRANSITIONS_OFF), f"/{path} ({width}): transitions are still on, axe would read colours mid-fade"
        label = f"{width} {SCHEME_NAMES[scheme(page)]}" if colours else f"{width} ohne Farbregeln"
        runs[label] = run_axe(page, AXE_OPTIONS if colours else AXE_LAYOUT_OPTIONS)
    failures = report(name, path, runs)
    assert not failures, f"axe violations on /{path}:\n" + "\n".join(failures)


def test_open_navigation_drawer_has_no_wcag_violations(axe_pages, site_url: str) -> None:  # noqa: F811
    """The phone's navigation drawer, open, in both palettes."""
    page = axe_pages["phone"]
    page.goto(site_url)
    drawer = page.locator("#__drawer")
    results = {}
    for _ in range(2):
        page.locator(".md-header label[for=__drawer]").click()
        page.wait_for_function("() => document.getElementById('__drawer').checked")
        results[SCHEME_NAMES[scheme(page)]] = run_axe(page)
        drawer.evaluate("box => { box.checked = false; }")  # the open drawer covers the palette button
        if len(results) == 1:
            toggle_palette(page)
    failures = report("navigation drawer (phone)", "", results)
    assert not failures, "\n".join(failures)


def test_skip_link_leads_to_the_content(axe_pages, site_url: str) -> None:  # noqa: F811
    page = axe_pages["desktop"]
    page.goto(site_url + PAGE_TYPES["methode"])
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.evaluate("el => el.classList.contains('md-skip')"), "the first Tab stop is not the skip link"
    assert skip.inner_text().strip() == "Zum Inhalt"
    page.evaluate(SETTLE)
    assert skip.is_visible() and skip.evaluate("el => getComputedStyle(el).opacity") == "1"
    target = skip.get_attribute("href")
    assert page.locator(target).count() == 1, f"the skip link points to {target}, which is not on the page"
    page.keyboard.press("Enter")
    assert page.url.endswith(target)


def test_every_page_is_german_and_every_image_has_alt_text(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 50
    for path in pages:
        if path.is_relative_to(built_site / "pagefind"):
            continue
        tags = start_tags(path.read_text("utf-8"))
        lang = next((attrs.get("lang") for tag, attrs in tags if tag == "html"), None)
        assert lang == "de", f"{path.relative_to(built_site)}: lang={lang!r}"
        without_alt = [attrs.get("src") or "?" for tag, attrs in tags if tag == "img"
                       and not (attrs.get("alt") or "").strip() and attrs.get("role") != "presentation"]
        assert not without_alt, f"{path.relative_to(built_site)}: images without alt text {without_alt}"
    assert "<h1>Seite nicht gefunden</h1>" in (built_site / "404.html").read_text("utf-8")  # not the theme's English


CASE_IMAGE_ALT = "Zwei Frauen testen an einem Webstuhl die AR-Ansicht auf einem Tablet"


@pytest.fixture(scope="module")
def site_with_image(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The shipped pages, methods and formats with one shipped case, given an image (the shipped cases have
    none): site and case slug."""
    from PIL import Image

    case = sorted((REPO / "cases").glob("*.md"))[0]
    root = lean_project(tmp_path_factory.mktemp("image") / "project", "methods", "formats", f"cases/{case.stem}")
    case = root / "cases" / case.name
    (root / "cases" / case.stem).mkdir()
    Image.new("RGB", (64, 40), (64, 81, 181)).save(root / "cases" / case.stem / "foto.png")
    text = case.read_text("utf-8")
    end = text.index("\n---", 3)
    image = f'\nimage:\n  src: foto.png\n  alt: "{CASE_IMAGE_ALT}"\n  credit: "Foto: Verein"'
    case.write_text(text[:end] + image + text[end:], "utf-8")
    outcome = pipeline.build(root, TODAY)
    assert not outcome.failed, outcome.diagnostics
    return root / "site", case.stem


def test_a_case_image_has_its_alt_text_and_credit(axe_pages, site_with_image) -> None:
    site, slug = site_with_image
    html = (site / "faelle" / slug / "index.html").read_text("utf-8")
    assert re.search(rf'<img[^>]* alt="{CASE_IMAGE_ALT}"', html), "the case image lost its alt text"
    assert "<figcaption>Bild: Foto: Verein</figcaption>" in html
    with serve(site) as url:
        page = axe_pages["desktop"]
        page.goto(f"{url}faelle/{slug}/")
        results = check_both_palettes(page, "case with image")
        assert page.locator("figure img").evaluate("img => img.complete && img.naturalWidth") == 64
    failures = report("case with image", f"faelle/{slug}/", results)
    assert not failures, "\n".join(failures)
