"""Staged tree → site/: write the staging folder, run MkDocs, swap the result in only on success."""

from __future__ import annotations

import calendar
import contextlib
import fcntl
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from . import processes
from .cache import keep_compiled_templates
from .csp import protect_site
from .diagnostics import Diagnostic, error
from .extensions import with_required
from .model import Content
from .render import StagedTree, source_link, source_page

SEARCH_PIPELINE = ["stemmer", "stopWordFilter", "trimmer"]
_DOC_FILE_RE = re.compile(r"Doc file '([^']+)'")
_TARGET_RE = re.compile(r"contains a link '([^']+)'")


@dataclass(frozen=True, slots=True)
class EngineResult:
    """What the engine run produced: its problems, the pages built and the time spent writing the staged tree."""

    diagnostics: tuple[Diagnostic, ...]
    pages: int = 0
    write_seconds: float = 0.0


# Our stylesheets and scripts (generator/assets/); a11y.css comes after the others so its contrast fixes win.
OWN_CSS = ("assets/cimis.css", "assets/facets.css", "assets/formats.css", "assets/print.css", "assets/a11y.css")
OWN_JS = ("assets/facets.js", "assets/timetable.js", "assets/a11y.js")
OFFLINE_WORKER_SHIM = "assets/javascripts/iframe-worker/shim.js"


def engine_config(user: Mapping[str, Any], nav: list, site_dir: Path, offline: bool = False) -> dict:
    """The MkDocs config for the staged tree: the user's mkdocs.yml plus what cimis guarantees.

    ``offline`` makes a bundle that works from a folder via file:// (Material's offline plugin).
    """
    # edit_uri is used by our own templates: MkDocs would append the staged path, not the source path.
    config = {k: v for k, v in user.items() if k not in ("docs_dir", "site_dir", "nav", "edit_uri", "repo_url")}
    theme = dict(config.get("theme") or {})
    theme.setdefault("name", "material")
    # German UI; no Google Fonts request (readers' addresses must not leave the site).
    theme.update(language="de", font=False, custom_dir="overrides")
    config["theme"] = theme
    plugins = [p for p in (config.get("plugins") or []) if p != "search" and not (isinstance(p, dict) and "search" in p)]
    user_search = next((p["search"] for p in (config.get("plugins") or []) if isinstance(p, dict) and "search" in p), {})
    # Material drops the German stemmer unless the pipeline names it.
    search = {**(user_search or {}), "lang": "de", "pipeline": SEARCH_PIPELINE}
    if offline:
        # file:// cannot fetch Pagefind's index chunks: the bundle keeps Material's search index.
        config["plugins"] = [{"search": search}, *plugins, "offline"]
        # The plugin would load its file:// worker shim from unpkg.com unless a shim named iframe-worker is set.
        config["extra"] = {**(config.get("extra") or {}), "polyfills": [OFFLINE_WORKER_SHIM]}
    else:
        # Online, Pagefind indexes the built site: a reader downloads a few small chunks, not the whole index.
        config["plugins"] = plugins
        config["extra"] = {**(config.get("extra") or {}), "cimis_search": "pagefind"}
    config["markdown_extensions"] = with_required(list(config.get("markdown_extensions") or []))
    config["extra_css"] = [*OWN_CSS, *[c for c in config.get("extra_css") or [] if c not in OWN_CSS]]
    config["extra_javascript"] = [*OWN_JS, *[j for j in config.get("extra_javascript") or [] if j not in OWN_JS]]
    config.update(docs_dir="docs", site_dir=str(site_dir), nav=nav, use_directory_urls=not offline,
                  validation={"nav": {"omitted_files": "info", "not_found": "warn"},
                              "links": {"not_found": "warn", "anchors": "warn", "unrecognized_links": "warn",
                                        "absolute_links": "info"}})
    return config


def write_tree(tree: StagedTree, docs: Path) -> tuple[int, int]:
    """Write staged files, touching only those whose bytes changed; remove stale ones.

    Returns (written, removed). Untouched files keep their mtime, which MkDocs' dirty build relies on.
    """
    written = removed = 0
    for rel, data in tree.files.items():
        target = docs / rel
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written += 1
    # os.walk reads each folder once (Path.rglob stats every file again: 0.4 s at 2,400 entries).
    for folder, _, names in os.walk(docs, topdown=False):
        prefix = Path(folder).relative_to(docs).as_posix() + "/"
        for name in names:
            if (prefix + name).removeprefix("./") not in tree.files:
                os.unlink(os.path.join(folder, name))
                removed += 1
        if folder != str(docs) and not os.listdir(folder):
            os.rmdir(folder)
    return written, removed


def _copy_overrides(target: Path) -> None:
    """Theme overrides (feed link, Open Graph, JSON-LD) beside the staged docs."""
    source = Path(str(resources.files("generator").joinpath("overrides")))
    shutil.copytree(source, target, dirs_exist_ok=True)


def source_date_epoch(content: Content) -> int:
    """Build time taken from content, so the same content always gives the same bytes."""
    dates = [e.updated for e in (*content.cases, *content.methods, *content.formats)]
    newest = max(dates) if dates else None
    return calendar.timegm(newest.timetuple()) if newest else 0


@contextlib.contextmanager
def _env_default(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ.setdefault(name, value)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _placed(root: Path, staged: str | None, target: str | None, engine: str, message: str) -> Diagnostic:
    """An engine warning about staged page ``staged`` (and link ``target``), placed in its source file."""
    path, line, link = "mkdocs.yml", 1, None
    if staged:
        if entry := source_page(staged):
            path = entry
        elif (root / "content" / staged).is_file():
            path = f"content/{staged}"
        link = source_link(target) if target else None
        if link and (root / path).is_file():
            text = (root / path).read_text("utf-8", errors="replace").split("\n")
            line = next((i + 1 for i, l in enumerate(text) if f"]({link}" in l), 1)
    if link:
        return error(path, (line, 1), "broken-link", f"Der Link '{link}' führt ins Leere",
                     "Verweise auf vorhandene Einträge, z. B. ../methods/persona.md oder ../cases/<kürzel>.md")
    return error(path, (line, 1), "engine-warning", f"{engine} meldet: {message}",
                 "Prüfe Links und Anker in dieser Datei")


def _engine_diagnostic(message: str, root: Path) -> Diagnostic:
    """Point a MkDocs warning at the source file it came from, when we can tell."""
    staged = m.group(1) if (m := _DOC_FILE_RE.search(message)) else None
    target = t.group(1) if (t := _TARGET_RE.search(message)) else None
    return _placed(root, staged, target, "MkDocs", message)


def run_engine(staging: Path, site_dir: Path, root: Path, dirty: bool = False) -> tuple[list[Diagnostic], int]:
    """Run MkDocs on the staged tree; every engine warning is an error (broken links, anchors)."""
    from mkdocs import __version__ as mkdocs_version
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    logger = logging.getLogger("mkdocs")
    collector = _Collector()
    saved = (logger.handlers[:], logger.propagate, logger.level)
    logger.handlers, logger.propagate = [collector], False
    logger.setLevel(logging.WARNING)
    try:
        config = load_config(config_file=str(staging / "mkdocs.yml"))
        # MkDocs makes a new environment, and compiles the theme's templates again, for every build.
        theme_environment = config.theme.get_env
        config.theme.get_env = lambda: keep_compiled_templates(theme_environment(), f"mkdocs {mkdocs_version}")
        mkdocs_build(config, dirty=dirty)
    except (MkDocsException, OSError, yaml.YAMLError) as exc:
        collector.messages.append(str(exc))
    finally:
        logger.handlers, logger.propagate, level = saved[0], saved[1], saved[2]
        logger.setLevel(level)
    pages = sum(1 for p in site_dir.rglob("*.html") if p.name != "404.html") if site_dir.is_dir() else 0
    # MkDocs warns about every dirty build; the preview asks for one on purpose.
    messages = [m for m in collector.messages if not (dirty and m.startswith("A 'dirty' build"))]
    return [_engine_diagnostic(m, root) for m in messages], pages


# A worker process has to start Python and import cimis and MkDocs again, about a second of CPU. Below this many
# pages MkDocs builds in the build's own process: measured at 585 pages (benchmarks/grow.py, 470 cases and 30
# methods), the build peaked at 133 MB either way and took 1.2 s less in one process.
ENGINE_APART_PAGES = 600


def run_engine_apart(staging: Path, site_dir: Path, root: Path, pages: int) -> tuple[list[Diagnostic], int]:
    """``run_engine`` for a full build of ``pages`` pages: in a process of its own for a large site.

    Measured at 2,400 entries: MkDocs holding every page in the process that also holds the records, the
    staged tree and the card PDFs made a build peak at 580 MB; apart, each process stays near its own
    share, and the engine's memory is returned when it ends.
    """
    if pages < ENGINE_APART_PAGES:
        return run_engine(staging, site_dir, root)
    with processes.pool(1) as workers:
        return workers.submit(run_engine, staging, site_dir, root).result()


ENGINES = ("mkdocs", "zensical")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
_ZENSICAL_WARNING_RE = re.compile(r"^Warning:\s*(.+)$")
_ZENSICAL_PLACE_RE = re.compile(r"\[\s*(\S+\.md):(\d+):(\d+)\s*\]")
_URL_AT_RE = re.compile(r"[^)\s\"'<>]+")


class EngineUnavailable(RuntimeError):
    """The chosen engine is not installed or cannot run: the machine, not the content."""


def _zensical_diagnostics(output: str, staging: Path, root: Path) -> list[Diagnostic]:
    """Zensical's warnings ('Warning: page does not exist' and the [ file:line:col ] below it) as diagnostics."""
    lines = [_ANSI_RE.sub("", line) for line in output.splitlines()]
    found = []
    for i, line in enumerate(lines):
        if not (warning := _ZENSICAL_WARNING_RE.match(line.strip())):
            continue
        place = next((m for later in lines[i + 1:i + 3] if (m := _ZENSICAL_PLACE_RE.search(later))), None)
        staged, target = None, None
        if place:
            staged = place.group(1)
            text = (staging / "docs" / staged).read_text("utf-8", errors="replace").split("\n")
            row = int(place.group(2)) - 1
            # The column points at the link's target.
            if 0 <= row < len(text) and (link := _URL_AT_RE.match(text[row], max(0, int(place.group(3)) - 1))):
                target = link.group(0)
        found.append(_placed(root, staged, target, "Zensical", warning.group(1)))
    return found


def run_zensical(staging: Path, site_dir: Path, root: Path) -> tuple[list[Diagnostic], int]:
    """Run Zensical on the staged tree; as for MkDocs, every warning is an error."""
    try:
        result = processes.run([sys.executable, "-m", "zensical", "build", "-f", str(staging / "mkdocs.yml")],
                                cwd=staging, capture_output=True, text=True, timeout=3600, check=False,
                                env={**os.environ, "NO_COLOR": "1"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineUnavailable(f"Zensical lässt sich nicht starten: {exc}") from exc
    output = result.stdout + result.stderr
    if "No module named zensical" in output:
        raise EngineUnavailable("Zensical fehlt: .venv/bin/pip install -e . installiert es.")
    diagnostics = _zensical_diagnostics(output, staging, root)
    if result.returncode != 0 and not diagnostics:
        last = next((l for l in reversed(output.strip().splitlines()) if l.strip()), "")
        diagnostics = [error("mkdocs.yml", (1, 1), "engine-warning", f"Zensical meldet: {_ANSI_RE.sub('', last)[:300]}",
                             "Prüfe mkdocs.yml")]
    pages = sum(1 for p in site_dir.rglob("*.html") if p.name != "404.html") if site_dir.is_dir() else 0
    return diagnostics, pages


PAGEFIND_CONFIG = {
    "root_selector": "article",
    # Lists of entries, filter controls and heading permalinks would only repeat what the entries' pages say.
    "exclude_selectors": ["[data-search-exclude]", ".headerlink", ".cimis-facets", "nav"],
    "force_language": "de",
}


class SearchIndexUnavailable(RuntimeError):
    """Pagefind is not installed or cannot run: the machine, not the content."""


def run_pagefind(site_dir: Path, staging: Path, background: bool = False, stop: threading.Event | None = None,
                 output: Path | None = None) -> list[Diagnostic]:
    """Index the built site with Pagefind (German stemming) into ``output`` (site_dir/pagefind/ unless given).

    ``background``: at the lowest CPU priority, so that it does not slow down the build that comes next.
    ``stop``: when it is set, Pagefind is ended and ``processes.Stopped`` raised.
    """
    output = output or site_dir / "pagefind"
    (staging / "pagefind.yml").write_text(yaml.safe_dump(PAGEFIND_CONFIG), "utf-8")
    try:
        result = processes.run([sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-path",
                                str(output), "--silent"], niceness=19 if background else 0, stop=stop, cwd=staging,
                               capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchIndexUnavailable(f"Pagefind lässt sich nicht starten: {exc}") from exc
    if result.returncode != 0 or not (output / "pagefind.js").is_file():
        message = (result.stderr or result.stdout).strip()
        if "No module named pagefind" in message or "binary" in message.lower():
            raise SearchIndexUnavailable("Pagefind fehlt: .venv/bin/pip install -e . installiert es (pagefind[bin]).")
        return [error("mkdocs.yml", (1, 1), "engine-warning", f"Pagefind meldet: {message[:500]}",
                      "Prüfe die Ausgabe von Pagefind")]
    return []


# Work folders sit beside the output and carry the pid of the build that made them, so a later build can
# tell the folders of a killed build (its process is gone) from those of one still running.
_WORK_FOLDER_RE = re.compile(r"^\.cimis-(?:build|stage|old)-(\d+)-")


def _work_folder(parent: Path, kind: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f".cimis-{kind}-{os.getpid()}-", dir=parent))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_abandoned(parent: Path) -> tuple[str, ...]:
    """Remove the work folders of builds that were killed before they could clean up; returns their names."""
    removed = []
    for folder in sorted(parent.glob(".cimis-*")):
        m = _WORK_FOLDER_RE.match(folder.name)
        if m and folder.is_dir() and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return tuple(removed)


@contextlib.contextmanager
def _exclusive(parent: Path) -> Iterator[None]:
    """One swap at a time per folder: two builds finishing together must not interleave their renames.

    The lock is taken on the folder itself, so it leaves no file behind.
    """
    handle = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def swap_into_place(new: Path, target: Path) -> None:
    """Replace ``target`` with ``new`` so that readers never see a half-written folder."""
    with _exclusive(target.parent):
        if target.exists():
            old = _work_folder(target.parent, "old")
            os.replace(target, old / target.name)
            os.replace(new, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(new, target)


def publish(content: Content, tree: StagedTree, out: Path, staging: Path | None = None,
          offline: bool = False, incremental: bool = False, engine: str = "mkdocs") -> EngineResult:
    """Build the site into ``out`` with ``engine``; on any problem ``out`` stays exactly as it was.

    ``incremental`` is for the preview, which keeps ``staging`` and ``out`` between builds: only staged
    pages whose bytes changed are rendered again (MkDocs' dirty build), straight into ``out``; the
    pages' policies and the search index are left to the preview.
    """
    root = Path(content.root)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(out.parent)
    with contextlib.ExitStack() as stack:
        if staging is None:
            staging = _work_folder(out.parent, "stage")
            stack.callback(shutil.rmtree, staging, True)
        writing = time.perf_counter()
        _, removed = write_tree(tree, staging / "docs")
        _copy_overrides(staging / "overrides")
        write_seconds = time.perf_counter() - writing
        if incremental:
            # A removed page would stay behind in a dirty build: then build everything again.
            target, dirty = out, not removed and (out / "index.html").is_file()
        elif engine == "zensical":
            # Zensical writes only inside the folder of its config; staging lies beside out, so the swap
            # is still a rename on one file system.
            target, dirty = staging / "site", False
            shutil.rmtree(target, ignore_errors=True)
        else:
            target, dirty = _work_folder(out.parent, "build"), False
            stack.callback(shutil.rmtree, target, True)
        config_file = staging / "mkdocs.yml"
        config = yaml.safe_dump(engine_config(content.config, tree.nav, target, offline), allow_unicode=True,
                                sort_keys=False)
        if not config_file.is_file() or config_file.read_text("utf-8") != config:
            config_file.write_text(config, "utf-8")
        with _env_default("SOURCE_DATE_EPOCH", str(source_date_epoch(content))):
            if engine == "zensical":
                diagnostics, pages = run_zensical(staging, target, root)
            elif incremental:
                diagnostics, pages = run_engine(staging, target, root, dirty)
            else:
                staged_pages = sum(1 for name in tree.files if name.endswith(".md"))
                diagnostics, pages = run_engine_apart(staging, target, root, staged_pages)
        if not diagnostics and not incremental:
            # Whatever the engine, every page gets its policy before the search index reads the pages.
            protect_site(target)
        # The preview's server gives each page its policy as it serves it, and the preview indexes search
        # itself, after the edited page is shown (serve.py).
        if not diagnostics and not offline and not incremental:
            diagnostics = run_pagefind(target, staging)
        if diagnostics:
            return EngineResult(tuple(diagnostics), write_seconds=write_seconds)
        if target != out:
            swap_into_place(target, out)
        return EngineResult((), pages, write_seconds)
