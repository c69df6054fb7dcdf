"""Benchmark check, builds (warm and cold, both engines), the engines alone, memory, size, search and preview.

Usage: .venv/bin/python benchmarks/run.py [--cases 2000] [--methods 400] [--runs 3] [--quarter] [--no-preview]

Every step runs in a fresh process under /usr/bin/time, so wall time and peak memory are per step. The engines
alone build the very staged tree that `cimis build` wrote, so the ratios compare like with like in one run
(this machine is shared: compare ratios, and medians of several runs, not absolute times across runs).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from grow import grow
from preview import fetch, wait_for

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
TIME_RE = re.compile(r"^BENCH (\S+) (\d+)$", re.M)


def timed(command: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak MB) of one command; exits with its output when it fails."""
    return timed_output(command, env, cwd)[:2]


def timed_output(command: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[float, float, str]:
    """``timed`` and what the command wrote to stderr."""
    out = subprocess.run(["/usr/bin/time", "-f", "BENCH %e %M", *command], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, cwd=cwd or HERE.parent, check=False)
    match = TIME_RE.search(out.stderr)
    if out.returncode or not match:
        sys.exit(f"{' '.join(command)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return float(match.group(1)), int(match.group(2)) / 1024, out.stderr


def cimis(root: Path, *args: str, cache: Path) -> tuple[float, float]:
    return timed([PYTHON, "-m", "generator", *args, "--root", str(root)], env={"CIMIS_CACHE_DIR": str(cache)})


# `cimis build` as the console command runs it, then the peak of its own process: without MkDocs' worker, the
# card workers and Pagefind, whose peaks /usr/bin/time folds into the build's.
OWN_PEAK = ("import resource, sys; from generator.cli import main; code = main(sys.argv[1:]); "
            "print(f'OWN {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr); sys.exit(code)")


def warm_build(root: Path, cache: Path) -> tuple[float, float, float]:
    """(wall seconds, peak MB of the build's largest process, peak MB of the cimis process) of `cimis build`."""
    wall, peak, err = timed_output([PYTHON, "-c", OWN_PEAK, "build", "--root", str(root)],
                                   env={"CIMIS_CACHE_DIR": str(cache)})
    return wall, peak, int(re.search(r"^OWN (\d+)$", err, re.M).group(1)) / 1024


def staged_tree(root: Path, cache: Path, into: Path) -> Path:
    """The staged tree cimis hands to the engine, kept for the engines-alone runs."""
    script = ("import datetime as dt, sys; from pathlib import Path; from generator import pipeline; "
              "o = pipeline.build(Path(sys.argv[1]), dt.date.today(), out=Path(sys.argv[2]) / 'site', "
              "staging=Path(sys.argv[2]) / 'stage'); assert not o.failed, o.diagnostics[:3]")
    subprocess.run([PYTHON, "-c", script, str(root), str(into)], cwd=HERE.parent, check=True,
                   env={**os.environ, "CIMIS_CACHE_DIR": str(cache)})
    return into / "stage"


def engine_alone(stage: Path, engine: str) -> tuple[float, float]:
    """MkDocs or Zensical by itself on the staged tree (into a folder of its own)."""
    config = yaml.safe_load((stage / "mkdocs.yml").read_text("utf-8"))
    config["site_dir"] = "alone-site"  # Zensical writes only below its config's folder
    (stage / "alone.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    shutil.rmtree(stage / "alone-site", ignore_errors=True)
    command = [PYTHON, "-m", "mkdocs", "build", "-q", "-f", "alone.yml"] if engine == "mkdocs" else \
        [PYTHON, "-m", "zensical", "build", "-f", "alone.yml"]
    return timed(command, cwd=stage)


def pagefind_alone(site: Path, stage: Path) -> tuple[float, float]:
    """Pagefind by itself on a copy of the built site, with the configuration cimis gives it."""
    copy = stage.parent / "pagefind-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("pagefind"))
    return timed([PYTHON, "-m", "pagefind", "--site", str(copy), "--silent"], cwd=stage)


def first_query_bytes(site: Path, query: str = "Museum") -> int:
    """Bytes the browser fetches for search when a reader runs a first query on /suche/ (Chromium)."""
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fetched: list[int] = []
    try:
        with sync_playwright() as playwright:
            chromium = next(path for path in ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
                            if Path(path).is_file())
            browser = playwright.chromium.launch(executable_path=chromium, args=[
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


def preview_latency(root: Path, cache: Path, edits: int = 3) -> float:
    """Median seconds from saving an edited case title to the preview serving it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([PYTHON, "-m", "generator", "serve", "--root", str(root), "--port", str(port)],
                              cwd=HERE.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "CIMIS_CACHE_DIR": str(cache)})
    try:
        case = sorted((root / "cases").glob("*.md"))[7]
        page = f"faelle/{case.stem}/"
        if wait_for(lambda: "<title>" in fetch(port, page), 900) is None:
            sys.exit("preview did not start")
        latencies = []
        for n in range(edits):
            marker = f"Geänderter Titel {n}"
            lines = case.read_text("utf-8").split("\n")
            case.write_text("\n".join(f"title: {marker}" if l.startswith("title:") else l for l in lines), "utf-8")
            took = wait_for(lambda: marker in fetch(port, page), 120)
            latencies.append(took if took is not None else float("inf"))
            time.sleep(1)
        return statistics.median(latencies)
    finally:
        server.terminate()
        server.wait(timeout=60)


def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """Median time and the largest peak memory of several runs."""
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def benchmark(cases: int, methods: int, runs: int, with_preview: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="cimis-bench-") as tmp:
        base = Path(tmp)
        root = grow(base / "project", cases, methods)
        warm_cache = base / "cache"
        cold = median([cimis(root, "build", cache=base / f"cold-{n}") for n in range(runs)])
        # The last cold build left a full cache: the warm builds start from a copy of it (not a fourth cold build).
        shutil.copytree(base / f"cold-{runs - 1}", warm_cache)
        check = median([cimis(root, "check", cache=warm_cache) for _ in range(runs)])
        warm_runs = [warm_build(root, warm_cache) for _ in range(runs)]
        warm = median([run[:2] for run in warm_runs])
        own = statistics.median(run[2] for run in warm_runs)
        zensical = median([cimis(root, "build", "--engine", "zensical", cache=warm_cache) for _ in range(runs)])
        stage = staged_tree(root, warm_cache, base / "staged")
        mkdocs_alone = median([engine_alone(stage, "mkdocs") for _ in range(runs)])
        zensical_alone = median([engine_alone(stage, "zensical") for _ in range(runs)])
        # Sizes, search and Pagefind alone on the MkDocs-built site beside the staged tree (root/site holds
        # the Zensical build by now).
        site = stage.parent / "site"
        pagefind = median([pagefind_alone(site, stage) for _ in range(runs)])
        files = [p for p in site.rglob("*") if p.is_file()]
        pages = [p for p in files if p.suffix == ".html"]
        row = {
            "entries": f"{cases} + {methods}", "pages": len(pages),
            "check_s": check[0], "check_mb": check[1],
            "build_warm_s": warm[0], "build_warm_mb": warm[1], "build_warm_cimis_process_mb": own,
            "build_cold_s": cold[0], "build_cold_mb": cold[1],
            "mkdocs_alone_s": mkdocs_alone[0], "mkdocs_alone_mb": mkdocs_alone[1],
            "build_zensical_s": zensical[0], "build_zensical_mb": zensical[1],
            "zensical_alone_s": zensical_alone[0], "zensical_alone_mb": zensical_alone[1],
            "pagefind_alone_s": pagefind[0], "pagefind_alone_mb": pagefind[1],
            "site_mb": sum(p.stat().st_size for p in files) / 1e6,
            "avg_page_kb": statistics.mean(p.stat().st_size for p in pages) / 1e3,
            "first_query_mb": first_query_bytes(site) / 1e6,
        }
        if with_preview:
            row["preview_s"] = preview_latency(root, warm_cache)
        row["build/mkdocs time"] = row["build_warm_s"] / row["mkdocs_alone_s"]
        row["build/mkdocs memory"] = row["build_warm_mb"] / row["mkdocs_alone_mb"]
        # The build's peak is the largest of its processes: Pagefind's own, at scale. What cimis itself holds
        # (records, staged tree, card bytes) is its own process.
        row["cimis process/mkdocs memory"] = row["build_warm_cimis_process_mb"] / row["mkdocs_alone_mb"]
        row["build/pagefind memory"] = row["build_warm_mb"] / row["pagefind_alone_mb"]
        # What cimis adds beyond the two programs it runs: the search index is part of every cimis build.
        row["build/(mkdocs + pagefind) time"] = row["build_warm_s"] / (row["mkdocs_alone_s"] + row["pagefind_alone_s"])
        row["cold/warm time"] = row["build_cold_s"] / row["build_warm_s"]
        row["zensical build/alone time"] = row["build_zensical_s"] / row["zensical_alone_s"]
        return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--methods", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quarter", action="store_true", help="also measure a quarter of the size")
    parser.add_argument("--no-preview", action="store_true", help="skip the preview latency")
    args = parser.parse_args()
    sizes = [(args.cases, args.methods)]
    if args.quarter:
        sizes.insert(0, (args.cases // 4, args.methods // 4))
    rows = []
    for c, m in sizes:
        rows.append(benchmark(c, m, args.runs, not args.no_preview))
        print(f"measured {c} + {m}", file=sys.stderr, flush=True)
    for key in rows[0]:
        values = [f"{row[key]:.2f}" if isinstance(row[key], float) else str(row[key]) for row in rows]
        print(f"| {key} | " + " | ".join(values) + " |")
    if len(rows) == 2:
        small, large = rows
        print(f"growth ×4 entries: warm build time ×{large['build_warm_s'] / small['build_warm_s']:.2f}, "
              f"size ×{large['site_mb'] / small['site_mb']:.2f}")


if __name__ == "__main__":
    main()
