"""Source → contributor guide: fields, allowed values and check messages, read from the declarations."""

from __future__ import annotations

from typing import Any, Mapping

from .diagnostics import codes
from .model import default_license
from .render import environment
from .schema import raw_schema

VOCABULARY_TITLES = {"districts": "Regionen (district)", "industries": "Branchen (organisation.industry)",
                     "submarkets": "Teilmärkte (creatives.submarket)", "organisation-types": "Arten von Organisationen "
                     "(organisation.type)", "topics": "Themen (topics)", "phases": "Phasen (phases)",
                     "programmes": "Programme (programme)", "associations": "Netzwerke (association)"}


def _fields(kind: str) -> list[dict]:
    schema = raw_schema(kind)
    required = set(schema["required"])
    rows = []
    for key, rule in schema["properties"].items():
        rows.append({"key": key, "required": key in required, "description": rule.get("description", ""),
                     "limits": _limits(rule)})
    return rows


def _limits(rule: dict) -> str:
    parts = []
    if "maxLength" in rule:
        parts.append(f"{rule.get('minLength', 0)}–{rule['maxLength']} Zeichen")
    if "enum" in rule:
        parts.append(" | ".join(rule["enum"]))
    if "x-vocabulary" in rule or "x-vocabulary" in rule.get("items", {}):
        parts.append("Wert aus dem Vokabular")
    if "minimum" in rule and "maximum" in rule:
        parts.append(f"{rule['minimum']}–{rule['maximum']}")
    if rule.get("type") == "array" and "maxItems" in rule:
        parts.append(f"höchstens {rule['maxItems']} Einträge")
    return "; ".join(parts)


def render_guide(vocabularies: Mapping[str, list[tuple[str, str]]], methods: tuple[str, ...],
                 config: Mapping[str, Any], for_site: bool) -> str:
    """The German contributor guide as Markdown (site page or CONTRIBUTING.md)."""
    from .new import template_text

    order = list(VOCABULARY_TITLES)
    listed = [{"name": name, "title": VOCABULARY_TITLES.get(name, name), "entries": entries}
              for name, entries in sorted(vocabularies.items(),
                                          key=lambda item: order.index(item[0]) if item[0] in order else 99)]
    slugs = {name: tuple(slug for slug, _ in entries) for name, entries in vocabularies.items()}
    return environment().get_template("guide.md.j2").render(
        case_template=template_text("case", slugs, methods, None),
        method_template=template_text("method", slugs, methods, None),
        for_site=for_site, vocabularies=listed, codes=codes(), case_fields=_fields("case"),
        method_fields=_fields("method"), license=default_license(config))
