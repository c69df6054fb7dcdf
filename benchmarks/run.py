"""Benchmark check, staging, engine build and output size at Participedia scale.

Usage: .venv/bin/python benchmarks/run.py [--cases 2000] [--methods 400] [--runs 3] [--quarter]
Prints medians of several runs. Each measured step runs in a fresh subprocess, so peak memory is per step.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from grow import grow

HERE = Path(__file__).resolve().parent
STEP = r'''
import datetime as dt, json, resource, sys, time
from pathlib import Path
from generator import pipeline
from generator.load import load_project
from generator.validate import validate
root, step = Path(sys.argv[1]), sys.argv[2]
today = dt.date(2026, 11, 29)
started = time.perf_counter()
if step == "check":
    assert pipeline.check(root, today) == ()
    timings = {"check": time.perf_counter() - started}
else:
    outcome = pipeline.build(root, today)
    assert not outcome.failed, outcome.diagnostics[:3]
    timings = dict(outcome.timings)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({**timings, "peak_mb": peak}))
'''


def measure(root: Path, step: str) -> dict:
    out = subprocess.run([sys.executable, "-c", STEP, str(root), step], capture_output=True, text=True,
                         cwd=HERE.parent, check=False)
    if out.returncode:
        sys.exit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_query_bytes(site: Path, query: str = "Museum") -> int:
    """Bytes the browser fetches for search when a reader runs a first query on /suche/ (Chromium)."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fetched: list[int] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
            page = browser.new_page()
            page.on("response", lambda r: fetched.append(len(r.body())) if "/pagefind/" in r.url
                    or r.url.endswith("suche.js") else None)
            page.goto(f"http://127.0.0.1:{server.server_port}/suche/?q={query}")
            page.wait_for_selector(".pagefind-ui__result-link", timeout=30000)
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.shutdown()
    return sum(fetched)


def site_figures(site: Path) -> dict:
    files = [p for p in site.rglob("*") if p.is_file()]
    pages = [p for p in files if p.suffix == ".html"]
    return {"site_mb": sum(p.stat().st_size for p in files) / 1e6, "pages": len(pages),
            "avg_page_kb": statistics.mean(p.stat().st_size for p in pages) / 1e3,
            "first_query_mb": first_query_bytes(site) / 1e6}


def benchmark(cases: int, methods: int, runs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="cimis-bench-") as tmp:
        root = grow(Path(tmp) / "project", cases, methods)
        checks = [measure(root, "check") for _ in range(runs)]
        builds = [measure(root, "build") for _ in range(runs)]
        result = {
            "entries": f"{cases} + {methods}",
            "check_s": statistics.median(c["check"] for c in checks),
            "staging_s": statistics.median(b["staging"] for b in builds),
            "engine_s": statistics.median(b["engine"] for b in builds),
            "total_s": statistics.median(b["total"] for b in builds),
            "peak_mb": max(max(c["peak_mb"] for c in checks), max(b["peak_mb"] for b in builds)),
        }
        result.update(site_figures(root / "site"))
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--methods", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quarter", action="store_true", help="also measure a quarter of the size")
    args = parser.parse_args()
    sizes = [(args.cases, args.methods)]
    if args.quarter:
        sizes.insert(0, (args.cases // 4, args.methods // 4))
    rows = [benchmark(c, m, args.runs) for c, m in sizes]
    keys = list(rows[0])
    print(" | ".join(keys))
    for row in rows:
        print(" | ".join(f"{row[k]:.2f}" if isinstance(row[k], float) else str(row[k]) for k in keys))
    if len(rows) == 2:
        small, large = rows
        print(f"growth ×4 entries: time ×{large['total_s'] / small['total_s']:.2f}, "
              f"size ×{large['site_mb'] / small['site_mb']:.2f}")


if __name__ == "__main__":
    main()
