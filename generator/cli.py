"""Command line: argument parsing and exit codes only; the work happens in the pipeline stages."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from . import pipeline
from .build import ENGINES, EngineUnavailable, SearchIndexUnavailable
from .cards import LAYOUTS, CardsUnavailable
from .diagnostics import FORMATTERS, did_you_mean
from .schema import ENTRY_KINDS

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
        sub.add_argument("--strict", action="store_true", help="auch Warnungen lassen den Lauf scheitern")
    build.add_argument("--offline", action="store_true",
                       help="Fassung, die ohne Server aus einem Ordner oder von einem USB-Stick funktioniert")
    build.add_argument("--out", type=Path, help="Zielordner (Standard: site/ im Projektordner)")
    build.add_argument("--engine", choices=ENGINES, default="mkdocs",
                       help="MkDocs (Standard) oder Zensical, der Nachfolger von Material for MkDocs")
    serve = commands.add_parser("serve", help="Vorschau mit automatischem Neuladen")
    serve.add_argument("--port", type=int, default=8000, help="Port auf 127.0.0.1 (Standard: 8000)")
    new = commands.add_parser("new", help="neuen Fall, neue Methodenkarte oder neues Format anlegen")
    new.add_argument("kind", choices=ENTRY_KINDS, help="case = Fall, method = Methodenkarte, format = Veranstaltungsformat")
    new.add_argument("slug", help="Kürzel = Dateiname ohne .md, z. B. heimatmuseum-online-tickets")
    new.add_argument("--no-input", action="store_true", help="keine Fragen stellen, kommentierte Vorlage schreiben")
    guide = commands.add_parser("guide", help="Anleitung für Beitragende (CONTRIBUTING.md) erzeugen")
    guide.add_argument("--out", type=Path, help="Datei statt Standardausgabe")
    cards = commands.add_parser("cards", help="Methodenkarten als druckfertiges PDF")
    cards.add_argument("--layout", choices=LAYOUTS, default="a6",
                       help="a6 = je Karte Vorder- und Rückseite auf A6; a4-4up = vier Karten je A4-Bogen mit "
                            "Schneidmarken, für beidseitigen Druck (Standard: a6)")
    cards.add_argument("--out", type=Path, help="PDF-Datei (Standard: karten-<layout>.pdf im aktuellen Ordner)")
    cards.add_argument("slugs", nargs="*", metavar="SLUG", help="nur diese Methoden, z. B. persona (Standard: alle)")
    forms = commands.add_parser("issue-forms", help="GitHub-Issue-Vorlagen für Fall und Methodenkarte aus den Schemas")
    forms.add_argument("--out", type=Path, help="Zielordner (Standard: .github/ISSUE_TEMPLATE im Projektordner)")
    from_issue = commands.add_parser("from-issue", help="Text eines Issues aus einer Vorlage → Datei in cases/ oder methods/")
    from_issue.add_argument("body", type=Path, metavar="BODY_FILE", help="Datei mit dem Text des Issues")
    for sub in (check, build, serve, new, guide, cards, forms, from_issue):
        sub.add_argument("--root", type=Path, default=Path("."), help="Projektordner (Standard: aktueller Ordner)")
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


def _check(args, today: dt.date) -> int:
    diagnostics = pipeline.check(args.root, today)
    _report(diagnostics, args.format)
    failed = pipeline.failed(diagnostics, args.strict)
    if args.format == "human":
        print(("Prüfung fehlgeschlagen: " if failed else "Prüfung bestanden: ") + _summary(diagnostics),
              file=sys.stderr)
    return EXIT_CONTENT if failed else EXIT_OK


def _build(args, today: dt.date) -> int:
    if args.offline and args.engine != "mkdocs":
        print("cimis: Die Offline-Fassung baut nur MkDocs (Zensical hat noch kein Offline-Plugin); "
              "lass --engine weg.", file=sys.stderr)
        return EXIT_USAGE
    result = pipeline.build(args.root, today, strict=args.strict, out=args.out, offline=args.offline,
                            engine=args.engine)
    _report(result.diagnostics, "human")
    if result.failed:
        print(f"Bau abgebrochen, site/ blieb unverändert: {_summary(result.diagnostics)}", file=sys.stderr)
        return EXIT_CONTENT
    print(f"Website gebaut: {result.pages} Seiten in {result.timings['total']:.1f} s → {result.out}",
          file=sys.stderr)
    return EXIT_OK


def _serve(args, today: dt.date) -> int:
    from .serve import serve

    return serve(args.root, args.port, today)


def _new(args, today: dt.date) -> int:
    from . import new

    try:
        file = new.target_file(args.root, args.kind, args.slug)
    except new.NewEntryError as exc:
        print(f"cimis: {exc}", file=sys.stderr)
        return EXIT_USAGE
    interactive = sys.stdin.isatty() and not args.no_input
    try:
        text = pipeline.new_entry_text(args.root, args.kind, today, interactive, ask=input, say=print)
    except (EOFError, KeyboardInterrupt):
        print("\ncimis: abgebrochen, nichts geschrieben.", file=sys.stderr)
        return EXIT_USAGE
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, "utf-8")
    rel = file.relative_to(args.root).as_posix()
    problems = [d for d in pipeline.check(args.root, today) if d.path == rel]
    print(f"{rel} angelegt.", file=sys.stderr)
    if problems:
        print(f"Noch auszufüllen ({len(problems)} Stellen, `cimis check` zeigt sie wieder):", file=sys.stderr)
        _report(problems, "human")
    return EXIT_OK


def _guide(args, today: dt.date) -> int:
    text = pipeline.guide_text(args.root, for_site=False)
    if args.out:
        args.out.write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cards(args, today: dt.date) -> int:
    result = pipeline.card_deck(args.root, today, args.layout, tuple(args.slugs))
    for slug in result.unknown:
        hint = did_you_mean(slug, result.known)
        print(f"cimis: Die Methode '{slug}' gibt es nicht in methods/." + (f" {hint}" if hint else ""),
              file=sys.stderr)
    if result.unknown or not result.known:
        if not result.known:
            print("cimis: In methods/ gibt es keine Methodenkarten.", file=sys.stderr)
        return EXIT_USAGE
    _report(result.diagnostics, "human")
    if result.failed:
        print(f"Keine Karten gedruckt, erst die Inhalte korrigieren: {_summary(result.diagnostics)}", file=sys.stderr)
        return EXIT_CONTENT
    out = args.out or Path(f"karten-{args.layout}.pdf")
    try:
        out.write_bytes(result.pdf)
    except OSError as exc:
        print(f"cimis: Die Datei '{out}' lässt sich nicht schreiben ({exc.strerror}); gibt es den Ordner, "
              "und darfst du dort schreiben?", file=sys.stderr)
        return EXIT_USAGE
    print(f"{result.cards} Methodenkarten, {result.pages} Seiten ({args.layout}) → {out}", file=sys.stderr)
    return EXIT_OK


def _issue_forms(args, today: dt.date) -> int:
    from . import issue_forms

    project = issue_forms.load_checked(args.root, today)
    if project.content is None:
        _report(project.diagnostics, "human")
        print("Keine Issue-Vorlagen geschrieben, erst die Inhalte korrigieren.", file=sys.stderr)
        return EXIT_CONTENT
    out = args.out or args.root / ".github" / "ISSUE_TEMPLATE"
    out.mkdir(parents=True, exist_ok=True)
    for name, text in issue_forms.issue_form_files(project).items():
        (out / name).write_text(text, "utf-8")
        print(f"{(out / name).as_posix()} geschrieben.", file=sys.stderr)
    return EXIT_OK


def _from_issue(args, today: dt.date) -> int:
    from . import issue_forms

    try:
        text = args.body.read_bytes()[: issue_forms.MAX_BODY_CHARS * 4 + 4].decode("utf-8", errors="replace")
    except OSError as exc:
        print(f"cimis: Die Datei '{args.body}' lässt sich nicht lesen ({exc.strerror}).", file=sys.stderr)
        return EXIT_USAGE
    result = issue_forms.entry_from_issue(args.root, text, today)
    _report(result.diagnostics, "human")
    if result.text is None:
        print(f"Keine Datei geschrieben: {_summary(result.diagnostics)}", file=sys.stderr)
        return EXIT_CONTENT
    issue_forms.write_entry(args.root, result)
    print(result.path)
    return EXIT_OK


COMMANDS = {"check": _check, "build": _build, "serve": _serve, "new": _new, "guide": _guide, "cards": _cards,
            "issue-forms": _issue_forms, "from-issue": _from_issue}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cimis`` console command."""
    args = _parser().parse_args(argv)
    if not args.root.is_dir():
        print(f"cimis: Der Projektordner '{args.root}' existiert nicht.", file=sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args, dt.date.today())
    except (CardsUnavailable, EngineUnavailable, SearchIndexUnavailable) as exc:  # the machine, not the content
        print(f"cimis: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
