"""Deep on the web, short on the card: a long Ablauf step prints as its bold lead, the web page shows all of it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator import cards, pipeline
from generator.load import load_project, printed_step, step_lead
from generator.records import to_content

from .conftest import TODAY, lean_project
from .test_cards import squeeze

LEADS = ("Frage klären.", "Karten schreiben.", "Karten sortieren.", "Gruppen benennen.", "Ergebnis festhalten.")
DETAIL = ("Dann erklärt die Moderation, worum es geht, und jede Person schreibt in Ruhe auf, was ihr dazu "
          "einfällt; wer zögert, bekommt ein Beispiel aus einem früheren Workshop, damit niemand vor einem leeren "
          "Blatt sitzt und alle dieselbe Frage vor Augen haben, bevor es mit dem nächsten Schritt weitergeht.")
METHOD = """---
title: Tiefe Schritte
tagline: Eine Methode, deren Schritte auf der Website ausführlich erklärt sind.
phases: [verstehen]
duration: {min: 30, max: 60}
group_size: {min: 3, max: 8}
difficulty: leicht
setting: [praesenz]
materials: [Karten, Stifte]
source: Allgemeine Moderationspraxis
updated: 2026-11-01
---

## Worum es geht

Jeder Schritt hat eine Kurzfassung für die Karte und eine ausführliche Erklärung für die Website.

## Ablauf

""" + "".join(f"{i}. **{lead}** {DETAIL}\n" for i, lead in enumerate(LEADS, 1))


def test_printed_step_is_the_lead_only_when_the_step_is_long() -> None:
    assert step_lead("**Karten sortieren.** Dann …") == "Karten sortieren."
    assert step_lead("Karten sortieren. **Dann** …") is None
    assert printed_step("**Kurz.** Und gut.", 200) == "**Kurz.** Und gut."
    assert printed_step(f"**Kurz.** {DETAIL}", 200) == "Kurz."
    assert printed_step(DETAIL, 200) is None


@pytest.fixture(scope="module")
def deep_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped pages and vocabularies with this one method: its deck is one card, not the shipped deck laid
    out again with a new card (which costs a build about 12 s)."""
    root = lean_project(tmp_path_factory.mktemp("deep") / "project")
    (root / "methods" / "tiefe-schritte.md").write_text(METHOD, "utf-8")
    return root


def test_five_long_steps_with_leads_pass_check(deep_project: Path) -> None:
    assert all(len(f"**{lead}** {DETAIL}") > 300 for lead in LEADS)
    assert pipeline.check(deep_project, TODAY) == ()


def test_the_card_prints_the_leads_and_fits(deep_project: Path) -> None:
    content = to_content(load_project(deep_project))
    (card,) = cards.cards_for(content, ["tiefe-schritte"])
    assert card.steps == LEADS and card.steps_shortened
    assert cards.measure([card], "Test")["tiefe-schritte"].fits
    pdf = PdfReader(io.BytesIO(cards.render_cards([card], "a6", brand="Test")))
    assert len(pdf.pages) == 2
    back = squeeze(pdf.pages[1].extract_text())
    assert all(squeeze(lead) in back for lead in LEADS)
    assert squeeze("Dann erklärt die Moderation") not in back
    assert squeeze("Ausführlich online, mit Fällen") in back  # the QR code beside it leads to the full steps


def test_the_web_page_shows_every_step_in_full(deep_project: Path) -> None:
    assert not pipeline.build(deep_project, TODAY).failed
    html = (deep_project / "site" / "methoden" / "tiefe-schritte" / "index.html").read_text("utf-8")
    for lead in LEADS:
        assert f"<li><strong>{lead}</strong> {DETAIL}</li>" in html
