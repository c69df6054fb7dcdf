"""Print-ready method cards: page counts, text, metadata, QR codes, duplex placement and print fit."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator import cards, pipeline
from generator.load import load_project
from generator.records import to_content

from .conftest import FIXTURES, REPO, TODAY, lean_project
from .test_cli import cimis_here

SITE_URL = "https://cimis.example.org/"
BRAND = "CROSS INNOVATION MADE IN SAXONY"
STUFFED = FIXTURES / "invalid" / "methods" / "card-overflow-back.md"
SHIPPED = len(list((REPO / "methods").glob("*.md")))  # one card per method file


def need_tools(*tools: str) -> None:
    """Skip when a system tool is missing; on CI (CI=true) a missing tool is a failure, never a skip."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    reason = f"{', '.join(missing)} fehlt (Debian: apt-get install poppler-utils zbar-tools)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"auf CI nötig: {reason}")
    pytest.skip(reason)


def squeeze(text: str) -> str:
    """Text without spaces, hyphens and digits: what stays equal however lines broke and steps were numbered."""
    return re.sub(r"[\s\d\-\u00ad\u2010]", "", text)


@pytest.fixture(scope="module")
def shipped_cards() -> tuple[cards.Card, ...]:
    return cards.cards_for(to_content(load_project(REPO)))


# The shipped decks as the site publishes them: laid out by the same code as `cimis cards` (render_cards, tested
# below with fewer cards), and already built for the session, which saves laying every card out twice more.
@pytest.fixture(scope="module")
def a6_pdf(built_site: Path) -> PdfReader:
    return PdfReader(built_site / "karten" / "methodenkarten-a6.pdf")


@pytest.fixture(scope="module")
def four_up_pdf(built_site: Path) -> bytes:
    return (built_site / "karten" / "methodenkarten-a4-4up.pdf").read_bytes()


def test_a6_has_a_front_and_a_back_per_card(a6_pdf: PdfReader, shipped_cards) -> None:
    assert len(shipped_cards) == SHIPPED
    assert len(a6_pdf.pages) == 2 * SHIPPED
    box = a6_pdf.pages[0].trimbox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (105, 148)
    bleed = a6_pdf.pages[0].mediabox
    assert round((float(bleed.width) - float(box.width)) * 25.4 / 72) == 6  # 3 mm on each side


@pytest.mark.parametrize("count, sheets", [(SHIPPED, -(-SHIPPED // 4)), (5, 2), (4, 1), (1, 1)])
def test_four_up_has_two_pages_per_four_cards(shipped_cards, four_up_pdf: bytes, count: int, sheets: int) -> None:
    pdf = four_up_pdf if count == SHIPPED else cards.render_cards(shipped_cards[:count], "a4-4up", brand=BRAND)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2 * sheets == cards.page_count(count, "a4-4up")
    box = reader.pages[0].trimbox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)


def test_every_title_and_step_is_extractable_text(a6_pdf: PdfReader, shipped_cards) -> None:
    for i, card in enumerate(shipped_cards):
        front, back = (squeeze(a6_pdf.pages[2 * i + side].extract_text()) for side in (0, 1))
        assert squeeze(card.title) in front, card.slug
        assert squeeze(card.tagline) in front, card.slug
        # The measured fit and the real page agree: no step of a card that passed the check is cut off.
        for step in card.steps:
            assert squeeze(step) in back, (card.slug, step)


def test_pdf_metadata_title_language_and_tags(a6_pdf: PdfReader) -> None:
    assert a6_pdf.metadata.title == f"Methodenkarten (A6) · {BRAND}"
    catalog = a6_pdf.trailer["/Root"]
    assert catalog["/Lang"] == "de"
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]


def test_tips_are_printed_only_as_far_as_they_fit(shipped_cards) -> None:
    fits = cards.measure(shipped_cards, BRAND)
    assert all(fit.fits for fit in fits.values())
    assert all(0 <= fits[c.slug].tips <= len(c.tips) for c in shipped_cards)
    assert sum(fits[c.slug].tips for c in shipped_cards) > 0


def _stuffed_card(shipped_cards) -> cards.Card:
    import dataclasses

    from generator.load import ordered_items

    text = STUFFED.read_text("utf-8")
    steps = tuple(step for _, step in ordered_items(text.split("## Ablauf", 1)[1].split("## Tipps")[0].strip()))
    assert len(steps) == 8 and all(len(s) <= 200 for s in steps)
    return dataclasses.replace(shipped_cards[0], slug="stuffed", steps=steps)


def test_measured_overflow_is_real(shipped_cards) -> None:
    stuffed = _stuffed_card(shipped_cards)
    fit = cards.measure_layout([stuffed], BRAND)[stuffed]
    assert fit.back_overflow_mm > 20 and fit.front_overflow_mm == 0
    # Printed anyway (bypassing the check), the last step does not make it onto the A6 back.
    tips = {"stuffed": 0}
    reader = PdfReader(io.BytesIO(cards._pdf(cards._document([stuffed], tips, "a6", BRAND))))
    back = squeeze(reader.pages[1].extract_text())
    assert squeeze(stuffed.steps[0]) in back
    assert squeeze(stuffed.steps[-1]) not in back


def test_check_reports_the_stuffed_card(project: Path) -> None:
    shutil.copy2(STUFFED, project / "methods" / STUFFED.name)
    result = cimis_here("check", "--root", str(project))
    assert result.returncode == 1
    line = result.stderr.splitlines()[0]
    assert re.fullmatch(
        r"methods/card-overflow-back\.md:21:1: error\[card-overflow\] Die Rückseite der Druckkarte ist um \d+ mm "
        r"\(etwa \d+ Zeilen\) zu lang \(Kürze die Schritte im Ablauf oder fasse Schritte zusammen; Tipps druckt "
        r"cimis nur, soweit Platz ist\)", line), line
    result = cimis_here("cards", "--root", str(project))
    assert result.returncode == 1 and "Keine Karten gedruckt" in result.stderr
    assert not list(project.glob("*.pdf"))


def _qr_codes(png: Path) -> list[str]:
    result = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, timeout=60)
    return sorted(result.stdout.split())


def _page_png(pdf: Path, page: int, folder: Path, dpi: int = 150) -> Path:
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(folder / f"page-{page}")], check=True, timeout=60)
    return folder / f"page-{page}.png"


def test_cli_writes_the_pdf_and_the_qr_code_leads_to_the_card(project: Path, tmp_path: Path) -> None:
    need_tools("pdftoppm", "zbarimg")
    result = cimis_here("cards", "--root", str(project), "persona", "wie-koennen-wir", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("2 Methodenkarten, 4 Seiten (a6) → karten-a6.pdf")
    pdf = tmp_path / "karten-a6.pdf"
    assert len(PdfReader(pdf).pages) == 4
    assert _qr_codes(_page_png(pdf, 2, tmp_path)) == [f"{SITE_URL}methoden/persona/"]
    assert _qr_codes(_page_png(pdf, 4, tmp_path)) == [f"{SITE_URL}methoden/wie-koennen-wir/"]
    assert _qr_codes(_page_png(pdf, 1, tmp_path)) == []  # fronts carry no code


def test_four_up_backs_land_behind_their_fronts(shipped_cards, four_up_pdf: bytes, tmp_path: Path) -> None:
    """Long-edge duplex mirrors left and right: the back of the card in front position (col, row) is at (1 - col, row)."""
    need_tools("pdftoppm", "zbarimg")
    from PIL import Image

    pdf = tmp_path / "deck.pdf"
    pdf.write_bytes(four_up_pdf)
    image = Image.open(_page_png(pdf, 2, tmp_path))
    width, height = image.size  # the slug around the sheet is the same on every side: halves are the cut lines
    for i, card in enumerate(shipped_cards[:4]):
        col, row = i % 2, i // 2
        back_col = 1 - col
        quarter = tmp_path / f"quarter-{i}.png"
        image.crop((back_col * width // 2, row * height // 2, (back_col + 1) * width // 2,
                    (row + 1) * height // 2)).save(quarter)
        assert _qr_codes(quarter) == [card.url], card.slug


def test_unknown_slug_is_a_usage_error(project: Path, tmp_path: Path) -> None:
    result = cimis_here("cards", "--root", str(project), "persna", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "cimis: Die Methode 'persna' gibt es nicht in methods/. Meintest du 'persona'?"
    assert not list(tmp_path.glob("*.pdf"))


def test_missing_pango_is_explained_without_traceback(project: Path) -> None:
    # Simulate a machine without WeasyPrint/Pango: importing weasyprint fails.
    code = ("import sys; sys.modules['weasyprint'] = None; from generator.cli import main; "
            f"sys.exit(main(['cards', '--root', {str(project)!r}]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "CIMIS_CACHE_DIR": ""})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in result.stderr


def test_site_publishes_decks_and_one_pdf_per_card(built_site: Path, shipped_cards) -> None:
    folder = built_site / "karten"
    assert len(PdfReader(folder / "methodenkarten-a6.pdf").pages) == 2 * SHIPPED
    assert len(PdfReader(folder / "methodenkarten-a4-4up.pdf").pages) == 2 * -(-SHIPPED // 4)
    for card in shipped_cards:
        reader = PdfReader(folder / f"{card.slug}.pdf")
        assert len(reader.pages) == 2
        assert reader.metadata.title == f"{card.title} – Methodenkarte · {BRAND}"
    page = (folder / "index.html").read_text("utf-8")
    assert "an der langen Kante spiegeln" in page and "Schneidmarken" in page
    assert all(f'href="{card.slug}.pdf"' in page for card in shipped_cards)
    method = (built_site / "methoden" / "persona" / "index.html").read_text("utf-8")
    assert re.search(r'<a [^>]*href="\.\./\.\./karten/persona\.pdf"[^>]*>Karte drucken \(PDF\)</a>', method)


def test_a_project_without_methods_builds_a_cards_page_that_says_so(tmp_path: Path) -> None:
    root = lean_project(tmp_path / "project")
    outcome = pipeline.build(root, TODAY)
    assert not outcome.failed, outcome.diagnostics
    folder = outcome.out / "karten"
    assert sorted(p.name for p in folder.iterdir()) == ["index.html"]
    assert "Noch gibt es keine Methode und darum keine Methodenkarte." in (folder / "index.html").read_text("utf-8")


def test_hyphenation_and_inline_markup() -> None:
    assert cards.hyphenate("Moderationskarten") != "Moderationskarten"
    assert cards.hyphenate("Moderationskarten").replace(cards.SOFT_HYPHEN, "") == "Moderationskarten"
    html = cards.inline_text("Lest **laut** vor, <script>x</script> siehe [Persona](../methods/persona.md)")
    assert html.replace(cards.SOFT_HYPHEN, "") == "Lest <strong>laut</strong> vor, x siehe Persona"


def test_an_edited_stylesheet_is_measured_again_in_the_same_process(shipped_cards, monkeypatch) -> None:
    """What `cimis serve` relies on: no fit, key or stylesheet kept from before the edit."""
    card = shipped_cards[0]
    assert cards.measure([card], BRAND)[card.slug].fits
    key = cards._fit_key(card, BRAND, cards._style_digest())
    resource = cards._resource
    edit = b"\nhtml { font-size: 30pt; }\n"
    monkeypatch.setattr(cards, "_resource",
                        lambda *parts: resource(*parts) + (edit if parts[-1] == "cards.css" else b""))
    assert cards._fit_key(card, BRAND, cards._style_digest()) != key
    assert cards.measure([card], BRAND)[card.slug].back_overflow_mm > 0


def test_fit_key_covers_the_layout_libraries(shipped_cards, monkeypatch) -> None:
    card = shipped_cards[0]
    key = cards._fit_key(card, BRAND, cards._style_digest())
    versions = cards._library_versions()
    assert [v.split()[0] for v in versions][:4] == ["weasyprint", "pydyf", "pango", "harfbuzz"]
    assert all(v.split()[1][:1].isdigit() for v in versions)
    monkeypatch.setattr(cards, "_library_versions", lambda: (*versions[:3], "harfbuzz 0.1", *versions[4:]))
    assert cards._fit_key(card, BRAND, cards._style_digest()) != key


def test_cards_laid_out_in_worker_processes_measure_the_same(shipped_cards) -> None:
    """The process pool of a cold build splits the work, not the result: same fits as one process."""
    brand = "CROSS INNOVATION MADE IN SAXONY"
    some = shipped_cards[:8]  # enough for two chunks; every card would only take longer
    alone = cards.measure_layout(some, brand)
    parts = cards.in_parallel(cards.measure_layout, cards._chunks(some, 2), brand)
    assert len(parts) == 2 and all(parts)
    assert {card: fit for part in parts for card, fit in part.items()} == alone


def test_the_deck_layouts_in_worker_processes_give_the_same_bytes(shipped_cards) -> None:
    brand = "CROSS INNOVATION MADE IN SAXONY"
    few = shipped_cards[:3]
    tips = {slug: fit.tips for slug, fit in cards.measure(few, brand).items()}
    deck = cards.FormatDeck("eins", "Eins", (few[2].slug, few[0].slug))
    a6, a4 = ["a6", (deck, "a6")], ["a4-4up", (deck, "a4-4up")]
    together = cards._layout_files([*a6, *a4], few, tips, brand)
    apart = cards.in_parallel(cards._layout_files, [a6, a4], few, tips, brand)
    assert [done for part in apart for done in part] == together
    assert sum(len(files) for _, files in together) == len(few) + 2 + 2
    # The format's A6 deck taken from the whole deck's pages is the file its own layout gives.
    (alone,) = cards._layout_files([(deck, "a6")], few, tips, brand)
    assert alone == together[1]


def test_a_new_format_lays_out_only_its_own_cards(shipped_cards, tmp_path: Path, monkeypatch) -> None:
    """The whole deck and the other formats' decks come from the cache; only the new format is laid out."""
    monkeypatch.setenv("CIMIS_CACHE_DIR", str(tmp_path))
    few = shipped_cards[:5]
    first = cards.FormatDeck("eins", "Eins", (few[0].slug, few[1].slug))
    second = cards.FormatDeck("zwei", "Zwei", (few[2].slug,))
    before = cards._cached_deck_files(few, BRAND, [first])
    assert len(before) == len(few) + 2 + 2
    laid_out, real = [], cards._document
    monkeypatch.setattr(cards, "_document", lambda chosen, *rest: laid_out.append((len(chosen), rest[1]))
                        or real(chosen, *rest))
    after = cards._cached_deck_files(few, BRAND, [first, second])
    assert laid_out == [(1, "a6"), (1, "a4-4up")]
    assert {name: data for name, data in after.items() if name in before} == before
    assert set(after) - set(before) == {"karten/formate/zwei.pdf", "karten/formate/zwei-a4-4up.pdf"}
    assert len(PdfReader(io.BytesIO(after["karten/formate/zwei-a4-4up.pdf"])).pages) == 2


def test_a_format_takes_its_a6_pages_from_the_whole_deck_laid_out_with_it(shipped_cards, monkeypatch) -> None:
    few = shipped_cards[:2]
    deck = cards.FormatDeck("eins", "Eins", (few[1].slug, few[0].slug))
    laid_out, real = [], cards._document
    monkeypatch.setattr(cards, "_document", lambda chosen, *rest: laid_out.append((len(chosen), rest[1]))
                        or real(chosen, *rest))
    files = cards.deck_files(few, brand=BRAND, formats=[deck])
    assert sorted(laid_out) == [(2, "a4-4up"), (2, "a4-4up"), (2, "a6")]
    reader = PdfReader(io.BytesIO(files["karten/formate/eins.pdf"]))
    assert reader.metadata.title == f"Eins – Karten des Formats (A6) · {BRAND}"
    fronts = [squeeze(reader.pages[i].extract_text()) for i in (0, 2)]
    assert [squeeze(card.title) in front for card, front in zip((few[1], few[0]), fronts)] == [True, True]
    assert len(reader.pages) == 4


class ThreadMemory:
    """Fits remembered per thread, as each process remembers its own."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _fits(self) -> dict:
        return vars(self._local).setdefault("fits", {})

    def __contains__(self, key: str) -> bool:
        return key in self._fits()

    def __getitem__(self, key: str):
        return self._fits()[key]

    def __setitem__(self, key: str, value) -> None:
        self._fits()[key] = value


def test_two_at_once_lay_the_cards_out_once(shipped_cards, tmp_path: Path, monkeypatch) -> None:
    """A build beside the preview (or beside another build) waits for the other one's fits instead of measuring
    the same cards again. Two threads stand in for the processes: each opens the lock file on its own."""
    monkeypatch.setenv("CIMIS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cards, "_FITS", ThreadMemory())  # the waiting thread must read the fits from disk
    few = shipped_cards[:2]
    calls, real = [], cards.measure_layout
    monkeypatch.setattr(cards, "measure_layout", lambda chunk, brand: calls.append(len(chunk)) or real(chunk, brand))
    start = threading.Barrier(2)

    def measure() -> dict:
        start.wait()
        return cards.measure(few, BRAND)

    with ThreadPoolExecutor(2) as pool:
        first, second = [job.result() for job in [pool.submit(measure) for _ in range(2)]]
    assert calls == [2] and first == second
