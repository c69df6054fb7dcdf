"""The cross-reference index, from records built in memory."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from generator.link import build_index, related_cases
from generator.model import AgendaBlock, Case, Content, Creative, Format, Method


def case(slug: str, methods: tuple[str, ...], district="dresden", industry="handel", submarket="designwirtschaft",
         topics=("website",), updated=dt.date(2026, 1, 1)) -> Case:
    return Case(slug=slug, path=f"cases/{slug}.md", title=slug, description="d", challenge="c", year=2025,
                status="laufend", district=district, organisation_name="O", organisation_type="verein",
                industry=industry, creatives=(Creative("K", submarket),), methods=methods, topics=topics,
                outcome_type="produkt", outcome_maturity="idee", updated=updated, license="CC-BY-4.0", body="")


def method(slug: str, phases=("ideen",), combine=()) -> Method:
    return Method(slug=slug, path=f"methods/{slug}.md", title=slug, tagline="t", phases=phases, duration=(5, 10),
                  group_size=(1, 2), difficulty="leicht", setting=("online",), materials=(), combine_with=combine,
                  source="s", updated=dt.date(2026, 1, 1), license="CC-BY-4.0", body="")


def content(cases, methods) -> Content:
    return Content(root=".", cases=tuple(cases), methods=tuple(methods), pages=(), vocabularies={})


def test_backlinks_facets_and_matrix() -> None:
    a = case("a", ("m1", "m2"), submarket="werbemarkt", updated=dt.date(2026, 3, 1))
    b = case("b", ("m2",), district="goerlitz", industry="gastgewerbe")
    index = build_index(content([a, b], [method("m1", combine=("m2",)), method("m2", phases=("testen", "ideen"))]))
    assert index.cases_by_method == {"m1": ("a",), "m2": ("a", "b")}
    assert index.cases_by_facet["districts"] == {"dresden": ("a",), "goerlitz": ("b",)}
    assert index.cases_by_facet["submarkets"] == {"werbemarkt": ("a",), "designwirtschaft": ("b",)}
    assert index.matrix == {("werbemarkt", "handel"): ("a",), ("designwirtschaft", "gastgewerbe"): ("b",)}
    assert index.methods_by_phase == {"ideen": ("m1", "m2"), "testen": ("m2",)}
    assert index.newest_cases == ("a", "b")
    assert index.used_together == {"m1": ("m2",), "m2": ("m1",)}
    assert index.combined_by == {"m2": ("m1",)}


def test_related_cases_rank_shared_methods_first_and_never_self() -> None:
    target = case("target", ("m1", "m2"))
    same_methods = case("same-methods", ("m1", "m2"), district="goerlitz", industry="bau", submarket="x", topics=("y",))
    same_place = case("same-place", ("m9",))
    unrelated = case("unrelated", ("m9",), district="x", industry="y", submarket="z", topics=("q",))
    assert related_cases(target, (target, unrelated, same_place, same_methods)) == ("same-methods", "same-place")


def test_fast_related_cases_equal_the_pairwise_definition() -> None:
    import random

    from generator.link import _related_all, relatedness

    rng = random.Random(3)
    cases = tuple(case(f"c{i}", tuple(rng.sample(["m1", "m2", "m3", "m4", "m5"], rng.randint(1, 3))),
                       district=rng.choice(["a", "b", "c"]), industry=rng.choice(["x", "y"]),
                       submarket=rng.choice(["s1", "s2", "s3"]), topics=tuple(rng.sample(["t1", "t2", "t3"], 1)))
                  for i in range(40))
    fast = _related_all(cases)
    for a in cases:
        pairwise = sorted(((relatedness(a, b), b.slug) for b in cases if b is not a), key=lambda x: (-x[0], x[1]))
        assert fast[a.slug] == tuple(slug for score, slug in pairwise[:5] if score > 0)


def event(slug: str, *blocks: str | tuple[str, str]) -> Format:
    agenda = tuple(AgendaBlock(30, 1, method=b) if isinstance(b, str) else AgendaBlock(30, 1, title=b[1])
                   for b in blocks)
    return Format(slug=slug, path=f"formats/{slug}.md", title=slug, tagline="t", description="d", duration=(60, 120),
                  days=1, participants=(2, 10), roles=("r",), setting=("praesenz",), agenda=agenda, preparation=(),
                  source="s", updated=dt.date(2026, 1, 1), license="CC-BY-4.0", body="")


def test_formats_by_method_and_cases_by_format() -> None:
    a = replace(case("a", ("m1",)), format="lab")
    b = replace(case("b", ("m2",)), format="sprint")
    c = case("c", ("m1",))
    lab = event("lab", ("title", "Pause"), "m1", "m2", "m1")
    sprint = event("sprint", "m2", ("title", "Mittag"))
    index = build_index(replace(content([a, b, c], [method("m1"), method("m2"), method("m3")]), formats=(lab, sprint)))
    assert index.formats_by_method == {"m1": ("lab",), "m2": ("lab", "sprint")}
    assert index.cases_by_format == {"lab": ("a",), "sprint": ("b",)}
    assert lab.methods == ("m1", "m2")
