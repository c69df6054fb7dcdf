"""Scaffold a new case or method: a commented template, or a file filled in by questions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jsonschema
import yaml

from .load import SLUG_RE
from .render import environment
from .schema import subschema
from .validate import CASE_REQUIRED, METHOD_REQUIRED

FOLDERS = {"case": "cases", "method": "methods"}
Ask = Callable[[str], str]
Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Question:
    """One value to ask for: where it goes, how to ask, and which choices exist."""

    path: tuple[str, ...]
    prompt: str
    choices: tuple[str, ...] = ()
    many: bool = False
    number: bool = False


class NewEntryError(Exception):
    """The entry cannot be created (bad slug, existing file); the message is for the user."""


def target_file(root: Path, kind: str, slug: str) -> Path:
    """The file to create, or NewEntryError if the slug is invalid or the file exists."""
    if not SLUG_RE.match(slug):
        raise NewEntryError(f"'{slug}' ist kein gültiges Kürzel: nur Kleinbuchstaben, Ziffern und Bindestriche "
                            "(ä→ae, ß→ss), z. B. heimatmuseum-online-tickets")
    file = root / FOLDERS[kind] / f"{slug}.md"
    if file.exists():
        raise NewEntryError(f"{file.relative_to(root).as_posix()} gibt es schon; wähle ein anderes Kürzel")
    return file


def template_text(kind: str, vocabularies: dict[str, tuple[str, ...]], methods: tuple[str, ...],
                  today: dt.date | None) -> str:
    """The commented template with placeholders that `cimis check` reports until filled.

    Without ``today`` (the guide's copy, which must not change daily) the date is a placeholder too.
    """
    return environment().get_template(f"new_{kind}.md.j2").render(
        vocab=vocabularies, methods=methods, today=today.isoformat() if today else "«Datum als JJJJ-MM-TT»",
        year=today.year if today else 2025)


def questions(kind: str, vocabularies: dict[str, tuple[str, ...]], methods: tuple[str, ...]) -> tuple[Question, ...]:
    """The required values, in the order a person fills them in."""
    v = vocabularies
    if kind == "case":
        return (
            Question(("title",), "Titel (10–90 Zeichen)"),
            Question(("description",), "Kurzbeschreibung (40–300 Zeichen)"),
            Question(("challenge",), "Herausforderung als Frage (Wie können wir …?)"),
            Question(("year",), "Jahr des Beginns", number=True),
            Question(("status",), "Stand", ("abgeschlossen", "laufend")),
            Question(("district",), "Region", v["districts"]),
            Question(("organisation", "name"), "Name der Organisation"),
            Question(("organisation", "type"), "Art der Organisation", v["organisation-types"]),
            Question(("organisation", "industry"), "Branche (WZ 2008)", v["industries"]),
            Question(("creatives", "name"), "Name der oder des Kreativschaffenden"),
            Question(("creatives", "submarket"), "Teilmarkt der Kreativwirtschaft", v["submarkets"]),
            Question(("methods",), "Eingesetzte Methoden", methods, many=True),
            Question(("topics",), "Themen", v["topics"], many=True),
            Question(("outcome", "type"), "Art des Ergebnisses", ("produkt", "dienstleistung", "prozess",
                                                                  "geschaeftsmodell")),
            Question(("outcome", "maturity"), "Reifegrad", ("idee", "konzept", "prototyp", "pilot", "im-betrieb")),
        )
    return (
        Question(("title",), "Titel der Karte (3–50 Zeichen)"),
        Question(("tagline",), "Ein Satz für die Vorderseite (höchstens 120 Zeichen)"),
        Question(("phases",), "Phasen", v["phases"], many=True),
        Question(("duration", "min"), "Dauer mindestens (Minuten)", number=True),
        Question(("duration", "max"), "Dauer höchstens (Minuten)", number=True),
        Question(("group_size", "min"), "Gruppengröße mindestens", number=True),
        Question(("group_size", "max"), "Gruppengröße höchstens", number=True),
        Question(("difficulty",), "Schwierigkeit", ("leicht", "mittel", "anspruchsvoll")),
        Question(("setting",), "Format", ("praesenz", "online", "hybrid"), many=True),
        Question(("materials",), "Material (durch Kommas getrennt)", many=True),
        Question(("source",), "Quelle (wer hat die Methode bekannt gemacht?)"),
    )


def _parse(question: Question, answer: str) -> Any:
    answer = answer.strip()
    if question.many:
        parts = [p.strip() for p in answer.split(",") if p.strip()]
        return [_choice(question, p) for p in parts] if question.choices else parts
    if question.choices:
        return _choice(question, answer)
    if question.number:
        return int(answer) if answer.lstrip("-").isdigit() else answer
    return answer


def _choice(question: Question, answer: str) -> str:
    if answer.isdigit() and 1 <= int(answer) <= len(question.choices):
        return question.choices[int(answer) - 1]
    return answer


def _problem(question: Question, value: Any, schema: dict, values: dict) -> str | None:
    if question.number and not isinstance(value, int):
        return "Bitte eine ganze Zahl eingeben"
    if question.path[-1] == "max" and value < values.get(question.path[0], {}).get("min", value):
        return "Der Höchstwert muss mindestens so groß sein wie der Mindestwert"
    if question.choices:
        values = value if isinstance(value, list) else [value]
        wrong = [x for x in values if x not in question.choices]
        if wrong or not values:
            return f"'{', '.join(wrong)}' steht nicht zur Auswahl" if wrong else "Bitte mindestens eins wählen"
    # The one creative asked for becomes creatives[0]; its rules are those of the list's items.
    path = ("creatives", 0, *question.path[1:]) if question.path[0] == "creatives" else question.path
    rule = subschema(schema, path)
    try:
        jsonschema.validate(value, rule)
    except jsonschema.ValidationError as exc:
        return {"minLength": "Das ist zu kurz", "maxLength": "Das ist zu lang", "type": "Bitte eine Zahl eingeben",
                "minimum": "Die Zahl ist zu klein", "maximum": "Die Zahl ist zu groß",
                "minItems": "Bitte mindestens einen Eintrag"}.get(exc.validator, exc.message)
    return None


def ask_values(kind: str, schema: dict, vocabularies: dict[str, tuple[str, ...]], methods: tuple[str, ...],
               ask: Ask, say: Say) -> dict:
    """Ask every required value, re-asking until the answer is valid."""
    values: dict[str, Any] = {}
    for question in questions(kind, vocabularies, methods):
        if question.choices:
            say(f"\n{question.prompt}:")
            for i, choice in enumerate(question.choices, 1):
                say(f"  {i:2}. {choice}")
        while True:
            hint = " (Nummern oder Kürzel, durch Kommas getrennt)" if question.many and question.choices else ""
            value = _parse(question, ask(f"{question.prompt}{hint}: "))
            problem = _problem(question, value, schema, values)
            if problem is None:
                break
            say(f"  {problem}. Bitte noch einmal.")
        node = values
        for part in question.path[:-1]:
            node = node.setdefault(part, {})
        node[question.path[-1]] = value
    if kind == "case":
        values["creatives"] = [values["creatives"]]
    return values


def ask_sections(kind: str, ask: Ask, say: Say) -> dict[str, str | list[str]]:
    """Ask for the required body sections (a first draft, to extend in the editor)."""
    sections: dict[str, str | list[str]] = {}
    for title in (CASE_REQUIRED if kind == "case" else METHOD_REQUIRED):
        if title == "Ablauf":
            say("\nAblauf: ein Schritt pro Zeile, 3 bis 8 Schritte, leere Zeile beendet.")
            steps: list[str] = []
            while len(steps) < 8:
                step = ask(f"  Schritt {len(steps) + 1}: ").strip()
                if not step:
                    if len(steps) >= 3:
                        break
                    say("  Mindestens 3 Schritte, bitte.")
                    continue
                steps.append(step[:200])
            sections[title] = steps
        else:
            text = ""
            while not text:
                text = ask(f"{title} (ein, zwei Sätze; später ausführlicher): ").strip()
            sections[title] = text
    return sections


def entry_text(values: dict, sections: dict[str, str | list[str]], today: dt.date) -> str:
    """A complete entry file from answers."""
    data = {**values, "updated": today}
    head = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=1000)
    body = []
    for title, text in sections.items():
        content = "\n".join(f"{i}. {s}" for i, s in enumerate(text, 1)) if isinstance(text, list) else text
        body.append(f"## {title}\n\n{content}\n")
    return f"---\n{head}---\n\n" + "\n".join(body)
