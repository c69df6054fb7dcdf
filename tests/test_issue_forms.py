"""GitHub issue forms from the schemas, and `cimis from-issue`: a body GitHub would write becomes a file that
passes check; hostile bodies are refused with a German diagnostic, no traceback and nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from generator import issue_forms

from .conftest import REPO, TODAY
from .test_cli import cimis_here

TEMPLATES = REPO / ".github" / "ISSUE_TEMPLATE"


def issue_body(form_file: Path, answers: dict[str, object]) -> str:
    """The Markdown GitHub writes for ``answers`` (element id → text, or a list of dropdown labels, or True)."""
    form = yaml.safe_load(form_file.read_text("utf-8"))
    parts = []
    for element in form["body"]:
        if element["type"] == "markdown":
            continue
        value = answers.get(element["id"])
        if element["type"] == "checkboxes":
            text = "\n".join(f"- [{'X' if value else ' '}] {o['label']}" for o in element["attributes"]["options"])
        elif value is None or value == "":
            text = "_No response_"
        elif isinstance(value, list):
            assert all(v in element["attributes"]["options"] for v in value), value
            text = ", ".join(value)
        else:
            text = str(value)
        parts.append(f"### {element['attributes']['label']}\n\n{text}")
    return "\n\n".join(parts) + "\n"


CASE = {
    "title": "Stadtbibliothek leiht Werkzeug über eine App aus",
    "description": "Eine Stadtbibliothek in Nordsachsen verleiht mit einem Entwicklerstudio Werkzeug und Nähmaschinen "
                   "über eine kleine App.",
    "challenge": "Wie können wir Dinge verleihen, ohne die Theke zu überlasten?",
    "year": "2025", "status": ["Abgeschlossen"], "district": ["Nordsachsen"],
    "organisation_name": "Stadtbibliothek Beispiel", "organisation_type": ["Bibliothek"],
    "organisation_industry": ["Kunst, Unterhaltung und Erholung"],
    "creatives_0_name": "Studio Beispiel", "creatives_0_submarket": ["Software-/Games-Industrie"],
    "methods": ["Persona", "Papierprototyp"], "topics": ["Prozessdigitalisierung"],
    "outcome_type": ["Dienstleistung"], "outcome_maturity": ["Im Betrieb"],
    "section_ausgangslage": "Die Bibliothek hatte eine Liste auf Papier.",
    "section_vorgehen": "Wir haben Personas gebaut und einen Papierprototyp getestet.\n\n- mit Nutzer:innen\n- mit dem Team",
    "section_ergebnis": "Die App ist seit Mai im Betrieb.", "section_learnings": "Früh mit echten Menschen testen.",
    "links": "https://www.example.org/bibliothek\nhttps://www.example.org/app", "consent": True,
}


def body_file(tmp_path: Path, text: str, name: str = "issue.md") -> Path:
    file = tmp_path / name
    file.write_text(text, "utf-8")
    return file


def entry_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.md")}


def test_shipped_issue_forms_are_up_to_date() -> None:
    project = issue_forms.load_checked(REPO, TODAY)
    for name, text in issue_forms.issue_form_files(project).items():
        assert (TEMPLATES / name).read_text("utf-8") == text, \
            f".github/ISSUE_TEMPLATE/{name} ist veraltet: cimis issue-forms"


def test_issue_forms_have_labelled_dropdowns_and_required_markers() -> None:
    form = yaml.safe_load((TEMPLATES / "fall.yml").read_text("utf-8"))
    fields = {e["id"]: e for e in form["body"] if "id" in e}
    assert "Görlitz" in fields["district"]["attributes"]["options"]
    assert fields["district"]["validations"] == {"required": True}
    assert fields["methods"]["attributes"]["multiple"] is True and "Persona" in fields["methods"]["attributes"]["options"]
    assert "validations" not in fields["programme"]
    assert fields["consent"]["attributes"]["options"][0]["required"] is True
    assert "image_src" not in fields  # the form cannot upload a file
    labels = [e["attributes"]["label"] for e in form["body"] if "id" in e]
    assert len(labels) == len(set(labels))


def test_new_vocabulary_value_appears_in_the_issue_forms(project: Path, tmp_path: Path) -> None:
    with (project / "content" / "vocabularies" / "topics.yml").open("a", encoding="utf-8") as file:
        file.write("\nkuenstliche-intelligenz:\n  label: Künstliche Intelligenz\n")
    out = tmp_path / "vorlagen"
    result = cimis_here("issue-forms", "--root", str(project), "--out", str(out))
    assert result.returncode == 0, result.stderr
    form = yaml.safe_load((out / "fall.yml").read_text("utf-8"))
    topics = next(e for e in form["body"] if e.get("id") == "topics")
    assert topics["attributes"]["options"][-1] == "Künstliche Intelligenz"


def test_body_from_the_shipped_case_form_gives_a_file_that_passes_check(project: Path, tmp_path: Path) -> None:
    body = body_file(tmp_path, issue_body(TEMPLATES / "fall.yml", CASE))
    result = cimis_here("from-issue", "--root", str(project), str(body))
    assert result.returncode == 0, result.stderr
    rel = "cases/stadtbibliothek-leiht-werkzeug-ueber-eine-app-aus.md"
    assert result.stdout == rel + "\n"
    text = (project / rel).read_text("utf-8")
    assert 'district: "nordsachsen"' in text and "methods:\n  - \"persona\"\n  - \"papierprototyp\"\n" in text
    assert "organisation:\n  name: \"Stadtbibliothek Beispiel\"\n" in text
    assert "creatives:\n  - name: \"Studio Beispiel\"\n    submarket: \"software-games\"\n" in text
    check = cimis_here("check", "--strict", "--root", str(project))
    assert check.returncode == 0, check.stderr
    # The same body again: the file exists now, so nothing is overwritten.
    again = cimis_here("from-issue", "--root", str(project), str(body))
    assert again.returncode == 1 and "error[existing-entry]" in again.stderr


def test_body_from_the_shipped_method_form_gives_a_file_that_passes_check(project: Path, tmp_path: Path) -> None:
    method = {"title": "Blitzlicht", "tagline": "Alle sagen reihum in einem Satz, wie es ihnen gerade geht.",
              "phases": ["Verstehen", "Testen"], "duration_min": "5", "duration_max": "15", "group_size_min": "3",
              "group_size_max": "20", "difficulty": ["Leicht"], "setting": ["Präsenz", "Online"],
              "materials": "- Uhr", "source": "Moderationspraxis", "section_worum-es-geht": "Ein kurzer Stimmungscheck.",
              "section_ablauf": "1. Frage stellen.\n2. Reihum antworten.\n3. Nicht kommentieren."}
    body = body_file(tmp_path, issue_body(TEMPLATES / "methode.yml", method))
    result = cimis_here("from-issue", "--root", str(project), str(body))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "methods/blitzlicht.md\n"
    assert "## Ablauf\n\n1. Frage stellen.\n2. Reihum antworten.\n3. Nicht kommentieren.\n" in \
        (project / "methods" / "blitzlicht.md").read_text("utf-8")
    assert cimis_here("check", "--strict", "--root", str(project)).returncode == 0


HOSTILE = {
    "shell metacharacters in the file name": ({"slug": "x; rm -rf / && $(whoami) `id` | cat"}, "issue-value"),
    "workflow expression in the file name": ({"slug": "${{ secrets.GITHUB_TOKEN }}"}, "issue-value"),
    "path out of cases/": ({"slug": "../../generator/evil"}, "issue-value"),
    "script in a section": ({"section_ausgangslage": "<script>alert(document.cookie)</script>"}, "unsafe-html"),
    "javascript link in a section": ({"section_ergebnis": "[klick](javascript:alert(1))"}, "unsafe-url"),
    "a new section smuggled in": ({"section_learnings": "Gut.\n\n## Geheim\n\nmehr"}, "unknown-section"),
    "a key smuggled into the title": ({"title": "Harmloser Titel für den Fall\nlicense: evil\nmethods: [x]"},
                                      "issue-value"),
    "a value not in the list": ({"district": "Atlantis"}, "issue-value"),
    "no consent": ({"consent": False}, "no-consent"),
    "an existing file": ({"slug": sorted(p.stem for p in (REPO / "cases").glob("*.md"))[0]}, "existing-entry"),
}


def refused(project: Path, body: Path, code: str) -> str:
    before = entry_files(project)
    result = cimis_here("from-issue", "--root", str(project), str(body))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert f"error[{code}]" in result.stderr, result.stderr
    assert "Keine Datei geschrieben" in result.stderr
    assert entry_files(project) == before
    return result.stderr


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_bodies_are_refused_cleanly(project: Path, tmp_path: Path, name: str) -> None:
    changes, code = HOSTILE[name]
    body = body_file(tmp_path, issue_body(TEMPLATES / "fall.yml", {**CASE, **changes}))
    refused(project, body, code)
    assert not (project.parent / "generator").exists() and not (project / "generator").exists()


def test_a_megabyte_body_and_a_foreign_body_are_refused(project: Path, tmp_path: Path) -> None:
    big = issue_body(TEMPLATES / "fall.yml", CASE) + "A" * 1_000_000
    message = refused(project, body_file(tmp_path, big, "gross.md"), "issue-form")
    assert "länger als 65.536 Zeichen" in message
    refused(project, body_file(tmp_path, "### Hallo\n\nIch bin kein Formular. ${{ github.token }}\n", "fremd.md"),
            "issue-form")


def test_text_fields_keep_shell_and_expression_text_literally(project: Path, tmp_path: Path) -> None:
    """Nothing from the body is run or evaluated: such text lands in the file as it was typed."""
    title = "Werkstatt $(whoami) und ${{ github.token }} `id`"
    body = body_file(tmp_path, issue_body(TEMPLATES / "fall.yml", {**CASE, "title": title, "slug": "werkstatt-text"}))
    result = cimis_here("from-issue", "--root", str(project), str(body))
    assert result.returncode == 0, result.stderr
    text = (project / "cases" / "werkstatt-text.md").read_text("utf-8")
    data = yaml.safe_load(text.split("---\n")[1])
    assert data["title"] == title
    schema_keys = set(yaml.safe_load((REPO / "generator" / "schemas" / "case.schema.json").read_text("utf-8"))["properties"])
    assert set(data) <= schema_keys


def test_issue_workflow_keeps_the_issue_text_out_of_scripts() -> None:
    """The body reaches the job only through an environment variable; every action is pinned to a commit."""
    text = (REPO / ".github" / "workflows" / "beitrag-aus-issue.yml").read_text("utf-8")
    workflow = yaml.safe_load(text)
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    assert all("${{" not in step.get("run", "") for step in steps)
    assert any(step.get("env", {}).get("ISSUE_BODY") == "${{ github.event.issue.body }}" for step in steps)
    assert all(re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", step["uses"]) for step in steps if "uses" in step)
    assert workflow["permissions"] == {}
    assert any("cimis from-issue" in step.get("run", "") for step in steps)
    assert any("cimis check" in step.get("run", "") for step in steps)
    # It runs for an issue from each of the issue forms, and for no other.
    labels = set(re.findall(r"contains\(github\.event\.issue\.labels\.\*\.name, '([\w-]+)'\)",
                            str(workflow["jobs"]["beitrag"]["if"])))
    assert labels == {issue_forms.words()[kind]["label"] for kind in issue_forms.FORM_PAGES}


EVENT = {
    "title": "Frühstück mit Fragen",
    "tagline": "Ein Betrieb bringt beim Frühstück eine Frage mit, Kreativschaffende antworten mit Ideen.",
    "description": "Ein Frühstück für Betriebe und Kreativschaffende einer Region: eine Frage, zwei Methoden, "
                   "eine Auswahl und verabredete nächste Schritte.",
    "duration_min": "100", "duration_max": "130", "participants_min": "6", "participants_max": "24",
    "roles": "- Betrieb mit einer Frage\n- Kreativschaffende\n- Moderation", "setting": ["Präsenz"],
    # As a person types it: a unit after the minutes, a method by its title in other case, one by its slug.
    "agenda": "15 | Ankommen und Kaffee\n30 Minuten | wie-können-wir-fragen | Jede Gruppe schreibt drei Fragen.\n"
              "40 | brainwriting-635\n15 | Punktabfrage | Zwei Punkte pro Person",
    "preparation": "3 | Raum buchen und Betriebe einladen.\n0 | Brötchen bestellen.",
    "source": "Angelehnt an Frühstücksformate von Wirtschaftsförderungen und Kammern",
    "section_worum-es-geht": "Ein Betrieb schildert seine Frage, die Runde entwickelt dazu Ideen.",
}


def test_body_from_the_shipped_format_form_gives_a_file_that_passes_check(project: Path, tmp_path: Path) -> None:
    form = yaml.safe_load((TEMPLATES / "format.yml").read_text("utf-8"))
    agenda = next(e for e in form["body"] if e.get("id") == "agenda")
    assert "Minuten, Methode oder Titel des Blocks" in agenda["attributes"]["description"]
    assert "Brainwriting 6-3-5" in agenda["attributes"]["description"]  # the methods to choose from
    body = body_file(tmp_path, issue_body(TEMPLATES / "format.yml", EVENT))
    result = cimis_here("from-issue", "--root", str(project), str(body))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "formats/fruehstueck-mit-fragen.md\n"
    text = (project / "formats" / "fruehstueck-mit-fragen.md").read_text("utf-8")
    assert ('agenda:\n  - title: "Ankommen und Kaffee"\n    minutes: 15\n'
            '  - method: "wie-koennen-wir"\n    minutes: 30\n    note: "Jede Gruppe schreibt drei Fragen."\n'
            '  - method: "brainwriting-635"\n    minutes: 40\n') in text
    assert 'preparation:\n  - weeks_before: 3\n    task: "Raum buchen und Betriebe einladen."\n' in text
    check = cimis_here("check", "--strict", "--root", str(project))
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize(("agenda", "expected"), [
    ("15 | Ankommen\nviel | Pause", "error[issue-value] Zeile 2 bei „Ablauf“: „viel“ ist keine ganze Zahl (Minuten)"),
    ("15 | Ankommen | Kaffee | 1 | zu viel", "error[issue-value] Zeile 1 bei „Ablauf“ hat mehr als 4 Angaben"),
    ("15 | Ankommen\n30 | Brainwriting 6-3-5", "error[agenda-duration] Die Blöcke der Agenda dauern zusammen 45 Minuten"),
])
def test_a_wrong_agenda_is_refused_with_its_line(project: Path, tmp_path: Path, agenda: str, expected: str) -> None:
    body = body_file(tmp_path, issue_body(TEMPLATES / "format.yml", EVENT | {"agenda": agenda}))
    result = cimis_here("from-issue", "--root", str(project), str(body))
    assert result.returncode == 1 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (project / "formats" / "fruehstueck-mit-fragen.md").exists()


def test_minutes_outside_the_method_range_are_written_with_the_check_warning(project: Path, tmp_path: Path) -> None:
    agenda = "15 | Ankommen\n60 | Brainwriting 6-3-5\n30 | Pause"
    body = body_file(tmp_path, issue_body(TEMPLATES / "format.yml", EVENT | {"agenda": agenda}))
    result = cimis_here("from-issue", "--root", str(project), str(body))
    assert result.returncode == 0, result.stderr
    assert "warning[agenda-minutes] Block 2 (brainwriting-635) dauert 60 Minuten" in result.stderr
    assert cimis_here("check", "--strict", "--root", str(project)).returncode == 1  # as the pull request will say
