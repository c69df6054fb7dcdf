"""Benchmark the live preview: how long until an edited case title shows in `cimis serve`.

Usage: .venv/bin/python benchmarks/preview.py [--cases 400] [--methods 100] [--edits 5]
Prints each edit's latency and the median.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from grow import grow

HERE = Path(__file__).resolve().parent


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--methods", type=int, default=100)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cimis-preview-") as tmp:
        root = grow(Path(tmp) / "project", args.cases, args.methods)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", str(root), "--port",
                                   str(port)], cwd=HERE.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            page = "faelle/fall-00007/"
            if wait_for(lambda: "<title>" in fetch(port, page), 600) is None:
                sys.exit("preview did not start")
            file = root / "cases" / "fall-00007.md"
            latencies = []
            for n in range(args.edits):
                marker = f"Geänderter Titel {n}"
                lines = file.read_text("utf-8").split("\n")
                lines = [f"title: {marker}" if line.startswith("title:") else line for line in lines]
                file.write_text("\n".join(lines), "utf-8")
                took = wait_for(lambda: marker in fetch(port, page), 60)
                latencies.append(took if took is not None else float("inf"))
                print(f"edit {n + 1}: {took:.2f} s" if took is not None else f"edit {n + 1}: not visible in 60 s")
                time.sleep(1)
            print(f"entries: {args.cases} + {args.methods}; median edit → visible: {statistics.median(latencies):.2f} s")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
