"""Benchmark the card PDFs of a cold build: layout, the deck written with and without tags, one PDF per card.

Usage: .venv/bin/python benchmarks/cards.py [--cards 50 200]
Grows a project with as many methods as the largest count, then for each count lays the A6 deck out once
and times its writes. A time that grows faster than the count points at the writer, not the layout.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from grow import grow

from generator import cards
from generator.load import load_project
from generator.records import to_content


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, nargs="+", default=[50, 200])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cimis-cards-") as tmp:
        content = to_content(load_project(grow(Path(tmp) / "project", 1, max(args.cards))))
        brand = cards.brand_of(content.config)
        print("| cards | layout | deck, tagged | deck, untagged | one PDF per card (each) |")
        print("| --- | --- | --- | --- | --- |")
        for count in args.cards:
            deck = cards.cards_for(content)[:count]
            tips = {slug: fit.tips for slug, fit in cards.measure(deck, brand, cached=False).items()}
            layout, document = timed(lambda: cards._document(deck, tips, "a6", brand))
            tagged, _ = timed(lambda: cards._pdf(document))
            untagged, _ = timed(lambda: document.write_pdf(pdf_tags=False))
            sample = range(min(count, 20))
            each, _ = timed(lambda: [cards._pdf(document.copy(document.pages[2 * i:2 * i + 2])) for i in sample])
            print(f"| {count} | {layout:.1f} s | {tagged:.1f} s | {untagged:.1f} s | {each / len(sample):.3f} s |",
                  flush=True)


if __name__ == "__main__":
    main()
