"""Scaffolding new entries and the generated contributor guide."""

from __future__ import annotations

from pathlib import Path

from generator import pipeline

from .conftest import REPO, TODAY
from .test_cli import cimis_here


def answers(*values: str):
    queue = list(values)
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return queue.pop(0)

    return ask, asked


def test_template_lists_every_placeholder_as_an_error(project: Path) -> None:
    result = cimis_here("new", "case", "mein-neuer-fall", "--root", str(project), "--no-input")
    assert result.returncode == 0, result.stderr
    found = [d for d in pipeline.check(project, TODAY) if d.path == "cases/mein-neuer-fall.md"]
    assert found and {d.code for d in found} == {"placeholder"}
    assert all(d.hint.startswith("Ersetze") for d in found)


def test_new_refuses_existing_file_and_bad_slug(project: Path) -> None:
    existing = project / "methods" / "persona.md"
    before = existing.read_bytes()
    assert cimis_here("new", "method", "persona", "--root", str(project), "--no-input").returncode == 2
    assert existing.read_bytes() == before
    bad = cimis_here("new", "case", "Mein_Fall", "--root", str(project), "--no-input")
    assert bad.returncode == 2 and "kein gültiges Kürzel" in bad.stderr
    assert not (project / "cases" / "Mein_Fall.md").exists()


def test_interactive_case_reasks_invalid_answers_and_passes_check(project: Path) -> None:
    ask, asked = answers(
        "Zu kurz", "Dorfladen bekommt einen einfachen Onlineshop",
        "Ein Dorfladen in der Oberlausitz baut mit einer Designerin einen kleinen Onlineshop für Vorbestellungen auf.",
        "Wie können wir Stammkund:innen online bestellen lassen?",
        "zweitausend", "2025", "1", "goerlitz", "Dorfladen Beispiel", "kleinstunternehmen", "handel",
        "Studio Beispiel", "designwirtschaft", "persona, papierprototypp", "persona, papierprototyp",
        "onlineshop", "dienstleistung", "pilot",
        "Der Laden hatte keine Website.", "Wir haben Personas gebaut.", "Ein Shop ist online.", "Früh testen.")
    said: list[str] = []
    text = pipeline.new_entry_text(project, "case", TODAY, True, ask=ask, say=said.append)
    (project / "cases" / "dorfladen-onlineshop.md").write_text(text, "utf-8")
    assert pipeline.check(project, TODAY) == ()
    assert asked.count("Titel (10–90 Zeichen): ") == 2 and asked.count("Jahr (ab 2000): ") == 2
    assert any("steht nicht zur Auswahl" in line for line in said)


def test_interactive_method_passes_check(project: Path) -> None:
    ask, _ = answers("Blitzlicht", "Alle sagen reihum in einem Satz, wie es ihnen gerade mit dem Thema geht.",
                     "verstehen, testen", "5", "10", "3", "2", "20", "leicht", "praesenz, online", "Uhr",
                     "Moderationspraxis", "Ein kurzer Stimmungscheck.", "Frage stellen.", "Reihum antworten.",
                     "", "Nicht kommentieren.", "")
    text = pipeline.new_entry_text(project, "method", TODAY, True, ask=ask, say=lambda _: None)
    (project / "methods" / "blitzlicht.md").write_text(text, "utf-8")
    assert pipeline.check(project, TODAY) == ()


def test_interactive_method_takes_a_long_step_only_with_a_lead(project: Path) -> None:
    detail = "Dann erklärt jede Person kurz, warum sie so geantwortet hat, und die Moderation hält Stichworte " \
             "fest, ohne zu bewerten; wer nichts sagen möchte, gibt einfach weiter, und am Ende fasst jemand alles in zwei Sätzen zusammen."
    ask, _ = answers("Blitzlicht", "Alle sagen reihum in einem Satz, wie es ihnen gerade mit dem Thema geht.",
                     "verstehen, testen", "5", "10", "3", "2", "20", "leicht", "praesenz, online", "Uhr",
                     "Moderationspraxis", "Ein kurzer Stimmungscheck.", "Frage stellen.", detail,
                     f"**Reihum antworten.** {detail}", "Zusammenfassen.", "", "Nicht kommentieren.", "")
    said: list[str] = []
    text = pipeline.new_entry_text(project, "method", TODAY, True, ask=ask, say=said.append)
    assert f"  Der Schritt ist {len(detail)} Zeichen lang; kürze ihn auf 200 oder beginne ihn mit einer " \
           "Kurzfassung in **…**." in said
    assert f"2. **Reihum antworten.** {detail}\n" in text
    (project / "methods" / "blitzlicht.md").write_text(text, "utf-8")
    assert pipeline.check(project, TODAY) == ()


def test_contributing_md_is_up_to_date() -> None:
    assert (REPO / "CONTRIBUTING.md").read_text("utf-8") == pipeline.guide_text(REPO, for_site=False), \
        "CONTRIBUTING.md ist veraltet: cimis guide --out CONTRIBUTING.md"


def test_guide_lists_every_vocabulary_value_and_code(built_site: Path) -> None:
    text = (built_site / "mitmachen" / "index.html").read_text("utf-8")
    for file in (REPO / "content" / "vocabularies").glob("*.yml"):
        import yaml

        for slug in yaml.safe_load(file.read_text("utf-8")):
            assert f"<code>{slug}</code>" in text, slug
    for code in ("unknown-value", "placeholder", "step-count"):
        assert f"<code>{code}</code>" in text
