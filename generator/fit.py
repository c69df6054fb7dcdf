"""Method documents → card-overflow diagnostics: does each side of a printed card fit its A6 page?

Print fit is a validation rule that needs the real card layout, so this module, run by validate,
uses the card renderer of the render stage (cards.py) to measure; cards.py caches what it measured.
"""

from __future__ import annotations

import math
from typing import Iterable

from .cards import brand_of, make_card, measure
from .diagnostics import Diagnostic, error
from .model import METHOD, Document, Source, default_license

STEP_LINE_MM = 4.2  # one line of Ablauf text on the back (9.2 pt × 1.32)
FRONT_LINE_MM = 4.7  # one line of the front's facts (10.2 pt × 1.3)


def _phase_labels(source: Source) -> dict[str, str]:
    phases = next((d for d in source.vocabulary_documents if d.slug == "phases"), None)
    data = phases.data if phases and isinstance(phases.data, dict) else {}
    return {slug: e["label"] for slug, e in data.items() if isinstance(e, dict) and isinstance(e.get("label"), str)}


def _ablauf_line(doc: Document) -> int:
    return next((s.line for s in doc.sections if s.title == "Ablauf"), 1)


def _amount(overflow_mm: float, line_mm: float) -> str:
    lines = math.ceil(overflow_mm / line_mm)
    return f"{math.ceil(overflow_mm)} mm (etwa {lines} {'Zeile' if lines == 1 else 'Zeilen'})"


def check_card_fit(source: Source, found: Iterable[Diagnostic]) -> list[Diagnostic]:
    """card-overflow for every method without other errors whose printed front or back would overflow."""
    from .records import to_method  # records imports validate: import at call time

    broken = {d.path for d in found if d.severity == "error"}
    docs = [d for d in source.documents if d.kind == METHOD and d.data is not None and d.path not in broken]
    if not docs:
        return []
    config = source.site_config
    license_default = default_license(config)
    labels = _phase_labels(source)
    cards = [make_card(to_method(doc, license_default), labels, config.get("site_url")) for doc in docs]
    fits = measure(cards, brand_of(config))
    problems = []
    for doc, card in zip(docs, cards):
        fit = fits[card.slug]
        if fit.front_overflow_mm > 0:
            problems.append(error(
                doc.path, (1, 1), "card-overflow",
                f"Die Vorderseite der Druckkarte ist um {_amount(fit.front_overflow_mm, FRONT_LINE_MM)} zu lang",
                "Kürze title, tagline oder die Angaben unter materials"))
        if fit.back_overflow_mm > 0:
            problems.append(error(
                doc.path, (_ablauf_line(doc), 1), "card-overflow",
                f"Die Rückseite der Druckkarte ist um {_amount(fit.back_overflow_mm, STEP_LINE_MM)} zu lang",
                "Kürze die Schritte im Ablauf oder fasse Schritte zusammen; Tipps druckt cimis nur, soweit Platz ist"))
    return problems
