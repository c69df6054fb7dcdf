"""The workshop planner: its data function on records in memory, and /planer/ in Chromium as a person uses it."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from pypdf import PdfReader

from generator.model import Content, Method
from generator.planner import OFFLINE_CARDS, offline_cards, planner_data

from .browser import PHONE, browser, new_page, site_url  # noqa: F401 (fixtures)
from .conftest import REPO
from .test_cards import need_tools

METHODS = {p.stem: yaml.safe_load(p.read_text("utf-8").split("---\n")[1]) for p in sorted((REPO / "methods").glob("*.md"))}
BLOCK_TIME = "[data-cimis-block] [data-cimis-time]"


# --- the data function ------------------------------------------------------------------------------------


def method(slug: str, title: str, duration=(10, 20), group=(2, 6), materials=("Stifte",)) -> Method:
    return Method(slug=slug, path=f"methods/{slug}.md", title=title, tagline="t", phases=("ideen",), duration=duration,
                  group_size=group, difficulty="leicht", setting=("praesenz",), materials=materials, combine_with=(),
                  source="s", updated=dt.date(2026, 1, 1), license="CC-BY-4.0", body="")


@dataclass(frozen=True)
class Block:
    minutes: int
    method: str | None = None
    title: str | None = None
    day: int | None = None


@dataclass(frozen=True)
class Format:
    slug: str
    title: str
    participants: tuple[int, int]
    agenda: tuple[Block, ...]


def test_planner_data_lists_methods_by_title_with_links_and_formats_with_their_agenda() -> None:
    content = Content(root=".", cases=(), pages=(), vocabularies={}, methods=(
        method("zebra", "zwei Zebras", (30, 60), (3, 12), ("Karten", "Timer")), method("affe", "Affen", (5, 5), (1, 1), ())))
    fmt = Format("abend", "Ein Abend", (4, 16), (Block(15, title="Ankommen"), Block(45, method="zebra", day=2)))
    data = planner_data(content, lambda target: f"../{target}", [fmt])
    assert data["methods"] == [
        {"slug": "affe", "title": "Affen", "tagline": "t", "duration": [5, 5], "group_size": [1, 1], "materials": [],
         "url": "../methoden/affe.md", "pdf": "../karten/affe.pdf"},
        {"slug": "zebra", "title": "zwei Zebras", "tagline": "t", "duration": [30, 60], "group_size": [3, 12],
         "materials": ["Karten", "Timer"], "url": "../methoden/zebra.md", "pdf": "../karten/zebra.pdf"}]
    assert data["formats"] == [{"slug": "abend", "title": "Ein Abend", "participants": [4, 16], "agenda": [
        {"minutes": 15, "day": 1, "title": "Ankommen"}, {"minutes": 45, "day": 2, "method": "zebra"}]}]
    assert planner_data(content, str)["formats"] == []


def test_offline_cards_carry_each_method_card_and_nothing_else() -> None:
    content = Content(root=".", cases=(), pages=(), vocabularies={}, methods=(method("b", "B"), method("a", "A")))
    files = {"karten/a.pdf": b"%PDF-a", "karten/b.pdf": b"%PDF-b", "karten/methodenkarten-a6.pdf": b"%PDF-all"}
    script = offline_cards(content, files)[OFFLINE_CARDS].decode("ascii")
    prefix = "window.cimisCardPdfs = "
    assert script.startswith(prefix)
    cards = json.loads(script[len(prefix):].rstrip().rstrip(";"))
    assert list(cards) == ["a", "b"]
    assert {slug: base64.b64decode(text) for slug, text in cards.items()} == {"a": b"%PDF-a", "b": b"%PDF-b"}


# --- in the browser -----------------------------------------------------------------------------------------


def fitting(people: int, fits: bool) -> list[str]:
    """Shipped methods whose group size does (or does not) hold ``people``, short ones first."""
    chosen = [s for s, m in METHODS.items() if (m["group_size"]["min"] <= people <= m["group_size"]["max"]) == fits]
    return sorted(chosen, key=lambda s: (METHODS[s]["duration"]["min"], s))


def clock(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def expected_times(start: int, minutes: list[int]) -> list[str]:
    times, at = [], start
    for m in minutes:
        times.append(clock(at))
        at += m
    return times


def times(page) -> list[str]:
    return page.locator(BLOCK_TIME).all_inner_texts()


def titles(page) -> list[str]:
    return [t.strip() for t in page.locator("[data-cimis-block] .cimis-block__title").all_inner_texts()]


def add_method(page, slug: str) -> None:
    """Find the method by its title in the search field and press its button, as a person does."""
    title = METHODS[slug]["title"]
    page.get_by_label("Methode suchen").fill(title)
    page.get_by_role("button", name=f"Hinzufügen: {title}", exact=True).click()


def open_planner(new_page, site_url: str, query: str = "", **options):  # noqa: F811
    page = new_page(**options)
    page.goto(f"{site_url}planer/{query}")
    page.wait_for_selector("[data-cimis-planer]:not([hidden])")
    return page


def plan_query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_plan_times_warnings_reload_and_back(new_page, site_url: str) -> None:  # noqa: F811
    people = 12
    small, large = fitting(people, False)[0], fitting(people, True)[0]
    page = open_planner(new_page, site_url)
    assert page.locator("[data-cimis-block]").count() == 0
    add_method(page, small)
    page.get_by_role("button", name="Pause (15 Min.)").click()
    add_method(page, large)
    minutes = [METHODS[small]["duration"]["min"], 15, METHODS[large]["duration"]["min"]]
    assert titles(page) == [METHODS[small]["title"], "Pause", METHODS[large]["title"]]
    assert times(page) == expected_times(9 * 60, minutes)

    page.get_by_label("Beginn (Uhrzeit)").fill("13:30")
    page.get_by_label("Teilnehmende (Anzahl)").fill(str(people))
    page.get_by_label("Teilnehmende (Anzahl)").press("Tab")
    assert times(page) == expected_times(13 * 60 + 30, minutes)
    warnings = page.locator("[data-cimis-block]").evaluate_all(
        "blocks => blocks.map(b => !b.querySelector('[data-cimis-warning=group]').hidden)")
    assert warnings == [True, False, False], "the group warning belongs to the method whose group size misses"
    assert str(people) in page.locator("[data-cimis-block]").first.locator("[data-cimis-warning=group]").inner_text()
    assert plan_query(page) == {"start": ["13:30"], "n": [str(people)],
                                "b": [f"{small}:{minutes[0]}", "~Pause:15", f"{large}:{minutes[2]}"]}

    planned = (titles(page), times(page))
    page.reload()
    page.wait_for_selector("[data-cimis-planer]:not([hidden])")
    assert (titles(page), times(page)) == planned
    assert page.get_by_label("Teilnehmende (Anzahl)").input_value() == str(people)

    page.go_back()  # before the number of participants was typed
    page.wait_for_function("() => !new URLSearchParams(location.search).has('n')")
    assert page.locator("[data-cimis-warning=group]:not([hidden])").count() == 0
    page.go_back()  # before the start time was typed
    page.wait_for_function("() => !new URLSearchParams(location.search).has('start')")
    assert times(page) == expected_times(9 * 60, minutes)
    page.go_back()  # before the last method was added
    page.wait_for_function("() => document.querySelectorAll('[data-cimis-block]').length === 2")
    assert titles(page) == [METHODS[small]["title"], "Pause"]


def test_minutes_warning_and_moving_by_keyboard_are_announced(new_page, site_url: str) -> None:  # noqa: F811
    first, second = sorted(METHODS)[:2]
    page = open_planner(new_page, site_url, f"?b={first}&b={second}")
    name = METHODS[second]["title"]
    low = METHODS[second]["duration"]["min"]
    field = page.get_by_label(f"Minuten für {name}")
    assert field.input_value() == str(low), "a method starts with its minimum duration"
    warning = page.locator("[data-cimis-block]").nth(1).locator("[data-cimis-warning=minutes]")
    assert warning.is_hidden()
    field.fill(str(METHODS[second]["duration"]["max"] + 5))
    field.press("Tab")
    assert warning.is_visible() and "Länger als vorgesehen" in warning.inner_text()

    up = page.get_by_role("button", name=f"{name} nach oben schieben")
    up.focus()
    page.keyboard.press("Enter")
    assert titles(page) == [name, METHODS[first]["title"]]
    focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert focused == f"{name} nach unten schieben", "focus stays with the moved block"
    page.wait_for_function("() => document.querySelector('[data-cimis-live]').textContent.includes('Stelle 1 von 2')")
    page.keyboard.press("Enter")  # and back down again, still by keyboard
    assert titles(page) == [METHODS[first]["title"], name]

    page.get_by_role("button", name=f"{name} entfernen").click()
    assert titles(page) == [METHODS[first]["title"]]
    page.wait_for_function(f"() => document.querySelector('[data-cimis-live]').textContent.includes({json.dumps(name + ' entfernt')})")


def test_free_blocks_days_and_the_materials_checklist(new_page, site_url: str) -> None:  # noqa: F811
    shared = {}
    for slug, m in METHODS.items():
        for item in m["materials"]:
            shared.setdefault(item.strip().lower(), []).append(slug)
    item, (a, b) = next((i, s[:2]) for i, s in shared.items() if len(s) >= 2)
    page = open_planner(new_page, site_url, f"?b={a}&b={b}")
    page.get_by_label("Eigener Block (Titel)").fill("Impuls aus der Praxis")
    page.get_by_label("Minuten", exact=True).fill("25")
    page.get_by_role("button", name="Block hinzufügen").click()
    page.get_by_role("button", name="Neuer Tag").click()
    page.get_by_role("button", name="Mittag (45 Min.)").click()
    assert titles(page)[-2:] == ["Impuls aus der Praxis", "Mittag"]
    assert times(page)[-1] == "09:00", "a new day starts again at the start time"
    assert page.locator("[data-cimis-block]").count() == 4, "the day break is no agenda block"
    entries = page.locator("[data-cimis-materials] li").all_inner_texts()
    wanted = {i.strip().lower() for s in (a, b) for i in METHODS[s]["materials"]}
    assert len(entries) == len(wanted), "each material once"
    line = next(e for e in entries if e.strip().lower().startswith(item))
    assert METHODS[a]["title"] in line and METHODS[b]["title"] in line


def test_links_from_method_pages_add_to_the_plan_in_progress(new_page, site_url: str) -> None:  # noqa: F811
    first, second = sorted(METHODS)[:2]
    page = open_planner(new_page, site_url, f"?b={first}")
    page.goto(f"{site_url}methoden/{second}/")
    page.get_by_role("link", name="Zum Plan hinzufügen").click()
    page.wait_for_selector("[data-cimis-planer]:not([hidden])")
    assert titles(page) == [METHODS[first]["title"], METHODS[second]["title"]]
    assert "add" not in plan_query(page)
    page.goto(f"{site_url}methoden/")
    page.get_by_role("link", name=f"Zum Plan hinzufügen: {METHODS[first]['title']}", exact=True).click()
    page.wait_for_selector("[data-cimis-planer]:not([hidden])")
    assert titles(page) == [METHODS[s]["title"] for s in (first, second, first)]


def test_the_link_from_a_method_page_needs_no_javascript_there(new_page, site_url: str) -> None:  # noqa: F811
    slug = sorted(METHODS)[0]
    page = new_page(java_script_enabled=False)
    page.goto(f"{site_url}methoden/{slug}/")
    assert page.get_by_role("link", name="Zum Plan hinzufügen").get_attribute("href") == f"../../planer/?add={slug}"


def test_a_format_page_opens_its_agenda_in_the_planner(new_page, site_url: str) -> None:  # noqa: F811
    source = REPO / "formats" / "workshop-abend.md"
    fmt = yaml.safe_load(source.read_text("utf-8").split("---\n")[1])
    page = new_page()
    page.goto(f"{site_url}formate/{source.stem}/")
    page.locator("a[data-cimis-planner]").click()
    page.wait_for_selector("[data-cimis-planer]:not([hidden])")
    names = [METHODS[b["method"]]["title"] if "method" in b else b["title"] for b in fmt["agenda"]]
    assert titles(page) == names
    assert times(page) == expected_times(9 * 60, [b["minutes"] for b in fmt["agenda"]])
    assert page.get_by_label("Teilnehmende (Anzahl)").input_value() == str(fmt["participants"]["min"])
    assert "format" not in plan_query(page) and len(plan_query(page)["b"]) == len(fmt["agenda"])


def test_a_format_that_replaces_a_plan_offers_the_plan_back(new_page, site_url: str) -> None:  # noqa: F811
    first, second = sorted(METHODS)[:2]
    mine = [METHODS[first]["title"], "Pause", METHODS[second]["title"]]
    page = open_planner(new_page, site_url, f"?n=12&b={first}&b=~Pause:15&b={second}")
    assert not page.get_by_role("link", name="Bisherigen Plan wiederherstellen").is_visible()
    page.goto(f"{site_url}formate/workshop-abend/")
    page.locator("a[data-cimis-planner]").click()
    page.wait_for_selector("[data-cimis-planer]:not([hidden])")
    assert titles(page) != mine
    # The organiser's group size stays; the format's own minimum is only for a plan without one.
    assert page.get_by_label("Teilnehmende (Anzahl)").input_value() == "12"
    page.get_by_role("link", name="Bisherigen Plan wiederherstellen").click()
    page.wait_for_selector("[data-cimis-planer]:not([hidden])")
    assert titles(page) == mine


def test_the_workshop_title_is_kept_in_the_link_and_heads_the_printed_agenda(new_page, site_url: str) -> None:  # noqa: F811
    name = "Ideenwerkstatt Museum, 12. März"
    page = open_planner(new_page, site_url, f"?b={sorted(METHODS)[0]}")
    page.get_by_label("Titel des Workshops").fill(name)
    page.wait_for_function("() => new URLSearchParams(location.search).has('titel')")
    assert plan_query(page)["titel"] == [name]
    page.reload()
    page.wait_for_selector("[data-cimis-planer]:not([hidden])")
    assert page.get_by_label("Titel des Workshops").input_value() == name
    heading = page.locator("[data-cimis-print-title]")
    assert not heading.is_visible() and page.locator("h1").is_visible()
    page.emulate_media(media="print")
    assert heading.is_visible() and heading.inner_text() == name
    assert not page.locator("h1").is_visible()
    # A shared link whose title is too long is cut by characters, never inside an emoji.
    page = open_planner(new_page, site_url, "?titel=" + "a" * 79 + "%F0%9F%98%80" + "b")
    assert page.get_by_label("Titel des Workshops").input_value() == "a" * 79 + "\U0001F600"


def deck_pdf(page) -> Path:
    """The PDF the deck button downloads."""
    with page.expect_download() as download:
        page.get_by_role("button", name="Karten des Plans als PDF").click()
    return Path(download.value.path())


def squeeze(text: str) -> str:
    """Text without the spaces, line breaks and hyphens that card layout puts into a title."""
    return re.sub(r"[\s\u00ad\-‐]", "", text)


def assert_deck(pdf: Path, slugs: list[str]) -> None:
    """Front and back of each method once, in plan order, each title extractable as a reader's tool sees it."""
    need_tools("pdftotext")
    assert len(PdfReader(pdf).pages) == 2 * len(slugs), "front and back of each method, once each"
    for i, slug in enumerate(slugs):
        front = subprocess.run(["pdftotext", "-f", str(2 * i + 1), "-l", str(2 * i + 1), str(pdf), "-"],
                               capture_output=True, text=True, check=True).stdout
        assert squeeze(METHODS[slug]["title"]) in squeeze(front), slug


def test_the_deck_button_makes_one_pdf_of_the_plans_cards(new_page, site_url: str) -> None:  # noqa: F811
    slugs = sorted(METHODS)[:3]
    page = open_planner(new_page, site_url, "?" + "&".join(f"b={s}" for s in slugs + slugs[:1]) + "&b=~Pause:15")
    assert_deck(deck_pdf(page), slugs)
    status = page.locator("[data-cimis-deck-status]").inner_text()
    assert status.startswith(f"Fertig: {len(slugs)} Karten auf {2 * len(slugs)} Seiten"), status


@pytest.fixture(scope="module")
def offline_planner(offline_bundle: Path) -> str:
    return offline_bundle.as_uri() + "/"


def test_the_deck_works_in_the_offline_bundle_opened_from_its_folder(new_page, offline_planner: str) -> None:  # noqa: F811
    slugs = sorted(METHODS)[-2:]
    page = new_page()
    page.goto(f"{offline_planner}methoden/{slugs[0]}.html")
    page.get_by_role("link", name="Zum Plan hinzufügen").click()
    page.wait_for_selector("[data-cimis-planer]:not([hidden])")
    add_method(page, slugs[1])
    assert page.url.startswith(offline_planner + "planer/index.html?")
    assert_deck(deck_pdf(page), slugs)


def test_usable_at_phone_width(new_page, site_url: str) -> None:  # noqa: F811
    slugs = sorted(METHODS)[:2]
    page = open_planner(new_page, site_url, f"?n=40&b={slugs[0]}&b=~Pause:15&b={slugs[1]}", viewport=PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    for control in page.locator("[data-cimis-block] button, [data-cimis-block] input").all():
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], control.get_attribute("aria-label")
