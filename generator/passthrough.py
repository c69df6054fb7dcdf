"""Markdown extension: HTML that cimis generated goes into the page as it is, without being parsed again.

Lists of entries and the matrix are HTML with final links (render.relative_url). Python-Markdown would still read
every tag of them, more than once (md_in_html, MkDocs' anchor scan, the link rewriter), and on large sites that
was most of the engine's time. Between a line ``START`` and a line ``END`` the lines are stashed whole.
"""

from __future__ import annotations

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

START, END = "<!-- cimis:html -->", "<!-- /cimis:html -->"
# After whitespace normalising (30), before MkDocs' anchor scan (21) and Markdown's own HTML blocks (20).
PRIORITY = 25


class _Stash(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        result: list[str] = []
        start = None
        for number, line in enumerate(lines):
            if line == START:
                # cimis writes tight pairs: an earlier start still open (a stray one) stays Markdown.
                result += lines[start:number] if start is not None else []
                start = number
            elif start is None:
                result.append(line)
            elif line == END:
                result += ["", self.md.htmlStash.store("\n".join(lines[start + 1:number])), ""]
                start = None
        # An unclosed start marker stashes nothing: its lines stay Markdown.
        return result if start is None else result + lines[start:]


class PassthroughExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        md.preprocessors.register(_Stash(md), "cimis_html", PRIORITY)


def makeExtension(**kwargs) -> PassthroughExtension:  # noqa: N802 - the name Python-Markdown looks up
    """The extension, for ``markdown_extensions: [generator.passthrough]``."""
    return PassthroughExtension(**kwargs)
