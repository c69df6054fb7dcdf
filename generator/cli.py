"""Command line: argument parsing and exit codes only; the work happens in the pipeline stages."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from . import pipeline
from .diagnostics import FORMATTERS

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors, as our contract wants
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: Fehler: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cimis", description="Wissensbasis CROSS INNOVATION MADE IN SAXONY: prüfen und bauen.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = commands.add_parser("check", help="Inhalte prüfen")
    check.add_argument("--format", choices=sorted(FORMATTERS), default="human", help="Ausgabeformat")
    build = commands.add_parser("build", help="prüfen, dann die Website nach site/ bauen")
    for sub in (check, build):
        sub.add_argument("--root", type=Path, default=Path("."), help="Projektordner (Standard: aktueller Ordner)")
        sub.add_argument("--strict", action="store_true", help="auch Warnungen lassen den Lauf scheitern")
    return parser


def _report(diagnostics, fmt: str) -> None:
    if fmt == "json":
        print(FORMATTERS[fmt](diagnostics))
    elif diagnostics:
        print(FORMATTERS[fmt](diagnostics), file=sys.stdout if fmt == "github" else sys.stderr)


def _summary(diagnostics) -> str:
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    return f"{errors} Fehler, {warnings} Warnungen"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cimis`` console command."""
    args = _parser().parse_args(argv)
    root = args.root
    if not root.is_dir():
        print(f"cimis: Der Projektordner '{root}' existiert nicht.", file=sys.stderr)
        return EXIT_USAGE
    today = dt.date.today()
    if args.command == "check":
        diagnostics = pipeline.check(root, today)
        _report(diagnostics, args.format)
        failed = pipeline.failed(diagnostics, args.strict)
        if args.format == "human":
            print(("Prüfung fehlgeschlagen: " if failed else "Prüfung bestanden: ") + _summary(diagnostics),
                  file=sys.stderr)
        return EXIT_CONTENT if failed else EXIT_OK
    if args.command == "build":
        started = time.perf_counter()
        result = pipeline.build(root, today, strict=args.strict)
        _report(result.diagnostics, "human")
        if result.failed:
            print(f"Bau abgebrochen, site/ blieb unverändert: {_summary(result.diagnostics)}", file=sys.stderr)
            return EXIT_CONTENT
        print(f"Website gebaut: {result.pages} Seiten in {time.perf_counter() - started:.1f} s → {result.out}",
              file=sys.stderr)
        return EXIT_OK
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
