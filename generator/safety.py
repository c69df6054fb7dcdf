"""Entry bodies → diagnostics: each body rendered as the build renders it, its HTML held to one allowlist."""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import markdown

from . import passthrough
from .cache import code_digest
from .diagnostics import Diagnostic, error
from .extensions import markdown_settings
from .model import Document

# Contributor Markdown is untrusted: only these HTML elements and attributes may be written as raw HTML.
ALLOWED_TAGS = frozenset({"abbr", "kbd", "sub", "sup", "br", "details", "summary", "figure",
                          "figcaption", "mark", "small", "s", "del", "ins", "em", "strong", "b", "i", "u"})
ALLOWED_ATTRIBUTES = frozenset({"title", "open", "lang"})
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")

# What Python-Markdown and the extensions of the build make from plain Markdown, besides ALLOWED_TAGS.
MARKDOWN_TAGS = frozenset({"p", "a", "img", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote",
                           "pre", "code", "hr", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "div"})
# ids and classes come from headings, admonitions and attr_list's {#anker .klasse}: harmless.
MARKDOWN_ATTRIBUTES = frozenset({"id", "class"})
TAG_ATTRIBUTES = {"a": frozenset({"href"}), "img": frozenset({"src", "alt"}), "ol": frozenset({"start"})}
# The tables extension aligns columns with exactly these style attributes; no other style is allowed.
TABLE_ALIGN_STYLE = re.compile(r"text-align: (left|center|right);")
# Attributes a browser follows or loads: resources load on sight, links only on a click.
RESOURCE_ATTRIBUTES = frozenset({"src", "srcset", "poster", "data", "xlink:href", "background", "style"})
LINK_ATTRIBUTES = frozenset({"href", "action", "formaction", "cite", "ping"})
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.I)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
# A start tag the checker appends: if a body leaves a tag or a quote open, the browser would swallow the
# page's next markup into it, and the checker does not see this sentinel as an element of its own.
_SENTINEL = "cimis-end-of-body"


@dataclass(frozen=True, slots=True)
class Element:
    """A start tag of the rendered body, its attributes decoded as a browser decodes them."""

    tag: str
    attrs: tuple[tuple[str, str], ...]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Element] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        self.found.append(Element(tag, tuple((name, value or "") for name, value in attrs)))

    handle_startendtag = handle_starttag


def unsafe_url(url: str) -> bool:
    """True for a javascript:, data:, vbscript: or file: URL in any spelling a browser accepts."""
    # Browsers decode entities and drop control characters and whitespace before they look at the scheme.
    return re.sub(r"[\s\x00-\x1f]", "", html.unescape(url)).lower().startswith(UNSAFE_SCHEMES)


def _squeezed(url: str) -> str:
    # As a browser reads a URL: entities decoded, blanks and control characters dropped, \ read as /.
    return re.sub(r"[\s\x00-\x1f]", "", html.unescape(url)).replace("\\", "/")


def protocol_relative(url: str) -> bool:
    """True for //host/… (also /\\host/…): the host is another one, the scheme that of the page."""
    return _squeezed(url).startswith("//")


def foreign(url: str) -> bool:
    """True for a URL that a browser would fetch from another host (scheme, //host, or /\\host)."""
    return bool(_SCHEME.match(_squeezed(url))) or protocol_relative(url)


Parsed = tuple[list[Element], bool]


def _fingerprint(site_config: Mapping[str, Any]) -> str:
    """What besides a body decides its elements: the Markdown settings, this code and the Markdown packages."""
    digest = hashlib.sha256(json.dumps(markdown_settings(site_config), sort_keys=True, default=str).encode())
    digest.update(code_digest(__file__, sys.modules[markdown_settings.__module__].__file__, passthrough.__file__)
                  .encode())
    for package in ("markdown", "pymdown-extensions"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{package} {metadata.version(package)}".encode())
    return digest.hexdigest()


def parsed_bodies(bodies: Mapping[str, str], site_config: Mapping[str, Any],
                  known: Mapping[str, Any]) -> tuple[dict[str, Parsed], dict[str, Any]]:
    """The elements of every body (path → body), and the cache to keep for the next run.

    Rendering is most of a large check and its result depends only on the body, the settings and the
    code, all in the key; what the elements point to (files, the repository's bounds) is checked afresh.
    """
    base = _fingerprint(site_config)
    names, settings = markdown_settings(site_config)
    md = markdown.Markdown(extensions=names, extension_configs=settings)
    parsed, keep = {}, {}
    for path, body in bodies.items():
        key = hashlib.sha256(f"{base}\0{body}".encode()).hexdigest()
        if key in known:
            found, closed = known[key]
            parsed[path] = ([Element(tag, tuple(map(tuple, attrs))) for tag, attrs in found], closed)
        else:
            md.reset()
            parsed[path] = elements(md.convert(body))
        keep[key] = [[[e.tag, [list(a) for a in e.attrs]] for e in parsed[path][0]], parsed[path][1]]
    return parsed, keep


def rendered_body(body: str, site_config: Mapping[str, Any]) -> str:
    """The HTML the engine makes of ``body``: the same extensions and settings as the real build."""
    names, settings = markdown_settings(site_config)
    md = markdown.Markdown(extensions=names, extension_configs=settings)
    return md.convert(body)


def elements(rendered: str) -> tuple[list[Element], bool]:
    """The start tags of ``rendered`` and whether its markup ends closed (no tag or quote left open)."""
    # Python 3.11's parser reads "<!--->" and "<!-->" as the start of a long comment; browsers end the comment
    # right there (HTML's abrupt-closing-of-empty-comment) and render what follows.
    text = re.sub(r"<!---?>", "<!-- -->", rendered)
    parser = _Elements()
    parser.feed(f"{text}\n<{_SENTINEL}>")
    parser.close()
    found = parser.found
    closed = bool(found) and found[-1] == Element(_SENTINEL, ())
    return (found[:-1] if closed else found), closed


def _urls(name: str, value: str) -> list[str]:
    if name == "srcset":
        return [part.split()[0] for part in value.split(",") if part.split()]
    if name == "style":
        return [m.group(2) for m in _CSS_URL.finditer(html.unescape(value))]
    return [value]


def _allowed(element: Element, name: str, value: str) -> bool:
    if name.startswith("on"):
        return False
    if element.tag in ("th", "td") and name == "style":
        return bool(TABLE_ALIGN_STYLE.fullmatch(value))
    return name in ALLOWED_ATTRIBUTES or name in MARKDOWN_ATTRIBUTES or name in TAG_ATTRIBUTES.get(element.tag, ())


class _Locator:
    """Finds the source line of a piece of rendered HTML, searching on from the last place found."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.lines = doc.body.split("\n")
        self.lowered = [line.lower() for line in self.lines]
        # The same line with entities decoded and blanks dropped, as unsafe_url reads a URL.
        self.squeezed = [re.sub(r"[\s\x00-\x1f]", "", html.unescape(line)).lower() for line in self.lines]
        self.cursor = 0

    def find(self, *needles: str) -> tuple[int, int]:
        needles = tuple(n.lower() for n in needles if n)
        order = [*range(self.cursor, len(self.lines)), *range(0, self.cursor)]
        for i in order:
            for needle in needles:
                if (column := self.lowered[i].find(needle)) >= 0:
                    self.cursor = i
                    return self.doc.body_line + i, column + 1
        for i in order:
            for needle in needles:
                squeezed = re.sub(r"[\s\x00-\x1f]", "", html.unescape(needle))
                if squeezed and squeezed in self.squeezed[i]:
                    self.cursor = i
                    return self.doc.body_line + i, 1
        return 1, 1


def _inside(root: Path, target: Path) -> bool:
    return target == root.resolve() or root.resolve() in target.parents


def _local(doc: Document, root: Path, url: str) -> Path:
    return ((root / doc.path).parent / html.unescape(url).split("#")[0].split("?")[0]).resolve()


def _leaves(root: Path, doc: Document, href: str) -> bool:
    """True for a relative link (not /…, not #…) that climbs out of the project folder."""
    text = html.unescape(href).strip()
    if not text or text.startswith(("#", "/", "\\")) or foreign(text) or unsafe_url(text):
        return False
    return not _inside(root, _local(doc, root, text))


def _image_problems(doc: Document, root: Path, pos: tuple[int, int], element: Element) -> Iterable[Diagnostic]:
    attrs = dict(element.attrs)
    src = attrs.get("src", "")
    if len(attrs.get("alt", "").strip()) < 5:
        yield error(doc.path, pos, "image-alt", "Das Bild hat keinen (ausreichenden) Alternativtext",
                    "Beschreibe in ![…] in mindestens 5 Zeichen, was auf dem Bild zu sehen ist")
    if foreign(src) or unsafe_url(src):
        return
    target = _local(doc, root, src)
    if not _inside(root, target):
        yield error(doc.path, pos, "outside-repository", f"Das Bild '{src}' liegt außerhalb des Projekts",
                    "Lege das Bild nach content/images/ und verweise relativ darauf")
    elif not target.is_file():
        yield error(doc.path, pos, "missing-file", f"Das Bild '{src}' gibt es nicht",
                    "Prüfe Dateinamen und Pfad; Bilder liegen in content/images/")


def _element_problems(doc: Document, root: Path, locate: _Locator, element: Element) -> Iterable[Diagnostic]:
    tag = element.tag
    if tag not in ALLOWED_TAGS and tag not in MARKDOWN_TAGS:
        pos = locate.find(f"<{tag}", *(v for _, v in element.attrs))
        yield error(doc.path, pos, "unsafe-html", f"Das HTML-Element <{tag}> ist nicht erlaubt",
                    "Nutze Markdown statt HTML; erlaubt sind nur " + ", ".join(sorted(ALLOWED_TAGS)))
        return  # the fix is to drop the element, attributes and all
    for name, value in element.attrs:
        if not _allowed(element, name, value):
            pos = locate.find(f"{name}=", f"{name} =", value, f"<{tag}")
            yield error(doc.path, pos, "unsafe-html", f"Das Attribut '{name}' an <{tag}> ist nicht erlaubt",
                        "Lass das Attribut weg")
    # URLs are checked whatever the attribute allowlist says, so that a wider allowlist cannot let one through.
    for name, value in element.attrs:
        if name not in RESOURCE_ATTRIBUTES and name not in LINK_ATTRIBUTES:
            continue
        for url in _urls(name, value):
            pos = locate.find(url, html.escape(url))
            # From the offline bundle, //host/… is file://host/…, which Windows opens as a network share.
            if unsafe_url(url) or (name in LINK_ATTRIBUTES and protocol_relative(url)):
                yield error(doc.path, pos, "unsafe-url", f"Der Link '{url[:40]}' ist nicht erlaubt",
                            "Verlinke nur Adressen, die mit https:// beginnen, oder Seiten dieser Website")
            elif name in RESOURCE_ATTRIBUTES and foreign(url):
                yield error(doc.path, pos, "remote-image", "Bilder von anderen Websites sind nicht erlaubt",
                            "Lade das Bild ins Projekt hoch (content/images/ oder der Ordner des Falls)")
    if tag == "img":
        yield from _image_problems(doc, root, locate.find(dict(element.attrs).get("src", ""), "<img"), element)
    href = dict(element.attrs).get("href", "")
    if tag == "a" and _leaves(root, doc, href):
        yield error(doc.path, locate.find(href), "outside-repository", f"Der Link '{href}' führt aus dem Projekt hinaus",
                    "Verlinke Einträge relativ, z. B. ../methods/persona.md, oder Adressen mit https://")


def check_rendered(doc: Document, root: Path, site_config: Mapping[str, Any],
                   parsed: Parsed | None = None) -> Iterable[Diagnostic]:
    """Problems in the HTML the build makes of ``doc``'s body: elements, attributes, URLs and images.

    ``parsed`` is the body's elements when already known (``parsed_bodies``).
    """
    if not doc.body.strip():
        return
    found, closed = parsed if parsed is not None else elements(rendered_body(doc.body, site_config))
    locate = _Locator(doc)
    for element in found:
        yield from _element_problems(doc, root, locate, element)
    if not closed:
        tag = found[-1].tag if found else "…"
        yield error(doc.path, locate.find(f"<{tag}") if found else (1, 1), "unsafe-html",
                    f"Das HTML-Element <{tag}> ist nicht erlaubt",
                    "Nutze Markdown statt HTML; erlaubt sind nur " + ", ".join(sorted(ALLOWED_TAGS)))


Rule = Callable[[Document, Any], Iterable[Diagnostic]]


def with_rendered_check(first_pass: Rule) -> Rule:
    """``first_pass`` (the source patterns) followed by the rendered check, each problem reported once."""
    def check_body_safety(doc: Document, ctx: Any) -> Iterable[Diagnostic]:
        found = list(first_pass(doc, ctx))
        seen = {(d.path, d.line, d.code) for d in found}
        for diagnostic in check_rendered(doc, Path(ctx.root), ctx.site_config, ctx.parsed.get(doc.path)):
            if (diagnostic.path, diagnostic.line, diagnostic.code) not in seen:
                seen.add((diagnostic.path, diagnostic.line, diagnostic.code))
                found.append(diagnostic)
        return found
    check_body_safety.__doc__ = first_pass.__doc__
    return check_body_safety
