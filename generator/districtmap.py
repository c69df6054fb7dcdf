"""Districts with seat positions + case counts → a schematic tile map of Saxony (geometry for a template).

No borders: each district is one hexagon, placed on a hex grid as near to its seat (lat/lon in the districts
vocabulary) as the other tiles allow. So the map needs no geodata of its own, only the vocabulary.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping

import pyphen

from .cache import load_values, save_values
from .model import Vocabulary

RADIUS = 46.0  # circumradius of a tile in SVG units
GAP = 2.5  # between neighbouring tiles
MARGIN = 4.0
# Type in a tile (SVG units): a line of the name (10.5 px), the height of its capitals, the gap below the
# name and the height of the count's digits (19 px).
LINE_HEIGHT, NAME_CAP, COUNT_GAP, COUNT_CAP = 11.5, 7.8, 6.0, 13.7
# Grid spacing in degrees of latitude, about the distance between neighbouring seats (Dresden–Pirna is 0.15°,
# Plauen–Görlitz 2.9°): a finer grid spreads Saxony thin, a coarser one pushes tiles far from their seats.
CELL_DEGREES = 0.3
# Shading steps (fewest cases of a step; the last step is open-ended). Fixed steps keep the legend stable.
STEPS = (0, 1, 2, 3, 5)


@dataclass(frozen=True, slots=True)
class Tile:
    """One district on the map: where its hexagon sits, its shading step and its name in lines."""

    slug: str
    label: str
    description: str
    kind: str
    count: int
    step: int
    x: float
    y: float
    points: str
    lines: tuple[str, ...]

    @property
    def name_y(self) -> float:
        """Baseline of the name's first line: name and count together are centred in the tile."""
        return round(self._top + NAME_CAP, 1)

    @property
    def count_y(self) -> float:
        return round(self._top + len(self.lines) * LINE_HEIGHT + COUNT_GAP + COUNT_CAP, 1)

    @property
    def _top(self) -> float:
        return self.y - (len(self.lines) * LINE_HEIGHT + COUNT_GAP + COUNT_CAP) / 2


@dataclass(frozen=True, slots=True)
class Step:
    """One entry of the legend: shading step ``index`` covers ``low`` to ``high`` cases (``high`` None: or more)."""

    index: int
    low: int
    high: int | None


@dataclass(frozen=True, slots=True)
class DistrictMap:
    """The tiles and legend of the map, and how the cases divide between the kinds of district."""

    tiles: tuple[Tile, ...]
    width: float
    height: float
    steps: tuple[Step, ...]
    counts_by_kind: Mapping[str, int]
    shares: Mapping[str, int]
    other: int
    total: int
    line_height: float = LINE_HEIGHT

    @property
    def table(self) -> tuple[Tile, ...]:
        """The tiles in alphabetical order, for the table beside the map."""
        return tuple(sorted(self.tiles, key=lambda t: t.label.lower()))


def shade_step(count: int) -> int:
    """The shading step of a case count (0 for none)."""
    return max(i for i, low in enumerate(STEPS) if count >= low)


def legend_steps() -> tuple[Step, ...]:
    """The legend: every shading step with the counts it stands for."""
    return tuple(Step(i, low, STEPS[i + 1] - 1 if i + 1 < len(STEPS) else None) for i, low in enumerate(STEPS))


def _cell_center(col: int, row: int) -> tuple[float, float]:
    """Centre of a pointy-top hexagon in an offset grid (odd rows shifted right by half a tile)."""
    width = math.sqrt(3) * RADIUS
    return col * width + (row % 2) * width / 2, row * 1.5 * RADIUS


def _hexagon(x: float, y: float) -> str:
    # A little smaller than its cell: the page shows between neighbours, so in either palette each tile has
    # an outline of its own against the page.
    size = RADIUS - GAP
    corners = [(x + size * math.cos(math.radians(60 * i - 30)), y + size * math.sin(math.radians(60 * i - 30)))
               for i in range(6)]
    return " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)


def place(seats: Mapping[str, tuple[float, float]]) -> dict[str, tuple[int, int]]:
    """Grid cell (col, row) of each seat: nearest pairs first, each cell taken once, ties by slug.

    Empty columns between tiles are then dropped, so the map is compact but keeps every tile's order
    west–east.
    """
    if not seats:
        return {}
    west = min(lon for _, lon in seats.values())
    north = max(lat for lat, _ in seats.values())
    # A degree of longitude is shorter than one of latitude, by the cosine of the latitude.
    squeeze = math.cos(math.radians(sum(lat for lat, _ in seats.values()) / len(seats)))
    ideal = {slug: ((lon - west) * squeeze / CELL_DEGREES, (north - lat) / (CELL_DEGREES * 0.866))
             for slug, (lat, lon) in seats.items()}
    cols = math.ceil(max(x for x, _ in ideal.values())) + 2
    rows = math.ceil(max(y for _, y in ideal.values())) + 2
    pairs = sorted((math.dist((col + (row % 2) / 2, row), point), slug, row, col)
                   for slug, point in ideal.items() for row in range(rows) for col in range(cols))
    taken: set[tuple[int, int]] = set()
    cells: dict[str, tuple[int, int]] = {}
    for _, slug, row, col in pairs:
        if slug not in cells and (col, row) not in taken:
            cells[slug] = (col, row)
            taken.add((col, row))
    return _compact(cells)


def _compact(cells: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    # Only whole empty columns go: dropping a row would flip the half-tile offset of the rows below it.
    used_cols = sorted({col for col, _ in cells.values()})
    top = min(row for _, row in cells.values())
    top -= top % 2  # keep each row's parity, and with it its offset
    return {slug: (used_cols.index(col), row - top) for slug, (col, row) in cells.items()}


_PART_RE = re.compile(r"[^ -]+-?")
LONGEST = 13  # letters in a line of a tile's name


def _wraps(labels: list[str], longest: int = LONGEST) -> dict[str, tuple[str, ...]]:
    """Each word of ``labels`` longer than a line, in lines broken at German hyphenation points.

    Loading pyphen's German dictionary takes about a second, as long as the rest of staging a small site, for a
    few district names: their wraps are kept in the cache, under the pyphen version that made them.
    """
    words = {part for label in labels for part in _PART_RE.findall(label) if len(part) > longest}
    prefix = f"{pyphen.__version__}/{longest}/"
    known = load_values("hyphenation")
    wraps = {word: tuple(known[prefix + word]) for word in words if isinstance(known.get(prefix + word), list)}
    if missing := sorted(words - wraps.keys()):
        dictionary = pyphen.Pyphen(lang="de_DE")
        wraps |= {word: tuple(dictionary.wrap(word, longest) or ()) for word in missing}
        save_values("hyphenation", {**known, **{prefix + word: list(wraps[word]) for word in missing}})
    return wraps


def _lines(label: str, wraps: Mapping[str, tuple[str, ...]], longest: int = LONGEST) -> tuple[str, ...]:
    """The name in lines of at most ``longest`` letters where it can: broken at spaces and after hyphens,
    a word still too long at a German hyphenation point ('Erzgebirgs-' / 'kreis')."""
    lines: list[str] = []
    for part in _PART_RE.findall(label):
        joiner = "" if not lines or lines[-1].endswith("-") else " "
        if lines and len(lines[-1]) + len(joiner) + len(part) <= longest:
            lines[-1] += joiner + part
        elif len(part) > longest and (wrapped := wraps.get(part)):
            lines += wrapped
        else:
            lines.append(part)
    return tuple(lines)


def district_map(districts: Vocabulary, counts: Mapping[str, int], kinds: Mapping[str, str]) -> DistrictMap | None:
    """The map of every district that has a position; ``kinds`` maps a description to a kind ('landkreis').

    Districts without a position (e.g. 'outside Saxony') count towards the total only; the vocabulary's
    descriptions say which districts are Landkreise and which kreisfreie Städte.
    """
    seats = {e.slug: (e.lat, e.lon) for e in districts.entries if e.lat is not None and e.lon is not None}
    if not seats:
        return None
    cells = place(seats)
    centres = {slug: _cell_center(*cell) for slug, cell in cells.items()}
    left = min(x for x, _ in centres.values()) - math.sqrt(3) * RADIUS / 2 - MARGIN
    top = min(y for _, y in centres.values()) - RADIUS - MARGIN
    tiles = []
    wraps = _wraps([entry.label for entry in districts.entries if entry.slug in centres])
    by_kind = {kind: 0 for kind in kinds.values()}
    for entry in districts.entries:
        count = counts.get(entry.slug, 0)
        kind = kinds.get(entry.description or "", "")
        if kind:
            by_kind[kind] += count
        if entry.slug not in centres:
            continue
        x, y = centres[entry.slug][0] - left, centres[entry.slug][1] - top
        tiles.append(Tile(entry.slug, entry.label, entry.description or "", kind, count, shade_step(count),
                          round(x, 1), round(y, 1), _hexagon(x, y), _lines(entry.label, wraps)))
    width = max(t.x for t in tiles) + math.sqrt(3) * RADIUS / 2 + MARGIN
    height = max(t.y for t in tiles) + RADIUS + MARGIN
    total = sum(counts.values())
    shares = {kind: round(100 * n / total) if total else 0 for kind, n in by_kind.items()}
    return DistrictMap(tuple(tiles), round(width, 1), round(height, 1), legend_steps(), by_kind, shares,
                       total - sum(by_kind.values()), total)
