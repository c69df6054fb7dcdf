"""The whole built site: every internal link and anchor resolves, every entry reaches everywhere it belongs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

from bs4 import BeautifulSoup

from .pages import start_tags
from .test_site import CASES, FACETS, METHODS, case_values

BASE = "http://cimis.test/"


def html_pages(site: Path) -> dict[str, BeautifulSoup]:
    return {p.relative_to(site).as_posix(): BeautifulSoup(p.read_text("utf-8"), "html.parser")
            for p in site.rglob("*.html")}


def target_file(site: Path, path: str) -> Path:
    file = site / unquote(path).lstrip("/")
    return file / "index.html" if path.endswith("/") or file.is_dir() else file


def test_no_broken_internal_links_or_anchors(built_site: Path) -> None:
    assert broken_links(built_site) == []


LINKING = {"a": "href", "link": "href", "script": "src", "img": "src"}


def broken_links(built_site: Path) -> list[str]:
    """Every internal link, stylesheet, script or image of the built site whose target or anchor is missing."""
    pages = {p.relative_to(built_site).as_posix(): start_tags(p.read_text("utf-8")) for p in built_site.rglob("*.html")}
    ids = {name: {attrs["id"] for _, attrs in tags if attrs.get("id")} for name, tags in pages.items()}
    broken = []
    for name, tags in pages.items():
        page_url = BASE + (name[: -len("index.html")] if name.endswith("index.html") else name)
        for tag, attrs in tags:
            if (link := attrs.get(LINKING.get(tag, ""))) is None:
                continue
            url = urlparse(urljoin(page_url, link))
            if url.netloc != "cimis.test":
                continue
            file = target_file(built_site, url.path)
            if not file.is_file():
                broken.append(f"{name}: {link}")
            elif url.fragment and file.suffix == ".html":
                key = file.relative_to(built_site).as_posix()
                if unquote(url.fragment) not in ids.get(key, set()):
                    broken.append(f"{name}: {link} (Anker)")
    return broken


def pagefind_urls(site: Path) -> set[str]:
    """The pages Pagefind indexed: each fragment is gzip'd JSON behind a 'pagefind_dcd' marker."""
    urls = set()
    for fragment in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        urls.add(json.loads(data[len(b"pagefind_dcd"):])["url"].strip("/") + "/")
    return urls


def test_every_entry_reaches_its_page_indexes_search_and_exports(built_site: Path) -> None:
    locations = pagefind_urls(built_site)
    exported_cases = {c["slug"] for c in json.loads((built_site / "daten" / "faelle.json").read_text("utf-8"))}
    exported_methods = {m["slug"] for m in json.loads((built_site / "daten" / "methoden.json").read_text("utf-8"))}
    overview_cases = (built_site / "faelle" / "index.html").read_text("utf-8")
    for slug, case in CASES.items():
        assert (built_site / "faelle" / slug / "index.html").is_file()
        assert f"faelle/{slug}/" in locations
        assert slug in exported_cases
        assert f'href="{slug}/"' in overview_cases
        for facet, section in FACETS.items():
            for value in case_values(case, facet):
                assert f'href="../../faelle/{slug}/"' in (built_site / section / value / "index.html").read_text("utf-8")
    for slug in METHODS:
        assert (built_site / "methoden" / slug / "index.html").is_file()
        assert f"methoden/{slug}/" in locations
        assert slug in exported_methods


def test_offline_bundle_links_files_not_folders(offline_bundle: Path) -> None:
    out = offline_bundle
    # file:// cannot fetch Pagefind's chunks: the bundle is searched with Material's index, stemmed in German.
    assert (out / "search" / "search_index.js").is_file()
    config = json.loads((out / "search" / "search_index.json").read_text("utf-8"))["config"]
    assert config["lang"] == ["de"] and "stemmer" in config["pipeline"]
    assert not (out / "pagefind").exists() and not (out / "suche.html").exists()
    folders, pages = [], html_pages(out)
    for name, soup in pages.items():
        for a in soup.find_all("a", href=True):
            url = urlparse(urljoin(f"file:///usb/{name}", a["href"]))
            if url.scheme != "file" or not url.path.startswith("/usb/"):
                continue
            target = out / unquote(url.path)[len("/usb/"):]
            if not target.is_file():
                folders.append(f"{name}: {a['href']}")
    assert folders == []
    # The map of Saxony links its districts' files too (the loop above checked that they exist).
    tiles = pages["regionen/index.html"].select("a.cimis-map__tile")
    assert len(tiles) == 13 and all(a["href"].endswith(".html") for a in tiles)
