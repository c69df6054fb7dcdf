"""Open data, the Atom feed and page metadata of the built site."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
from bs4 import BeautifulSoup

from .test_site import CASES, METHODS

ATOM = "{http://www.w3.org/2005/Atom}"


def load(site: Path, name: str):
    return json.loads((site / "daten" / name).read_text("utf-8"))


def test_json_exports_hold_every_entry_and_match_their_schemas(built_site: Path) -> None:
    cases, methods = load(built_site, "faelle.json"), load(built_site, "methoden.json")
    assert sorted(c["slug"] for c in cases) == sorted(CASES)
    assert sorted(m["slug"] for m in methods) == sorted(METHODS)
    jsonschema.Draft7Validator(load(built_site, "faelle.schema.json")).validate(cases)
    jsonschema.Draft7Validator(load(built_site, "methoden.schema.json")).validate(methods)
    for case in cases:
        assert case["url"].endswith(f"/faelle/{case['slug']}/")
        assert case["district"] == CASES[case["slug"]]["district"]


def test_csv_opens_in_german_excel(built_site: Path) -> None:
    raw = (built_site / "daten" / "faelle.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert sorted(r["slug"] for r in rows) == sorted(CASES)
    first = next(r for r in rows if r["slug"] == sorted(CASES)[0])
    assert first["title"] == CASES[first["slug"]]["title"]
    assert first["organisation.industry"] == CASES[first["slug"]]["organisation"]["industry"]
    methods = list(csv.DictReader(io.StringIO((built_site / "daten" / "methoden.csv").read_text("utf-8-sig")),
                                  delimiter=";"))
    assert len(methods) == len(METHODS)


def test_feed_is_atom_with_the_newest_cases(built_site: Path) -> None:
    root = ET.parse(built_site / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    newest = sorted(CASES, key=lambda c: (CASES[c]["updated"], c), reverse=True)[:20]
    assert [e.find(f"{ATOM}id").text.rstrip("/").rsplit("/", 1)[1] for e in entries] == newest
    for entry in entries:
        for required in ("id", "title", "updated", "summary"):
            assert entry.find(f"{ATOM}{required}").text
    assert root.find(f"{ATOM}updated").text == f"{CASES[newest[0]]['updated'].isoformat()}T00:00:00Z"


def page(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text("utf-8"), "html.parser")


def test_every_page_type_has_metadata(built_site: Path) -> None:
    some_case, some_method = next(iter(CASES)), next(iter(METHODS))
    for url in ("", "faelle", "methoden", f"faelle/{some_case}", f"methoden/{some_method}", "regionen/dresden",
                "matrix", "daten", "mitmachen"):
        soup = page(built_site, url)
        assert soup.find("meta", attrs={"name": "description"})["content"], url
        assert soup.find("link", rel="canonical")["href"].endswith(f"/{url}/" if url else "/"), url
        assert soup.find("meta", property="og:title")["content"], url
        assert soup.find("link", rel="alternate", type="application/atom+xml"), url


def test_json_ld_on_case_and_method_pages(built_site: Path) -> None:
    for slug, method in METHODS.items():
        data = json.loads(page(built_site, f"methoden/{slug}").find("script", type="application/ld+json").string)
        assert data["@type"] == "HowTo" and data["name"] == method["title"]
        assert len(data["step"]) >= 3
    slug = next(iter(CASES))
    data = json.loads(page(built_site, f"faelle/{slug}").find("script", type="application/ld+json").string)
    assert (data["@type"], data["headline"]) == ("Article", CASES[slug]["title"])


def test_sitemap_lists_entries(built_site: Path) -> None:
    root = ET.parse(built_site / "sitemap.xml").getroot()
    urls = {e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert all(any(u.endswith(f"/faelle/{c}/") for u in urls) for c in CASES)
