"""A killed build leaves site/ intact and nothing that accumulates; two builds at once cannot corrupt site/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator import processes

from .conftest import REPO, lean_project
from .test_serve import wait_for

PATIENCE = 300.0  # generous: the tests prove behaviour, not speed


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small site: what a crash or a second build does to it does not depend on how many pages it has."""
    return lean_project(tmp_path / "project")


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


# A parent that starts one long-running child the way a build starts MkDocs' worker or Pagefind, and
# writes the child's pid to a file once it runs.
_PARENT = """
import os, sys, time
from pathlib import Path
from generator import processes

pid_file = Path(sys.argv[1])
if sys.argv[2] == "pool":
    workers = processes.pool(1)
    pid = workers.submit(os.getpid).result()
    workers.submit(time.sleep, 600)
    Path(str(pid_file) + ".tmp").write_text(str(pid))
    os.replace(str(pid_file) + ".tmp", pid_file)
    time.sleep(600)
else:
    child = ("import os, sys, time; from pathlib import Path; t = Path(sys.argv[1] + '.tmp'); "
             "t.write_text(str(os.getpid())); os.replace(t, sys.argv[1]); time.sleep(600)")
    processes.run([sys.executable, "-c", child, str(pid_file)])
"""


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie nobody has reaped yet does not: it cannot write any more)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no process priorities on this system")
def test_a_background_tool_runs_at_the_lowest_priority() -> None:
    # The preview's search index runs so, and the rebuild after the next edit gets the cores.
    show = [sys.executable, "-c", "import os; print(os.nice(0))"]
    own = int(processes.run(show, capture_output=True, text=True, check=True).stdout)
    low = int(processes.run(show, niceness=19, capture_output=True, text=True, check=True).stdout)
    assert (own, low) == (os.nice(0), 19)


def test_a_tool_given_a_stop_runs_to_its_end_or_ends_when_asked(tmp_path: Path) -> None:
    # The preview stops its search index when an edit comes in (serve.py).
    stop = threading.Event()
    done = processes.run([sys.executable, "-c", "import sys; print('fertig'); print('x' * 200000, file=sys.stderr)"],
                         stop=stop, capture_output=True, text=True, check=True)
    assert (done.returncode, done.stdout, len(done.stderr)) == (0, "fertig\n", 200001)
    pid_file = tmp_path / "pid"
    child = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    threading.Thread(target=lambda: wait_for(pid_file.exists, 60) is not None and stop.set(), daemon=True).start()
    with pytest.raises(processes.Stopped):
        processes.run([sys.executable, "-c", child], stop=stop, timeout=120)
    assert not _running(int(pid_file.read_text()))


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux ends a child with its parent (PR_SET_PDEATHSIG)")
@pytest.mark.parametrize("how", ["pool", "tool"])
def test_what_a_killed_build_started_ends_with_it(tmp_path: Path, how: str) -> None:
    # Otherwise MkDocs or Pagefind go on writing into the killed build's work folder while the next
    # build removes it, and the folder stays half removed.
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", _PARENT, str(pid_file), how], cwd=REPO)
    child = None
    try:
        deadline = time.monotonic() + PATIENCE
        while not pid_file.is_file() and time.monotonic() < deadline:
            assert parent.poll() is None, "the parent ended before its child ran"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        assert _running(child)

        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(PATIENCE)
        # The child sleeps for 600 s: only the kernel's signal ends it sooner.
        deadline = time.monotonic() + 60
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(child), f"the {how} child {child} outlived the killed build"
    finally:  # a failed run leaves no sleeper behind
        parent.kill()
        if child is not None and _running(child):
            os.kill(child, signal.SIGKILL)
