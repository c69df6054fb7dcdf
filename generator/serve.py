"""Preview: build once, serve on 127.0.0.1, rebuild on edits, show problems as a banner."""

from __future__ import annotations

import datetime as dt
import html
import logging
import shutil
import sys
import tempfile
import threading
import time
from importlib import resources
from pathlib import Path

from mkdocs.livereload import LiveReloadServer

from . import pipeline
from .build import SearchIndexUnavailable, run_pagefind, swap_into_place
from .cache import Memo
from .csp import protect
from .diagnostics import Diagnostic, format_human
from .processes import Stopped

WATCHED = ("cases", "methods", "formats", "content", "mkdocs.yml")


class _PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, plus a banner listing the current problems on every page."""

    def __init__(self, *args, banner, **kwargs):
        super().__init__(*args, **kwargs)
        self._banner = banner

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        content = super()._inject_js_into_html(content, epoch)
        if banner := self._banner():
            start = content.find(b"<body")
            start = content.find(b">", start) + 1 if start >= 0 else 0
            content = content[:start] + banner + content[start:]
        # The preview's build leaves the policies out: each page gets its policy here, as it is served, so that
        # it allows the inline live-reload script and banner.
        return protect(content.decode("utf-8")).encode("utf-8")


def banner_html(diagnostics: tuple[Diagnostic, ...]) -> bytes:
    """A fixed banner naming each problem; empty when there are none."""
    errors = [d for d in diagnostics if d.severity == "error"]
    if not errors:
        return b""
    items = "".join(f"<li><code>{html.escape(format_human([d]))}</code></li>" for d in errors[:20])
    more = f"<p>… und {len(errors) - 20} weitere.</p>" if len(errors) > 20 else ""
    return (
        '<div role="alert" style="position:sticky;top:0;z-index:1000;background:#8b0000;color:#fff;'
        'padding:.8rem 1rem;font:14px/1.4 system-ui,sans-serif;max-height:40vh;overflow:auto">'
        f"<strong>cimis: {len(errors)} Fehler – die Vorschau zeigt den letzten fehlerfreien Stand.</strong>"
        f'<ul style="margin:.4rem 0 0 1.2rem">{items}</ul>{more}</div>'
    ).encode("utf-8")


class Preview:
    """Owns the staging and output folders of one preview session."""

    def __init__(self, root: Path, today: dt.date):
        self.root, self.today = root, today
        self._folders = tempfile.TemporaryDirectory(prefix="cimis-serve-")
        base = Path(self._folders.name)
        self.staging, self.site = base / "staging", base / "site"
        self.staging.mkdir()
        self.site.mkdir()
        self.diagnostics: tuple[Diagnostic, ...] = ()
        self._lock = threading.Lock()
        self._search_wanted = threading.Event()
        self._search_stop = threading.Event()
        self._closing = threading.Event()
        self._indexer: threading.Thread | None = None
        # Parsed entries, their problems and rendered pages: an edit redoes only what it changed.
        self._memo = Memo()

    def rebuild(self) -> None:
        """Check and build; on problems keep the last good site and report them."""
        # A search index being made reads the pages this build is about to write, and takes the cores it needs.
        self._search_stop.set()
        with self._lock:
            self._search_stop.set()  # the indexer may have cleared it just before this build took the lock
            started = time.perf_counter()
            outcome = pipeline.build(self.root, self.today, out=self.site, staging=self.staging, incremental=True,
                                     memo=self._memo)
            self._memo.finish_run()
            self.diagnostics = outcome.diagnostics
            if outcome.diagnostics:
                print(format_human(outcome.diagnostics), file=sys.stderr)
            state = "mit Fehlern, letzter guter Stand bleibt sichtbar" if outcome.failed else "fertig"
            print(f"Vorschau {state} ({time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)
            if not outcome.failed:
                self._index_search_later()

    def _index_search_later(self) -> None:
        # Pagefind reads every page (4.5 s at 2,400 entries): the browser reloads without waiting for it. It runs
        # at the lowest priority, and an edit stops it (rebuild) and asks for one more run, so the index ends up
        # matching the last edit and the rebuild gets the cores.
        self._search_wanted.set()
        if self._indexer is None:
            self._indexer = threading.Thread(target=self._index_search, name="cimis-search", daemon=True)
            self._indexer.start()

    def _index_search(self) -> None:
        # Pagefind writes beside the site and its index replaces the served one whole: a stopped run leaves the
        # last complete index in place.
        fresh = self.staging / "pagefind"
        while True:
            self._search_wanted.wait()
            if self._closing.is_set():
                return
            with self._lock:  # not while a rebuild writes the pages
                self._search_wanted.clear()
                self._search_stop.clear()
            shutil.rmtree(fresh, ignore_errors=True)
            try:
                problems = run_pagefind(self.site, self.staging, background=True, stop=self._search_stop,
                                        output=fresh)
            except Stopped:
                # Run again once the rebuild is done; a build that failed does not ask for it.
                self._search_wanted.set()
                continue
            except SearchIndexUnavailable as exc:
                print(f"cimis: Die Suche der Vorschau bleibt leer: {exc}", file=sys.stderr, flush=True)
                return
            except OSError as exc:  # e.g. the preview's folders going away: the next edit tries again
                print(f"cimis: Die Suche der Vorschau ist nicht aktuell: {exc}", file=sys.stderr, flush=True)
                continue
            if problems:
                print(format_human(problems), file=sys.stderr, flush=True)
                continue
            with self._lock:
                swap_into_place(fresh, self.site / "pagefind")

    def banner(self) -> bytes:
        return banner_html(self.diagnostics)

    def close(self) -> None:
        self._closing.set()
        self._search_stop.set()
        self._search_wanted.set()
        if self._indexer is not None:
            self._indexer.join(timeout=60)
        self._folders.cleanup()


def serve(root: Path, port: int, today: dt.date) -> int:
    """Serve a live preview of ``root`` until interrupted."""
    logging.getLogger("mkdocs.livereload").setLevel(logging.WARNING)
    preview = Preview(root.resolve(), today)
    preview.rebuild()
    server = _PreviewServer(builder=preview.rebuild, host="127.0.0.1", port=port, root=str(preview.site),
                            banner=preview.banner, polling_interval=0.25)
    server.build_delay = 0.05
    for name in WATCHED:
        if (root / name).exists():
            server.watch(str(root / name))
    # The card stylesheet and template live in the package; an edit of them changes the PDFs.
    server.watch(str(resources.files("generator").joinpath("templates", "cards")))
    try:
        print(f"Vorschau auf http://127.0.0.1:{port}/ (Strg+C beendet)", file=sys.stderr, flush=True)
        server.serve()
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"cimis: Der Server kann nicht starten: {exc.strerror} (anderer --port?)", file=sys.stderr)
        return 2
    finally:
        server.shutdown()
        preview.close()
    return 0
