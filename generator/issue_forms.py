"""Schemas + vocabularies → GitHub issue forms (.github/ISSUE_TEMPLATE/*.yml); an issue-form body → the entry file."""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import yaml

from . import schema as schemas
from .diagnostics import Diagnostic, error
from .forms import FORM_PAGES, INDEX, Choice, Control, build_form, transliterate
from .load import SLUG_RE, SUGGESTED_SLUG_LENGTH, load_document, load_project
from .model import Content
from .records import to_content
from .validate import has_errors, validate

# A repeated group (the creatives) gets this many numbered sets of fields: issue forms cannot repeat.
SLOTS = 3
# GitHub stores at most 65,536 characters of an issue body: a longer one was not written by GitHub.
MAX_BODY_CHARS = 65_536
NO_RESPONSE = "_No response_"
_HEADING = re.compile(r"^###[ \t]+(.+?)[ \t]*$")
_CHECKED = re.compile(r"^\s*[-*]\s+\[[xX]\]\s+(.*)$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_LINE_NUMBER = re.compile(r"(\d{1,9})(?:\s+[^\W\d_]+\.?)?")  # "30" or "30 Minuten"
_ISSUE_TYPES = {"text": "input", "number": "input", "date": "input", "textarea": "textarea", "list": "textarea",
                "steps": "textarea", "lines": "textarea", "select": "dropdown", "choices": "dropdown", "search-choices": "dropdown",
                "checkbox": "checkboxes"}


@cache
def _words_text() -> str:
    return resources.files("generator").joinpath("templates", "issue_forms.yml").read_text("utf-8")


def words() -> dict:
    """The issue forms' fixed German words (templates/issue_forms.yml)."""
    return yaml.safe_load(_words_text())


@dataclass(frozen=True, slots=True)
class Element:
    """One field of an issue form and where its answer goes in the entry file."""

    id: str
    label: str
    description: str
    required: bool
    widget: str
    path: tuple[str | int, ...]
    choices: tuple[Choice, ...] = ()
    parts: tuple["Part", ...] = ()  # the fields of one line, for a repeated group written a row per line


@dataclass(frozen=True, slots=True)
class Part:
    """One '|'-separated place in a line: a field, or several of which the answer picks one (method or title)."""

    fields: tuple[Control, ...]

    @property
    def required(self) -> bool:
        return any(f.required for f in self.fields) or len(self.fields) > 1

    @property
    def label(self) -> str:
        return " oder ".join(f.label for f in self.fields)


def _path(name: str, slot: int | None = None) -> tuple[str | int, ...]:
    return tuple(slot if part == INDEX else part for part in name.split("."))


def _element_id(path: tuple) -> str:
    return "_".join(re.sub(r"[^a-z0-9_]+", "-", transliterate(str(p))).strip("-") for p in path)


def _description(c: Control, w: Mapping[str, Any]) -> str:
    limits, parts = c.limits, [c.help]
    if c.widget == "steps":
        parts = [w["steps"].format(min=limits["minItems"], max=limits["maxItems"], max_length=limits["maxLength"])]
    elif "maxLength" in limits and limits.get("minLength", 0) > 1:
        parts.append(w["limits"]["length"].format(min=limits["minLength"], max=limits["maxLength"]))
    elif "maxLength" in limits:
        parts.append(w["limits"]["max_length"].format(max=limits["maxLength"]))
    if "minimum" in limits and "maximum" in limits:
        parts.append(w["limits"]["range"].format(min=limits["minimum"], max=limits["maximum"]))
    elif "minimum" in limits:
        parts.append(w["limits"]["minimum"].format(min=limits["minimum"]))
    if c.widget == "list":
        parts.append(w["list"])
    if c.widget in ("list", "choices", "search-choices") and "maxItems" in limits:
        parts.append(w["limits"]["items"].format(max=limits["maxItems"]))
    if c.widget == "date":
        parts.append(w["date"])
    if c.example and c.widget not in ("select", "choices", "search-choices"):
        parts.append(f"Beispiel: {c.example}")
    return " ".join(p for p in parts if p)


def _line_text(row: Mapping[str, Any], parts: tuple[Part, ...]) -> str:
    cells = []
    for part in parts:
        key = next((f for f in part.fields if f.name.rsplit(".", 1)[-1] in row), None)
        if key is None:
            cells.append("")
            continue
        value = row[key.name.rsplit(".", 1)[-1]]
        cells.append(next((ch.label for ch in key.choices if ch.value == value), str(value)))
    while cells and not cells[-1]:
        cells.pop()
    return " | ".join(cells)


def _lines_description(c: Control, parts: tuple[Part, ...], w: Mapping[str, Any]) -> str:
    places = ", ".join(p.label + ("" if p.required else f" ({w['optional']})") for p in parts)
    text = [c.help, w["lines"]["each"].format(places=places)]
    if "maxItems" in c.limits:
        text.append(w["limits"]["items"].format(max=c.limits["maxItems"]))
    for part in parts:
        for f in part.fields:
            if f.choices and len(part.fields) > 1:
                text.append(w["lines"]["choices"].format(label=f.label, choices=", ".join(ch.label for ch in f.choices)))
    examples = c.example_rows
    if examples:
        text.append(w["lines"]["example"] + " " + " / ".join(f"`{_line_text(row, parts)}`" for row in examples[:3]))
    return " ".join(t for t in text if t)


def _elements(c: Control, w: Mapping[str, Any]) -> list[Element]:
    if c.widget == "group":
        return [e for child in c.children for e in _elements(child, w)]
    if c.widget == "repeat" and c.lines:
        by_key = {child.name.rsplit(".", 1)[-1]: child for child in c.children}
        parts = tuple(Part(tuple(by_key[k] for k in (keys if isinstance(keys, tuple) else (keys,))))
                      for keys in c.lines)
        return [Element(_element_id(_path(c.name)), c.label, _lines_description(c, parts, w), c.required, "lines",
                        _path(c.name), parts=parts)]
    if c.widget == "repeat":
        found = []
        for slot in range(min(SLOTS, c.limits.get("maxItems", SLOTS))):
            for child in c.children:
                path = _path(child.name, slot)
                found.append(Element(_element_id(path), w["slot"].format(label=c.label, n=slot + 1, field=child.label),
                                     _description(child, w), child.required and slot < c.limits.get("minItems", 0),
                                     child.widget, path, child.choices))
        return found
    path = ("section", c.label) if c.name.startswith("section.") else _path(c.name)
    # A date left empty becomes the day the issue is turned into a file.
    return [Element(_element_id(path), c.label, _description(c, w), c.required and c.widget != "date",
                    c.widget, path, c.choices)]


def issue_elements(kind: str, content: Content, schema: Mapping[str, Any]) -> tuple[Element, ...]:
    """Every field of the issue form for ``kind``, in the order the web form shows them."""
    w = words()
    form = build_form(kind, content, schema)
    found: list[Element] = []
    for c in form.required:
        found.extend(_elements(c, w))
    found.append(Element("slug", w["slug"]["label"], w["slug"]["description"], False, "text", ("slug",)))
    for c in form.sections + form.optional + form.optional_sections:
        found.extend(_elements(c, w))
    if form.consent:
        found.append(Element("consent", w["consent"]["label"], w["consent"]["description"], True, "consent",
                             ("consent",)))
    labels = [e.label for e in found]
    assert len(labels) == len(set(labels)), "issue-form labels must be unique"  # GitHub refuses the form otherwise
    return tuple(found)


def _issue_field(e: Element, w: Mapping[str, Any]) -> dict:
    attributes: dict[str, Any] = {"label": e.label, "description": e.description}
    if e.widget == "consent":
        attributes["options"] = [{"label": w["consent"]["option"], "required": True}]
        return {"type": "checkboxes", "id": e.id, "attributes": attributes}
    kind = _ISSUE_TYPES[e.widget]
    if kind == "dropdown":
        attributes["multiple"] = e.widget != "select"
        attributes["options"] = [c.label for c in e.choices]
    elif kind == "checkboxes":
        attributes["options"] = [{"label": w["checked"]}]
    field = {"type": kind, "id": e.id, "attributes": attributes}
    if e.required and kind != "checkboxes":
        field["validations"] = {"required": True}
    return field


def issue_form(kind: str, content: Content, schema: Mapping[str, Any]) -> str:
    """The YAML text of the GitHub issue form for ``kind``."""
    w = words()
    form_words = w[kind]
    body = [{"type": "markdown", "attributes": {"value": w["intro"]}}]
    body += [_issue_field(e, w) for e in issue_elements(kind, content, schema)]
    data = {"name": form_words["name"], "description": form_words["description"], "title": form_words["title"],
            "labels": [form_words["label"]], "body": body}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return "# Erzeugt von `cimis issue-forms` aus den Schemas und Vokabularen. Bitte nicht von Hand ändern.\n" + text


@dataclass(frozen=True, slots=True)
class Project:
    """The checked project a form is made for: its content, published schemas and problems."""

    content: Content | None
    schemas: Mapping[str, dict]
    diagnostics: tuple[Diagnostic, ...]


def load_checked(root: Path, today: dt.date) -> Project:
    """The project at ``root`` with the schemas as published; no content when the project has errors."""
    from .pipeline import published_schemas

    source = load_project(root)
    diagnostics = validate(source, today)
    if has_errors(diagnostics):
        return Project(None, {}, diagnostics)
    content = to_content(source)
    return Project(content, published_schemas(content, today), diagnostics)


def issue_form_files(project: Project) -> dict[str, str]:
    """File name → text of every issue form."""
    return {words()[kind]["file"]: issue_form(kind, project.content, project.schemas[kind]) for kind in FORM_PAGES}


# --- issue body → entry file -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FromIssue:
    """What ``cimis from-issue`` made: the file (relative to root) and its text, or the problems."""

    path: str
    text: str | None
    diagnostics: tuple[Diagnostic, ...]


def parse_body(text: str, labels: set[str]) -> dict[str, str]:
    """Label → answer of an issue-form body; only the form's own ``### label`` lines start an answer."""
    answers: dict[str, list[str]] = {}
    current = None
    for line in text.split("\n"):
        m = _HEADING.match(line)
        if m and m.group(1) in labels and m.group(1) not in answers:
            current = m.group(1)
            answers[current] = []
        elif current is not None:
            answers[current].append(line)
    result = {}
    for label, lines in answers.items():
        value = "\n".join(lines).strip()
        result[label] = "" if value == NO_RESPONSE else value
    return result


def _pick_choices(value: str, choices: tuple[Choice, ...], multiple: bool) -> tuple[list[str], str | None]:
    """Slugs for the labels GitHub wrote (``A, B`` for several; labels may hold commas themselves)."""
    by_label = {c.label: c.value for c in choices}
    if not multiple:
        return ([by_label[value]], None) if value in by_label else ([], value)
    picked, rest = [], value
    while rest:
        match = max((label for label in by_label if rest == label or rest.startswith(label + ", ")), key=len,
                    default=None)
        if match is None:
            return picked, rest.split(", ")[0]
        picked.append(by_label[match])
        rest = rest[len(match) + 2:]
    return picked, None


def slug_for(title: str) -> str:
    """A file name from a title, as the web form suggests it: a long one is cut between two words."""
    text = unicodedata.normalize("NFKD", transliterate(title))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) <= SUGGESTED_SLUG_LENGTH:
        return slug
    cut = slug.rfind("-", 0, SUGGESTED_SLUG_LENGTH + 1)
    return slug[:cut if cut > 0 else SUGGESTED_SLUG_LENGTH].rstrip("-")


def _set(data: dict, path: tuple, value: Any) -> None:
    node: Any = data
    for i, part in enumerate(path[:-1]):
        following = path[i + 1]
        if isinstance(part, int):
            while len(node) <= part:
                node.append({})
            node = node[part]
        else:
            node = node.setdefault(part, [] if isinstance(following, int) else {})
    node[path[-1]] = value


def _ordered(value: Any, rule: Mapping[str, Any]) -> Any:
    """``value`` with its keys in the schema's order, as the template and the web form write them."""
    if isinstance(value, dict):
        props = rule.get("properties", {})
        keys = [k for k in props if k in value] + [k for k in value if k not in props]
        return {k: _ordered(value[k], props.get(k, {})) for k in keys}
    if isinstance(value, list):
        return [_ordered(v, rule.get("items", {})) for v in value]
    return value


def front_matter_yaml(value: Mapping[str, Any], indent: str = "") -> str:
    """Front matter as the web form writes it: text in double quotes, lists as '- ' lines."""
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{indent}{key}:\n" + front_matter_yaml(item, indent + "  ") if item else f"{indent}{key}: {{}}\n")
        elif isinstance(item, list):
            if not item:
                lines.append(f"{indent}{key}: []\n")
                continue
            lines.append(f"{indent}{key}:\n")
            for entry in item:
                if isinstance(entry, dict):
                    inner = front_matter_yaml(entry, indent + "    ")
                    lines.append(f"{indent}  - " + inner[len(indent) + 4:])
                else:
                    lines.append(f"{indent}  - {_scalar(entry)}\n")
        else:
            lines.append(f"{indent}{key}: {_scalar(item)}\n")
    return "".join(lines)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # A JSON string is a YAML double-quoted scalar: no value can close the quotes or add a key.
    return json.dumps(str(value), ensure_ascii=False)


def _cell(part: Part, text: str, label: str, n: int) -> tuple[str, Any] | str:
    """(key, value) of one place of a line, or a German problem."""
    if len(part.fields) > 1:  # the first field whose choices know the text, else the last (a free title)
        for f in part.fields:
            for choice in f.choices:
                if text.casefold() in (choice.label.casefold(), choice.value):
                    return f.name.rsplit(".", 1)[-1], choice.value
        field = part.fields[-1]
    else:
        field = part.fields[0]
    key = field.name.rsplit(".", 1)[-1]
    if field.widget == "number":
        match = _LINE_NUMBER.fullmatch(text)
        if not match:
            return f"Zeile {n} bei „{label}“: „{text[:40]}“ ist keine ganze Zahl ({field.label})"
        return key, int(match.group(1))
    if field.choices:
        by_text = {c.label.casefold(): c.value for c in field.choices} | {c.value: c.value for c in field.choices}
        if text.casefold() not in by_text:
            return f"Zeile {n} bei „{label}“: „{text[:40]}“ steht bei „{field.label}“ nicht zur Auswahl"
        return key, by_text[text.casefold()]
    return key, text


def _rows(e: Element, answer: str) -> tuple[list[dict] | None, str | None]:
    """The rows of a repeated group written a row per line, places separated by '|'."""
    rows = []
    for n, line in enumerate((_BULLET.sub("", line).strip() for line in answer.split("\n")), 1):
        if not line:
            continue
        cells = [" ".join(cell.split()) for cell in line.split("|")]
        if len(cells) > len(e.parts):
            return None, f"Zeile {n} bei „{e.label}“ hat mehr als {len(e.parts)} Angaben (getrennt durch |)"
        row: dict[str, Any] = {}
        for part, text in zip(e.parts, cells):
            if not text:
                continue
            found = _cell(part, text, e.label, n)
            if isinstance(found, str):
                return None, found
            row[found[0]] = found[1]
        rows.append(row)
    return rows or None, None


def _value(e: Element, answer: str, today: dt.date) -> tuple[Any, str | None]:
    """The front-matter value of one answer, or None; plus a German problem, if the answer does not fit."""
    if e.widget == "lines":
        return _rows(e, answer)
    if e.widget in ("select", "choices", "search-choices"):
        if not answer:
            return None, None
        picked, unknown = _pick_choices(answer, e.choices, e.widget != "select")
        if unknown is not None:
            return None, f"„{unknown[:80]}“ steht bei „{e.label}“ nicht zur Auswahl"
        return (picked[0] if e.widget == "select" else picked), None
    if e.widget == "checkbox":
        return (True if _CHECKED.match(answer) else None), None
    if e.widget in ("list", "steps"):
        items = [_BULLET.sub("", line).strip() for line in answer.split("\n")]
        return [" ".join(i.split()) for i in items if i] or None, None
    if e.widget == "textarea" and e.path[0] == "section":
        return answer or None, None
    if e.widget in ("text", "number", "date") and "\n" in answer:
        return None, f"„{e.label}“ muss in einer Zeile stehen"
    text = " ".join(answer.split())
    if e.widget == "date" and not text:
        return today.isoformat(), None
    if e.widget == "number" and text:
        if not re.fullmatch(r"-?\d{1,9}", text):
            return None, f"„{e.label}“ muss eine ganze Zahl sein, gefunden: „{text[:40]}“"
        return int(text), None
    return text or None, None


def _detect_kind(text: str, project: Project) -> tuple[str | None, tuple[Element, ...]]:
    best, best_elements, best_hits = None, (), 0
    for kind in FORM_PAGES:
        found = issue_elements(kind, project.content, project.schemas[kind])
        labels = {m.group(1) for line in text.split("\n") if (m := _HEADING.match(line))}
        hits = sum(e.label in labels for e in found if e.required)
        if hits > best_hits:
            best, best_elements, best_hits = kind, found, hits
    return best, best_elements


def _template_names() -> str:
    names = [f"„{words()[kind]['name']}“" for kind in FORM_PAGES]
    return ", ".join(names[:-1]) + " oder " + names[-1]


def entry_from_issue(root: Path, text: str, today: dt.date) -> FromIssue:
    """The entry file an issue-form body describes, checked as `cimis check` checks it; nothing is written."""
    project = load_checked(root, today)
    if project.content is None:
        return FromIssue("", None, tuple(d for d in project.diagnostics if d.severity == "error"))
    if len(text) > MAX_BODY_CHARS:
        return FromIssue("cases/", None, (error("cases/", (1, 1), "issue-form",
                         f"Der Text ist länger als {MAX_BODY_CHARS:,} Zeichen und stammt nicht aus einer Issue-Vorlage"
                         .replace(",", "."), f"Nutze eine der Vorlagen {_template_names()}"),))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kind, found = _detect_kind(text, project)
    if kind is None:
        return FromIssue("cases/", None, (error("cases/", (1, 1), "issue-form",
                         "Der Text stammt nicht aus einer der Issue-Vorlagen",
                         f"Lege das Issue mit einer der Vorlagen {_template_names()} an"),))
    folder = FORM_PAGES[kind][1]
    answers = parse_body(text, {e.label for e in found})
    data: dict[str, Any] = {}
    sections: dict[str, str] = {}
    problems: list[str] = []
    slug, consent = "", False
    for e in found:
        answer = answers.get(e.label, "")
        if e.widget == "consent":
            consent = bool(_CHECKED.match(answer))
            continue
        if e.path == ("slug",):
            slug = answer.strip()
            continue
        value, problem = _value(e, answer, today)
        if problem:
            problems.append(problem)
        if value is None:
            continue
        if e.path[0] == "section":
            sections[e.path[1]] = "\n".join(f"{i}. {step}" for i, step in enumerate(value, 1)) \
                if e.widget == "steps" else value.strip()
        else:
            _set(data, e.path, value)
    if isinstance(data.get("creatives"), list):
        data["creatives"] = [c for c in data["creatives"] if c]  # unused slots
    slug = slug or slug_for(str(data.get("title", "")))
    if not SLUG_RE.match(slug):
        safe = slug_for(slug) or "neuer-eintrag"
        return FromIssue(f"{folder}/{safe}.md", None, (error(f"{folder}/{safe}.md", (1, 1), "issue-value",
                         f"Der Dateiname „{slug[:60]}“ ist ungültig",
                         "Nutze nur Kleinbuchstaben, Ziffern und Bindestriche, z. B. " + safe),))
    rel = f"{folder}/{slug}.md"
    diagnostics = [error(rel, (1, 1), "issue-value", problem, "Bearbeite das Issue und korrigiere die Angabe")
                   for problem in problems]
    if (root / rel).exists():
        diagnostics.append(error(rel, (1, 1), "existing-entry", f"Die Datei {rel} gibt es schon",
                                 "Wähle im Issue einen anderen Dateinamen; Änderungen an bestehenden Einträgen gehen "
                                 "über einen Pull Request"))
    if any(e.widget == "consent" for e in found) and not consent:
        diagnostics.append(error(rel, (1, 1), "no-consent",
                                 "Das Einverständnis der genannten Personen und Organisationen ist nicht bestätigt",
                                 "Nenne nur, wer zugestimmt hat, und setze dann das Häkchen im Issue"))
    body = "\n".join(f"## {s.title}\n\n{sections[s.title]}\n" for s in schemas.body_sections(kind)
                     if s.title in sections)
    entry = "---\n" + front_matter_yaml(_ordered(data, project.schemas[kind])) + "---\n" + (f"\n{body}" if body else "")
    diagnostics += [d for d in _check_entry(root, rel, kind, entry, today) if d.path == rel]
    return FromIssue(rel, None if has_errors(diagnostics) else entry, tuple(diagnostics))


def _check_entry(root: Path, rel: str, kind: str, text: str, today: dt.date) -> tuple[Diagnostic, ...]:
    """Diagnostics of ``text`` as the file ``rel`` of the project, checked without writing into the project."""
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / Path(rel).name
        file.write_text(text, "utf-8")
        document = load_document(file, rel, kind)
        source = load_project(root)
        return validate(replace(source, documents=source.documents + (document,)), today)


def write_entry(root: Path, result: FromIssue) -> Path:
    """Write the made file below cases/ or methods/ (and nowhere else), never over an existing one."""
    target = (root / result.path).resolve()
    folders = [(root / folder).resolve() for _, folder in FORM_PAGES.values()]
    if target.parent not in folders or target.exists() or result.text is None:
        raise ValueError(result.path)  # entry_from_issue guarantees none of these
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as file:
        file.write(result.text)
    return target
