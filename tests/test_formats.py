"""Event formats end to end: the shipped project plus two test formats, built, read as HTML, PDF and data."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import yaml
from bs4 import BeautifulSoup
from pypdf import PdfReader

from generator import pipeline

from .browser import browser, new_page, serve  # noqa: F401 (fixtures)
from .conftest import FORMAT_CASE, FORMAT_FIXTURES, REPO, TODAY
from .test_new_and_guide import answers
from .test_site import METHODS, front_matter

# The site under test holds the shipped formats and the two written for these tests.
FORMATS = {p.stem: front_matter(p) for p in sorted([*FORMAT_FIXTURES.glob("*.md"), *(REPO / "formats").glob("*.md")])}
DAY_ONE = "ideenabend-test"
TWO_DAYS = "zwei-tage-werkstatt"


def html(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text("utf-8"), "html.parser")


def agenda_methods(slug: str) -> list[str]:
    return list(dict.fromkeys(b["method"] for b in FORMATS[slug]["agenda"] if "method" in b))


def timetable(soup: BeautifulSoup) -> list[list[tuple[str, str]]]:
    """Per day: (clock time, block text) of every agenda block."""
    return [[(row.select_one("[data-cimis-time]").get_text(), row.select("td")[1].get_text(" ", strip=True))
             for row in day.select("[data-cimis-block]")] for day in soup.select("[data-cimis-day]")]


def test_timetable_has_clock_times_from_nine_per_day(formats_site: Path) -> None:
    days = timetable(html(formats_site, f"formate/{TWO_DAYS}"))
    assert [[time for time, _ in day] for day in days] == [
        ["09:00", "09:30", "10:30", "12:00", "13:00"], ["09:00", "11:00", "11:15", "12:15"]]
    assert days[1][2][1] == "Lautes Denken (Methode) Zwei Testpersonen nacheinander, je 30 Minuten."
    soup = html(formats_site, f"formate/{DAY_ONE}")
    (day,) = timetable(soup)
    assert day[0] == ("09:00", "Begrüßung Der Betrieb stellt seine Frage in fünf Minuten vor.")
    assert [time for time, _ in day] == ["09:00", "09:15", "09:45", "10:05", "10:20", "10:30", "11:00"]
    assert soup.select_one("[data-cimis-end]").get_text() == "11:20"
    assert soup.select_one("[data-cimis-start-control]").has_attr("hidden")  # shown by the script only


def test_materials_are_merged_with_the_methods_that_need_them(formats_site: Path) -> None:
    items = html(formats_site, f"formate/{DAY_ONE}").select(".cimis-materials li")
    names = [li.contents[0].strip() for li in items]
    expected = list(dict.fromkeys(m for slug in agenda_methods(DAY_ONE) for m in METHODS[slug]["materials"]))
    assert names == expected and len(names) == len(set(names))
    stifte = next(li for li in items if li.contents[0].strip() == "Stifte")
    assert [a["href"] for a in stifte.select("a")] == [
        f"../../methoden/{m}/" for m in agenda_methods(DAY_ONE) if "Stifte" in METHODS[m]["materials"]]
    assert len(stifte.select("a")) == 3


def test_format_page_links_methods_cards_planner_and_cases(formats_site: Path) -> None:
    soup = html(formats_site, f"formate/{DAY_ONE}")
    article = soup.select_one("article")
    links = {a["href"] for a in article.select("a[href]")}
    for method in agenda_methods(DAY_ONE):
        assert f"../../methoden/{method}/" in links
    planner = article.select("a[data-cimis-planner]")
    assert [a["href"] for a in planner] == [f"../../planer/?format={DAY_ONE}"]
    assert planner[0].get_text() == "Im Planer öffnen"
    assert f"../../karten/formate/{DAY_ONE}.pdf" in links and f"../../karten/formate/{DAY_ONE}-a4-4up.pdf" in links
    assert f"../../faelle/{FORMAT_CASE[0]}/" in links
    preparation = [li.get_text(" ", strip=True) for li in article.select(".cimis-preparation li")]
    assert preparation == ["6 Wochen vorher: Betrieb und Frage finden, Termin festlegen.",
                           "3 Wochen vorher: Kreativschaffende einladen. · Raum buchen.",
                           "In der Woche der Veranstaltung: Material einpacken, Raum einrichten."]
    assert [li.get_text() for li in article.select("h2#wer-mitmacht + ul li")] == FORMATS[DAY_ONE]["roles"]
    case_page = html(formats_site, f"faelle/{FORMAT_CASE[0]}")
    assert f"../../formate/{DAY_ONE}/" in {a["href"] for a in case_page.select("article a[href]")}


def test_format_decks_have_two_pages_per_method_in_agenda_order(formats_site: Path) -> None:
    for slug in FORMATS:
        methods = agenda_methods(slug)
        a6 = PdfReader(formats_site / "karten" / "formate" / f"{slug}.pdf")
        assert len(a6.pages) == 2 * len(methods)
        # Titles may wrap or break at a hyphenation point on the card.
        fronts = [" ".join(a6.pages[2 * i].extract_text().replace("\u00ad", "").replace("-\n", "").split())
                  for i in range(len(methods))]
        for text, method in zip(fronts, methods):
            assert " ".join(METHODS[method]["title"].split()) in text, (slug, method)
        four_up = PdfReader(formats_site / "karten" / "formate" / f"{slug}-a4-4up.pdf")
        assert len(four_up.pages) == 2 * -(-len(methods) // 4)
        assert FORMATS[slug]["title"] in four_up.metadata.title
    karten = html(formats_site, "karten")
    assert {a["href"] for a in karten.select("article a[href]")} >= {f"formate/{s}.pdf" for s in FORMATS}


def test_overview_lists_both_formats_with_their_facets(formats_site: Path) -> None:
    soup = html(formats_site, "formate")
    entries = {li.select_one("a")["href"]: li for li in soup.select("li.cimis-entry")}
    assert set(entries) == {f"{s}/" for s in FORMATS}
    assert entries[f"{DAY_ONE}/"]["data-f-laenge"] == "bis-180"
    assert entries[f"{DAY_ONE}/"]["data-f-teilnehmende"] == "bis-12 13-30"
    assert entries[f"{DAY_ONE}/"]["data-f-format"] == "praesenz online"
    assert entries[f"{TWO_DAYS}/"]["data-f-laenge"] == "360-600 ueber-600"
    facets = {el["data-facet"] for el in soup.select("[data-cimis-facets] [data-facet]")}
    assert facets == {"laenge", "teilnehmende", "format"}
    nav = {a.get_text(strip=True) for a in html(formats_site, "").select("nav.md-nav--primary a")}
    assert "Formate" in nav


def test_method_pages_list_the_formats_that_use_them(formats_site: Path) -> None:
    for method in METHODS:
        users = {s for s in FORMATS if method in agenda_methods(s)}
        links = {a["href"] for a in html(formats_site, f"methoden/{method}").select("article a[href]")}
        assert {s for s in FORMATS if f"../../formate/{s}/" in links} == users, method


def test_exports_hold_the_formats_and_match_the_published_schemas(formats_site: Path) -> None:
    data = formats_site / "daten"
    exported = json.loads((data / "formate.json").read_text("utf-8"))
    assert [f["slug"] for f in exported] == sorted(FORMATS)
    jsonschema.Draft7Validator(json.loads((data / "formate.schema.json").read_text("utf-8"))).validate(exported)
    entry_schema = json.loads((data / "format.schema.json").read_text("utf-8"))
    for item in exported:
        assert item["url"].endswith(f"/formate/{item['slug']}/")
        front = {k: v for k, v in item.items() if k not in ("slug", "url", "license")}
        jsonschema.Draft7Validator(entry_schema, format_checker=jsonschema.FormatChecker()).validate(front)
        assert item["agenda"] == json.loads(json.dumps(FORMATS[item["slug"]]["agenda"]))
    cases = json.loads((data / "faelle.json").read_text("utf-8"))
    assert next(c for c in cases if c["slug"] == FORMAT_CASE[0])["format"] == FORMAT_CASE[1]
    jsonschema.Draft7Validator(json.loads((data / "faelle.schema.json").read_text("utf-8"))).validate(cases)
    rows = list(csv.DictReader(io.StringIO((data / "formate.csv").read_text("utf-8-sig")), delimiter=";"))
    assert [r["slug"] for r in rows] == sorted(FORMATS)
    row = next(r for r in rows if r["slug"] == DAY_ONE)
    assert row["agenda"].startswith("title=Begrüßung, minutes=15, note=") and " / method=wie-koennen-wir" in row["agenda"]
    listing = {a["href"] for a in html(formats_site, "daten").select("article a[href]")}
    assert {"formate.json", "formate.csv", "formate.schema.json", "format.schema.json"} <= listing


def test_search_finds_a_format_by_its_words(formats_site: Path, browser) -> None:  # noqa: F811 (fixture)
    from .test_search import search

    with serve(formats_site) as url:
        context = browser.new_context(service_workers="block")
        try:
            # Pagefind indexes the format pages like every other page: their titles find them.
            page = context.new_page()
            page.goto(f"{url}suche/")
            assert search(page, "Zwei-Tage-Werkstatt")[0] == f"formate/{TWO_DAYS}"
            assert f"formate/{DAY_ONE}" in search(page, "Ideenabend")
        finally:
            context.close()


def test_new_format_template_and_questions_pass_check_once_filled(project: Path) -> None:
    (project / "formats").mkdir(exist_ok=True)
    text = pipeline.new_entry_text(project, "format", TODAY, False, ask=input, say=print)
    assert "agenda:\n  - {title: \"Begrüßung\", minutes: 15}" in text
    ask, asked = answers("Dorfabend", "Ein Abend, an dem ein Dorf mit Kreativschaffenden Ideen für seinen Laden sammelt.",
                         "Ein Abend im Gemeindesaal: Das Dorf bringt seine Frage mit, Kreativschaffende helfen beim Ideenfinden.",
                         "150", "210", "8", "30", "Gemeinde, Kreativschaffende, Moderation", "praesenz", "Erfahrung des Vereins",
                         "Ein Abend, an dem das Dorf Ideen findet.")
    said: list[str] = []
    text = pipeline.new_entry_text(project, "format", TODAY, True, ask=ask, say=said.append)
    (project / "formats" / "dorfabend.md").write_text(text, "utf-8")
    assert pipeline.check(project, TODAY) == ()
    assert any("ein Beispiel steht schon in der Datei" in line for line in said)
    assert yaml.safe_load(text.split("---\n")[1])["agenda"][1] == {"method": "wie-koennen-wir", "minutes": 30}


def test_start_time_control_moves_every_clock_time(formats_site: Path, new_page) -> None:  # noqa: F811
    with serve(formats_site) as url:
        page = new_page()
        page.goto(f"{url}formate/{TWO_DAYS}/")
        control = page.locator("[data-cimis-start]")
        assert control.is_visible()
        control.fill("10:30")
        control.dispatch_event("change")
        times = page.eval_on_selector_all("[data-cimis-day]", "days => days.map(d => Array.from("
                                          "d.querySelectorAll('[data-cimis-block] [data-cimis-time]'), t => t.textContent))")
        assert times == [["10:30", "11:00", "12:00", "13:30", "14:30"], ["10:30", "12:30", "12:45", "13:45"]]
        assert page.locator("[data-cimis-end]").all_inner_texts() == ["16:30", "14:30"]
        assert page.locator("[data-cimis-start-status]").inner_text() == "Beginn 10:30 Uhr, Ende der Tage 16:30, 14:30 Uhr"
        quiet = new_page(java_script_enabled=False)
        quiet.goto(f"{url}formate/{TWO_DAYS}/")
        assert not quiet.locator("[data-cimis-start]").is_visible()
        assert quiet.locator("[data-cimis-time]").first.inner_text() == "09:00"


def test_format_record_keeps_day_order_and_text_above_the_first_heading(tmp_path: Path) -> None:
    from generator.load import load_document
    from generator.records import to_format

    text = (FORMAT_FIXTURES / f"{TWO_DAYS}.md").read_text("utf-8").replace(
        "---\n\n## Worum es geht", "---\n\nVorweg ein Satz.\n\n## Worum es geht", 1)
    (tmp_path / f"{TWO_DAYS}.md").write_text(text, "utf-8")
    event = to_format(load_document(tmp_path / f"{TWO_DAYS}.md", f"formats/{TWO_DAYS}.md", "format"), "CC-BY-4.0")
    assert [b.day for b in event.agenda] == [1, 1, 1, 1, 1, 2, 2, 2, 2]
    assert event.sections[0] == ("", "Vorweg ein Satz.") and event.sections[1][0] == "Worum es geht"
    assert event.methods == tuple(agenda_methods(TWO_DAYS)) and event.total_minutes == 600 and event.days == 2
