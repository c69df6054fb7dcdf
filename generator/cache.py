"""Results kept between runs, keyed by content hashes: card fits, card PDFs, schema-valid entries on disk;
parsed files, each entry's problems and rendered pages in memory while the preview runs."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Iterator, Mapping, TypeVar

import jinja2

T = TypeVar("T")


def cache_dir(part: str) -> Path | None:
    """The folder for ``part``: under $CIMIS_CACHE_DIR (empty: caching off), else the user's cache."""
    configured = os.environ.get("CIMIS_CACHE_DIR")
    if configured == "":
        return None
    base = Path(configured) if configured else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cimis"
    return base / part


def load_keys(part: str) -> frozenset[str]:
    """Keys saved by ``save_keys``; empty when there is no cache or it cannot be read."""
    folder = cache_dir(part)
    try:
        return frozenset((folder / "keys").read_text("ascii").split()) if folder else frozenset()
    except (OSError, UnicodeDecodeError):
        return frozenset()


def _replace(part: str, name: str, text: str) -> None:
    """Replace one cache file atomically; a cache that cannot be written is simply not used."""
    folder = cache_dir(part)
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, folder / name)
    except OSError:
        pass


def save_keys(part: str, keys: Iterable[str]) -> None:
    """Replace the saved keys atomically."""
    _replace(part, "keys", "\n".join(sorted(keys)))


def load_values(part: str) -> dict[str, Any]:
    """Values saved by ``save_values`` (key → JSON value); empty when there is no cache or it cannot be read."""
    folder = cache_dir(part)
    try:
        data = json.loads((folder / "values.json").read_text("utf-8")) if folder else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_values(part: str, values: Mapping[str, Any]) -> None:
    """Replace the saved values atomically."""
    _replace(part, "values.json", json.dumps(values, ensure_ascii=False, separators=(",", ":")))


# Folders of compiled templates kept: one per set of options, a few so that switching branches keeps them.
TEMPLATE_FOLDERS = 4


def keep_compiled_templates(env: jinja2.Environment, origin: str) -> jinja2.Environment:
    """``env``, keeping its compiled templates in the cache: compiling them is a good part of a small build.

    Jinja keys a compiled template by its name, file and source. The folder adds what else decides the code:
    Jinja's and Python's versions, the environment's syntax options and extensions, and ``origin``, which
    names the code that set its other options (a digest of that module, or the engine's version).
    """
    base = cache_dir("templates")
    if base is None:
        return env
    options = (jinja2.__version__, sys.version, origin, env.block_start_string, env.block_end_string,
               env.variable_start_string, env.variable_end_string, env.comment_start_string, env.comment_end_string,
               env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks,
               env.newline_sequence, env.keep_trailing_newline, env.optimized, sorted(env.extensions))
    folder = base / hashlib.sha256(repr(options).encode("utf-8")).hexdigest()[:16]
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True)
            for old in sorted(base.iterdir(), key=lambda d: d.stat().st_mtime, reverse=True)[TEMPLATE_FOLDERS:]:
                shutil.rmtree(old, ignore_errors=True)
    except OSError:  # a cache that cannot be written only costs time
        return env
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
    return env


def code_digest(*files: str) -> str:
    """A digest of source files (modules' ``__file__``): part of a key that the code decides."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(Path(file).read_bytes())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def locked(part: str, name: str) -> Iterator[None]:
    """Hold the lock ``name`` of ``part``: a second process (a build beside the preview, a CI job beside
    another) waits for the first one's results instead of computing the same ones again."""
    handle = None
    folder = cache_dir(part)
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle = open(folder / f"{name}.lock", "a")
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        except OSError:  # a folder that cannot be written or locked only costs the shared work
            if handle is not None:
                handle.close()
            handle = None
    if handle is None:
        yield
        return
    with handle:
        yield


class Same:
    """A key part that matches only the very object it holds (and keeps alive, so its id stays its own)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.value is self.value


class Memo:
    """Results of one process's earlier runs (the preview's rebuilds), each under a key of everything that
    decides it; the first element of a key names its part ("document", "entry", "environment", "page").

    A run keeps what it used. Of the parts it used, what it did not use is dropped, so the memo holds about
    one project's worth; a part the run never reached (a check that stopped before rendering) is kept whole.
    """

    def __init__(self) -> None:
        self._kept: dict[tuple, Any] = {}
        self._used: dict[tuple, Any] = {}

    def get(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """The value under ``key``: from this run or the last, else computed now."""
        if key in self._used:
            return self._used[key]
        value = self._kept[key] if key in self._kept else compute()
        self._used[key] = value
        return value

    def finish_run(self) -> None:
        """Make what this run used the memo of the next run."""
        parts = {key[0] for key in self._used}
        self._kept = {**{k: v for k, v in self._kept.items() if k[0] not in parts}, **self._used}
        self._used = {}
