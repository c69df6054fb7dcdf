"""JSON Schemas: read the shipped files and resolve vocabulary markers into enums."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Iterator, Mapping

SCHEMA_FILES = {"case": "case.schema.json", "method": "method.schema.json", "format": "format.schema.json",
                "page": "page.schema.json", "vocabulary": "vocabulary.schema.json"}


@cache
def _raw_schema(kind: str) -> str:
    return resources.files("generator").joinpath("schemas", SCHEMA_FILES[kind]).read_text("utf-8")


def raw_schema(kind: str) -> dict:
    """The schema as shipped, with our ``x-`` markers unresolved."""
    return json.loads(_raw_schema(kind))


def resolve_schema(kind: str, vocabularies: Mapping[str, tuple[str, ...]], today: dt.date,
                   references: Mapping[str, tuple[str, ...]] | None = None) -> dict:
    """The schema with vocabulary slugs as enums: what validation and editors use.

    ``references`` maps a content folder ('methods', 'formats') to its slugs; with it, fields that refer
    to entries of that folder (``x-reference``) get them as enums too (for editors, not for validation).
    """
    schema = raw_schema(kind)
    _resolve(schema, vocabularies, today, references or {})
    return schema


def _resolve(node: Any, vocabularies, today, references) -> None:
    if isinstance(node, dict):
        name = node.get("x-vocabulary")
        if name in vocabularies:
            node["enum"] = list(vocabularies[name])
        if node.get("x-maximum") == "next-year":
            node["maximum"] = today.year + 1
        if node.get("x-reference") in references:
            node["enum"] = list(references[node["x-reference"]])
        for value in node.values():
            _resolve(value, vocabularies, today, references)
    elif isinstance(node, list):
        for value in node:
            _resolve(value, vocabularies, today, references)


def subschema(schema: dict, path: tuple) -> dict:
    """The schema node that governs the instance at ``path`` (best effort, for messages)."""
    node = schema
    for part in path:
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(part) or (node.get("additionalProperties") or {})
    return node if isinstance(node, dict) else {}


# --- reading the declaration ---------------------------------------------------------------------
# Everything below reads the shipped schemas as data, so check, `cimis new`, the guide and the site
# agree by construction: a field, limit or allowed value is written down once, in the schema.

ENTRY_KINDS = ("case", "method", "format")


@dataclass(frozen=True, slots=True)
class Field:
    """One property of an entry schema; list items are transparent (``creatives.name``)."""

    path: tuple[str, ...]
    rule: Mapping[str, Any]
    required: bool
    in_list: bool

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def title(self) -> str:
        return self.rule.get("title", self.path[-1])

    @property
    def item(self) -> Mapping[str, Any]:
        """The rule for the values: the items' rule for an array of scalars, else the rule itself."""
        return self.rule.get("items", {}) if self.rule.get("type") == "array" else self.rule


def fields(node: Mapping[str, Any], path: tuple[str, ...] = (), required: bool = True,
           in_list: bool = False) -> Iterator[Field]:
    """Every property below ``node`` in declaration order, parents before their children."""
    needed = set(node.get("required", ()))
    for key, rule in node.get("properties", {}).items():
        field = Field(path + (key,), rule, required and key in needed, in_list)
        yield field
        if rule.get("type") == "object":
            yield from fields(rule, field.path, field.required, in_list)
        elif rule.get("type") == "array" and rule.get("items", {}).get("type") == "object":
            yield from fields(rule["items"], field.path, field.required, True)


def entry_fields(kind: str) -> tuple[Field, ...]:
    """The fields of an entry type as shipped."""
    return tuple(fields(raw_schema(kind)))


def reference_fields(kind: str) -> tuple[Field, ...]:
    """The fields of an entry type that name entries of a content folder (``x-reference``)."""
    return tuple(field for field in entry_fields(kind) if field.item.get("x-reference"))


def default_value(kind: str, key: str) -> Any:
    """The schema's ``default`` of a top-level field (what an entry without the field means)."""
    return raw_schema(kind)["properties"][key].get("default")


def span_fields(kind: str) -> tuple[Field, ...]:
    """The {min, max} pairs of an entry type (duration, group size, participants)."""
    return tuple(field for field in entry_fields(kind)
                 if field.rule.get("type") == "object" and set(field.rule.get("properties", {})) == {"min", "max"})


def vocabulary_fields() -> dict[str, tuple[Field, ...]]:
    """Vocabulary name → the fields that take its values, over all entry types, in declaration order."""
    found: dict[str, list[Field]] = {}
    for kind in ENTRY_KINDS:
        for field in entry_fields(kind):
            if name := field.item.get("x-vocabulary"):
                found.setdefault(name, []).append(field)
    return {name: tuple(items) for name, items in found.items()}


def value_labels() -> dict[str, dict[str, str]]:
    """German labels of fixed values (``x-labels``), keyed by the field's path joined with '_'."""
    return {"_".join(field.path): dict(field.item["x-labels"])
            for kind in ENTRY_KINDS for field in entry_fields(kind) if "x-labels" in field.item}


@dataclass(frozen=True, slots=True)
class BodySection:
    """A ``##`` section an entry's body may have (``x-body`` in the schema)."""

    title: str
    required: bool
    description: str
    steps: Mapping[str, int] | None = None
    tips: bool = False


@cache  # read for every entry: parsing the schema each time was 0.2 s of a preview's rebuild at 2,400 entries
def body_sections(kind: str) -> tuple[BodySection, ...]:
    """The body sections of an entry type, in the order they must appear."""
    return tuple(BodySection(s["title"], bool(s.get("required")), s.get("description", ""), s.get("steps"),
                             bool(s.get("tips")))
                 for s in raw_schema(kind).get("x-body", {}).get("sections", ()))


def steps_section(kind: str) -> BodySection | None:
    """The section whose ordered list is the entry's steps (a method's Ablauf), if the type has one."""
    return next((s for s in body_sections(kind) if s.steps), None)


def tips_section(kind: str) -> BodySection | None:
    """The section whose bulleted list is printed as tips on a card, if the type has one."""
    return next((s for s in body_sections(kind) if s.tips), None)
