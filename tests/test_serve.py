"""The live preview: edits show up quickly, problems show as a banner, the server keeps running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .test_csp import inline_allowed

CASE = "cases/tischlerei-azubi-werkstattvideos.md"
PAGE = "faelle/tischlerei-azubi-werkstattvideos/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port: int, path: str) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=2) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def wait_for(condition, timeout: float) -> float | None:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if condition():
            return time.perf_counter() - started
        time.sleep(0.05)
    return None


@pytest.fixture
def server(project: Path):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", str(project), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_for(lambda: "Tischlerei" in fetch(port, PAGE), 60) is not None, "preview did not start"
        yield project, port, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def edit(project: Path, old: str, new: str) -> None:
    file = project / CASE
    file.write_text(file.read_text("utf-8").replace(old, new), "utf-8")


# Generous limits: the test proves that an edit shows up and an error becomes a banner; how fast is
# measured by benchmarks/preview.py (a wall-clock limit here would fail on a busy machine).
PATIENCE = 60.0


def test_edit_shows_and_errors_show_as_banner(server) -> None:
    project, port, process = server
    # The search index is made after the pages show; its entry file names a hash of the whole index.
    index = lambda: fetch(port, "pagefind/pagefind-entry.json")  # noqa: E731
    assert wait_for(lambda: '"languages"' in index(), PATIENCE) is not None, "no search index"
    before = index()
    edit(project, "title: Tischlerei findet Azubis", "title: Schreinerei findet Azubis")
    took = wait_for(lambda: "Schreinerei findet Azubis" in fetch(port, PAGE), PATIENCE)
    assert took is not None, f"edit not visible within {PATIENCE:.0f} s"
    print(f"edit visible after {took:.2f} s")
    assert wait_for(lambda: '"languages"' in index() and index() != before, PATIENCE) is not None, \
        "the search index did not follow the edit"

    edit(project, "district: erzgebirgskreis", "district: erzgebirge")
    assert wait_for(lambda: "role=\"alert\"" in fetch(port, PAGE), PATIENCE) is not None
    assert "error[unknown-value]" in fetch(port, PAGE)
    # The live-reload script and the banner's styles are inline: the served page's policy allows them.
    assert inline_allowed(fetch(port, PAGE))
    assert process.poll() is None

    edit(project, "district: erzgebirge", "district: erzgebirgskreis")
    assert wait_for(lambda: "role=\"alert\"" not in fetch(port, PAGE), PATIENCE) is not None
    assert os.path.exists(project / CASE)
