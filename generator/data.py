"""Records → open data: JSON and CSV exports, their schemas, the Atom feed and JSON-LD."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from typing import Any, Mapping

from .model import Case, Content, Format, Method

FEED_SIZE = 20


def site_url(config: Mapping[str, Any]) -> str:
    """The site's address with a trailing slash; '/' (the site root) without a site_url."""
    url = str(config.get("site_url") or "/")
    return url if url.endswith("/") else url + "/"


def entry_url(config: Mapping[str, Any], section: str, slug: str) -> str:
    """The stable address of an entry page ('…/methoden/persona/'), as printed in QR codes and exports."""
    return f"{site_url(config)}{section}/{slug}/"


def _export(front_matter: Mapping[str, Any], schema_order: Mapping[str, Any], **computed: Any) -> dict[str, Any]:
    # The front matter as written, in the schema's field order: a field added to the schema is exported
    # without another line of code.
    data = {key: computed[key] for key in ("slug", "url")}
    data.update({key: front_matter[key] for key in schema_order if key in front_matter})
    data.update({key: value for key, value in computed.items() if key not in data})
    return data


def case_data(content: Content, case: Case, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A case's metadata in the shape of its front matter, plus slug, URL and resolved licence."""
    return _export(case.front_matter, schema["properties"], slug=case.slug,
                   url=entry_url(content.config, "faelle", case.slug), example=case.example, license=case.license)


def method_data(content: Content, method: Method, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A method's metadata in the shape of its front matter, plus slug, URL, steps and licence."""
    return _export(method.front_matter, schema["properties"], slug=method.slug,
                   url=entry_url(content.config, "methoden", method.slug), combine_with=list(method.combine_with),
                   steps=list(method.steps), license=method.license)


def format_data(content: Content, event: Format, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A format's metadata in the shape of its front matter, plus slug, URL and licence."""
    return _export(event.front_matter, schema["properties"], slug=event.slug,
                   url=entry_url(content.config, "formate", event.slug), license=event.license)


def export_schema(entry_schema: dict, title: str, extra: Mapping[str, dict]) -> dict:
    """The schema of an export file: an array of entries, each the front matter plus ``extra`` fields."""
    item = copy.deepcopy(entry_schema)
    for key in ("$schema", "$id"):
        item.pop(key, None)
    item["properties"].update(extra)
    item["required"] = [*extra, *item["required"]]
    return {"$schema": "http://json-schema.org/draft-07/schema#", "title": title, "type": "array", "items": item}


EXPORT_FIELDS = {
    "slug": {"type": "string", "description": "Kürzel, zugleich Dateiname und Teil der Adresse."},
    "url": {"type": "string", "description": "Adresse der Seite."},
    "license": {"type": "string", "description": "SPDX-Kennung der Lizenz."},
}
METHOD_EXTRA = {**EXPORT_FIELDS, "steps": {"type": "array", "items": {"type": "string"},
                                           "description": "Die Schritte des Ablaufs."}}


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _flatten(entry: Mapping[str, Any]) -> dict[str, str]:
    row: dict[str, str] = {}
    for key, value in entry.items():
        if key == "creatives":
            row["creatives.name"] = _cell([c["name"] for c in value])
            row["creatives.submarket"] = _cell([c["submarket"] for c in value])
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            # Agenda and preparation: one block per slot, "method=persona, minutes=60 / title=Pause, minutes=15".
            row[key] = " / ".join(_cell(v) for v in value)
        elif isinstance(value, dict) and key != "image":
            row.update({f"{key}.{k}": _cell(v) for k, v in value.items()})
        else:
            row[key] = _cell(value)
    return row


def to_csv(entries: list[dict[str, Any]]) -> bytes:
    """CSV that German Excel opens as is: UTF-8 with BOM, semicolons, CRLF."""
    rows = [_flatten(e) for e in entries]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=";", lineterminator="\r\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def open_data(content: Content, schemas: Mapping[str, dict]) -> dict[str, bytes]:
    """The files under /daten/: entries as JSON and CSV, the schemas, the vocabularies."""
    cases = [case_data(content, c, schemas["case"]) for c in content.cases]
    methods = [method_data(content, m, schemas["method"]) for m in content.methods]
    formats = [format_data(content, f, schemas["format"]) for f in content.formats]
    vocabularies = {name: {e.slug: {k: v for k, v in (("label", e.label), ("short", e.short),
                                                    ("description", e.description), ("code", e.code)) if v}
                           for e in vocab.entries} for name, vocab in sorted(content.vocabularies.items())}
    files = {
        "daten/faelle.json": _json(cases), "daten/methoden.json": _json(methods),
        "daten/faelle.csv": to_csv(cases), "daten/methoden.csv": to_csv(methods),
        "daten/formate.json": _json(formats), "daten/formate.csv": to_csv(formats),
        "daten/vokabulare.json": _json(vocabularies),
        "daten/faelle.schema.json": _json(export_schema(schemas["case"], "Fälle (Export)", EXPORT_FIELDS)),
        "daten/methoden.schema.json": _json(export_schema(schemas["method"], "Methoden (Export)", METHOD_EXTRA)),
        "daten/formate.schema.json": _json(export_schema(schemas["format"], "Formate (Export)", EXPORT_FIELDS)),
    }
    files.update({f"daten/{kind}.schema.json": _json(schema) for kind, schema in schemas.items()})
    return files


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def feed_entries(content: Content, newest: tuple[str, ...]) -> list[dict[str, str]]:
    """The newest cases for the Atom feed, ready for the template."""
    cases = {c.slug: c for c in content.cases}
    return [{"id": entry_url(content.config, "faelle", slug), "title": cases[slug].title, "summary": cases[slug].description,
             "updated": _timestamp(cases[slug].updated)} for slug in newest[:FEED_SIZE]]


def feed_updated(content: Content) -> str:
    dates = [c.updated for c in content.cases]
    return _timestamp(max(dates)) if dates else "1970-01-01T00:00:00Z"


def jsonld(value: Mapping[str, Any]) -> str:
    """JSON-LD for a <script> element: <, > and & escaped so content cannot end or confuse the element."""
    text = json.dumps({"@context": "https://schema.org", **value}, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def case_jsonld(content: Content, case: Case) -> str:
    return jsonld({"@type": "Article", "headline": case.title, "description": case.description,
                   "dateModified": case.updated.isoformat(), "inLanguage": "de", "url": entry_url(content.config, "faelle", case.slug),
                   "license": f"https://spdx.org/licenses/{case.license}.html",
                   "about": case.challenge, "keywords": ", ".join(case.topics)})


def method_jsonld(content: Content, method: Method) -> str:
    low, high = method.duration
    return jsonld({"@type": "HowTo", "name": method.title, "description": method.tagline,
                   "inLanguage": "de", "url": entry_url(content.config, "methoden", method.slug), "totalTime": f"PT{high}M",
                   "dateModified": method.updated.isoformat(),
                   "supply": [{"@type": "HowToSupply", "name": m} for m in method.materials],
                   "step": [{"@type": "HowToStep", "position": i, "text": s}
                            for i, s in enumerate(method.steps, 1)]})


def format_jsonld(content: Content, event: Format) -> str:
    titles = {m.slug: m.title for m in content.methods}
    return jsonld({"@type": "HowTo", "name": event.title, "description": event.description, "inLanguage": "de",
                   "url": entry_url(content.config, "formate", event.slug), "totalTime": f"PT{event.duration[1]}M",
                   "dateModified": event.updated.isoformat(),
                   "step": [{"@type": "HowToStep", "position": i, "text": block.title or titles[block.method]}
                            for i, block in enumerate(event.agenda, 1)]})
