"""A killed build leaves site/ intact and nothing that accumulates; two builds at once cannot corrupt site/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import REPO

PATIENCE = 300.0  # generous: the tests prove behaviour, not speed


def _build(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "generator", "build", "--root", str(root)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _work_folders(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob(".cimis-*") if p.is_dir())


def test_a_killed_build_leaves_site_intact_and_the_next_build_cleans_up(project: Path) -> None:
    first = _build(project)
    assert first.wait(PATIENCE) == 0, first.stderr.read()
    before = _tree(project / "site")

    killed = _build(project)
    deadline = time.monotonic() + PATIENCE
    # Kill it while the engine writes into its work folder, the moment a crash would hurt most.
    while not any(n.startswith(".cimis-build-") for n in _work_folders(project)) and time.monotonic() < deadline:
        assert killed.poll() is None, "the build ended before it could be killed"
        time.sleep(0.02)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(PATIENCE)
    assert _work_folders(project), "a killed build leaves its work folders behind"
    assert _tree(project / "site") == before

    again = _build(project)
    assert again.wait(PATIENCE) == 0, again.stderr.read()
    assert _work_folders(project) == []
    assert _tree(project / "site") == before


def test_two_builds_at_once_give_one_whole_site(project: Path) -> None:
    builds = [_build(project), _build(project)]
    results = [b.wait(PATIENCE) for b in builds]
    assert results == [0, 0], [b.stderr.read() for b in builds]
    assert _work_folders(project) == []
    site = _tree(project / "site")
    alone = _build(project)
    assert alone.wait(PATIENCE) == 0
    assert _tree(project / "site") == site
