"""Validated documents → typed records (Case, Method, Format, Page, Vocabulary)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .load import bullet_items, ordered_items
from .schema import default_value, steps_section, tips_section
from .model import CASE, FORMAT, METHOD, PAGE, AgendaBlock, Case, Content, Creative, Document, Format, Image, \
    Method, Page, PreparationTask, Source, VocabEntry, Vocabulary, default_license, jsonable


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _section(doc: Document, title: str | None) -> str:
    return next((s.text for s in doc.sections if s.title == title), "")


def to_case(doc: Document, license_default: str) -> Case:
    """The typed case of a document that passed validation."""
    d = doc.data
    image = d.get("image")
    return Case(
        slug=doc.slug, path=doc.path, title=d["title"], description=d["description"], challenge=d["challenge"],
        year=d["year"], status=d["status"], district=d["district"],
        organisation_name=d["organisation"]["name"], organisation_type=d["organisation"]["type"],
        industry=d["organisation"]["industry"],
        creatives=tuple(Creative(c["name"], c["submarket"], c.get("url")) for c in d["creatives"]),
        methods=tuple(d["methods"]), topics=tuple(d["topics"]),
        outcome_type=d["outcome"]["type"], outcome_maturity=d["outcome"]["maturity"],
        updated=_date(d["updated"]), license=d.get("license", license_default), body=doc.body,
        example=bool(d.get("example", False)), programme=d.get("programme"), association=d.get("association"),
        duration_weeks=d.get("duration_weeks"),
        image=Image(image["src"], image["alt"], image.get("credit")) if image else None,
        links=tuple(d.get("links", ())), format=d.get("format"), front_matter=jsonable(d),
    )


def to_method(doc: Document, license_default: str) -> Method:
    """The typed method of a document that passed validation."""
    d = doc.data
    return Method(
        slug=doc.slug, path=doc.path, title=d["title"], tagline=d["tagline"], phases=tuple(d["phases"]),
        duration=(d["duration"]["min"], d["duration"]["max"]),
        group_size=(d["group_size"]["min"], d["group_size"]["max"]),
        difficulty=d["difficulty"], setting=tuple(d["setting"]), materials=tuple(d["materials"]),
        combine_with=tuple(d.get("combine_with", ())), source=d["source"], updated=_date(d["updated"]),
        license=d.get("license", license_default), body=doc.body,
        steps=tuple(step for _, step in ordered_items(_section(doc, steps_section(METHOD).title))),
        tips=tuple(tip for _, tip in bullet_items(_section(doc, tips_section(METHOD).title))),
        also_known_as=tuple(d.get("also_known_as", ())), front_matter=jsonable(d),
    )


def _agenda(blocks: list[dict]) -> tuple[AgendaBlock, ...]:
    # A block without a day belongs to the day of the block before it: authors mark where a day begins.
    day, agenda = 1, []
    for block in blocks:
        day = block.get("day", day)
        agenda.append(AgendaBlock(block["minutes"], day, block.get("method"), block.get("title"), block.get("note")))
    return tuple(agenda)


def _sections(doc: Document) -> tuple[tuple[str, str], ...]:
    # Text above the first heading is kept as an untitled section, so nothing a contributor wrote is lost.
    lines = doc.body.split("\n")
    first = doc.sections[0].line - doc.body_line if doc.sections else len(lines)
    lead = "\n".join(lines[:first]).strip()
    return ((("", lead),) if lead else ()) + tuple((s.title, s.text) for s in doc.sections)


def to_format(doc: Document, license_default: str) -> Format:
    """The typed format of a document that passed validation."""
    d = doc.data
    return Format(
        slug=doc.slug, path=doc.path, title=d["title"], tagline=d["tagline"], description=d["description"],
        duration=(d["duration"]["min"], d["duration"]["max"]), days=d.get("days", default_value(FORMAT, "days")),
        participants=(d["participants"]["min"], d["participants"]["max"]), roles=tuple(d["roles"]),
        setting=tuple(d["setting"]), agenda=_agenda(d["agenda"]),
        preparation=tuple(PreparationTask(p["weeks_before"], p["task"]) for p in d.get("preparation", ())),
        source=d["source"], updated=_date(d["updated"]), license=d.get("license", license_default), body=doc.body,
        sections=_sections(doc), front_matter=jsonable(d),
    )


def to_page(doc: Document) -> Page:
    d = doc.data or {}
    title = d.get("title") or next((line[2:].strip() for line in doc.body.split("\n") if line.startswith("# ")),
                                   doc.slug.replace("-", " ").capitalize())
    return Page(doc.slug, doc.path, title, doc.body, d.get("description"))


def to_vocabulary(doc: Document) -> Vocabulary:
    return Vocabulary(doc.slug, tuple(
        VocabEntry(slug, e["label"], e.get("short", e["label"]), e.get("description"), e.get("code"),
                   e.get("lat"), e.get("lon"))
        for slug, e in doc.data.items()))


def to_content(source: Source) -> Content:
    """Typed records of a source that passed validation without errors."""
    config = source.site_config
    license_default = default_license(config)
    docs = source.documents
    return Content(
        root=source.root,
        cases=tuple(sorted((to_case(d, license_default) for d in docs if d.kind == CASE), key=lambda c: c.slug)),
        methods=tuple(sorted((to_method(d, license_default) for d in docs if d.kind == METHOD),
                             key=lambda m: m.slug)),
        formats=tuple(sorted((to_format(d, license_default) for d in docs if d.kind == FORMAT),
                             key=lambda f: f.slug)),
        pages=tuple(to_page(d) for d in docs if d.kind == PAGE),
        vocabularies={d.slug: to_vocabulary(d) for d in source.vocabulary_documents},
        config=config,
    )
