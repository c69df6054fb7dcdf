"""Diagnostics (problems found in content) and their output formats."""

from __future__ import annotations

import difflib
import json
from importlib import resources
from dataclasses import asdict, dataclass
from typing import Iterable, Literal

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


def did_you_mean(value: object, choices: Iterable[str]) -> str | None:
    """Return the closest choice to ``value`` as a German hint, or None."""
    if not isinstance(value, str):
        return None
    match = difflib.get_close_matches(value.lower(), list(choices), n=1, cutoff=0.6)
    return f"Meintest du '{match[0]}'?" if match else None


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
