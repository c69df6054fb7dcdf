"""Method documents → print-fit diagnostics: does each side of a printed card fit its A6 page?

Print fit is a step of its own after validation: it needs the typed records and the real card layout
(cards.py, WeasyPrint and Pango), which validation must not depend on. Without Pango it reports one
warning instead, so a contributor's check still says everything else about the content.
"""

from __future__ import annotations

import math
from typing import Iterable

from .cards import CardsUnavailable, brand_of, cards_of, measure
from .diagnostics import Diagnostic, error, warning
from .model import METHOD, Document, Source, default_license
from .records import to_method, to_vocabulary
from .schema import steps_section

STEP_LINE_MM = 4.2  # one line of Ablauf text on the back (9.2 pt × 1.32)
FRONT_LINE_MM = 4.7  # one line of the front's facts (10.2 pt × 1.3)


def _steps_line(doc: Document) -> int:
    declared = steps_section(METHOD)
    return next((s.line for s in doc.sections if declared and s.title == declared.title), 1)


def _amount(overflow_mm: float, line_mm: float) -> str:
    lines = math.ceil(overflow_mm / line_mm)
    return f"{math.ceil(overflow_mm)} mm (etwa {lines} {'Zeile' if lines == 1 else 'Zeilen'})"


def check_fit(source: Source, found: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """card-overflow for every method without other errors whose printed front or back would overflow."""
    broken = {d.path for d in found if d.severity == "error"}
    docs = [d for d in source.documents if d.kind == METHOD and d.data is not None and d.path not in broken]
    if not docs:
        return ()
    config = source.site_config
    license_default = default_license(config)
    phases = next((to_vocabulary(d) for d in source.vocabulary_documents
                   if d.slug == "phases" and d.path not in broken and isinstance(d.data, dict)), None)
    cards = cards_of([to_method(doc, license_default) for doc in docs], phases, config)
    try:
        fits = measure(cards, brand_of(config))
    except CardsUnavailable as exc:
        return (warning("methods", (1, 1), "card-fit-skipped",
                        f"Ob die {len(cards)} Methodenkarten beim Drucken auf A6 passen, wurde nicht geprüft: "
                        f"WeasyPrint oder die Systembibliothek Pango fehlt ({exc.reason})",
                        "Installiere Pango, unter Debian/Ubuntu mit 'sudo apt-get install libpango-1.0-0 "
                        "libpangoft2-1.0-0', und prüfe noch einmal; die Prüfung am Pull Request holt es sonst nach"),)
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
                doc.path, (_steps_line(doc), 1), "card-overflow",
                f"Die Rückseite der Druckkarte ist um {_amount(fit.back_overflow_mm, STEP_LINE_MM)} zu lang",
                "Kürze die Schritte im Ablauf oder fasse Schritte zusammen; Tipps druckt cimis nur, soweit Platz ist"))
    return tuple(problems)
