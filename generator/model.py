"""The frozen records passed between pipeline stages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from .diagnostics import Diagnostic

Pos = tuple[int, int]
KeyPath = tuple[str | int, ...]

CASE, METHOD, FORMAT, PAGE, VOCABULARY, CONFIG = "case", "method", "format", "page", "vocabulary", "config"
DEFAULT_LICENSE = "CC-BY-4.0"


def default_license(config: Mapping[str, Any]) -> str:
    """The SPDX id for entries without their own: mkdocs.yml extra.cimis.license, else CC BY 4.0."""
    return ((config.get("extra") or {}).get("cimis") or {}).get("license", DEFAULT_LICENSE)


def jsonable(value: Any) -> Any:
    """YAML data as JSON values: dates become ISO strings, the rest stays as it is."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Section:
    """A ``##`` section of a body: heading text, its line, and the text below it."""

    title: str
    line: int
    text: str
    text_line: int


@dataclass(frozen=True, slots=True)
class Document:
    """A source file as loaded: plain data plus the source position of every key and value."""

    kind: str
    path: str
    slug: str
    data: Any
    value_pos: Mapping[KeyPath, Pos]
    key_pos: Mapping[KeyPath, Pos]
    body: str = ""
    body_line: int = 1
    sections: tuple[Section, ...] = ()
    problems: tuple[Diagnostic, ...] = ()

    def pos(self, path: KeyPath) -> Pos:
        """Position of the value at ``path``, else of its nearest ancestor, else line 1."""
        while path:
            if path in self.value_pos:
                return self.value_pos[path]
            path = path[:-1]
        return self.value_pos.get((), (1, 1))

    def key_position(self, path: KeyPath) -> Pos:
        """Position of the key that holds ``path`` (falls back to the value)."""
        return self.key_pos.get(path) or self.pos(path)


@dataclass(frozen=True, slots=True)
class VocabEntry:
    slug: str
    label: str
    short: str
    description: str | None = None
    code: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    name: str
    entries: tuple[VocabEntry, ...]

    def get(self, slug: str) -> VocabEntry:
        for entry in self.entries:
            if entry.slug == slug:
                return entry
        raise KeyError(slug)

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(e.slug for e in self.entries)


@dataclass(frozen=True, slots=True)
class Source:
    """Everything read from a project folder, before validation."""

    root: str
    documents: tuple[Document, ...]
    vocabulary_documents: tuple[Document, ...]
    config: Document | None
    problems: tuple[Diagnostic, ...] = ()

    @property
    def site_config(self) -> Mapping[str, Any]:
        """mkdocs.yml as a mapping; empty when it is missing or broken."""
        return self.config.data if self.config and isinstance(self.config.data, dict) else {}

    def slugs(self, kind: str) -> frozenset[str]:
        """The slugs of all files of one kind (e.g. the methods cases and cards may refer to)."""
        return frozenset(d.slug for d in self.documents if d.kind == kind)

    def vocabulary_slugs(self) -> dict[str, tuple[str, ...]]:
        """Vocabulary name → its slugs, for every vocabulary file that parsed as a mapping."""
        return {d.slug: tuple(d.data) for d in self.vocabulary_documents if isinstance(d.data, dict)}


@dataclass(frozen=True, slots=True)
class Creative:
    name: str
    submarket: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    alt: str
    credit: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    slug: str
    path: str
    title: str
    description: str
    challenge: str
    year: int
    status: str
    district: str
    organisation_name: str
    organisation_type: str
    industry: str
    creatives: tuple[Creative, ...]
    methods: tuple[str, ...]
    topics: tuple[str, ...]
    outcome_type: str
    outcome_maturity: str
    updated: dt.date
    license: str
    body: str
    example: bool = False
    programme: str | None = None
    association: str | None = None
    duration_weeks: int | None = None
    image: Image | None = None
    links: tuple[str, ...] = ()
    format: str | None = None
    front_matter: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def submarkets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.submarket for c in self.creatives))


@dataclass(frozen=True, slots=True)
class Method:
    slug: str
    path: str
    title: str
    tagline: str
    phases: tuple[str, ...]
    duration: tuple[int, int]
    group_size: tuple[int, int]
    difficulty: str
    setting: tuple[str, ...]
    materials: tuple[str, ...]
    combine_with: tuple[str, ...]
    source: str
    updated: dt.date
    license: str
    body: str
    steps: tuple[str, ...] = ()
    tips: tuple[str, ...] = ()
    also_known_as: tuple[str, ...] = ()
    front_matter: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class AgendaBlock:
    """One block of a format's agenda: a method or a free block (title), on its day."""

    minutes: int
    day: int
    method: str | None = None
    title: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PreparationTask:
    """Something to do a number of weeks before a format takes place."""

    weeks_before: int
    task: str


@dataclass(frozen=True, slots=True)
class Format:
    """An event format: an agenda of methods and free blocks, with who takes part and how to prepare."""

    slug: str
    path: str
    title: str
    tagline: str
    description: str
    duration: tuple[int, int]
    days: int
    participants: tuple[int, int]
    roles: tuple[str, ...]
    setting: tuple[str, ...]
    agenda: tuple[AgendaBlock, ...]
    preparation: tuple[PreparationTask, ...]
    source: str
    updated: dt.date
    license: str
    body: str
    sections: tuple[tuple[str, str], ...] = ()  # (heading, text) of the body; '' for text above the first
    front_matter: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods of the agenda, each once, in the order they first come up."""
        return tuple(dict.fromkeys(b.method for b in self.agenda if b.method))

    @property
    def total_minutes(self) -> int:
        return sum(b.minutes for b in self.agenda)


@dataclass(frozen=True, slots=True)
class Page:
    """An editorial page from ``content/``."""

    slug: str
    path: str
    title: str
    body: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Content:
    """The valid, typed content of a project: what link and render work on."""

    root: str
    cases: tuple[Case, ...]
    methods: tuple[Method, ...]
    pages: tuple[Page, ...]
    vocabularies: Mapping[str, Vocabulary]
    config: Mapping[str, Any] = field(default_factory=dict)
    formats: tuple[Format, ...] = ()

    def label(self, vocabulary: str, slug: str) -> str:
        return self.vocabularies[vocabulary].get(slug).label

    def short(self, vocabulary: str, slug: str) -> str:
        return self.vocabularies[vocabulary].get(slug).short
