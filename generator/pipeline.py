"""The pipeline wired together: load → validate → link → render → engine build."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from . import build as engine
from .diagnostics import Diagnostic
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
    tree = render_site(content, index, published_schemas(content, today), assets)
    out = out or root / "site"
    result = engine.build(content, tree, out, staging)
    all_diagnostics = diagnostics + result.diagnostics
    return BuildOutcome(all_diagnostics, bool(result.diagnostics), result.pages, out)
