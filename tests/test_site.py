"""End to end: the shipped content built into a temporary folder, read as HTML."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlparse

import yaml
from bs4 import BeautifulSoup

from generator import build, passthrough, pipeline, processes
from generator.load import load_project

from .conftest import REPO, TODAY, copy_project

BASE = "http://cimis.test/"
FACETS = {"districts": "regionen", "industries": "branchen", "submarkets": "teilmaerkte", "topics": "themen"}


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text("utf-8").split("---\n")[1])


CASES = {p.stem: front_matter(p) for p in sorted((REPO / "cases").glob("*.md"))}
METHODS = {p.stem: front_matter(p) for p in sorted((REPO / "methods").glob("*.md"))}
VOCABULARIES = {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in (REPO / "content" / "vocabularies").glob("*.yml")}


def case_values(case: dict, facet: str) -> set[str]:
    return {"districts": {case["district"]}, "industries": {case["organisation"]["industry"]},
            "submarkets": {c["submarket"] for c in case["creatives"]}, "topics": set(case["topics"])}[facet]


@cache
def _soup(site: Path, url: str) -> BeautifulSoup:
    file = site / url.strip("/") / "index.html" if not url.endswith(".html") else site / url.strip("/")
    assert file.is_file(), f"{url} was not built"
    return BeautifulSoup(file.read_text("utf-8"), "html.parser")


def page(site: Path, url: str) -> BeautifulSoup:
    return _soup(site, url)


def content_links(site: Path, url: str) -> set[str]:
    """Site paths linked from the article body of a page (navigation left out)."""
    article = page(site, url).select_one("article")
    found = set()
    for a in article.find_all("a", href=True):
        target = urlparse(urljoin(BASE + url.lstrip("/"), a["href"]))
        if target.netloc == "cimis.test" and not a["href"].startswith("#"):
            found.add(target.path)
    return found


def test_every_case_page_links_its_methods_and_facts(built_site: Path) -> None:
    for slug, case in CASES.items():
        links = content_links(built_site, f"/faelle/{slug}/")
        for method in case["methods"]:
            assert f"/methoden/{method}/" in links, (slug, method)
        for facet, section in FACETS.items():
            for value in case_values(case, facet):
                assert f"/{section}/{value}/" in links, (slug, facet, value)


def test_every_method_page_links_back_to_its_cases(built_site: Path) -> None:
    for slug, method in METHODS.items():
        links = content_links(built_site, f"/methoden/{slug}/")
        users = {c for c, case in CASES.items() if slug in case["methods"]}
        assert {l.split("/")[2] for l in links if l.startswith("/faelle/") and l != "/faelle/"} >= users, slug
        for other in method.get("combine_with", []):
            assert f"/methoden/{other}/" in links
        for phase in method["phases"]:
            assert f"/phasen/{phase}/" in links


def test_every_index_page_lists_exactly_its_cases(built_site: Path) -> None:
    for facet, section in FACETS.items():
        overview = content_links(built_site, f"/{section}/")
        for value in VOCABULARIES[facet]:
            assert f"/{section}/{value}/" in overview
            expected = {f"/faelle/{c}/" for c, case in CASES.items() if value in case_values(case, facet)}
            listed = {l for l in content_links(built_site, f"/{section}/{value}/") if l.startswith("/faelle/")}
            assert listed - {"/faelle/"} == expected, (facet, value)
            if not expected:
                assert "noch keinen Fall" in page(built_site, f"/{section}/{value}/").get_text()


def test_phase_pages_list_their_methods(built_site: Path) -> None:
    for phase in VOCABULARIES["phases"]:
        expected = {f"/methoden/{m}/" for m, method in METHODS.items() if phase in method["phases"]}
        listed = {l for l in content_links(built_site, f"/phasen/{phase}/") if l.startswith("/methoden/")}
        assert listed == expected


def test_overviews_list_every_entry(built_site: Path) -> None:
    assert {f"/faelle/{c}/" for c in CASES} <= content_links(built_site, "/faelle/")
    assert {f"/methoden/{m}/" for m in METHODS} <= content_links(built_site, "/methoden/")


def test_other_names_are_on_the_method_page_and_weigh_like_the_title(built_site: Path) -> None:
    named = {slug: m["also_known_as"] for slug, m in METHODS.items() if m.get("also_known_as")}
    assert len(named) >= 10
    for slug, names in named.items():
        line = page(built_site, f"/methoden/{slug}/").select_one("p.cimis-aka")
        assert line.get_text() == "Auch bekannt als " + ", ".join(names)
        assert line.select_one("span")["data-pagefind-weight"] == "7"  # Pagefind's weight of an h1
    exported = {m["slug"]: m for m in json.loads((built_site / "daten" / "methoden.json").read_text("utf-8"))}
    assert exported["customer-journey-map"]["also_known_as"] == named["customer-journey-map"]


def test_lists_reach_the_page_as_cimis_wrote_them_and_no_marker_is_left(built_site: Path) -> None:
    """Lists pass the engine unparsed (generator/passthrough.py): re-serialised, their attributes would move."""
    content = pipeline.to_content(load_project(built_site.parent))
    staged = pipeline.stage(content, TODAY).files["faelle/index.md"]
    staged = staged.decode("utf-8") if isinstance(staged, bytes) else staged
    block = staged.split(f"\n{passthrough.START}\n")[1].split(f"\n{passthrough.END}\n")[0]
    assert block.count("<li ") == len(CASES)
    assert block in (built_site / "faelle" / "index.html").read_text("utf-8")
    assert not [p for p in built_site.rglob("*.html") if "cimis:html" in p.read_text("utf-8")]


def test_matrix_counts_and_anchors(built_site: Path) -> None:
    soup = page(built_site, "/matrix/")
    table = soup.select_one("table.cimis-matrix")
    assert len(table.select("thead th[scope=col]")) == len(VOCABULARIES["submarkets"]) + 1
    assert len(table.select("tbody th[scope=row]")) == len(VOCABULARIES["industries"])
    total = sum(int(a.get_text()) for a in table.select("td a"))
    assert total == sum(len(case_values(c, "submarkets")) for c in CASES.values())
    for a in table.select("td a"):
        assert soup.find(id=a["href"][1:]) is not None


def test_home_page_counts_and_newest_cases(built_site: Path) -> None:
    text = page(built_site, "/").get_text(" ")
    assert f"{len(CASES)} Fälle" in text and f"{len(METHODS)} Methoden" in text
    newest = max(CASES, key=lambda c: (CASES[c]["updated"], c))
    assert f"/faelle/{newest}/" in content_links(built_site, "/")


def test_navigation_holds_sections_only(built_site: Path) -> None:
    nav = page(built_site, f"/faelle/{next(iter(CASES))}/").select("nav.md-nav--primary a[href]")
    targets = {urlparse(urljoin(BASE + "faelle/x/", a["href"])).path for a in nav}
    assert "/faelle/" in targets and "/methoden/" in targets
    assert not any(t.startswith("/faelle/") and t != "/faelle/" for t in targets)


def test_german_search_with_stemming_and_no_third_party_requests(built_site: Path) -> None:
    # Online the site is searched with Pagefind, which stems by the index language.
    entry = json.loads((built_site / "pagefind" / "pagefind-entry.json").read_text("utf-8"))
    assert list(entry["languages"]) == ["de"]
    assert not (built_site / "search" / "search_index.json").exists()
    soup = page(built_site, "/")
    assert soup.select_one("form.cimis-search[role=search] input[name=q]") is not None
    assert soup.html["lang"] == "de"
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
        for element in soup.find_all(tag, **{attr: True}):
            if tag == "link" and element.get("rel") == ["canonical"]:
                continue
            assert not urlparse(element[attr]).netloc, element
    assert "fonts.googleapis" not in (built_site / "index.html").read_text("utf-8")


def test_example_cases_say_so(built_site: Path) -> None:
    for slug, case in CASES.items():
        assert ("Illustratives Beispiel" in page(built_site, f"/faelle/{slug}/").get_text()) == bool(case.get("example"))


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_content_gives_identical_site(built_site: Path, tmp_path: Path, monkeypatch) -> None:
    # Built elsewhere: every page, the data and the search index are made again. The card PDFs come from the
    # session's cache; that a render repeats its bytes and fits, test_cards shows in worker processes.
    # MkDocs builds the shipped site in the build's own process; here in a worker, as it does a large site.
    root = copy_project(tmp_path / "elsewhere")
    pools = []
    monkeypatch.setattr(build, "ENGINE_APART_PAGES", 0)
    monkeypatch.setattr(processes, "pool", lambda workers, pool=processes.pool: pools.append(workers) or pool(workers))
    assert not pipeline.build(root, TODAY).failed
    assert pools == [1], "MkDocs did not run in a worker process"
    site = _digest(root / "site")
    assert any(path.startswith("karten/") and path.endswith(".pdf") for path in site)
    assert site == _digest(built_site)
