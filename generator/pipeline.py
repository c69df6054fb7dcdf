"""The stages wired together: load → validate → records → fit → link → render → engine build."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Mapping

from . import build as engines
from . import cards, new, planner
from .cache import Memo
from .diagnostics import Diagnostic, sort_key
from .fit import check_fit
from .guide import render_guide
from .link import build_index
from .load import CONTENT_FOLDERS, load_project, reference_slugs
from .model import METHOD, Content, Source
from .records import to_content
from .render import StagedTree, render_site
from .schema import ENTRY_KINDS, resolve_schema
from .validate import has_errors, validate


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    diagnostics: tuple[Diagnostic, ...]
    failed: bool
    pages: int = 0
    out: Path | None = None
    timings: Mapping[str, float] = field(default_factory=dict)


def _references(source: Source) -> dict[str, tuple[str, ...]]:
    return {folder: tuple(sorted(slugs)) for folder, slugs in reference_slugs(source).items()}


def new_entry_text(root: Path, kind: str, today: dt.date, interactive: bool, ask, say) -> str:
    """The text of a new entry: answers to questions, or the commented template."""
    source = load_project(root)
    vocabularies = source.vocabulary_slugs()
    references = _references(source)
    if not interactive:
        return new.template_text(kind, vocabularies, references, today)
    schema = resolve_schema(kind, vocabularies, today, references)
    values = new.ask_values(kind, schema, vocabularies, references, ask, say)
    return new.entry_text(values, new.ask_sections(kind, ask, say), today)


def guide_text(root: Path, for_site: bool) -> str:
    """The contributor guide, with the allowed values read from the vocabulary files."""
    source = load_project(root)
    vocabularies = {d.slug: [(slug, e.get("label", "") if isinstance(e, dict) else "") for slug, e in d.data.items()]
                    for d in source.vocabulary_documents if isinstance(d.data, dict)}
    return render_guide(vocabularies, _references(source), source.site_config, for_site)


def diagnose(source: Source, today: dt.date, memo: Memo | None = None) -> tuple[Diagnostic, ...]:
    """Validation, then print fit over the methods that have no other error."""
    found = validate(source, today, memo)
    return tuple(sorted(found + check_fit(source, found), key=sort_key))


def check(root: Path, today: dt.date) -> tuple[Diagnostic, ...]:
    """Every problem in the project at ``root``."""
    return diagnose(load_project(root), today)


def failed(diagnostics: tuple[Diagnostic, ...], strict: bool) -> bool:
    return has_errors(diagnostics, strict)


def published_schemas(content, today: dt.date) -> dict[str, dict]:
    """The JSON Schemas with the current vocabularies and slugs, as published for editors and on the site."""
    vocabularies = {name: v.slugs for name, v in content.vocabularies.items()}
    references = _content_references(content)
    return {kind: resolve_schema(kind, vocabularies, today, references) for kind in (*ENTRY_KINDS, "vocabulary")}


def _content_references(content: Content) -> dict[str, tuple[str, ...]]:
    """Content folder → the slugs of its entries (sorted, as the records are)."""
    # Content holds its entries under the names of their folders (cases, methods, formats).
    return {folder: tuple(e.slug for e in getattr(content, folder)) for folder in CONTENT_FOLDERS}


def stage(content: Content, today: dt.date, offline: bool = False, engine: str = "mkdocs",
          memo: Memo | None = None) -> StagedTree:
    """Every file the engine gets: pages, data, card PDFs (and, offline, the planner's card script)."""
    index = build_index(content, memo)
    assets = Path(str(resources.files("generator").joinpath("assets")))
    guide = render_guide({name: [(e.slug, e.label) for e in v.entries] for name, v in content.vocabularies.items()},
                         _content_references(content), content.config, for_site=True)
    tree = render_site(content, index, published_schemas(content, today), assets, guide, search_page=not offline,
                       directory_urls=not offline, links_from_source=engine == "zensical", memo=memo)
    tree = replace(tree, files={**tree.files, **cards.site_files(content)})
    if offline:  # file:// forbids the planner to fetch card PDFs: the bundle gets them as a script
        tree = replace(tree, files={**tree.files, **planner.offline_cards(content, tree.files)})
    return tree


def build(root: Path, today: dt.date, *, strict: bool = False, out: Path | None = None,
          staging: Path | None = None, offline: bool = False, incremental: bool = False,
          engine: str = "mkdocs", memo: Memo | None = None) -> BuildOutcome:
    """Check, then build ``root``/site; nothing in the output changes unless every step succeeds.

    ``memo`` (the preview's) keeps parsed entries, their problems and rendered pages between builds.
    """
    started = time.perf_counter()
    source = load_project(root, memo)
    diagnostics = diagnose(source, today, memo)
    if has_errors(diagnostics, strict):
        return BuildOutcome(diagnostics, True)
    content = to_content(source)
    tree = stage(content, today, offline, engine, memo)
    out = out or root / "site"
    rendered = time.perf_counter()
    result = engines.publish(content, tree, out, staging, offline, incremental, engine)
    finished = time.perf_counter()
    # "staging" is everything before the engine runs: checking, rendering and writing the staged files.
    timings = {"staging": rendered - started + result.write_seconds,
               "engine": finished - rendered - result.write_seconds, "total": finished - started}
    all_diagnostics = diagnostics + result.diagnostics
    return BuildOutcome(all_diagnostics, bool(result.diagnostics), result.pages, out, timings)


@dataclass(frozen=True, slots=True)
class CardsOutcome:
    diagnostics: tuple[Diagnostic, ...] = ()
    failed: bool = False
    unknown: tuple[str, ...] = ()
    known: tuple[str, ...] = ()
    pdf: bytes | None = None
    cards: int = 0
    pages: int = 0


def card_deck(root: Path, today: dt.date, layout: str, slugs: tuple[str, ...] = ()) -> CardsOutcome:
    """Check, then render the method cards ``slugs`` (all when empty) as one PDF in ``layout``."""
    source = load_project(root)
    known = tuple(sorted(source.slugs(METHOD)))
    unknown = tuple(s for s in dict.fromkeys(slugs) if s not in known)
    if unknown or not known:
        return CardsOutcome(failed=True, unknown=unknown, known=known)
    diagnostics = diagnose(source, today)
    if has_errors(diagnostics):
        return CardsOutcome(diagnostics, True, known=known)
    content = to_content(source)
    deck = cards.cards_for(content, slugs)
    pdf = cards.render_cards(deck, layout, brand=cards.brand_of(content.config))
    return CardsOutcome(diagnostics, known=known, pdf=pdf, cards=len(deck), pages=cards.page_count(len(deck), layout))
