"""Method records → print-ready PDF cards: A6 front and back, or four up on A4 with crop marks; a deck per format."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import itertools
import json
import os
import re
import shutil
import urllib.parse
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import jinja2
import markupsafe
import pyphen
import segno

from . import processes
from .cache import cache_dir, locked
from .data import entry_url
from .load import printed_step
from .model import METHOD, Content, Format, Method, Vocabulary
from .schema import steps_section
from .templating import duration_text, german_date, labels, page_environment, people_text

LAYOUTS = ("a6", "a4-4up")
MEASURE = "measure"
MM_PER_PX = 25.4 / 96  # WeasyPrint lays out in CSS pixels
FOOT_GAP_MM = 2.0  # white space always kept between the last line of text and the footer
# On A4 the cards sit 0.5 mm below the top edge: two A6 rows are 296 mm of the 297 mm sheet.
SHEET_CUTS_X = (0.0, 105.0, 210.0)
SHEET_CUTS_Y = (0.5, 148.5, 296.5)
DIFFICULTY_ICONS = {"leicht": "signal-cellular-1", "mittel": "signal-cellular-2", "anspruchsvoll": "signal-cellular-3"}
ICONS = ("clock-outline", "account-group-outline", "map-marker-outline", "toolbox-outline", "lightbulb-on-outline",
         *DIFFICULTY_ICONS.values())
PANGO_MISSING = ("Für die Druckkarten (PDF) braucht cimis WeasyPrint und die Systembibliothek Pango. Installiere "
                 "Pango, unter Debian/Ubuntu mit 'apt-get install libpango-1.0-0 libpangoft2-1.0-0', und danach "
                 "cimis neu mit '.venv/bin/pip install -e .'. (Meldung: {error})")
_INLINE_MARKUP = (
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\*\*(\S(?:.*?\S)?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(\S(?:.*?\S)?)\*(?![\w*])"), r"<em>\1</em>"),
)
_TAG_RE = re.compile(r"<[^>]*>")
_WORD_RE = re.compile(r"[^\W\d_]{6,}")
SOFT_HYPHEN = "\u00ad"


class CardsUnavailable(RuntimeError):
    """WeasyPrint or the Pango library it needs cannot be loaded; the message says what to install."""

    def __init__(self, reason: str):
        super().__init__(PANGO_MISSING.format(error=reason))
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Card:
    """What one printed card shows: plain text, formatted and hyphenated by the template."""

    slug: str
    path: str
    title: str
    tagline: str
    phase: str
    phase_labels: tuple[str, ...]
    duration: str
    group: str
    difficulty: str
    difficulty_label: str
    setting: tuple[str, ...]
    materials: tuple[str, ...]
    steps: tuple[str, ...]
    tips: tuple[str, ...]
    source: str
    license: str
    updated: str
    url: str | None
    steps_shortened: bool = False

    @property
    def url_text(self) -> str:
        """The address as printed beside the QR code, without the scheme."""
        return (self.url or "").split("://", 1)[-1]

    @property
    def qr(self) -> str | None:
        """The QR code of ``url`` as an SVG data URI."""
        return _qr(self.url) if self.url else None


@dataclass(frozen=True, slots=True)
class CardFit:
    """How a card fits A6: overflow of each side in mm (0 when it fits) and how many tips fit on the back."""

    front_overflow_mm: float
    back_overflow_mm: float
    tips: int

    @property
    def fits(self) -> bool:
        return self.front_overflow_mm <= 0 and self.back_overflow_mm <= 0


@dataclass(frozen=True, slots=True)
class Slot:
    """One card side placed on a printed sheet."""

    card: Card
    side: str
    classes: str
    tips: int


@dataclass(frozen=True, slots=True)
class Mark:
    classes: str
    style: str


@dataclass(frozen=True, slots=True)
class Sheet:
    """One printed page: card sides and, on A4, crop marks."""

    slots: tuple[Slot, ...]
    marks: tuple[Mark, ...] = ()


# --- records → cards ------------------------------------------------------------------------------

def license_text(spdx: str) -> str:
    """An SPDX id as people read it: 'CC-BY-4.0' → 'CC BY 4.0'."""
    return spdx.replace("-", " ") if spdx.upper().startswith("CC-") else spdx


def make_card(method: Method, phase_labels: Mapping[str, str], config: Mapping[str, Any]) -> Card:
    """The card of one method; ``phase_labels`` maps phase slugs to their German labels."""
    words = labels()
    # A long step prints as its lead; the web page and the QR code behind it give the whole step.
    longest = steps_section(METHOD).steps["maxLength"]
    printed = tuple(printed_step(step, longest) or step for step in method.steps)
    # The QR code needs an absolute address: without site_url the card has none.
    url = entry_url(config, "methoden", method.slug) if config.get("site_url") else None
    return Card(
        slug=method.slug, path=method.path, title=method.title, tagline=method.tagline, phase=method.phases[0],
        phase_labels=tuple(phase_labels.get(p, p) for p in method.phases),
        duration=duration_text(method.duration), group=people_text(method.group_size),
        difficulty=method.difficulty, difficulty_label=words["difficulty"].get(method.difficulty, method.difficulty),
        setting=tuple(words["setting"].get(s, s) for s in method.setting), materials=method.materials,
        steps=printed, tips=method.tips, source=method.source, license=license_text(method.license),
        updated=german_date(method.updated), url=url, steps_shortened=printed != method.steps,
    )


def cards_of(methods: Sequence[Method], phases: Vocabulary | None, config: Mapping[str, Any]) -> tuple[Card, ...]:
    """The cards of ``methods`` in that order, phases labelled from the phases vocabulary."""
    phase_labels = {e.slug: e.label for e in phases.entries} if phases else {}
    return tuple(make_card(m, phase_labels, config) for m in methods)


def cards_for(content: Content, slugs: Sequence[str] = ()) -> tuple[Card, ...]:
    """Cards of the given method slugs in that order, or of every method in title order."""
    by_slug = {m.slug: m for m in content.methods}
    methods = [by_slug[s] for s in dict.fromkeys(slugs)] if slugs else \
        sorted(content.methods, key=lambda m: m.title.lower())
    return cards_of(methods, content.vocabularies.get("phases"), content.config)


def brand_of(config: Mapping[str, Any]) -> str:
    """The name printed on every card: the site's name."""
    return str(config.get("site_name") or "cimis")


@cache
def _qr(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(border=2, dark="#1f2328")


# --- text for print ---------------------------------------------------------------------------------

@cache
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="de_DE", left=2, right=3)


def hyphenate(text: str) -> str:
    """German text with soft hyphens at the hyphenation points of words of six letters or more.

    WeasyPrint's ``hyphens: auto`` uses the same dictionary (pyphen) but lays out a line again for
    every candidate point; marking the points up front and printing with ``hyphens: manual`` breaks
    at the same places in half the layout time (measured: 2.8 s → 1.3 s for the 28 shipped cards).
    """
    hyphenator = _hyphenator()
    return _WORD_RE.sub(lambda m: hyphenator.inserted(m.group(0), hyphen=SOFT_HYPHEN), text)


def inline_text(text: str) -> markupsafe.Markup:
    """Contributor Markdown of one line as safe, hyphenated HTML: emphasis kept, links and tags as text."""
    escaped = str(markupsafe.escape(hyphenate(_TAG_RE.sub("", text))))
    for pattern, replacement in _INLINE_MARKUP:
        escaped = pattern.sub(replacement, escaped)
    return markupsafe.Markup(escaped)


# --- cards → HTML -----------------------------------------------------------------------------------

def _resource(*parts: str) -> bytes:
    return resources.files("generator").joinpath(*parts).read_bytes()


def _icon(name: str) -> str:
    svg = _resource("templates", "cards", "icons", f"{name}.svg").decode("utf-8")
    return "data:image/svg+xml;charset=utf-8," + urllib.parse.quote(svg.replace("<svg ", '<svg fill="#57606a" ', 1))


@cache
def card_environment() -> jinja2.Environment:
    """Jinja2 environment over templates/cards/, with the print filters."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("generator", "templates/cards"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["hyphenate"] = hyphenate
    env.filters["inline"] = inline_text
    return env


def _fonts_dir() -> Path:
    return Path(str(resources.files("generator").joinpath("fonts")))


def _slot_classes(col: int, row: int, turned: bool, *, on_a4: bool) -> str:
    """Position classes, and which edges of the card lie on the outside of the sheet (only those bleed)."""
    if not on_a4:
        return "bleed-top bleed-left bleed-right"
    outer_left = (col == 0) != turned
    classes = [f"col-{col}", f"row-{row}", "bleed-top", "bleed-left" if outer_left else "bleed-right"]
    return " ".join(classes + (["turned"] if turned else []))


def _crop_marks() -> tuple[Mark, ...]:
    marks = [Mark(f"v {edge}", f"left: {x}mm") for x in SHEET_CUTS_X for edge in ("top", "bottom")]
    marks += [Mark(f"h {edge}", f"top: {y}mm") for y in SHEET_CUTS_Y for edge in ("left", "right")]
    return tuple(marks)


def sheets(cards: Sequence[Card], tips: Mapping[str, int], layout: str) -> tuple[Sheet, ...]:
    """The printed pages of a layout: front then back of each card, or four fronts then their four backs."""
    if layout != "a4-4up":
        single = _slot_classes(0, 0, False, on_a4=False)
        return tuple(Sheet((Slot(card, side, single, tips[card.slug]),)) for card in cards for side in ("front", "back"))
    result: list[Sheet] = []
    for start in range(0, len(cards), 4):
        fronts, backs = [], []
        for i, card in enumerate(cards[start:start + 4]):
            # Head to head: the lower row is turned, so every colour band meets an outer edge of the sheet
            # and the inner cut runs between two white card bottoms.
            col, row = i % 2, i // 2
            turned = row == 1
            fronts.append(Slot(card, "front", _slot_classes(col, row, turned, on_a4=True), tips[card.slug]))
            # Long-edge duplex flips the sheet left to right: each back sits in the mirrored column.
            backs.append(Slot(card, "back", _slot_classes(1 - col, row, turned, on_a4=True), tips[card.slug]))
        result += [Sheet(tuple(fronts), _crop_marks()), Sheet(tuple(backs), _crop_marks())]
    return tuple(result)


def deck_html(cards: Sequence[Card], tips: Mapping[str, int], layout: str, *, title: str, brand: str) -> str:
    """The HTML that WeasyPrint turns into the PDF of ``layout`` (or into the measuring layout)."""
    return card_environment().get_template("deck.html.j2").render(
        sheets=sheets(cards, tips, layout), layout=layout, title=title, brand=brand, css=_css(),
        difficulty_icons=DIFFICULTY_ICONS)


def _css() -> markupsafe.Markup:
    """The card style sheet plus one class per icon; icons are backgrounds, so tagged PDF marks them decorative."""
    icons = "".join(f'.icon-{name} {{ background-image: url("{_icon(name)}"); }}\n' for name in ICONS)
    return markupsafe.Markup(_resource("templates", "cards", "cards.css").decode("utf-8") + icons)


# --- HTML → layout → PDF ------------------------------------------------------------------------------

@cache
def _weasyprint():
    """WeasyPrint, imported on first use: a machine without Pango can still load cimis and say what is missing."""
    try:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration
    except (ImportError, OSError) as exc:  # OSError: cffi found no Pango library
        raise CardsUnavailable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    return weasyprint, FontConfiguration


def _layout(html: str):
    weasyprint, font_configuration = _weasyprint()
    return weasyprint.HTML(string=html, base_url=_fonts_dir().as_uri() + "/").render(font_config=font_configuration())


def _pdf(document, title: str | None = None) -> bytes:
    if title:
        document.metadata = copy.copy(document.metadata)
        document.metadata.title = title
    # A fixed identifier: the same cards always give the same bytes (the site build is reproducible).
    return document.write_pdf(pdf_tags=True, pdf_identifier=b"cimis-methodenkarten")


# --- fit ----------------------------------------------------------------------------------------------------

# The names WeasyPrint's text/ffi.py tries, in its order, so these find the libraries it loads.
_NATIVE_LIBRARIES = {
    "pango": (("libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0", "libpango-1.0.dylib",
                "libpango-1.0-0.dll"), "pango_version_string", "Pango"),
    "harfbuzz": (("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0", "libharfbuzz.0.dylib",
                  "libharfbuzz-0.dll"), "hb_version_string", "HarfBuzz"),
}


def _native_version(library: str) -> str:
    """The version string of a C library WeasyPrint loads, read without importing WeasyPrint."""
    try:
        import cffi  # a dependency of WeasyPrint
    except ImportError as exc:
        raise CardsUnavailable("Python-Paket cffi fehlt") from exc

    names, function, display = _NATIVE_LIBRARIES[library]
    ffi = cffi.FFI()
    ffi.cdef(f"const char *{function} (void);")
    for name in names:
        try:
            return ffi.string(getattr(ffi.dlopen(name), function)()).decode("ascii")
        except (OSError, AttributeError):
            continue
    raise CardsUnavailable(f"{display} nicht gefunden")


@cache
def _library_versions() -> tuple[str, ...]:
    """The layout and PDF libraries with their versions: they cannot change while this process runs.

    Read from the installed packages and the C libraries themselves: importing WeasyPrint would take
    about a second of every build and check whose cards all come from the cache.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        packages = {name: version(name) for name in ("weasyprint", "pydyf", "pyphen", "segno", "fonttools")}
    except PackageNotFoundError as exc:
        raise CardsUnavailable(f"Python-Paket {exc.name} fehlt") from exc
    return (f"weasyprint {packages['weasyprint']}", f"pydyf {packages['pydyf']}",
            f"pango {_native_version('pango')}", f"harfbuzz {_native_version('harfbuzz')}",
            f"pyphen {packages['pyphen']}", f"segno {packages['segno']}", f"fonttools {packages['fonttools']}")


def _style_digest() -> str:
    """Everything besides a card's text that decides its layout and PDF bytes, as one hash.

    Read afresh on every call, so a running ``cimis serve`` sees an edited stylesheet; a build calls it
    once per deck, not per card (hashing the files takes about a millisecond).
    """
    digest = hashlib.sha256()
    digest.update(json.dumps(_library_versions()).encode())
    digest.update(_css().encode("utf-8"))  # the stylesheet with its icons
    for part in (("cards.py",), ("templates", "cards", "deck.html.j2")):
        digest.update(_resource(*part))
    for font in sorted(_fonts_dir().glob("*.ttf")):
        digest.update(font.read_bytes())
    return digest.hexdigest()


def _fit_key(card: Card, brand: str, style: str) -> str:
    """The cache key of one card's fit; ``style`` is ``_style_digest()``, computed once per deck."""
    text = json.dumps([style, brand, dataclasses.astuple(card)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


CACHE_PART = "karten"


def _cache_dir() -> Path | None:
    """Where fits and PDFs are kept between runs (see generator.cache)."""
    return cache_dir(CACHE_PART)


def _cached_fit(key: str) -> CardFit | None:
    folder = _cache_dir()
    try:
        data = json.loads((folder / f"{key}.json").read_text("utf-8")) if folder else None
        return CardFit(float(data["front"]), float(data["back"]), int(data["tips"])) if data else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store_fit(key: str, fit: CardFit) -> None:
    folder = _cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{key}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps({"front": fit.front_overflow_mm, "back": fit.back_overflow_mm,
                                         "tips": fit.tips}), "utf-8")
        os.replace(temporary, folder / f"{key}.json")
    except OSError:
        pass  # a cache that cannot be written only costs time


_FITS: dict[str, CardFit] = {}


def measure(cards: Sequence[Card], brand: str, *, cached: bool = True) -> dict[str, CardFit]:
    """How each card fits, from the real WeasyPrint layout; known cards come from the cache by content hash."""
    if not cards:
        return {}
    style = _style_digest()
    keys = {card: _fit_key(card, brand, style) for card in cards}

    def unknown() -> list[Card]:
        if cached:
            for key in keys.values():
                if key not in _FITS and (fit := _cached_fit(key)):
                    _FITS[key] = fit
        return [card for card, key in keys.items() if not cached or key not in _FITS]

    fits = {}
    if unknown():
        with locked(CACHE_PART, "fits") if cached else contextlib.nullcontext():
            if missing := unknown():  # another process may have measured them while this one waited
                _weasyprint()  # fails here, in this process, when Pango is missing
                for part in in_parallel(measure_layout, _chunks(missing, workers(len(missing))), brand):
                    fits.update({keys[card]: fit for card, fit in part.items()})
                for key, fit in fits.items():
                    _FITS[key] = fit
                    _store_fit(key, fit)
    return {card.slug: fits.get(keys[card]) or _FITS[keys[card]] for card in cards}


# Laying cards out is nearly all of a cold build. Each worker process imports WeasyPrint (about a second),
# so below this many cards per worker one process is faster.
CARDS_PER_WORKER = 24


def workers(jobs: int) -> int:
    """How many processes to lay ``jobs`` cards out in: one per core, each with enough cards to be worth it."""
    return max(1, min(os.cpu_count() or 1, jobs // CARDS_PER_WORKER))


def _chunks(items: Sequence, count: int) -> list[list]:
    size = -(-len(items) // count)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def in_parallel(function, chunks: Sequence, *args) -> list:
    """``function(chunk, *args)`` for every chunk, each in a worker process of its own when there are several."""
    if len(chunks) <= 1:
        return [function(chunk, *args) for chunk in chunks]
    with processes.pool(len(chunks)) as workers:
        return list(workers.map(function, chunks, *(itertools.repeat(a, len(chunks)) for a in args)))


def measure_layout(cards: Sequence[Card], brand: str) -> dict[Card, CardFit]:
    """Lay the cards out once on pages far taller than a card, with every tip, and measure each side.

    The card box and its footer keep their A6 size, so every line lands where it lands on A6; only
    text that runs past the footer is laid out below it instead of being split onto another page.
    """
    every_tip = {card.slug: len(card.tips) for card in cards}
    document = _layout(deck_html(cards, every_tip, MEASURE, title="Messung", brand=brand))
    boxes = _side_boxes(document)
    return {card: _fit(boxes.get((card.slug, "front"), {}), boxes.get((card.slug, "back"), {})) for card in cards}


def _walk(box) -> Iterable:
    """Every box below ``box`` in document order, absolutely positioned ones included."""
    yield box
    inner = vars(box).get("_box") if hasattr(box, "__dict__") else None  # WeasyPrint's AbsolutePlaceholder
    for child in ([inner] if inner is not None else getattr(box, "children", ())):
        yield from _walk(child)


def _side_boxes(document) -> dict[tuple[str, str], dict[str, list]]:
    """For each (slug, side): the outermost layout box of every element marked ``data-m``, by mark."""
    found: dict[tuple[str, str], dict[str, list]] = {}
    for page in document.pages:
        side, seen = None, set()
        for box in _walk(page._page_box):  # WeasyPrint has no public box tree
            element = getattr(box, "element", None)
            if element is None or "::" in (getattr(box, "element_tag", "") or "") or id(element) in seen:
                continue
            seen.add(id(element))
            if element.get("data-side"):
                side = found.setdefault((element.get("data-card"), element.get("data-side")), {})
            elif (mark := element.get("data-m")) and side is not None:
                side.setdefault(mark, []).append(box)
    return found


def _bottom_mm(box) -> float:
    return (box.border_box_y() + box.border_height()) * MM_PER_PX


def _limit_mm(side: Mapping[str, list]) -> float:
    """Where text must end: a little above the footer."""
    return side["foot"][0].border_box_y() * MM_PER_PX - FOOT_GAP_MM


def _fit(front: Mapping[str, list], back: Mapping[str, list]) -> CardFit:
    if not all(side.get(mark) for side, marks in ((front, ("flow", "foot")), (back, ("steps", "foot")))
               for mark in marks):
        # Never report "fits" for a card that was not measured (e.g. WeasyPrint's box tree changed).
        raise RuntimeError("card layout could not be measured: a marked box is missing")
    front_over = _bottom_mm(front["flow"][0]) - _limit_mm(front)
    back_limit = _limit_mm(back)
    back_over = _bottom_mm(back["steps"][0]) - back_limit
    tips = 0
    for box in back.get("tip", []):
        if _bottom_mm(box) > back_limit:
            break
        tips += 1
    return CardFit(round(max(front_over, 0.0), 2), round(max(back_over, 0.0), 2), tips)


# --- public entries ---------------------------------------------------------------------------------------

def page_count(cards: int, layout: str) -> int:
    """Pages of a deck: two per card on A6; two sheets per four cards on A4."""
    return 2 * cards if layout == "a6" else 2 * -(-cards // 4)


def _title(cards: Sequence[Card], layout: str, brand: str) -> str:
    if len(cards) == 1:
        return f"{cards[0].title} – Methodenkarte · {brand}"
    return f"Methodenkarten ({'A6' if layout == 'a6' else 'vier auf A4'}) · {brand}"


def _document(cards: Sequence[Card], tips: Mapping[str, int], layout: str, brand: str):
    document = _layout(deck_html(cards, tips, layout, title=_title(cards, layout, brand), brand=brand))
    if len(document.pages) != page_count(len(cards), layout):  # a card that overflows cannot split a page
        raise RuntimeError(f"{layout}: {len(document.pages)} pages for {len(cards)} cards")
    return document


def render_cards(cards: Sequence[Card], layout: str, *, brand: str) -> bytes:
    """The PDF of ``cards`` in ``layout`` (``a6`` or ``a4-4up``); tips are printed as far as they fit."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    tips = {slug: fit.tips for slug, fit in measure(cards, brand).items()}
    return _pdf(_document(cards, tips, layout, brand))


@dataclass(frozen=True, slots=True)
class FormatDeck:
    """The cards of one format: its slug and title and its methods in agenda order."""

    slug: str
    title: str
    methods: tuple[str, ...]


def format_decks(formats: Sequence[Format]) -> tuple[FormatDeck, ...]:
    """A deck for every format whose agenda has methods."""
    return tuple(FormatDeck(f.slug, f.title, f.methods) for f in formats if f.methods)


def deck_files(cards: Sequence[Card], *, brand: str, formats: Sequence[FormatDeck] = ()) -> dict[str, bytes]:
    """The PDFs published under /karten/: the deck in each layout, one A6 PDF per card, two per format."""
    jobs = [job for deck in (None, *formats) for job in _jobs(deck)]
    return {name: data for files in _render_jobs(cards, brand, jobs).values()
            for name, data in files.items()} if cards else {}


Job = str | tuple[FormatDeck, str]  # the whole deck in a layout, or one format's deck in a layout


def _jobs(deck: FormatDeck | None) -> list[Job]:
    """The jobs that give a deck's files: the whole deck (``None``) or one format's, in every layout."""
    return [layout if deck is None else (deck, layout) for layout in LAYOUTS]


def _render_jobs(cards: Sequence[Card], brand: str, jobs: Sequence[Job]) -> dict[Job, dict[str, bytes]]:
    """The files of each job, by job."""
    if not jobs:
        return {}
    tips = {slug: fit.tips for slug, fit in measure(cards, brand).items()}
    # On two cores the A6 jobs (the whole deck gives one PDF per card and the formats' A6 decks) are laid out
    # beside the A4 jobs; a few format decks alone are not worth a process that first has to import WeasyPrint.
    a6 = [job for job in jobs if _layout_of(job) == "a6"]
    a4 = [job for job in jobs if _layout_of(job) != "a6"]
    apart = "a6" in a6 and bool(a4) and workers(len(cards)) > 1
    return {job: files for part in in_parallel(_layout_files, [a6, a4] if apart else [[*a6, *a4]],
                                               cards, tips, brand) for job, files in part}


def _layout_of(job: Job) -> str:
    return job if isinstance(job, str) else job[1]


def _layout_files(jobs: Sequence[Job], cards: Sequence[Card], tips: Mapping[str, int],
                  brand: str) -> list[tuple[Job, dict[str, bytes]]]:
    """For each job its PDFs: the whole deck in a layout (A6 also gives one PDF per card), or a format's deck.

    A format's A6 deck takes its pages from the whole A6 deck when that is laid out in the same run; else it is
    laid out from its own cards, so a new or edited format leaves the whole deck as it is.
    """
    done = []
    position = {card.slug: i for i, card in enumerate(cards)}
    whole_a6 = None
    for job in sorted(jobs, key=lambda job: job != "a6"):  # the whole A6 deck first: the formats reuse it
        files = {}
        if isinstance(job, tuple):
            deck, layout = job
            name, label = (f"{deck.slug}.pdf", "A6") if layout == "a6" else (f"{deck.slug}-a4-4up.pdf", "vier auf A4")
            if layout == "a6" and whole_a6 is not None:
                document = whole_a6.copy([page for slug in deck.methods for page in _card_pages(whole_a6, position[slug])])
            else:
                document = _document([cards[position[slug]] for slug in deck.methods], tips, layout, brand)
            files[f"karten/formate/{name}"] = _pdf(document, f"{deck.title} – Karten des Formats ({label}) · {brand}")
        else:
            document = _document(cards, tips, job, brand)
            files[f"karten/methodenkarten-{job}.pdf"] = _pdf(document)
            if job == "a6":
                whole_a6 = document
                for i, card in enumerate(cards):
                    files[f"karten/{card.slug}.pdf"] = _pdf(document.copy(_card_pages(document, i)),
                                                            _title([card], "a6", brand))
        done.append((job, files))
    return done


def _card_pages(a6_deck, index: int) -> list:
    """Front and back of the deck's ``index``-th card: on A6 every card has two pages of its own."""
    return a6_deck.pages[2 * index:2 * index + 2]


def _size_text(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB".replace(".", ",") if size >= 1_000_000 else f"{max(1, round(size / 1000))} kB"


def _cached_deck_files(cards: Sequence[Card], brand: str, formats: Sequence[FormatDeck] = ()) -> dict[str, bytes]:
    """``deck_files``, each deck read from the cache when none of its cards changed (then it is not rendered).

    The whole deck and each format's deck are kept apart: a new or edited format lays out only its own cards.
    """
    folder = _cache_dir()
    if folder is None or not cards:
        return deck_files(cards, brand=brand, formats=formats)
    style = _style_digest()
    fit_keys = {card.slug: _fit_key(card, brand, style) for card in cards}
    # None stands for the whole deck; a '.' keeps one format's folders apart from a longer slug's.
    families: dict[FormatDeck | None, str] = {None: "deck-", **{deck: f"format-{deck.slug}." for deck in formats}}
    places = {None: folder / f"deck-{_digest([fit_keys[card.slug] for card in cards])}"}
    for deck in formats:
        key = _digest([dataclasses.astuple(deck), [fit_keys[slug] for slug in deck.methods]])
        places[deck] = folder / f"{families[deck]}{key}"
    sizes = {deck: len(cards) + 2 if deck is None else 2 for deck in places}
    files = {deck: _read_deck(places[deck]) for deck in places}
    if missing := [deck for deck in places if len(files[deck]) != sizes[deck]]:
        with locked(CACHE_PART, "decks"):
            # Another process may have rendered some of them while this one waited.
            files.update({deck: _read_deck(places[deck]) for deck in missing})
            missing = [deck for deck in missing if len(files[deck]) != sizes[deck]]
            rendered = _render_jobs(cards, brand, [job for deck in missing for job in _jobs(deck)])
            for deck in missing:
                files[deck] = {name: data for job in _jobs(deck) for name, data in rendered[job].items()}
                _store_deck(folder, places[deck], files[deck], families[deck])
    return {name: data for found in files.values() for name, data in found.items()}


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False).encode("utf-8")).hexdigest()


def _read_deck(place: Path) -> dict[str, bytes]:
    try:
        return {f"karten/{file.relative_to(place).as_posix()}": file.read_bytes() for file in sorted(place.rglob("*.pdf"))}
    except OSError:
        return {}


def _store_deck(folder: Path, deck: Path, files: dict[str, bytes], family: str) -> None:
    """Keep ``files`` in ``deck`` (replaced atomically) and the three newest decks of the same ``family``."""
    temporary = folder / f".{deck.name}.{os.getpid()}"
    try:
        shutil.rmtree(deck, ignore_errors=True)
        temporary.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (temporary / name.removeprefix("karten/")).parent.mkdir(parents=True, exist_ok=True)
            (temporary / name.removeprefix("karten/")).write_bytes(data)
        os.replace(temporary, deck)
        # Three per family: enough for switching branches, small on disk.
        for old in sorted(folder.glob(f"{family}*"), key=lambda d: d.stat().st_mtime, reverse=True)[3:]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        shutil.rmtree(temporary, ignore_errors=True)


def site_files(content: Content) -> dict[str, bytes]:
    """Everything /karten/ publishes: the PDFs and the Markdown page that explains printing."""
    brand = brand_of(content.config)
    cards = cards_for(content)
    decks = format_decks(content.formats)
    files = _cached_deck_files(cards, brand, decks)
    page = page_environment().get_template("karten.md.j2").render(
        cards=cards, count=len(cards), sheets=page_count(len(cards), "a4-4up") // 2, decks=decks,
        sizes={name.removeprefix("karten/"): _size_text(len(data)) for name, data in files.items()})
    files["karten/index.md"] = page.encode("utf-8")
    return files
