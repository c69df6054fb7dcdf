"""Property: random mixes of the hostile constructs are refused by `cimis check`, or the real build of them gives
pages whose DOM, as Chromium parses it, loads nothing from elsewhere and carries no event handler.

The oracle is independent of the checker: MkDocs builds the entries that passed (the offline bundle, one build
per example) and Chromium's own parser, not generator/safety.py, reads the pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from generator import pipeline

from .browser import browser  # noqa: F401 (fixture)
from .conftest import FIXTURES, TODAY, lean_project

CASE = (FIXTURES / "hostile" / "cases" / "allowed-constructs.md").read_text("utf-8").split("## Ergebnis")[0]
IMAGE = "../content/images/ok.png"

schemes = st.sampled_from(["javascript:", "JaVaScRiPt:", "&#106;avascript:", "java&#x09;script:", "&#x6A;avascript:",
                           "data:", "vbscript:", "file:", "DATA:"])
hosts = st.sampled_from(["//evil.example", "https://evil.example", "HTTPS://EVIL.EXAMPLE", "/\\evil.example",
                         "http:evil.example", "&#47;/evil.example", "ftp://evil.example"])
# Harmless URLs weigh as much as hostile ones, so that enough entries pass the check for the browser to read.
harmless = st.sampled_from([IMAGE, "https://example.org/bericht", "mailto:team@example.org", "../methods/persona.md"])
urls = st.one_of(st.builds(lambda s: f"{s}alert(1)", schemes), st.builds(lambda h: f"{h}/p.gif", hosts),
                 st.just("../../../../../etc/passwd"), harmless, harmless, harmless)
alts = st.sampled_from(["Ein Bild vom Workshop", "Foto: das Team am Tisch", "Skizze des Ablaufs", ""])
attributes = st.sampled_from(["title", "lang", "src", "srcset", "onerror", "onclick", "href", "poster", "style", "data",
                              "formaction"])
# Plain Markdown (and the extensions' own syntax), which passes the check whenever its URL is harmless ...
MARKDOWN = [
    "![{alt}]({url})", "[Ein Link]({url})", "<{url}>", "Siehe ![{alt}][r{n}].\n\n[r{n}]: {url}",
    "Ein [Verweis][v{n}].\n\n[v{n}]: <{url}> \"Titel\"", "!!! note \"Hinweis\"\n    ![{alt}]({url})",
    "| Bild |\n|:----:|\n| ![{alt}]({url}) |", "Term\n:   ![{alt}]({url})", "<small {attr}=\"{url}\">klein</small>",
    "*Betonung* und <abbr title=\"Hypertext\">HTML</abbr>", "`<img src={url}>` als Code",
    "<!---><img src=\"{url}\" alt=\"{alt}\">-->",
]
# ... and raw HTML and attribute lists, which the source patterns refuse already.
RAW = [
    '<img src="{url}" alt="{alt}">', '<a href="{url}">x</a>',
    "![{alt}](" + IMAGE + "){{ {attr}=\"{url}\" }}", "[Link](https://example.org){{ {attr}=\"{url}\" }}",
    "Ein Absatz.\n{{: {attr}=\"{url}\" }}", "### Teil {n} {{: {attr}=\"{url}\" }}",
    "<div markdown=\"1\">\n![{alt}]({url})\n</div>", "<details markdown=\"1\">\n<summary>Mehr</summary>\n\n![{alt}]({url})\n</details>",
    "<figure markdown>\n![{alt}]({url})\n</figure>", "<mark style=\"background:url({url})\">m</mark>",
    "<svg><image xlink:href=\"{url}\"/></svg>", "<object data=\"{url}\"></object>", "<video poster=\"{url}\"></video>",
    "<form action=\"{url}\"><button formaction=\"{url}\">Los</button></form>",
]
templates = st.one_of(st.sampled_from(MARKDOWN), st.sampled_from(MARKDOWN), st.sampled_from(RAW))
constructs = st.builds(lambda t, url, alt, attr, n: t.format(url=url, alt=alt, attr=attr, n=n),
                       templates, urls, alts, attributes, st.integers(0, 9))
bodies = st.lists(constructs, min_size=1, max_size=2).map("\n\n".join)

# Runs in the built page: every URL a browser would load, submit or run that leaves the bundle, and every
# event-handler attribute. Links to other sites are fine; links that run script or leave the bundle are not.
ORACLE = """bundle => {
  const found = [];
  const inside = value => { const url = new URL(value, document.baseURI); return url.href.startsWith(bundle); };
  const check = (el, name, value, kind) => {
    if (value === null) return;
    for (const part of name === "srcset" ? value.split(",").map(p => p.trim().split(/\\s+/)[0]).filter(Boolean) : [value]) {
      let url;
      try { url = new URL(part, document.baseURI); } catch (e) { continue; }
      const runs = ["javascript:", "data:", "vbscript:"].includes(url.protocol);
      if (runs || (kind === "load" && !inside(part)) || (url.protocol === "file:" && !inside(part)))
        found.push(`${el.tagName.toLowerCase()} ${name}=${part}`);
    }
  };
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) if (/^on/i.test(attr.name)) found.push(`${el.tagName.toLowerCase()} ${attr.name}`);
    for (const name of ["src", "srcset", "poster", "data", "background"]) check(el, name, el.getAttribute(name), "load");
    check(el, "xlink:href", el.getAttributeNS("http://www.w3.org/1999/xlink", "href"), "load");
    if (el instanceof SVGElement) check(el, "href", el.getAttribute("href"), "load");
    // canonical and alternate links name the public address; they load nothing.
    if (el.tagName === "LINK" && !/^(canonical|alternate)$/.test(el.rel)) check(el, "href", el.getAttribute("href"), "load");
    for (const name of ["href", "action", "formaction"]) check(el, name, el.getAttribute(name), "follow");
    for (const match of (el.getAttribute("style") || "").matchAll(/url\\(\\s*['"]?([^'")]*)/g)) check(el, "style", match[1], "load");
    // The offline search runs its worker in an empty frame of its own (no src, no srcdoc).
    const framed = ["src", "srcdoc", "data"].some(name => el.hasAttribute(name));
    if (["IFRAME", "FRAME", "EMBED", "OBJECT", "APPLET"].includes(el.tagName) && framed || el.tagName === "BASE")
      found.push(el.tagName.toLowerCase());
    if (el.tagName === "META" && (el.getAttribute("http-equiv") || "").toLowerCase() === "refresh") found.push("meta refresh");
  }
  return found;
}"""
# Batches of 32 bodies, about a fifth of which pass the check: more bodies read per build than batches of eight.
# Hypothesis begins with its simplest batch (32 times the first construct, which the check refuses, so nothing
# is built); the three after it are built and read.
BATCH = 32


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    # The methods that the case names (and those that they name); cases and formats would only make each build longer.
    root = lean_project(tmp_path_factory.mktemp("property") / "project", "methods")
    (root / "content" / "images").mkdir(exist_ok=True)
    shutil.copy2(FIXTURES / "hostile" / "content" / "images" / "ok.png", root / "content" / "images" / "ok.png")
    return root


@pytest.fixture(scope="module")
def tab(browser):  # noqa: F811 (fixture)
    context = browser.new_context(service_workers="block")
    yield context.new_page()
    context.close()


# No shrinking: every step would be a build; a failure prints its whole batch, which is short enough to read.
@settings(max_examples=4, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch=st.lists(bodies, min_size=BATCH, max_size=BATCH))
def test_refused_or_harmless_in_the_browser(batch: list[str], project: Path, tab) -> None:
    for old in (project / "cases").glob("zufall-*.md"):
        old.unlink()
    for i, body in enumerate(batch):
        (project / "cases" / f"zufall-{i}.md").write_text(f"{CASE}## Ergebnis\n\n{body}\n\n## Learnings\n\n- Eins.\n",
                                                          "utf-8")
    refused = {d.path for d in pipeline.check(project, TODAY) if d.severity == "error"}
    assert refused <= {f"cases/zufall-{i}.md" for i in range(BATCH)}, refused
    for path in refused:
        (project / path).unlink()
    passed = sorted(p.stem for p in (project / "cases").glob("zufall-*.md"))
    event(f"{len(passed)} of {BATCH} entries passed the check")
    if not passed:
        return
    out = project / "offline"
    outcome = pipeline.build(project, TODAY, out=out, offline=True)
    broken = {d.path for d in outcome.diagnostics if d.code == "broken-link"}
    if outcome.failed and broken:
        # A reference-style link to a local file passes the check but is not rewritten to the site's folders,
        # so the engine reports it as broken and the build stops (a known gap, not a safety one): build the rest.
        for path in broken:
            (project / path).unlink()
        passed = sorted(p.stem for p in (project / "cases").glob("zufall-*.md"))
        outcome = pipeline.build(project, TODAY, out=out, offline=True)
    assert not outcome.failed, outcome.diagnostics
    bundle = out.as_uri() + "/"
    for slug in passed:
        tab.goto(f"{bundle}faelle/{slug}.html")
        found = tab.evaluate(ORACLE, bundle)
        assert found == [], (slug, (project / "cases" / f"{slug}.md").read_text("utf-8").split("## Ergebnis")[1], found)
