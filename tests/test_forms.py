"""The contribution forms in Chromium: filled in as a person would, their file passes `cimis check --strict`
and builds; messages sit at their fields; the GitHub hand-off carries the same bytes; drafts survive a reload."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pytest
import yaml

from generator import pipeline
from generator.issue_forms import slug_for

from .browser import PHONE, browser, new_page, serve, site_url  # noqa: F401 (fixtures)
from .conftest import REPO, TODAY, copy_project, lean_project
from .test_accessibility import AXE_LAYOUT_OPTIONS, AXE_OPTIONS, axe_pages, report, run_axe  # noqa: F401 (fixture)
from .test_cli import cimis_here
from .test_privacy import Traffic, assert_private


def label(text: str) -> re.Pattern:
    """A field's accessible name starts with its schema title; "Pflicht"/"freiwillig" follow it."""
    return re.compile(rf"^{re.escape(text)}( Pflicht| freiwillig)?$")


def vocabulary_label(name: str, slug: str) -> str:
    return yaml.safe_load((REPO / "content" / "vocabularies" / f"{name}.yml").read_text("utf-8"))[slug]["label"]


def type_text(page, name: str, text: str) -> None:
    """Focus the field and type, key by key (what a keyboard user does)."""
    page.get_by_label(label(name)).first.focus()
    page.keyboard.type(text)


def paste_text(page, name: str, text: str) -> None:
    """Focus the field and put the whole text in at once, as pasting does: one input event, not one per key."""
    page.get_by_label(label(name)).first.focus()
    page.keyboard.insert_text(text)


def press_space(locator) -> None:
    locator.focus()
    locator.page.keyboard.press("Space")


def open_form(new_page, url: str, **options):  # noqa: F811 (fixture passed in)
    page = new_page(**options)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("form[data-cimis-form]:not([hidden])")
    return page, errors


def output_text(page) -> str:
    return page.locator("[data-cimis-output]").text_content()


CASE_TITLE = "Dorfladen in Görlitz nimmt Bestellungen online an"
CASE_SLUG = "dorfladen-in-goerlitz-nimmt-bestellungen-online-an"


def fill_case(page, enter=type_text) -> None:
    """Fill the case form with a valid case; ``enter`` puts text into a field (by default key by key).

    Where the typing itself is not under test, ``paste_text`` saves about ten seconds: each key is a round
    trip to the browser.
    """
    enter(page, "Titel", CASE_TITLE)
    enter(page, "Kurzbeschreibung", "Ein Dorfladen in der Oberlausitz lässt Stammkund:innen mit einer Designerin "
                                    "online vorbestellen und spart Wege.")
    enter(page, "Herausforderung", "Wie können wir Bestellungen annehmen, ohne dass jemand am Telefon sitzt?")
    enter(page, "Jahr", "2025")
    page.get_by_label(label("Stand")).select_option(label="Laufend")
    page.get_by_label(label("Region")).select_option(label=vocabulary_label("districts", "goerlitz"))
    enter(page, "Name der Organisation", "Dorfladen Beispiel")
    page.get_by_label(label("Art der Organisation")).select_option(
        label=vocabulary_label("organisation-types", "kleinstunternehmen"))
    page.get_by_label(label("Branche")).select_option(label=vocabulary_label("industries", "handel"))
    enter(page, "Name", "Studio Beispiel")
    page.get_by_label(label("Teilmarkt")).first.select_option(label=vocabulary_label("submarkets", "designwirtschaft"))
    page.get_by_role("button", name="Eintrag hinzufügen").first.click()  # a second creative
    page.keyboard.type("Fotografin Beispiel")  # the new row's first field has the focus
    page.get_by_label(label("Teilmarkt")).nth(1).select_option(label=vocabulary_label("submarkets", "designwirtschaft"))
    search = page.get_by_label("Methoden nach Titel durchsuchen")
    search.focus()
    page.keyboard.type("perso")
    assert page.locator("fieldset:has([data-cimis-search]) [data-cimis-option]:visible").count() == 1
    press_space(page.get_by_role("checkbox", name="Persona"))
    press_space(page.get_by_role("checkbox", name=vocabulary_label("topics", "onlineshop")))
    page.get_by_label(label("Art des Ergebnisses")).select_option(label="Dienstleistung")
    page.get_by_label(label("Reifegrad")).select_option(label="Pilot")
    for section in ("Ausgangslage", "Vorgehen", "Ergebnis", "Learnings"):
        enter(page, section, f"Text zu {section}: Der Laden hat es ausprobiert.\n\nZweiter Absatz mit - Strich.")
    page.get_by_text("Freiwillige Angaben und Abschnitte").click()
    enter(page, "Dauer in Wochen", "12")
    press_space(page.get_by_label(re.compile(r"^Alle Personen und Organisationen, die ich nenne")))



def passes_check_and_builds(tmp_path: Path, folder: str, slug: str, text: str, *keep: str) -> Path:
    """The form's file passes `cimis check --strict` in a copy of the shipped project, and `cimis build` in
    the shipped pages with only this entry and the entries in ``keep`` (a whole site build would add nothing but
    time: a new method card would lay out the shipped deck again)."""
    full = copy_project(tmp_path / "project")
    (full / folder / f"{slug}.md").write_text(text, "utf-8")
    check = cimis_here("check", "--strict", "--root", str(full))
    assert check.returncode == 0, check.stderr
    root = lean_project(tmp_path / "lean", *keep)
    (root / folder / f"{slug}.md").write_text(text, "utf-8")
    build = cimis_here("build", "--root", str(root))
    assert build.returncode == 0, build.stderr
    return root


# Fields whose text the round trips paste: typing them key by key adds about ten seconds and nothing that the
# typed fields (the title that suggests the file name, numbers, a section with its Enter keys) do not show.
PASTED = ("Kurzbeschreibung", "Herausforderung", "Name der Organisation", "Vorgehen", "Ergebnis", "Learnings",
          "Beschreibung", "Worum es geht")


def type_or_paste(page, name: str, text: str) -> None:
    """Type the field key by key, or paste it when it is one of ``PASTED``."""
    (paste_text if name in PASTED else type_text)(page, name, text)


def test_case_form_round_trip(new_page, site_url: str, tmp_path: Path) -> None:  # noqa: F811
    page, errors = open_form(new_page, site_url + "mitmachen/fall/")
    fill_case(page, type_or_paste)
    assert page.locator("[data-cimis-slug]").input_value() == CASE_SLUG
    page.get_by_role("button", name="Angaben prüfen").click()
    assert page.locator("[data-cimis-summary]").is_hidden(), page.locator("[data-cimis-summary]").inner_text()
    text = output_text(page)
    assert 'district: "goerlitz"' in text and 'title: "' + CASE_TITLE + '"' in text
    assert "## Ausgangslage\n\nText zu Ausgangslage" in text

    href = page.locator("a[data-cimis-github]").get_attribute("href")
    url = urllib.parse.urlsplit(href)
    assert (url.scheme, url.netloc, url.path) == ("https", "github.com", "/cimis-sachsen/cimis/new/main/cases")
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    assert query["filename"] == [f"{CASE_SLUG}.md"]
    assert query["value"][0].encode("utf-8") == text.encode("utf-8")
    assert errors == []

    root = passes_check_and_builds(tmp_path, "cases", CASE_SLUG, text, "methods")
    built = (root / "site" / "faelle" / CASE_SLUG / "index.html").read_text("utf-8")
    assert CASE_TITLE in built and "Studio Beispiel" in built and "Fotografin Beispiel" in built


METHOD_TITLE = "Stille Post mit Skizzen"
METHOD_SLUG = "stille-post-mit-skizzen"


def test_method_form_round_trip_by_keyboard(new_page, site_url: str, tmp_path: Path) -> None:  # noqa: F811
    page, errors = open_form(new_page, site_url + "mitmachen/methode/")
    type_text(page, "Titel der Karte", METHOD_TITLE)
    type_or_paste(page, "Kurzbeschreibung", "Eine Idee wandert als Skizze reihum und zeigt, was hängen bleibt.")
    press_space(page.get_by_role("checkbox", name=vocabulary_label("phases", "ideen")))
    for name, value in (("Dauer mindestens", "15"), ("Dauer höchstens", "30"),
                        ("Gruppengröße mindestens", "4"), ("Gruppengröße höchstens", "12")):
        type_text(page, name, value)
    page.get_by_label(label("Schwierigkeit")).focus()
    page.keyboard.type("Leicht")  # a closed select takes the typed label
    press_space(page.get_by_role("checkbox", name="Präsenz"))
    page.get_by_label("Material Nr. 1").focus()
    page.keyboard.type("Papier und Stifte")
    type_text(page, "Quelle", "Moderationspraxis")
    type_or_paste(page, "Worum es geht", "Zeigt schnell, wie eine Idee verstanden wird.")
    for i, step in enumerate(("Idee skizzieren.", "Weitergeben und nachzeichnen.", "Vergleichen und besprechen.")):
        page.get_by_label(f"Schritt Nr. {i + 1}").focus()
        page.keyboard.type(step)
    page.get_by_role("button", name="Schritt hinzufügen").click()
    page.keyboard.type("Die beste Skizze aufhängen.")
    page.get_by_role("button", name="Schritt Nr. 4 entfernen").focus()
    page.keyboard.press("Enter")
    assert page.get_by_label("Schritt Nr. 4").count() == 0
    page.get_by_role("button", name="Angaben prüfen").focus()
    page.keyboard.press("Enter")
    assert page.locator("[data-cimis-summary]").is_hidden(), page.locator("[data-cimis-summary]").inner_text()
    text = output_text(page)
    assert "## Ablauf\n\n1. Idee skizzieren.\n2. Weitergeben und nachzeichnen.\n3. Vergleichen und besprechen.\n" in text
    href = page.locator("a[data-cimis-github]").get_attribute("href")
    url = urllib.parse.urlsplit(href)
    assert url.path == "/cimis-sachsen/cimis/new/main/methods"
    query = urllib.parse.parse_qs(url.query)
    assert query["filename"] == [f"{METHOD_SLUG}.md"] and query["value"][0] == text
    assert errors == []

    root = passes_check_and_builds(tmp_path, "methods", METHOD_SLUG, text)
    assert METHOD_TITLE in (root / "site" / "methoden" / METHOD_SLUG / "index.html").read_text("utf-8")


FORMAT_TITLE = "Mittagspause mit Prototyp"
FORMAT_SLUG = "mittagspause-mit-prototyp"


def test_format_form_round_trip_with_agenda_checks(new_page, site_url: str, tmp_path: Path) -> None:  # noqa: F811
    page, errors = open_form(new_page, site_url + "mitmachen/format/")
    type_text(page, "Titel", FORMAT_TITLE)
    type_or_paste(page, "Kurzbeschreibung", "In zwei Stunden um die Mittagszeit von einer Frage zum ersten Papiermodell.")
    type_or_paste(page, "Beschreibung", "Ein kurzes Treffen für Betriebe und Kreativschaffende: eine Frage, eine Runde "
                                    "Ideen und ein Papierprototyp, den alle anfassen können.")
    for name, value in (("Dauer mindestens", "100"), ("Dauer höchstens", "130"),
                        ("Teilnehmende mindestens", "6"), ("Teilnehmende höchstens", "20")):
        type_text(page, name, value)
    page.get_by_label("Rollen Nr. 1").focus()
    page.keyboard.type("Betrieb mit einer Frage")
    press_space(page.get_by_role("checkbox", name="Präsenz"))
    # The agenda: a free block, then methods chosen by title; minutes outside a method's range are refused.
    blocks = (("", "Ankommen", "10"), ("Wie-können-wir-Fragen", "", "20"), ("Papierprototyp", "", "200"))
    for i, (method, title, minutes) in enumerate(blocks):
        if i >= 2:
            page.get_by_role("group", name=label("Ablauf")).get_by_role("button", name="Block hinzufügen").click()
        if method:
            page.get_by_label(label("Methode")).nth(i).select_option(label=method)
        if title:
            page.get_by_label(label("Titel des Blocks")).nth(i).fill(title)
        page.get_by_label(label("Minuten")).nth(i).focus()
        page.keyboard.type(minutes)
        page.keyboard.press("Tab")
    minutes = page.get_by_label(label("Minuten")).nth(2)
    assert minutes.get_attribute("aria-invalid") == "true"
    message = page.locator("[data-cimis-error-for='agenda.2.minutes']").text_content()
    assert message.startswith("Papierprototyp braucht 60 bis 180 Minuten, hier sind es 200.")
    assert page.locator("[data-cimis-agenda-total]").text_content() == "Zusammen: 230 Minuten."
    minutes.fill("")
    minutes.focus()
    page.keyboard.type("90")
    page.keyboard.press("Tab")
    assert page.locator("[data-cimis-error-for='agenda.2.minutes']").text_content() == ""
    assert page.locator("[data-cimis-agenda-total]").text_content() == "Zusammen: 120 Minuten."
    # A block that is both a method and a free block is refused at its method.
    page.get_by_label(label("Titel des Blocks")).nth(1).fill("Fragen sammeln")
    page.keyboard.press("Tab")
    assert page.locator("[data-cimis-error-for='agenda.1.method']").text_content().startswith(
        "Ein Block ist entweder eine Methode oder ein freier Block")
    page.get_by_label(label("Titel des Blocks")).nth(1).fill("")
    type_text(page, "Quelle", "Angelehnt an Lunch-and-Learn-Formate")
    type_or_paste(page, "Worum es geht", "Ein Betrieb bringt eine Frage mit, die Runde baut in der Mittagspause ein Modell.")
    page.get_by_role("button", name="Angaben prüfen").click()
    assert page.locator("[data-cimis-summary]").is_hidden(), page.locator("[data-cimis-summary]").inner_text()
    text = output_text(page)
    assert ('agenda:\n  - title: "Ankommen"\n    minutes: 10\n  - method: "wie-koennen-wir"\n    minutes: 20\n'
            '  - method: "papierprototyp"\n    minutes: 90\n') in text
    href = page.locator("a[data-cimis-github]").get_attribute("href")
    url = urllib.parse.urlsplit(href)
    assert url.path == "/cimis-sachsen/cimis/new/main/formats"
    assert urllib.parse.parse_qs(url.query)["value"][0] == text
    assert errors == []
    root = copy_project(tmp_path / "project")
    (root / "formats" / f"{FORMAT_SLUG}.md").write_text(text, "utf-8")
    check = cimis_here("check", "--strict", "--root", str(root))
    assert check.returncode == 0, check.stderr


def test_wrong_values_show_their_message_at_the_field(new_page, site_url: str) -> None:  # noqa: F811
    page, _ = open_form(new_page, site_url + "mitmachen/fall/")
    type_text(page, "Titel", "Kurz")
    type_text(page, "Jahr", "zweitausend")
    page.keyboard.press("Tab")
    title, year = page.get_by_label(label("Titel")), page.get_by_label(label("Jahr"))
    assert title.get_attribute("aria-invalid") == "true"
    assert page.locator("#f-title-fehler").text_content() == "Zu kurz: 4 Zeichen, nötig sind mindestens 10."
    assert "f-title-fehler" in title.get_attribute("aria-describedby").split()
    assert page.locator("#f-year-fehler").text_content() == "Bitte trage eine ganze Zahl ein, z. B. 2025."
    assert year.get_attribute("aria-invalid") == "true"
    assert page.locator("#f-title-zaehler").text_content() == "4 Zeichen, nötig sind 10 bis 90"
    # An existing file name is refused, with a free one suggested.
    existing = sorted(p.stem for p in (REPO / "cases").glob("*.md"))[0]
    slug = page.locator("[data-cimis-slug]")
    slug.fill(existing)
    slug.press("Tab")
    assert page.locator("#f-slug-fehler").text_content().startswith(f"Den Dateinamen {existing} gibt es schon.")
    # Raw HTML in a section is refused at the section.
    type_text(page, "Ausgangslage", 'Hallo <script>alert(1)</script>')
    page.keyboard.press("Tab")
    assert page.locator("#f-section-ausgangslage-fehler").text_content().startswith("HTML geht hier nicht")
    # Asking for the file lists every problem with a link and moves the focus to the first one.
    page.get_by_role("link", name="Auf GitHub vorschlagen").click()
    summary = page.locator("[data-cimis-summary]")
    assert summary.is_visible()
    assert summary.get_by_role("link", name=re.compile(r"^Titel: Zu kurz")).count() == 1
    assert page.evaluate("document.activeElement.id") == "f-title"
    assert page.url.endswith("/mitmachen/fall/"), "the link was followed although the form has problems"


def test_a_long_title_suggests_the_file_name_from_issue_forms_cut_between_words(new_page, site_url: str) -> None:  # noqa: F811
    title = "Das Dorftheater im Landkreis Görlitz verkauft seine Karten jetzt online und spart Zeit"
    page, _ = open_form(new_page, site_url + "mitmachen/fall/")
    type_text(page, "Titel", title)
    suggested = page.locator("[data-cimis-slug]").input_value()
    assert suggested == slug_for(title) == "das-dorftheater-im-landkreis-goerlitz-verkauft-seine-karten"


def test_draft_survives_a_reload_and_can_be_discarded(new_page, site_url: str) -> None:  # noqa: F811
    page, _ = open_form(new_page, site_url + "mitmachen/methode/")
    type_text(page, "Titel der Karte", "Mein Entwurf")
    page.get_by_role("button", name="Schritt hinzufügen").click()
    page.keyboard.type("Vierter Schritt")
    page.reload()
    page.wait_for_selector("form[data-cimis-form]:not([hidden])")
    assert page.get_by_label(label("Titel der Karte")).input_value() == "Mein Entwurf"
    assert page.get_by_label("Schritt Nr. 4").input_value() == "Vierter Schritt"
    assert page.locator("[data-cimis-slug]").input_value() == "mein-entwurf"
    assert page.context.cookies() == []
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Entwurf verwerfen").click()
    assert page.get_by_label(label("Titel der Karte")).input_value() == ""
    assert page.evaluate("localStorage.getItem('cimis-entwurf-method')") is None
    page.reload()
    page.wait_for_selector("form[data-cimis-form]:not([hidden])")
    assert page.get_by_label(label("Titel der Karte")).input_value() == ""


def test_long_file_is_not_handed_to_github(new_page, site_url: str) -> None:  # noqa: F811
    page, _ = open_form(new_page, site_url + "mitmachen/fall/")
    page.get_by_label(label("Ausgangslage")).fill("Sehr viel Text. " * 600)
    github = page.locator("a[data-cimis-github]")
    assert github.get_attribute("href") is None and github.get_attribute("aria-disabled") == "true"
    assert "zu lang für den Link zu GitHub" in page.locator("[data-cimis-github-note]").text_content()


@pytest.fixture(scope="module")
def changed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped pages and methods (the case form offers them) with one more district and an editors'
    address, built."""
    root = lean_project(tmp_path_factory.mktemp("vocabulary") / "project", "methods")
    with (root / "content" / "vocabularies" / "districts.yml").open("a", encoding="utf-8") as file:
        file.write("\nneuland:\n  label: Neuland am See\n  description: Landkreis (nur im Test)\n")
    config = (root / "mkdocs.yml").read_text("utf-8")
    (root / "mkdocs.yml").write_text(config.replace("  cimis:\n", "  cimis:\n    contact: redaktion@example.org\n"), "utf-8")
    outcome = pipeline.build(root, TODAY)
    assert not outcome.failed, outcome.diagnostics
    return root


def test_new_vocabulary_value_appears_in_the_form(changed_project: Path) -> None:
    html = (changed_project / "site" / "mitmachen" / "fall" / "index.html").read_text("utf-8")
    assert '<option value="neuland">Neuland am See</option>' in html


def test_mail_hand_off_when_a_contact_is_set(new_page, changed_project: Path) -> None:  # noqa: F811
    with serve(changed_project / "site") as url:
        page, _ = open_form(new_page, url + "mitmachen/fall/", viewport=PHONE)
        fill_case(page, paste_text)
        mail = page.locator("a[data-cimis-mail]")
        href = mail.get_attribute("href")
        assert href.startswith("mailto:redaktion@example.org?subject=")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
        assert query["subject"] == [f"Neuer Fall: {CASE_TITLE}"]
        # The whole case is longer than a mail link should be: the mail asks for the downloaded file.
        assert f"Die Datei {CASE_SLUG}.md hänge ich an" in query["body"][0]
        assert "Lade sie dazu zuerst herunter" in page.locator("[data-cimis-mail-note]").text_content()
        with page.expect_download() as download:
            page.get_by_role("button", name="Datei herunterladen").click()
        assert download.value.suggested_filename == f"{CASE_SLUG}.md"
        assert Path(download.value.path()).read_text("utf-8") == output_text(page)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_case_form_has_no_wcag_violations_with_errors_and_when_valid(axe_pages, site_url: str, width: str) -> None:  # noqa: F811
    """Empty is covered with every page type; here the form shows its messages, then a valid file (at phone width
    without the colour rules, as the page types: the palettes set the same colours at every width)."""
    page = axe_pages[width]
    options = AXE_OPTIONS if width == "desktop" else AXE_LAYOUT_OPTIONS
    page.goto(site_url + "mitmachen/fall/")
    page.evaluate("localStorage.clear()")
    page.reload()
    page.wait_for_selector("form[data-cimis-form]:not([hidden])")
    page.get_by_role("button", name="Angaben prüfen").click()
    runs = {"errors": run_axe(page, options)}
    fill_case(page, paste_text)
    page.get_by_role("button", name="Angaben prüfen").click()
    assert page.locator("[data-cimis-summary]").is_hidden()
    runs["valid"] = run_axe(page, options)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], "the page scrolls sideways"
    failures = report(f"case form ({width})", "mitmachen/fall/", runs)
    assert not failures, "\n".join(failures)


def test_method_form_with_errors_has_no_wcag_violations(axe_pages, site_url: str) -> None:  # noqa: F811
    page = axe_pages["phone"]
    page.goto(site_url + "mitmachen/methode/")
    page.wait_for_selector("form[data-cimis-form]:not([hidden])")
    type_text(page, "Titel der Karte", "X")
    page.get_by_role("button", name="Angaben prüfen").click()
    runs = {"errors": run_axe(page)}
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], "the page scrolls sideways"
    failures = report("method form (phone)", "mitmachen/methode/", runs)
    assert not failures, "\n".join(failures)


def test_filling_and_saving_a_case_stays_on_the_site(browser, site_url: str) -> None:  # noqa: F811
    """Filling in, checking, downloading and copying request nothing from another host; only the links would."""
    context = browser.new_context(service_workers="block", accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    traffic = Traffic(context, site_url)
    traffic.current = "form"
    page = context.new_page()
    try:
        page.goto(site_url + "mitmachen/fall/")
        fill_case(page, paste_text)
        page.get_by_role("button", name="Angaben prüfen").click()
        with page.expect_download():
            page.get_by_role("button", name="Datei herunterladen").click()
        page.get_by_role("button", name="Text kopieren").click()
        page.wait_for_function("() => document.querySelector('[data-cimis-announce]').textContent !== ''")
        assert page.evaluate("navigator.clipboard.readText()") == output_text(page)
        traffic.settle(page)
        assert_private(page, traffic, "form")
    finally:
        context.close()
