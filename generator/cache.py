"""Results kept between runs, keyed by content hashes: card fits, card PDFs, schema-valid entries."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping


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
