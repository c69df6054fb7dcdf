"""Schemas, vocabularies and codes → the contributor guide (CONTRIBUTING.md and /mitmachen/)."""

from __future__ import annotations

from typing import Any, Mapping

from .diagnostics import codes
from .model import default_license
from .new import References, choices, limits, template_text
from .schema import body_sections, entry_fields, steps_section, vocabulary_fields
from .templating import page_environment


def _fields(kind: str, vocabularies: Mapping[str, tuple[str, ...]]) -> list[dict]:
    rows = []
    for field in entry_fields(kind):
        rule = field.item
        options = choices(field, vocabularies, {})
        allowed = ("Wert aus dem Vokabular" if rule.get("x-vocabulary") else
                   f"Kürzel aus {rule['x-reference']}/" if rule.get("x-reference") else ", ".join(options))
        rows.append({"key": field.name, "title": field.title, "required": field.required,
                     "description": field.rule.get("description", ""),
                     "limits": "; ".join(p for p in (limits(field), allowed) if p)})
    return rows


def _vocabulary_title(name: str) -> str:
    fields = vocabulary_fields().get(name, ())
    return f"{fields[0].title} ({', '.join(f.name for f in fields)})" if fields else name


def render_guide(vocabularies: Mapping[str, list[tuple[str, str]]], references: References,
                 config: Mapping[str, Any], for_site: bool) -> str:
    """The German contributor guide as Markdown (site page or CONTRIBUTING.md)."""
    order = list(vocabulary_fields())
    listed = [{"name": name, "title": _vocabulary_title(name), "entries": entries}
              for name, entries in sorted(vocabularies.items(),
                                          key=lambda item: order.index(item[0]) if item[0] in order else 99)]
    slugs = {name: tuple(slug for slug, _ in entries) for name, entries in vocabularies.items()}
    return page_environment().get_template("guide.md.j2").render(
        case_template=template_text("case", slugs, references, None),
        method_template=template_text("method", slugs, references, None),
        format_template=template_text("format", slugs, references, None),
        format_fields=_fields("format", slugs), format_sections=body_sections("format"),
        for_site=for_site, vocabularies=listed, codes=codes(), case_fields=_fields("case", slugs),
        method_fields=_fields("method", slugs), case_sections=body_sections("case"),
        method_sections=body_sections("method"), method_steps=steps_section("method").steps,
        license=default_license(config))
