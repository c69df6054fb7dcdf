"""The page types every browser check visits (accessibility, privacy): one page of each kind, picked from the
shipped content so that each exists and, apart from the empty index page, lists something."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import yaml

from .conftest import REPO


def _front_matter(kind: str) -> list[dict]:
    return [yaml.safe_load(p.read_text("utf-8").split("---\n")[1]) | {"slug": p.stem}
            for p in sorted((REPO / kind).glob("*.md"))]


def _vocabulary(name: str) -> list[str]:
    return list(yaml.safe_load((REPO / "content" / "vocabularies" / f"{name}.yml").read_text("utf-8")))


def page_types() -> dict[str, str]:
    """Name of the page type → its path below the site root (as a served site's URL path)."""
    case, method = _front_matter("cases")[0], _front_matter("methods")[0]
    used_industries = {c["organisation"]["industry"] for c in _front_matter("cases")}
    empty_industry = next(s for s in _vocabulary("industries") if s not in used_industries)
    return {
        "start": "",
        "faelle": "faelle/",
        "faelle-gefiltert": "faelle/?" + urlencode({"region": case["district"], "thema": case["topics"][0]}),
        "methoden": "methoden/",
        "methoden-gefiltert": "methoden/?" + urlencode({"phase": method["phases"][0], "format": method["setting"][0]}),
        "fall": f"faelle/{case['slug']}/",
        "methode": f"methoden/{method['slug']}/",
        # The five facets share two templates (render.facet_pages): one page of each variant they have. The
        # overview with and without the map; a value's page with cases and a code, empty, and with methods.
        "regionen": "regionen/",
        "branchen": "branchen/",
        "region": f"regionen/{case['district']}/",
        "branche-leer": f"branchen/{empty_industry}/",
        "phase": f"phasen/{method['phases'][0]}/",
        "matrix": "matrix/",
        "karten": "karten/",
        "planer": "planer/",
        # A plan with a free block, a second day and, for 40 people, group-size warnings.
        "planer-mit-plan": "planer/?" + urlencode([("n", 40), ("b", method["slug"]), ("b", "~Pause:15"), ("b", "|"),
                                                   ("b", _front_matter("methods")[1]["slug"])]),
        "mitmachen": "mitmachen/",
        "formular-fall": "mitmachen/fall/",
        "formular-methode": "mitmachen/methode/",
        "formular-format": "mitmachen/format/",
        "daten": "daten/",
        "ueber": "ueber/",
        "404": "404.html",
        "suche": "suche/?" + urlencode({"q": case["title"].split()[0]}),
    }


def format_page_types() -> dict[str, str]:
    """The page types of event formats: the overview, filtered, a one-day and a multi-day format."""
    formats = _front_matter("formats")
    one_day = next(f for f in formats if f.get("days", 1) == 1)
    several = next(f for f in formats if f.get("days", 1) > 1)
    return {"formate": "formate/", "formate-gefiltert": "formate/?" + urlencode({"format": "praesenz"}),
            "format": f"formate/{one_day['slug']}/", "format-mehrtaegig": f"formate/{several['slug']}/"}


PAGE_TYPES = page_types() | format_page_types()


def offline_file(bundle: Path, path: str) -> str:
    """The same page in the offline bundle (no folder URLs there: ``faelle/x/`` is ``faelle/x.html``), or ''."""
    page, _, query = path.partition("?")
    for candidate in (page, page.rstrip("/") + ".html", page + "index.html"):
        if candidate.endswith(".html") and (bundle / candidate).is_file():
            return candidate + (f"?{query}" if query else "")
    return ""


def is_local(url: str, base: str) -> bool:
    """True for a request that stays on the site: below ``base``, or data the page made itself."""
    return url.startswith(base) or url.startswith(("data:", "blob:"))


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def start_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag of a page with its attributes, in order: the standard library's parser without building a
    tree, for checks that read every page of a site (a quarter of BeautifulSoup's time)."""
    parser = _StartTags()
    parser.feed(html)
    parser.close()
    return parser.tags
