"""Records + index → staged tree: Markdown pages, data files and assets for the engine."""

from __future__ import annotations

import functools
import hashlib
import html
import json
import posixpath
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from . import data, passthrough, planner
from .cache import Memo
from .districtmap import DistrictMap, district_map
from .filters import case_filters, filter_groups, format_filters, method_filters
from .forms import form_pages
from .link import Index
from .load import image_folders
from .model import Case, Content, Format, Method, default_license
from .templating import duration_text, escape_markdown, german_date, labels, page_environment, people_text

SECTIONS = {"industries": "branchen", "submarkets": "teilmaerkte", "districts": "regionen",
            "topics": "themen", "phases": "phasen"}
CODE_LABELS = {"industries": "WZ-2008-Abschnitt", "districts": "Kreisschlüssel"}
# Contributors link the way the repository is laid out (works on GitHub too); the site uses German paths.
_SOURCE_LINKS = re.compile(r"\]\(\.\./(cases|methods|formats|content/images)/")
_SITE_FOLDERS = {"cases": "faelle", "methods": "methoden", "formats": "formate", "content/images": "images"}
# A format's timetable starts at this clock time (minutes after midnight) until the reader picks another.
DEFAULT_START = 9 * 60

# Every page a section of the navigation points to; entries never go into the nav because
# Material repeats the nav on every page (output would grow with the square of the site).
NAV = (
    ("Start", "index.md"),
    ("Fälle", "faelle/index.md"),
    ("Methoden", "methoden/index.md"),
    ("Formate", "formate/index.md"),
    ("Karten", "karten/index.md"),
    ("Planer", planner.PAGE),
    ("Matrix", "matrix/index.md"),
    ("Entdecken", (("Regionen", "regionen/index.md"), ("Branchen", "branchen/index.md"),
                   ("Teilmärkte", "teilmaerkte/index.md"), ("Themen", "themen/index.md"),
                   ("Phasen", "phasen/index.md"))),
    ("Offene Daten", "daten/index.md"),
)


@dataclass(frozen=True, slots=True)
class StagedTree:
    """The files to hand to the engine (path relative to the docs folder → bytes) and the nav."""

    files: Mapping[str, bytes]
    nav: list


def site_links(body: str) -> str:
    """Rewrite repository-relative links in a contributor body to the staged tree's folders."""
    return _SOURCE_LINKS.sub(lambda m: f"](../{_SITE_FOLDERS[m.group(1)]}/", body)


def source_link(target: str) -> str:
    """The repository-relative form of a staged link target (inverse of ``site_links``)."""
    for source, site in _SITE_FOLDERS.items():
        if target.startswith(f"../{site}/"):
            return f"../{source}/" + target[len(site) + 4:]
    return target


def source_page(staged: str) -> str | None:
    """The entry file a staged case or method page comes from ('faelle/x.md' → 'cases/x.md')."""
    for source, site in _SITE_FOLDERS.items():
        if staged.startswith(f"{site}/") and staged != f"{site}/index.md" and source in ("cases", "methods", "formats"):
            return f"{source}/{staged[len(site) + 1:]}"
    return None


def page_url(md_path: str, directory_urls: bool = True) -> str:
    """The URL path (relative to the site root) that the engine gives the staged page ``md_path``."""
    if not md_path.endswith(".md"):
        return md_path
    stem = md_path[: -len(".md")]
    if not directory_urls:
        return f"{stem}.html"
    if stem == "index":
        return ""
    return stem[: -len("index")] if stem.endswith("/index") else f"{stem}/"


def _relative_path(path: str, start: str) -> str:
    """``posixpath.relpath(path, start)`` for the staged tree's own paths, by their parts alone.

    A large site asks this some 57,000 times; relpath makes both paths absolute against the working
    folder first, which was 2.4 s of a 14 s staging at 2,400 entries.
    """
    if ".." in path or ".." in start or path.startswith("/") or start.startswith("/"):
        return posixpath.relpath(path or ".", start or ".")
    to = [part for part in path.split("/") if part and part != "."]
    at = [part for part in start.split("/") if part and part != "."]
    common = 0
    for a, b in zip(to, at):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(at) - common) + to[common:]) or "."


def relative_url(here: str, target: str, directory_urls: bool = True, from_source: bool = False) -> str:
    """Link from staged page ``here`` to staged page or file ``target`` as the built site needs it.

    Lists are written as HTML (Markdown lists of links were most of the engine's time on large sites).
    MkDocs passes HTML through untouched, so its links must be final: relative to the page's URL.
    Zensical rewrites relative URLs in HTML as it does Markdown links, relative to the source file
    (``from_source``), and adds the step into the page's folder itself.
    """
    destination = page_url(target, directory_urls)
    if from_source:
        base = posixpath.dirname(here)
    else:
        source = page_url(here, directory_urls)
        base = source if source.endswith("/") or not source else posixpath.dirname(source)
    relative = _relative_path(destination, base)
    if destination.endswith("/") or not destination:
        relative = "./" if relative == "." else f"{relative}/"
    return relative


def clock(minutes: int) -> str:
    """Minutes after midnight as a 24-hour clock time ('09:30'); past midnight it starts again at 00:00."""
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def timetable(event: Format, start: int = DEFAULT_START) -> list[dict]:
    """The agenda per day, each day from ``start``: blocks with their clock times, and when the day ends."""
    days: dict[int, list] = {}
    for block in event.agenda:
        days.setdefault(block.day, []).append(block)
    result = []
    for number, blocks in sorted(days.items()):
        at, rows = start, []
        for block in blocks:
            rows.append({"block": block, "time": clock(at)})
            at += block.minutes
        result.append({"number": number, "rows": rows, "end": clock(at), "minutes": at - start})
    return result


def merged_materials(methods: list[Method]) -> list[dict]:
    """Each material of ``methods`` once (compared without case), with the methods that need it, in agenda order."""
    merged: dict[str, dict] = {}
    for method in methods:
        for material in method.materials:
            entry = merged.setdefault(material.casefold(), {"name": material, "methods": []})
            if method not in entry["methods"]:
                entry["methods"].append(method)
    return list(merged.values())


def preparation_timeline(event: Format) -> list[dict]:
    """The preparation tasks grouped by weeks before the event, earliest first."""
    weeks: dict[int, list[str]] = {}
    for task in event.preparation:
        weeks.setdefault(task.weeks_before, []).append(task.task)
    return [{"weeks": w, "tasks": tasks} for w, tasks in sorted(weeks.items(), reverse=True)]


def _front_matter(title: str, description: str | None = None, hide: tuple[str, ...] = (), **meta: Any) -> str:
    # The theme prints title and description into HTML without escaping: escape them here.
    values: dict[str, Any] = {"title": html.escape(title)}
    if description:
        values["description"] = html.escape(description)
    if hide:
        values["hide"] = list(hide)
    values.update(meta)
    # JSON is YAML, and dumping it is many times faster than yaml.safe_dump on large sites.
    return "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in values.items())


def _environment(directory_urls: bool, links_from_source: bool):
    env = page_environment()
    env.filters["site_links"] = site_links
    env.globals["url"] = functools.partial(relative_url, directory_urls=directory_urls, from_source=links_from_source)
    # Links relative to the source must go through the engine; final ones may pass it unparsed.
    env.globals["html_markers"] = () if links_from_source else (passthrough.START, passthrough.END)
    return env


def _templates_stamp() -> tuple:
    """Name, size and time of change of every page template: an edited template renders its pages again."""
    folder = Path(str(resources.files("generator").joinpath("templates")))
    return tuple((p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
                 for p in sorted(folder.rglob("*")) if p.is_file())


class _Renderer:
    """Holds the environment and lookups for one render run; only the caller's memo outlives it."""

    def __init__(self, content: Content, index: Index, directory_urls: bool = True, links_from_source: bool = False,
                 memo: Memo | None = None):
        self.content, self.index, self.memo = content, index, memo
        # Besides a page's values, its bytes depend on the link style and on the templates themselves.
        self.settings = (directory_urls, links_from_source, _templates_stamp()) if memo else ()
        make = functools.partial(_environment, directory_urls, links_from_source)
        self.env = memo.get(("environment", *self.settings), make) if memo else make()
        self.cases = {c.slug: c for c in content.cases}
        self.methods = {m.slug: m for m in content.methods}
        self.formats = {f.slug: f for f in content.formats}
        self.contribute = "mitmachen.md"

    def page(self, template: str, here: str, **values) -> bytes:
        """Render ``template`` as the staged page ``here`` (lists link relative to it)."""
        def render() -> bytes:
            return self.env.get_template(template).render(here=here, **values).encode("utf-8")
        if self.memo is None:
            return render()
        # The values' repr holds every field of the records in them; hashed, as list pages' reprs are long.
        values_key = hashlib.sha256(repr(values).encode("utf-8")).digest()
        return self.memo.get(("page", *self.settings, template, here, values_key), render)

    def edit_url(self, path: str) -> str | None:
        base = self.content.config.get("edit_uri")
        return f"{base.rstrip('/')}/{path}" if isinstance(base, str) and base.startswith("https://") else None

    def vocab_link(self, vocabulary: str, slug: str) -> tuple[str, str]:
        """(label, staged page) of a vocabulary value's index page."""
        return self.content.short(vocabulary, slug), f"{SECTIONS[vocabulary]}/{slug}.md"

    def case_item(self, case: Case, filters: bool = False) -> dict:
        return {"slug": case.slug, "title": case.title, "description": case.description, "year": case.year,
                "example": case.example, "district_label": self.content.label("districts", case.district),
                "industry_label": self.content.short("industries", case.industry),
                "filters": case_filters(case) if filters else None}

    def method_item(self, method: Method, filters: bool = False) -> dict:
        return {"slug": method.slug, "title": method.title, "tagline": method.tagline,
                "difficulty": method.difficulty, "duration_text": duration_text(method.duration),
                "group_text": people_text(method.group_size),
                "filters": method_filters(method) if filters else None}

    def format_item(self, event: Format, filters: bool = False) -> dict:
        return {"slug": event.slug, "title": event.title, "tagline": event.tagline, "days": event.days,
                "duration_text": duration_text(event.duration), "people_text": people_text(event.participants),
                "filters": format_filters(event) if filters else None}

    def format_page(self, event: Format) -> bytes:
        here = f"formate/{event.slug}.md"
        methods = [self.methods[m] for m in event.methods]
        # The page opens with the body up to its first section (Worum es geht); the rest follows the agenda.
        split = next((i + 1 for i, (title, _) in enumerate(event.sections) if title), len(event.sections))
        intro, more = event.sections[:split], event.sections[split:]
        return self.page(
            "format.md.j2", here, event=event, front_matter=_front_matter(
                event.title, event.description, og_type="article", jsonld=data.format_jsonld(self.content, event)),
            duration_text=duration_text(event.duration), people_text=people_text(event.participants),
            days=timetable(event), start=clock(DEFAULT_START), intro=intro, more=more,
            method_titles={m.slug: m.title for m in methods},
            materials=merged_materials(methods), preparation=preparation_timeline(event),
            methods=[self.method_item(m) for m in methods],
            cases=[self.case_item(self.cases[s]) for s in self.index.cases_by_format.get(event.slug, ())],
            planner_href=self.env.globals["url"](here, "planer/index.md") + f"?format={event.slug}",
            contribute_href=f"../{self.contribute}", updated_text=german_date(event.updated),
            edit_url=self.edit_url(event.path))

    def case_page(self, case: Case) -> bytes:
        vocab = self.content.vocabularies
        return self.page(
            "case.md.j2", f"faelle/{case.slug}.md", case=case, front_matter=_front_matter(
                case.title, case.description, og_type="article", jsonld=data.case_jsonld(self.content, case)),
            organisation_type=self.content.label("organisation-types", case.organisation_type),
            district=self.vocab_link("districts", case.district),
            industry=self.vocab_link("industries", case.industry),
            creatives=[{"name": c.name, "url": c.url, "submarket": self.vocab_link("submarkets", c.submarket)}
                       for c in case.creatives],
            methods=[(self.methods[m].title, f"methoden/{m}.md") for m in case.methods],
            event=(self.formats[case.format].title, f"formate/{case.format}.md") if case.format else None,
            topics=[self.vocab_link("topics", t) for t in case.topics],
            programme=vocab["programmes"].get(case.programme).label if case.programme else None,
            association=vocab["associations"].get(case.association).label if case.association else None,
            image_src=f"{case.slug}/{case.image.src}" if case.image else None,
            related=[self.case_item(self.cases[s]) for s in self.index.related_cases.get(case.slug, ())],
            updated_text=german_date(case.updated), edit_url=self.edit_url(case.path),
        )

    def method_page(self, method: Method) -> bytes:
        combine = [self.methods[m] for m in method.combine_with]
        together = [self.methods[m] for m in self.index.used_together.get(method.slug, ())
                    if m not in method.combine_with]
        return self.page(
            "method.md.j2", f"methoden/{method.slug}.md", method=method, front_matter=_front_matter(
                method.title, method.tagline, og_type="article", jsonld=data.method_jsonld(self.content, method)),
            duration_text=duration_text(method.duration),
            group_text=people_text(method.group_size),
            phases=[self.vocab_link("phases", p) for p in method.phases],
            cases=[self.case_item(self.cases[s]) for s in self.index.cases_by_method.get(method.slug, ())],
            formats=[self.format_item(self.formats[s]) for s in self.index.formats_by_method.get(method.slug, ())],
            combine=[self.method_item(m) for m in combine],
            together=[self.method_item(m) for m in together[:3]],
            contribute_href=f"../{self.contribute}", updated_text=german_date(method.updated),
            edit_url=self.edit_url(method.path),
        )

    def facet_pages(self, vocabulary: str) -> dict[str, bytes]:
        facet = labels()["facets"][vocabulary]
        section = SECTIONS[vocabulary]
        files, entries = {}, []
        for entry in self.content.vocabularies[vocabulary].entries:
            if vocabulary == "phases":
                methods = [self.method_item(self.methods[s]) for s in self.index.methods_by_phase.get(entry.slug, ())]
                cases, count = None, len(methods)
            else:
                methods = None
                cases = [self.case_item(self.cases[s])
                         for s in self.index.cases_by_facet[vocabulary].get(entry.slug, ())]
                count = len(cases)
            files[f"{section}/{entry.slug}.md"] = self.page(
                "facet.md.j2", f"{section}/{entry.slug}.md", front_matter=_front_matter(entry.label, entry.description), entry=entry,
                facet=facet, code_label=CODE_LABELS.get(vocabulary), cases=cases, methods=methods,
                contribute_href=f"../{self.contribute}")
            entries.append({"slug": entry.slug, "label": entry.label, "code": entry.code, "count": count})
        unit = ("Methode", "Methoden") if vocabulary == "phases" else ("Fall", "Fälle")
        files[f"{section}/index.md"] = self.page(
            "facet_overview.md.j2", f"{section}/index.md", front_matter=_front_matter(facet["title"], facet["intro"]), facet=facet,
            entries=entries, unit_one=unit[0], unit_many=unit[1],
            saxony=self.saxony() if vocabulary == "districts" else None)
        return files

    def saxony(self) -> DistrictMap | None:
        """The map of the districts shaded by their cases (None when no district has a position)."""
        by_district = self.index.cases_by_facet["districts"]
        return district_map(self.content.vocabularies["districts"],
                            {slug: len(cases) for slug, cases in by_district.items()}, labels()["district_kinds"])

    def matrix_page(self) -> bytes:
        submarkets = self.content.vocabularies["submarkets"].entries
        rows, cells = [], []
        for industry in self.content.vocabularies["industries"].entries:
            row = {"slug": industry.slug, "label": f"{industry.code} {industry.short}", "code": industry.code,
                   "name": industry.short, "cells": []}
            for submarket in submarkets:
                slugs = self.index.matrix.get((submarket.slug, industry.slug), ())
                cell = {"count": len(slugs), "anchor": f"{industry.slug}--{submarket.slug}",
                        "submarket": submarket.label, "industry": industry.short,
                        "cases": [self.case_item(self.cases[s]) for s in slugs]}
                row["cells"].append(cell)
                if slugs:
                    cells.append(cell)
            rows.append(row)
        return self.page("matrix.md.j2", "matrix/index.md", front_matter=_front_matter(
            "Cross-Innovation-Matrix", "Welche Branchen mit welchen Teilmärkten der Kreativwirtschaft zusammenarbeiten.",
            hide=("navigation", "toc")),
            submarkets=submarkets, rows=rows, cells=cells)

    def home_page(self) -> bytes:
        intro_page = next((p for p in self.content.pages if p.slug == "index"), None)
        counts = {"cases": len(self.content.cases), "methods": len(self.content.methods),
                  "districts": len({c.district for c in self.content.cases}),
                  "industries": len({c.industry for c in self.content.cases}),
                  "submarkets": len({s for c in self.content.cases for s in c.submarkets})}
        site_name = self.content.config.get("site_name", "cimis")
        return self.page("home.md.j2", "index.md", front_matter=_front_matter(
            intro_page.title if intro_page else site_name,
            (intro_page.description if intro_page else None) or self.content.config.get("site_description")),
            intro=intro_page.body if intro_page else f"# {escape_markdown(site_name)}", counts=counts,
            saxony=self.saxony(),
            newest=[self.case_item(self.cases[s]) for s in self.index.newest_cases[:6]])


def _field_docs(schema: dict, extra: Mapping[str, dict]) -> list[tuple[str, str]]:
    properties = {**extra, **schema["properties"]}
    return [(name, rule.get("description", "")) for name, rule in properties.items()]


def render_site(content: Content, index: Index, schemas: Mapping[str, dict], assets: Path,
                guide: str | None = None, search_page: bool = True, directory_urls: bool = True,
                links_from_source: bool = False, memo: Memo | None = None) -> StagedTree:
    """Render every page and data file of the site into memory (``links_from_source``: see relative_url).

    ``memo`` keeps rendered pages: a page whose template and values are unchanged is not rendered again.
    """
    r = _Renderer(content, index, directory_urls, links_from_source, memo)
    files: dict[str, bytes] = {"index.md": r.home_page()}
    files["faelle/index.md"] = r.page("cases.md.j2", "faelle/index.md", front_matter=_front_matter(
        "Fälle", "Alle Fallbeispiele der Wissensbasis.", hide=("navigation", "toc")),
        cases=[r.case_item(c, filters=True) for c in content.cases],
        filters=filter_groups(content, "cases", labels()))
    files["methoden/index.md"] = r.page("methods.md.j2", "methoden/index.md", front_matter=_front_matter(
        "Methoden", "Alle Methodenkarten der Wissensbasis.", hide=("navigation", "toc")),
        methods=[r.method_item(m, filters=True) for m in sorted(content.methods, key=lambda m: m.title.lower())],
        filters=filter_groups(content, "methods", labels()))
    for case in content.cases:
        files[f"faelle/{case.slug}.md"] = r.case_page(case)
        if case.image:
            files[f"faelle/{case.slug}/{case.image.src}"] = _image_bytes(content, case)
    for method in content.methods:
        files[f"methoden/{method.slug}.md"] = r.method_page(method)
    files["formate/index.md"] = r.page("formats.md.j2", "formate/index.md", front_matter=_front_matter(
        "Formate", "Erprobte Veranstaltungsformate: Abläufe aus Methoden für Labs, Sprints und Workshop-Abende.",
        hide=("navigation", "toc")),
        formats=[r.format_item(f, filters=True) for f in sorted(content.formats, key=lambda f: f.title.lower())],
        filters=filter_groups(content, "formats", labels()))
    for event in content.formats:
        files[f"formate/{event.slug}.md"] = r.format_page(event)
    for vocabulary in SECTIONS:
        files.update(r.facet_pages(vocabulary))
    files["matrix/index.md"] = r.matrix_page()
    files[planner.PAGE] = r.page("planer.md.j2", planner.PAGE, front_matter=_front_matter(
        "Workshop planen", "Ablauf mit Uhrzeiten, Gruppengrößen, Materialliste und allen Karten als ein PDF.",
        # Material's offline search would index the planner's controls (its exclusion stops at a nested div).
        hide=("navigation", "toc"), search={"exclude": True}), data=planner.planner_data(content, functools.partial(r.env.globals["url"], planner.PAGE),
                                                                    content.formats),
        offline_cards=planner.OFFLINE_CARDS)
    files.update(data.open_data(content, schemas))
    license_default = default_license(content.config)
    files["daten/index.md"] = r.page(
        "data.md.j2", "daten/index.md", front_matter=_front_matter("Offene Daten", "Alle Fälle, Methoden und Formate als JSON und CSV."),
        license=license_default,
        counts={"cases": len(content.cases), "methods": len(content.methods), "formats": len(content.formats)},
        feed_size=data.FEED_SIZE, case_fields=_field_docs(schemas["case"], data.EXPORT_FIELDS),
        method_fields=_field_docs(schemas["method"], data.METHOD_EXTRA),
        format_fields=_field_docs(schemas["format"], data.EXPORT_FIELDS),
        schemas=[(f"{kind}.schema.json", s.get("title", kind)) for kind, s in schemas.items()])
    files["feed.xml"] = r.page("feed.xml.j2", "feed.xml", site_url=data.site_url(content.config),
                               site_name=content.config.get("site_name", "cimis"), license=license_default,
                               updated=data.feed_updated(content),
                               entries=data.feed_entries(content, index.newest_cases))
    nav = [{title: target if isinstance(target, str) else [{t: p} for t, p in target]} for title, target in NAV]
    if search_page:
        files["suche.md"] = r.page("search.md.j2", "suche.md", front_matter=_front_matter(
            "Suche", "Alle Fälle, Methoden und Formate durchsuchen.", hide=("navigation", "toc")))
    if guide is not None:
        files["mitmachen.md"] = guide.encode("utf-8")
        nav.append({"Mitmachen": "mitmachen.md"})
        files.update(form_pages(content, schemas, functools.partial(relative_url, directory_urls=directory_urls),
                                r.env.globals["url"]))
    for page in content.pages:
        if page.slug == "index" or (guide is not None and page.slug == "mitmachen"):
            continue
        files[f"{page.slug}.md"] = r.page("page.md.j2", f"{page.slug}.md", front_matter=_front_matter(page.title, page.description),
                                          body=page.body)
        nav.append({page.title: f"{page.slug}.md"})
    images = Path(content.root) / "content" / "images"
    if images.is_dir():
        files.update({f"images/{f.relative_to(images).as_posix()}": f.read_bytes()
                      for f in sorted(images.rglob("*")) if f.is_file()})
    for asset in sorted(assets.rglob("*")):
        if asset.is_file():
            files[f"assets/{asset.relative_to(assets).as_posix()}"] = asset.read_bytes()
    return StagedTree(files, nav)


def _image_bytes(content: Content, case: Case) -> bytes:
    for base in image_folders(Path(content.root), case.slug):
        if (base / case.image.src).is_file():
            return (base / case.image.src).read_bytes()
    raise FileNotFoundError(case.image.src)  # validation guarantees the file exists
