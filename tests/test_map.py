"""The map of Saxony: tiles placed from the districts vocabulary, shaded by cases, links that say what they are."""

from __future__ import annotations

import json
import re
from collections import Counter

import pyphen
import pytest
import yaml

from generator.districtmap import district_map, place, shade_step
from generator.model import VocabEntry, Vocabulary

from .browser import PHONE, browser, new_page, site_url  # noqa: F401 (fixtures)
from .conftest import REPO
from .pages import _front_matter

KINDS = {"Landkreis": "landkreis", "Kreisfreie Stadt": "stadt"}


def shipped_districts() -> dict[str, dict]:
    return yaml.safe_load((REPO / "content" / "vocabularies" / "districts.yml").read_text("utf-8"))


def cases_by_district() -> Counter:
    return Counter(case["district"] for case in _front_matter("cases"))


def test_every_district_of_saxony_has_a_tile_of_its_own() -> None:
    seats = {slug: (e["lat"], e["lon"]) for slug, e in shipped_districts().items() if "lat" in e}
    cells = place(seats)
    assert len(seats) == 13 and len(set(cells.values())) == 13
    # West stays west and north stays north: the Vogtland is left of Görlitz, Nordsachsen above the Erzgebirge.
    assert cells["vogtlandkreis"][0] < cells["goerlitz"][0]
    assert cells["nordsachsen"][1] < cells["erzgebirgskreis"][1]


def test_kinds_come_from_the_descriptions_not_from_a_list() -> None:
    vocabulary = Vocabulary("districts", (
        VocabEntry("a", "Astadt", "Astadt", "Kreisfreie Stadt", "1", 51.0, 13.0),
        VocabEntry("b", "Bkreis", "Bkreis", "Landkreis", "2", 51.0, 14.0),
        VocabEntry("c", "Cdorf", "Cdorf", "Landkreis", "3", 50.6, 13.5),
        VocabEntry("x", "Anderswo", "Anderswo", "Außerhalb"),
    ))
    saxony = district_map(vocabulary, {"a": 1, "b": 2, "c": 1, "x": 1}, KINDS)
    assert [t.slug for t in saxony.tiles] == ["a", "b", "c"]
    assert saxony.counts_by_kind == {"landkreis": 3, "stadt": 1}
    assert saxony.shares == {"landkreis": 60, "stadt": 20}
    assert (saxony.other, saxony.total) == (1, 5)
    assert [shade_step(n) for n in (0, 1, 2, 3, 4, 5, 9)] == [0, 1, 2, 3, 3, 4, 4]


def _names(saxony) -> dict[str, tuple[str, ...]]:
    return {tile.slug: tile.lines for tile in saxony.tiles}


def test_long_names_break_at_a_hyphenation_point_with_the_cache_and_without(monkeypatch, tmp_path) -> None:
    vocabulary = Vocabulary("districts", (
        VocabEntry("e", "Erzgebirgskreis", "Erzgebirgskreis", "Landkreis", "1", 50.6, 13.0),
        VocabEntry("s", "Sächsische Schweiz-Osterzgebirge", "", "Landkreis", "2", 50.9, 13.9),
        VocabEntry("n", "Neuland am Seeufer", "", "Landkreis", "3", 51.4, 13.5),
    ))
    expected = {"e": ("Erzgebirgs-", "kreis"), "s": ("Sächsische", "Schweiz-", "Osterzgebirge"),
                "n": ("Neuland am", "Seeufer")}
    monkeypatch.setenv("CIMIS_CACHE_DIR", "")  # caching off
    assert _names(district_map(vocabulary, {}, KINDS)) == expected
    monkeypatch.setenv("CIMIS_CACHE_DIR", str(tmp_path))
    assert _names(district_map(vocabulary, {}, KINDS)) == expected  # laid out, the wrap kept
    kept = json.loads((tmp_path / "hyphenation" / "values.json").read_text("utf-8"))
    assert list(kept.values()) == [["Erzgebirgs-", "kreis"]]
    # From the cache, without loading the dictionary (a second of each small build).
    monkeypatch.setattr(pyphen, "Pyphen", lambda **_: pytest.fail("pyphen's dictionary was loaded again"))
    assert _names(district_map(vocabulary, {}, KINDS)) == expected


def _share_sentence() -> str:
    districts, counts = shipped_districts(), cases_by_district()
    by_kind = Counter()
    for slug, n in counts.items():
        by_kind[KINDS.get(districts[slug].get("description"), "")] += n
    total = sum(counts.values())
    rural, urban = by_kind["landkreis"], by_kind["stadt"]
    return (f"Von {total} Fällen kommen {rural} ({round(100 * rural / total)} %) aus den Landkreisen und "
            f"{urban} ({round(100 * urban / total)} %) aus den kreisfreien Städten.")


@pytest.mark.parametrize("path", ["regionen/", ""], ids=["regionen", "start"])
def test_map_links_every_district_and_says_its_count_without_javascript(new_page, site_url: str, path: str) -> None:  # noqa: F811
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(site_url + path)
    tiles = page.locator(".cimis-map__svg a")
    districts, counts = shipped_districts(), cases_by_district()
    seated = {slug for slug, e in districts.items() if "lat" in e}
    assert tiles.count() == len(seated) == 13
    for i in range(tiles.count()):
        tile = tiles.nth(i)
        href = tile.get_attribute("href")
        slug = re.fullmatch(r"(?:\.\./|)(?:regionen/)?([a-z0-9-]+)/", href).group(1)
        entry, n = districts[slug], counts.get(slug, 0)
        words = "noch keine Fälle" if n == 0 else ("1 Fall" if n == 1 else f"{n} Fälle")
        assert tile.get_attribute("aria-label") == f"{entry['label']} ({entry['description']}): {words}"
        assert tile.locator(".cimis-map__count").text_content() == str(n)  # the number, not only the colour
        box = tile.bounding_box()
        assert box and box["width"] > 30 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        seated.discard(slug)
    assert not seated
    assert page.locator(".cimis-map__share").text_content() == _share_sentence()
    assert page.locator(".cimis-map__legend li").count() == 5
    # The table says the same without the picture.
    rows = page.locator(".cimis-map__table tbody tr")
    assert rows.count() == 13
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_tile_leads_to_its_district(new_page, site_url: str) -> None:  # noqa: F811
    page = new_page(java_script_enabled=False)
    page.goto(site_url + "regionen/")
    page.locator('.cimis-map__svg a[href="goerlitz/"]').click()
    page.wait_for_url(f"{site_url}regionen/goerlitz/")
    assert page.title().startswith("Görlitz ")

