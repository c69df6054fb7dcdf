"""Built HTML pages → the same pages with a Content-Security-Policy and a referrer policy at the top of their head.

The policy of each page is computed from that page's own markup after the engine ran, so it fits any engine and
any theme version, and an edited theme cannot widen it silently: every inline script the page carries is allowed
by its sha256 hash and nothing else inline runs.

- ``default-src 'self'``: scripts, styles, fonts, frames, workers and connections come from the site only.
- ``img-src 'self' data:``: Material's icons and Pagefind's UI are data: SVGs in their stylesheets; contributor
  Markdown cannot bring a data: URL (``cimis check`` refuses it), so data: images come only from shipped CSS.
- ``style-src 'self'``: Material and cimis put no style attribute or ``<style>`` into pages; where a page has one
  (the tables extension aligns columns with ``style="text-align: …"``), exactly those values are allowed by hash
  with ``'unsafe-hashes'`` — never ``'unsafe-inline'``.
- ``'wasm-unsafe-eval'`` only on pages that load Pagefind (its search runs in WebAssembly); ``'unsafe-eval'``
  only on the contribution forms, whose validator (ajv) compiles the published schema into a function.
- ``form-action 'self'`` where a page has a form (the header search sends its query to /suche/), else ``'none'``;
  ``object-src 'none'``; ``base-uri 'self'``. ``frame-ancestors`` is not allowed in a meta policy, so no meta
  policy can forbid framing; a web server has to send it as a header.

file:// (the offline bundle): Chromium derives 'self' from the page's URL, and for a file: page 'self' matches
every file: URL, not just the bundle's folder (there is no host to compare). Scripts, styles, images and frames
from the bundle load; anything from http(s) hosts is refused, as online. Pages on file: have opaque origins,
so fetch() of file: URLs fails anyway; the offline search therefore loads its index with script tags from an
iframe (``assets/javascripts/iframe-worker/shim.js``), which is why that shim writes no inline script.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .cache import code_digest, load_values, save_values

REFERRER = "same-origin"
# What a browser runs as script (HTML's "JavaScript MIME type essence match", plus module); other types such as
# application/json and application/ld+json are data blocks that CSP does not govern.
_SCRIPT_TYPES = frozenset({"", "module", "text/javascript", "application/javascript", "application/ecmascript",
                           "application/x-ecmascript", "application/x-javascript", "text/ecmascript",
                           "text/javascript1.0", "text/javascript1.1", "text/javascript1.2", "text/javascript1.3",
                           "text/javascript1.4", "text/javascript1.5", "text/jscript", "text/livescript",
                           "text/x-ecmascript", "text/x-javascript"})
_INSERTED = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*"><meta name="referrer" '
                       r'content="[^"]*">')


class _Page(HTMLParser):
    """What a page's policy depends on, read in one pass of the stdlib parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.style_attributes: list[str] = []
        self.script_sources: list[str] = []
        self.has_form = False
        self.insert_at: tuple[int, int] | None = None
        self._in: str | None = None
        self._text: list[str] = []
        self._after_head = False

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        values = {name: value or "" for name, value in attrs}
        if self._after_head:
            self._after_head = False
            if tag == "meta" and "charset" in values:
                # The charset declaration must stay in the first 1024 bytes: the policy goes right after it.
                line, column = self.getpos()
                self.insert_at = (line, column + len(self.get_starttag_text() or ""))
        if tag == "head" and self.insert_at is None:
            line, column = self.getpos()
            self.insert_at = (line, column + len(self.get_starttag_text() or ""))
            self._after_head = True
        if "style" in values:
            self.style_attributes.append(values["style"])
        if tag == "form":
            self.has_form = True
        if tag == "script":
            if "src" in values:
                self.script_sources.append(values["src"])
            elif values.get("type", "").strip().lower() in _SCRIPT_TYPES:
                self._in, self._text = "script", []
        elif tag == "style":
            self._in, self._text = "style", []

    def handle_data(self, data):  # noqa: ANN001 - HTMLParser's signature
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):  # noqa: ANN001 - HTMLParser's signature
        if self._in and tag == self._in:
            (self.scripts if tag == "script" else self.styles).append("".join(self._text))
            self._in = None


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _hashes(texts: list[str]) -> list[str]:
    return sorted({_hash(text) for text in texts})


def policy_for(page: _Page) -> str:
    """The Content-Security-Policy of one page, from what its markup holds."""
    script = ["'self'", *_hashes(page.scripts)]
    if any("pagefind/" in src for src in page.script_sources):
        script.append("'wasm-unsafe-eval'")
    if any("vendor/form-vendor.js" in src for src in page.script_sources):
        script.append("'unsafe-eval'")  # ajv compiles the schema to a function; only the two form pages load it
    style = ["'self'", *_hashes(page.styles)]
    if page.style_attributes:
        style += ["'unsafe-hashes'", *_hashes(page.style_attributes)]
    directives = [
        "default-src 'self'",
        "script-src " + " ".join(script),
        "style-src " + " ".join(style),
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action " + ("'self'" if page.has_form else "'none'"),
    ]
    return "; ".join(directives)


def _placement(html_text: str) -> tuple[int, str] | None:
    """Where the policy goes in ``html_text`` (without an earlier policy) and the tags to put there."""
    page = _Page()
    page.feed(html_text)
    page.close()
    if page.insert_at is None:
        return None
    line, column = page.insert_at
    lines = html_text.split("\n")
    offset = sum(len(text) + 1 for text in lines[: line - 1]) + column
    return offset, (f'<meta http-equiv="Content-Security-Policy" content="{policy_for(page)}">'
                    f'<meta name="referrer" content="{REFERRER}">')


def _insert(html_text: str, placement: tuple[int, str] | None) -> str:
    if placement is None:
        return html_text
    offset, meta = placement
    return html_text[:offset] + meta + html_text[offset:]


def protect(html_text: str) -> str:
    """``html_text`` with this page's policy and the referrer policy first in its head (replacing earlier ones)."""
    html_text = _INSERTED.sub("", html_text)
    return _insert(html_text, _placement(html_text))


def _code_key() -> str:
    """What besides a page decides its policy: this module, and the stdlib parser (the Python version)."""
    return code_digest(__file__) + hashlib.sha256(sys.version.encode("utf-8")).hexdigest()[:16]


def _valid(value: Any) -> bool:
    return value is None or (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)
                             and isinstance(value[1], str))


def protect_site(site_dir: Path) -> int:
    """Give every HTML page below ``site_dir`` its policy; returns how many pages were rewritten.

    Parsing is most of the cost and most pages come out of the engine as they did last time: the placement
    is kept in the cache under the page's digest (and this code's), so only new or changed pages are parsed.
    """
    code, known, used, changed = _code_key(), load_values("csp"), {}, 0
    for file in sorted(site_dir.rglob("*.html")):
        text = file.read_text("utf-8")
        bare = _INSERTED.sub("", text)
        key = code + hashlib.sha256(bare.encode("utf-8")).hexdigest()
        placement = known[key] if key in known and _valid(known[key]) else _placement(bare)
        used[key] = list(placement) if placement else None
        protected = _insert(bare, tuple(placement) if placement else None)
        if protected != text:
            file.write_text(protected, "utf-8")
            changed += 1
    save_values("csp", used)
    return changed
