"""The pipeline wired together: load → validate → link → render → engine build."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from . import build as engine
from .diagnostics import Diagnostic
from .guide import render_guide
from .link import build_index
from .load import load_project
from .records import to_content
from .render import render_site
from .schema import resolve_schema
from .validate import has_errors, validate


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    diagnostics: tuple[Diagnostic, ...]
    failed: bool
    pages: int = 0
    out: Path | None = None


def _vocabulary_slugs(source) -> dict[str, tuple[str, ...]]:
    return {d.slug: tuple(d.data) for d in source.vocabulary_documents if isinstance(d.data, dict)}


def new_entry_text(root: Path, kind: str, today: dt.date, interactive: bool, ask, say) -> str:
    """The text of a new entry: answers to questions, or the commented template."""
    from . import new

    source = load_project(root)
    vocabularies = _vocabulary_slugs(source)
    methods = tuple(sorted(d.slug for d in source.documents if d.kind == "method"))
    if not interactive:
        return new.template_text(kind, vocabularies, methods, today)
    schema = resolve_schema(kind, vocabularies, today, methods)
    values = new.ask_values(kind, schema, vocabularies, methods, ask, say)
    return new.entry_text(values, new.ask_sections(kind, ask, say), today)


def guide_text(root: Path, for_site: bool) -> str:
    """The contributor guide, with the allowed values read from the vocabulary files."""
    source = load_project(root)
    vocabularies = {d.slug: [(slug, e.get("label", "") if isinstance(e, dict) else "") for slug, e in d.data.items()]
                    for d in source.vocabulary_documents if isinstance(d.data, dict)}
    methods = tuple(sorted(d.slug for d in source.documents if d.kind == "method"))
    config = source.config.data if source.config and isinstance(source.config.data, dict) else {}
    return render_guide(vocabularies, methods, config, for_site)


def check(root: Path, today: dt.date) -> tuple[Diagnostic, ...]:
    """Every problem in the project at ``root``."""
    return validate(load_project(root), today)


def failed(diagnostics: tuple[Diagnostic, ...], strict: bool) -> bool:
    return has_errors(diagnostics, strict)


def published_schemas(content, today: dt.date) -> dict[str, dict]:
    """The JSON Schemas with the current vocabularies, as published for editors and on the site."""
    vocabularies = {name: v.slugs for name, v in content.vocabularies.items()}
    methods = tuple(m.slug for m in content.methods)
    return {kind: resolve_schema(kind, vocabularies, today, methods) for kind in ("case", "method", "vocabulary")}


def build(root: Path, today: dt.date, *, strict: bool = False, out: Path | None = None,
          staging: Path | None = None) -> BuildOutcome:
    """Check, then build ``root``/site; nothing in the output changes unless every step succeeds."""
    source = load_project(root)
    diagnostics = validate(source, today)
    if has_errors(diagnostics, strict):
        return BuildOutcome(diagnostics, True)
    content = to_content(source)
    index = build_index(content)
    assets = Path(str(resources.files("generator").joinpath("assets")))
    guide = render_guide({name: [(e.slug, e.label) for e in v.entries] for name, v in content.vocabularies.items()},
                         tuple(m.slug for m in content.methods), content.config, for_site=True)
    tree = render_site(content, index, published_schemas(content, today), assets, guide)
    out = out or root / "site"
    result = engine.build(content, tree, out, staging)
    all_diagnostics = diagnostics + result.diagnostics
    return BuildOutcome(all_diagnostics, bool(result.diagnostics), result.pages, out)
