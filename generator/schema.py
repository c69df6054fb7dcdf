"""JSON Schemas: read the shipped files and resolve vocabulary markers into enums."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from typing import Any, Mapping

SCHEMA_FILES = {"case": "case.schema.json", "method": "method.schema.json",
                "page": "page.schema.json", "vocabulary": "vocabulary.schema.json"}


@cache
def _raw_schema(kind: str) -> str:
    return resources.files("generator").joinpath("schemas", SCHEMA_FILES[kind]).read_text("utf-8")


def raw_schema(kind: str) -> dict:
    """The schema as shipped, with our ``x-`` markers unresolved."""
    return json.loads(_raw_schema(kind))


def resolve_schema(kind: str, vocabularies: Mapping[str, tuple[str, ...]], today: dt.date,
                   methods: tuple[str, ...] | None = None) -> dict:
    """The schema with vocabulary slugs as enums: what validation and editors use."""
    schema = raw_schema(kind)
    _resolve(schema, vocabularies, today, methods)
    return schema


def _resolve(node: Any, vocabularies, today, methods) -> None:
    if isinstance(node, dict):
        name = node.get("x-vocabulary")
        if name in vocabularies:
            node["enum"] = list(vocabularies[name])
        if node.get("x-maximum") == "next-year":
            node["maximum"] = today.year + 1
        if node.get("x-reference") == "methods" and methods is not None:
            node["enum"] = list(methods)
        for value in node.values():
            _resolve(value, vocabularies, today, methods)
    elif isinstance(node, list):
        for value in node:
            _resolve(value, vocabularies, today, methods)


def subschema(schema: dict, path: tuple) -> dict:
    """The schema node that governs the instance at ``path`` (best effort, for messages)."""
    node = schema
    for part in path:
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(part) or (node.get("additionalProperties") or {})
    return node if isinstance(node, dict) else {}
