"""Filters on /faelle/ and /methoden/ in a real browser: narrowing, counts, URL, history, reset, no JavaScript."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from generator.filters import DURATION_BUCKETS, GROUP_BUCKETS, buckets

from .browser import PHONE, browser, new_page, site_url  # noqa: F401 (fixtures)
from .conftest import REPO


def _front_matter(kind: str) -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text("utf-8").split("---\n")[1])
            for p in sorted((REPO / kind).glob("*.md"))}


CASES = _front_matter("cases")
METHODS = _front_matter("methods")


def visible(page) -> set[str]:
    """Slugs of the entries the filter leaves visible."""
    hrefs = page.eval_on_selector_all(
        "li.cimis-entry", "items => items.filter(i => !i.hidden).map(i => i.querySelector('a').getAttribute('href'))")
    return {href.strip("/").split("/")[-1] for href in hrefs}


def choose(page, name: str, value: str) -> None:
    group = page.locator(f"details[data-facet='{name}']")
    if not group.evaluate("el => el.open"):
        group.locator("summary").click()
    page.locator(f"input[name='{name}'][value='{value}']").check()


def count(page, name: str, value: str) -> int:
    label = page.locator(f"label:has(input[name='{name}'][value='{value}'])")
    return int(label.locator("[data-cimis-count]").inner_text())


def status(page) -> str:
    return page.locator("[data-cimis-status]").inner_text()


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def cases_where(**wanted) -> set[str]:
    """Cases matching every given filter (each a set of allowed values), from their front matter."""
    values = {"region": lambda c: {c["district"]}, "thema": lambda c: set(c["topics"]),
              "jahr": lambda c: {str(c["year"])}, "methode": lambda c: set(c["methods"])}
    return {slug for slug, c in CASES.items() if all(values[k](c) & set(v) for k, v in wanted.items())}


@pytest.mark.parametrize("span, bounds, expected", [
    ((15, 30), DURATION_BUCKETS, ("bis-30",)),
    ((30, 45), DURATION_BUCKETS, ("bis-30", "30-90")),
    ((90, 90), DURATION_BUCKETS, ("30-90",)),
    ((60, 120), DURATION_BUCKETS, ("30-90", "90-240")),
    ((480, 2880), DURATION_BUCKETS, ("ueber-240",)),
    ((2, 3), GROUP_BUCKETS, ("1-2", "3-6")),
    ((15, 500), GROUP_BUCKETS, ("ueber-12",)),
])
def test_a_range_is_in_every_bucket_it_reaches_into(span, bounds, expected) -> None:
    assert buckets(span, bounds) == expected


@pytest.fixture
def cases_page(new_page, site_url):  # noqa: F811 (fixtures)
    page = new_page()
    page.goto(site_url + "faelle/")
    page.wait_for_selector("[data-cimis-facets]:not([hidden])")
    return page


def test_a_choice_narrows_the_cases_and_goes_into_the_url(cases_page) -> None:
    expected = cases_where(region={"erzgebirgskreis"})
    assert 0 < len(expected) < len(CASES)
    choose(cases_page, "region", "erzgebirgskreis")
    assert visible(cases_page) == expected
    assert query(cases_page) == {"region": ["erzgebirgskreis"]}
    assert status(cases_page) == f"{len(expected)} von {len(CASES)} Fällen"


def test_or_within_a_filter_and_across_filters_with_counts(cases_page) -> None:
    choose(cases_page, "region", "erzgebirgskreis")
    choose(cases_page, "region", "goerlitz")
    choose(cases_page, "thema", "website")
    expected = cases_where(region={"erzgebirgskreis", "goerlitz"}, thema={"website"})
    assert expected and visible(cases_page) == expected
    # A count says how many cases the choice would leave, given the other filters' choices.
    assert count(cases_page, "thema", "fachkraeftegewinnung") == len(
        cases_where(region={"erzgebirgskreis", "goerlitz"}, thema={"fachkraeftegewinnung"}))
    assert count(cases_page, "region", "dresden") == len(cases_where(region={"dresden"}, thema={"website"}))
    assert count(cases_page, "jahr", "2025") == len(cases_where(jahr={"2025"}, **{
        "region": {"erzgebirgskreis", "goerlitz"}, "thema": {"website"}}))


def test_reload_back_button_and_reset(cases_page) -> None:
    all_cases = visible(cases_page)
    assert all_cases == set(CASES)
    choose(cases_page, "region", "erzgebirgskreis")
    first = visible(cases_page)
    choose(cases_page, "methode", "persona")
    second = visible(cases_page)
    assert second == cases_where(region={"erzgebirgskreis"}, methode={"persona"}) and second < first
    cases_page.reload()
    cases_page.wait_for_selector("[data-cimis-facets]:not([hidden])")
    assert visible(cases_page) == second
    assert cases_page.locator("input[name='methode'][value='persona']").is_checked()
    cases_page.go_back()
    assert visible(cases_page) == first
    assert not cases_page.locator("input[name='methode'][value='persona']").is_checked()
    cases_page.go_back()
    assert visible(cases_page) == all_cases and query(cases_page) == {}
    cases_page.go_forward()
    assert visible(cases_page) == first
    cases_page.get_by_role("button", name="Filter zurücksetzen").click()
    assert visible(cases_page) == all_cases
    assert query(cases_page) == {}
    assert status(cases_page) == f"{len(CASES)} Fälle"


def test_a_shared_link_opens_filtered_and_keeps_other_parameters(new_page, site_url) -> None:  # noqa: F811
    page = new_page()
    page.goto(site_url + "faelle/?jahr=2025&jahr=2023&h=museum")
    assert visible(page) == cases_where(jahr={"2025", "2023"})
    choose(page, "thema", "website")
    assert query(page) == {"jahr": ["2025", "2023"], "h": ["museum"], "thema": ["website"]}


def test_keyboard_and_screen_reader(cases_page) -> None:
    live = cases_page.locator("[data-cimis-status]")
    assert live.get_attribute("aria-live") == "polite"
    group = cases_page.get_by_role("group", name="Jahr")
    assert group.get_by_role("checkbox").count() == len({c["year"] for c in CASES.values()})
    group.get_by_role("checkbox", name="2024").focus()
    cases_page.keyboard.press("Space")
    assert visible(cases_page) == cases_where(jahr={"2024"})
    assert live.inner_text() == f"{len(cases_where(jahr={'2024'}))} von {len(CASES)} Fällen"


def test_methods_filter_by_phase_and_duration(new_page, site_url) -> None:  # noqa: F811
    page = new_page()
    page.goto(site_url + "methoden/")
    choose(page, "phase", "ideen")
    choose(page, "dauer", "bis-30")
    expected = {slug for slug, m in METHODS.items() if "ideen" in m["phases"] and m["duration"]["min"] <= 30}
    assert expected and visible(page) == expected
    assert query(page) == {"phase": ["ideen"], "dauer": ["bis-30"]}
    choose(page, "gruppe", "ueber-12")
    assert visible(page) == {slug for slug in expected if METHODS[slug]["group_size"]["max"] > 12}
    page.reload()
    assert visible(page) == {slug for slug in expected if METHODS[slug]["group_size"]["max"] > 12}


def test_without_javascript_every_entry_shows(new_page, site_url) -> None:  # noqa: F811
    for path, entries in (("faelle/", CASES), ("methoden/", METHODS)):
        page = new_page(java_script_enabled=False)
        page.goto(site_url + path + "?region=dresden&phase=ideen")
        assert page.locator("li.cimis-entry").count() == len(entries)
        assert page.locator("li.cimis-entry:visible").count() == len(entries)
        assert not page.locator("[data-cimis-facets]").is_visible()


def test_on_a_phone_the_filters_start_folded(new_page, site_url) -> None:  # noqa: F811
    page = new_page(viewport=PHONE)
    page.goto(site_url + "faelle/?thema=website")
    panel = page.locator(".cimis-facets__panel")
    assert not panel.evaluate("el => el.open")
    assert page.locator("[data-cimis-active-total]").inner_text() == "(1)"
    assert visible(page) == cases_where(thema={"website"})
    panel.locator("summary.cimis-facets__title").click()
    assert page.locator("details[data-facet='thema']").evaluate("el => el.open")
