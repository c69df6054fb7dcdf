"""Typed content → the data the workshop planner (/planer/) embeds: methods, formats and, offline, the card PDFs."""

from __future__ import annotations

import base64
import json
from typing import Any, Callable, Iterable, Mapping

from .model import Content, Method

PAGE = "planer/index.md"
# The offline bundle is opened via file://, where Chromium refuses fetch() and XHR of other files; a
# <script src> still loads, so the bundle carries the card PDFs as one script the planner adds on demand.
OFFLINE_CARDS = "karten/karten-planer.js"


def method_item(method: Method, url: Callable[[str], str]) -> dict[str, Any]:
    """What the planner knows of one method card; ``url`` links a staged path from the planner page."""
    return {"slug": method.slug, "title": method.title, "tagline": method.tagline,
            "duration": list(method.duration), "group_size": list(method.group_size),
            "materials": list(method.materials), "url": url(f"methoden/{method.slug}.md"),
            "pdf": url(f"karten/{method.slug}.pdf")}


def _block(block: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"minutes": block.minutes, "day": getattr(block, "day", None) or 1}
    if getattr(block, "method", None):
        item["method"] = block.method
    else:
        item["title"] = block.title
    return item


def format_item(fmt: Any) -> dict[str, Any]:
    """A format (any record with slug, title, participants and agenda blocks of method|title, minutes, day)."""
    return {"slug": fmt.slug, "title": fmt.title, "participants": list(fmt.participants),
            "agenda": [_block(b) for b in fmt.agenda]}


def planner_data(content: Content, url: Callable[[str], str], formats: Iterable[Any] = ()) -> dict[str, Any]:
    """The planner's embedded JSON: every method by title, every format in ``formats``."""
    methods = sorted(content.methods, key=lambda m: m.title.lower())
    return {"methods": [method_item(m, url) for m in methods], "formats": [format_item(f) for f in formats]}


def offline_cards(content: Content, files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Every method's card PDF among the staged ``files`` as one script for the offline bundle's planner."""
    cards = {m.slug: base64.b64encode(files[f"karten/{m.slug}.pdf"]).decode("ascii")
             for m in sorted(content.methods, key=lambda m: m.slug) if f"karten/{m.slug}.pdf" in files}
    script = f"window.cimisCardPdfs = {json.dumps(cards, separators=(',', ':'))};\n"
    return {OFFLINE_CARDS: script.encode("ascii")}
