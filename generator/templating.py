"""Words for pages and files: the Jinja2 environment over generator/templates/ and the text helpers it uses."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping

import jinja2
import yaml

from . import schema
from .cache import code_digest, keep_compiled_templates

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|])")


def escape_markdown(text: Any) -> str:
    """Make contributor text inert inside Markdown: no HTML, no markup."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


@cache
def labels() -> Mapping[str, Any]:
    """Display words: templates/labels.yml plus the German labels of the schemas' fixed values.

    Both are package files read once per process (a card or page asks for them thousands of times);
    the mapping is read-only because every caller shares it.
    """
    words = yaml.safe_load(resources.files("generator").joinpath("templates", "labels.yml").read_text("utf-8"))
    words.update(schema.value_labels())
    return MappingProxyType(words)


def page_environment() -> jinja2.Environment:
    """Jinja2 environment over the shipped templates; unknown names fail the build."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("generator", "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=False,
    )
    env.filters["md"] = escape_markdown
    # A table cell must stay one cell: a '|' would split it and a line break end the row.
    env.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    env.filters["hours"] = length_text
    env.globals["labels"] = labels()
    return keep_compiled_templates(env, code_digest(__file__))


def german_date(value) -> str:
    """A date as Germans write it in prose: '3. März 2026'."""
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def span_text(values: tuple[int, int], unit_one: str, unit_many: str) -> str:
    """A min–max span with its unit: '2–8 Personen', '1 Person'."""
    low, high = values
    unit = unit_one if high == 1 else unit_many
    return f"{low} {unit}" if low == high else f"{low}–{high} {unit}"


def people_text(group: tuple[int, int]) -> str:
    """A group size as people say it: '2–8 Personen'."""
    return span_text(group, "Person", "Personen")


def duration_text(minutes: tuple[int, int]) -> str:
    """Minutes as people say them: '30–60 Minuten', '2–4 Stunden', '1–2 Tage'."""
    low, high = minutes
    if high < 120 or low % 60 or high % 60:
        return span_text(minutes, "Minute", "Minuten")
    if high < 1440 or low % 1440 or high % 1440:
        return span_text((low // 60, high // 60), "Stunde", "Stunden")
    return span_text((low // 1440, high // 1440), "Tag", "Tage")


def length_text(minutes: int) -> str:
    """A length of time in hours and minutes: '2 Std. 20 Min.', '45 Min.', '3 Std.'."""
    hours, rest = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours} Std." if hours else "", f"{rest} Min." if rest or not hours else "") if part)
