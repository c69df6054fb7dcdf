"""The cross-innovation matrix on a phone: the counts are on screen at 390 px, the page never scrolls sideways."""

from __future__ import annotations

from .browser import PHONE, browser, new_page, site_url  # noqa: F401 (fixtures)

CELLS = """() => [...document.querySelectorAll('table.cimis-matrix tbody tr')].map(row => ({
    header: row.querySelector('th').getBoundingClientRect().toJSON(),
    cells: [...row.querySelectorAll('td')].map(td => td.getBoundingClientRect().toJSON()),
    counts: [...row.querySelectorAll('td a')].map(a => a.getBoundingClientRect().toJSON()),
}))"""


def test_counts_are_on_screen_at_390_px(new_page, site_url: str) -> None:  # noqa: F811
    page = new_page(viewport=PHONE)
    page.goto(site_url + "matrix/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    rows = page.evaluate(CELLS)
    assert len(rows) == 21 and all(len(r["cells"]) == 12 for r in rows)
    counts = [box for r in rows for box in r["counts"]]
    assert counts, "the shipped content has cases, so the matrix has counts"
    for r in rows:
        assert r["header"]["left"] >= 0
        # At least the first four columns, and here every count, lie inside the screen.
        for box in r["cells"][:4] + r["counts"]:
            assert 0 <= box["left"] and box["right"] <= PHONE["width"], box
            assert box["width"] >= 14 and box["height"] >= 14
    # On a phone a row shows its WZ letter; the key below the table says what the letters stand for.
    first = page.locator("table.cimis-matrix tbody th").first
    assert first.locator(".cimis-matrix__code").inner_text() == "A"
    assert first.locator(".cimis-matrix__name").bounding_box()["width"] <= 1  # visually hidden
    key = page.locator(".cimis-matrix-key")
    assert key.is_visible() and "Land- und Forstwirtschaft" in key.inner_text()
    # Screen readers still hear the full name of the row.
    assert first.locator("a").evaluate("a => a.textContent").strip() == "A Land- und Forstwirtschaft"


def test_desktop_shows_full_names_and_no_key(new_page, site_url: str) -> None:  # noqa: F811
    page = new_page()
    page.goto(site_url + "matrix/")
    name = page.locator("table.cimis-matrix tbody th .cimis-matrix__name").first
    assert name.inner_text().strip() == "Land- und Forstwirtschaft" and name.bounding_box()["width"] > 100
    assert not page.locator(".cimis-matrix-key").is_visible()
