"""Schema → a new entry: the commented template, or a file filled in by questions in the terminal.

Both read the entry type's JSON Schema (fields, titles, descriptions, examples, limits, body sections),
so a field added to the schema is asked for and shown in the template without another line of code.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import jsonschema
import yaml

from .load import CONTENT_FOLDERS, SLUG_RE, printed_step
from .schema import BodySection, Field, body_sections, entry_fields, raw_schema, subschema
from .templating import page_environment

FOLDERS = {kind: folder for folder, kind in CONTENT_FOLDERS.items()}
References = Mapping[str, tuple[str, ...]]  # content folder → slugs (what x-reference fields may name)
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
    in_list: bool = False


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


# --- what a field allows, in words ------------------------------------------------------------------

def choices(field: Field, vocabularies: Mapping[str, tuple[str, ...]], references: References) -> tuple[str, ...]:
    """The values a field may take, or () for free text and numbers."""
    rule = field.item
    if "enum" in rule:
        return tuple(rule["enum"])
    if name := rule.get("x-vocabulary"):
        return tuple(vocabularies.get(name, ()))
    if folder := rule.get("x-reference"):
        return tuple(references.get(folder, ()))
    return ()


def limits(field: Field) -> str:
    """The field's limits as people read them: '10–90 Zeichen', 'höchstens 8 Einträge'."""
    rule, item = field.rule, field.item
    parts = []
    if "maxLength" in item:
        parts.append(f"{item.get('minLength', 0)}–{item['maxLength']} Zeichen" if item.get("minLength", 0) > 1
                     else f"höchstens {item['maxLength']} Zeichen")
    if "minimum" in item and "maximum" in item:
        parts.append(f"{item['minimum']} bis {item['maximum']}")
    elif "minimum" in item:
        parts.append(f"ab {item['minimum']}")
    if rule.get("type") == "array":
        if rule.get("minItems", 0) > 1:
            parts.append(f"mindestens {rule['minItems']} Einträge")
        if "maxItems" in rule:
            parts.append(f"höchstens {rule['maxItems']} Einträge")
    if item.get("format") == "date":
        parts.append("JJJJ-MM-TT")
    return ", ".join(parts)


def _is_date(field: Field) -> bool:
    return field.rule.get("format") == "date"


def _is_example_list(field: Field) -> bool:
    """A required list of objects whose schema gives a whole example (a format's agenda): written as that example."""
    return field.required and field.rule.get("type") == "array" and field.item.get("type") == "object" \
        and bool(field.rule.get("examples"))


def _is_span(field: Field) -> bool:
    """A {min, max} pair of numbers, asked as two numbers."""
    return field.rule.get("type") == "object" and set(field.rule.get("properties", {})) == {"min", "max"}


# --- questions ---------------------------------------------------------------------------------------

def example_lists(kind: str) -> dict[str, Any]:
    """The required lists that a new entry starts with the schema's example of (key → example)."""
    return {field.name: field.rule["examples"][0] for field in entry_fields(kind)
            if len(field.path) == 1 and _is_example_list(field)}


def questions(kind: str, vocabularies: dict[str, tuple[str, ...]], references: References) -> tuple[Question, ...]:
    """The required values, in the order the schema declares them."""
    asked = []
    examples = example_lists(kind)
    for field in entry_fields(kind):
        if field.path[0] in examples:
            continue  # a block list is easier to edit in the file than to answer line by line
        if not field.required or _is_date(field) or field.rule.get("type") == "object" or \
                (field.rule.get("type") == "array" and field.item.get("type") == "object"):
            continue  # dates are today; objects and lists of objects are asked field by field
        many = field.rule.get("type") == "array"
        options = choices(field, vocabularies, references)
        words = limits(field)
        hint = " (durch Kommas getrennt)" if many and not options else ""
        prompt = f"{field.title}{f' ({words})' if words else ''}{hint}"
        asked.append(Question(field.path, prompt, options, many,
                              field.item.get("type") == "integer", field.in_list))
    return tuple(asked)


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


MESSAGES = {"minLength": "Das ist zu kurz", "maxLength": "Das ist zu lang", "type": "Bitte eine ganze Zahl eingeben",
            "minimum": "Die Zahl ist zu klein", "maximum": "Die Zahl ist zu groß",
            "minItems": "Bitte mindestens einen Eintrag", "maxItems": "Das sind zu viele Einträge",
            "uniqueItems": "Ein Eintrag steht doppelt", "pattern": "So ist es nicht richtig geschrieben", "enum": "Das steht nicht zur Auswahl"}


def _problem(question: Question, value: Any, schema: dict, values: dict) -> str | None:
    if question.number and not isinstance(value, int):
        return "Bitte eine ganze Zahl eingeben"
    if question.path[-1] == "max" and value < _get(values, question.path[:-1]).get("min", value):
        return "Der Höchstwert muss mindestens so groß sein wie der Mindestwert"
    if question.choices:
        picked = value if isinstance(value, list) else [value]
        wrong = [x for x in picked if x not in question.choices]
        if wrong or not picked:
            return f"'{', '.join(wrong)}' steht nicht zur Auswahl" if wrong else "Bitte mindestens eins wählen"
    # The one list item asked for (e.g. the first creative) follows the rules of the list's items.
    path = _item_path(question)
    try:
        jsonschema.validate(value, subschema(schema, path))
    except jsonschema.ValidationError as exc:
        return MESSAGES.get(exc.validator, "Das passt nicht")
    return None


def _item_path(question: Question) -> tuple:
    return (question.path[0], 0, *question.path[1:]) if question.in_list else question.path


def _get(values: dict, path: tuple) -> dict:
    node: Any = values
    for part in path:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def ask_values(kind: str, schema: dict, vocabularies: dict[str, tuple[str, ...]], references: References,
               ask: Ask, say: Say) -> dict:
    """Ask every required value, re-asking until the answer is valid; block lists start as the schema's example."""
    values: dict[str, Any] = {}
    for question in questions(kind, vocabularies, references):
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
        node: Any = values
        for part in _item_path(question)[:-1]:
            if isinstance(part, int):
                node = node[part]
            else:
                node = node.setdefault(part, [{}] if question.in_list and part == question.path[0] else {})
        node[question.path[-1]] = value
    for key, example in example_lists(kind).items():
        values[key] = example
        say(f"\n{schema['properties'][key].get('title', key)} ({key}): ein Beispiel steht schon in der Datei; "
            "ersetze es dort durch deinen Ablauf.")
    return values


def ask_sections(kind: str, ask: Ask, say: Say) -> dict[str, str | list[str]]:
    """Ask for the required body sections (a first draft, to extend in the editor)."""
    sections: dict[str, str | list[str]] = {}
    for section in body_sections(kind):
        if not section.required:
            continue
        if section.steps:
            sections[section.title] = _ask_steps(section, ask, say)
            continue
        text = ""
        while not text:
            text = ask(f"{section.title} (ein, zwei Sätze; später ausführlicher): ").strip()
        sections[section.title] = text
    return sections


def _ask_steps(section: BodySection, ask: Ask, say: Say) -> list[str]:
    fewest, most, longest = (section.steps[k] for k in ("minItems", "maxItems", "maxLength"))
    say(f"\n{section.title}: ein Schritt pro Zeile, {fewest} bis {most} Schritte, leere Zeile beendet. Auf die "
        f"Karte kommen höchstens {longest} Zeichen je Schritt; ein längerer Schritt beginnt mit einer fett gesetzten "
        "Kurzfassung, z. B. **Karten sortieren.** Dann …")
    steps: list[str] = []
    while len(steps) < most:
        step = ask(f"  Schritt {len(steps) + 1}: ").strip()
        if not step:
            if len(steps) >= fewest:
                break
            say(f"  Mindestens {fewest} Schritte, bitte.")
        elif (printed := printed_step(step, longest)) is None:
            say(f"  Der Schritt ist {len(step)} Zeichen lang; kürze ihn auf {longest} oder beginne ihn mit einer "
                "Kurzfassung in **…**.")
        elif len(printed) > longest:
            say(f"  Die Kurzfassung ist {len(printed)} Zeichen lang; kürze sie auf {longest}.")
        else:
            steps.append(step)
    return steps


def entry_text(values: dict, sections: dict[str, str | list[str]], today: dt.date) -> str:
    """A complete entry file from answers."""
    data = {**values, "updated": today}
    head = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=1000)
    body = []
    for title, text in sections.items():
        content = "\n".join(f"{i}. {s}" for i, s in enumerate(text, 1)) if isinstance(text, list) else text
        body.append(f"## {title}\n\n{content}\n")
    return f"---\n{head}---\n\n" + "\n".join(body)


# --- the commented template ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TemplateLine:
    """One front-matter line of the template and the comment above it; optional lines stay commented."""

    comment_indent: str
    indent: str
    comment: str
    text: str
    optional: bool


def _flow(value: Any) -> str:
    """A YAML value on one line, text always quoted so that it never turns into a date or a boolean."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _example(rule: Mapping[str, Any], options: tuple[str, ...]) -> Any:
    """A value that passes check as it stands: the schema's example, else one built from the parts' examples."""
    if rule.get("examples"):
        return rule["examples"][0]
    if rule.get("type") == "object":
        return {key: _example(part, ()) for key, part in rule.get("properties", {}).items()}
    if rule.get("type") == "array":
        return [options[0]] if options else []
    return options[0] if options else ""


def _comment(field: Field, options: tuple[str, ...]) -> str:
    words = [field.title + (f" ({limits(field)})" if limits(field) else "") + ":", field.rule.get("description", "")]
    if options and field.item.get("x-reference"):
        words.append("Zum Beispiel: " + ", ".join(options[:3]))
    elif options:
        words.append("Erlaubt: " + ", ".join(options))
    return " ".join(w for w in words if w)


def template_lines(node: Mapping[str, Any], vocabularies: Mapping[str, tuple[str, ...]], references: References,
                   today: str, indent: str = "") -> list[TemplateLine]:
    """The front-matter lines for the properties of ``node``: placeholders where required, examples where not."""
    needed = set(node.get("required", ()))
    lines: list[TemplateLine] = []
    for key, rule in node.get("properties", {}).items():
        field = Field((key,), rule, key in needed, False)
        options = choices(field, vocabularies, references)
        comment = _comment(field, options)
        if key not in needed:
            lines.append(TemplateLine(indent, indent, comment, f"{key}: {_flow(_example(rule, options))}", True))
        elif _is_date(field):
            lines.append(TemplateLine(indent, indent, comment, f"{key}: {today}", False))
        elif _is_span(field):
            lines.append(TemplateLine(indent, indent, comment, f"{key}: {_flow(rule['examples'][0])}", False))
        elif _is_example_list(field):
            lines.append(TemplateLine(indent, indent, comment + " Ersetze das Beispiel durch deinen Ablauf.",
                                      f"{key}:", False))
            lines += [TemplateLine(indent, indent + "  - ", "", _flow(item), False) for item in rule["examples"][0]]
        elif rule.get("type") == "object":
            lines.append(TemplateLine(indent, indent, comment, f"{key}:", False))
            lines += template_lines(rule, vocabularies, references, today, indent + "  ")
        elif rule.get("type") == "array" and field.item.get("type") == "object":
            lines.append(TemplateLine(indent, indent, comment, f"{key}:", False))
            items = template_lines(field.item, vocabularies, references, today, indent + "    ")
            first = items[0]
            items[0] = TemplateLine(first.comment_indent, indent + "  - ", first.comment, first.text, first.optional)
            lines += items
        else:
            placeholder = _flow(f"«{field.title}»")
            lines.append(TemplateLine(indent, indent, comment,
                                      f"{key}: [{placeholder}]" if rule.get("type") == "array" else f"{key}: {placeholder}",
                                      False))
    return lines


def template_text(kind: str, vocabularies: dict[str, tuple[str, ...]], references: References,
                  today: dt.date | None) -> str:
    """The commented template with placeholders that `cimis check` reports until filled.

    Without ``today`` (the guide's copy, which must not change daily) the date is a placeholder too.
    """
    date = today.isoformat() if today else _flow("«Datum als JJJJ-MM-TT»")
    return page_environment().get_template("new_entry.md.j2").render(
        kind=kind, lines=template_lines(raw_schema(kind), vocabularies, references, date), sections=body_sections(kind))
