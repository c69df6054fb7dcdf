"""Diagnostics (problems found in content) and their output formats."""

from __future__ import annotations

import difflib
import json
import re
from importlib import resources
from dataclasses import asdict, dataclass
from typing import Iterable, Literal, Mapping

import yaml

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One problem at a 1-based position in a file relative to the project root."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    hint: str | None = None


def error(path: str, pos: tuple[int, int], code: str, message: str, hint: str | None = None) -> Diagnostic:
    """Shorthand for an error diagnostic at ``pos`` (line, column)."""
    return Diagnostic(path, pos[0], pos[1], "error", code, message, hint)


def warning(path: str, pos: tuple[int, int], code: str, message: str, hint: str | None = None) -> Diagnostic:
    """Shorthand for a warning diagnostic at ``pos`` (line, column)."""
    return Diagnostic(path, pos[0], pos[1], "warning", code, message, hint)


def _folded(text: str) -> str:
    text = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def closest(value: object, choices: Iterable[str], labels: Mapping[str, str] | None = None) -> str | None:
    """The choice ``value`` most likely meant, comparing with each choice and with its label, or None.

    People type what they read: 'Landkreis Görlitz' means the value labelled 'Görlitz' ('goerlitz'),
    so a label or slug that stands whole inside the value wins over mere spelling likeness.
    """
    if not isinstance(value, str):
        return None
    choices = list(choices)
    names = {choice: {_folded(choice), *([_folded(labels[choice])] if labels and choice in labels else [])}
             for choice in choices}
    wanted = _folded(value)
    exact = [c for c, forms in names.items() if wanted in forms]
    if exact:
        return exact[0]
    parts = f"-{wanted}-"
    inside = [(len(form), c) for c, forms in names.items() for form in forms if form and f"-{form}-" in parts]
    if inside:
        return max(inside)[1]
    by_form = {form: c for c, forms in names.items() for form in forms}
    match = difflib.get_close_matches(wanted, list(by_form), n=1, cutoff=0.6)
    return by_form[match[0]] if match else None


def did_you_mean(value: object, choices: Iterable[str], labels: Mapping[str, str] | None = None) -> str | None:
    """The closest choice to ``value`` as a German hint, or None."""
    match = closest(value, choices, labels)
    return f"Meintest du '{match}'?" if match else None


def codes() -> dict[str, str]:
    """Every diagnostic code with its German explanation for content authors."""
    text = resources.files("generator").joinpath("codes.yml").read_text("utf-8")
    return yaml.safe_load(text)


def sort_key(diagnostic: Diagnostic) -> tuple:
    return (diagnostic.path, diagnostic.line, diagnostic.column, diagnostic.code, diagnostic.message)


def format_human(diagnostics: Iterable[Diagnostic]) -> str:
    """One line per diagnostic: ``path:line:col: severity[code] message (hint)``."""
    lines = []
    for d in diagnostics:
        text = f"{d.path}:{d.line}:{d.column}: {d.severity}[{d.code}] {d.message}"
        if d.hint:
            text += f" ({d.hint})"
        lines.append(text)
    return "\n".join(lines)


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    """A JSON array of diagnostic objects, keys as in the CLI contract."""
    return json.dumps([asdict(d) for d in diagnostics], ensure_ascii=False, indent=2)


def _escape_github(text: str, *, property_value: bool = False) -> str:
    # GitHub's workflow command escaping: data and property values differ.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow commands, shown as annotations on pull requests."""
    lines = []
    for d in diagnostics:
        message = f"[{d.code}] {d.message}"
        if d.hint:
            message += f" ({d.hint})"
        lines.append(
            f"::{d.severity} file={_escape_github(d.path, property_value=True)},"
            f"line={d.line},col={d.column},"
            f"title={_escape_github('cimis ' + d.code, property_value=True)}::{_escape_github(message)}"
        )
    return "\n".join(lines)


FORMATTERS = {"human": format_human, "json": format_json, "github": format_github}
