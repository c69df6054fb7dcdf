"""Files → documents: read every source file once, keeping the position of every key and value."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from .cache import Memo
from .diagnostics import Diagnostic, error
from .model import CASE, CONFIG, FORMAT, METHOD, PAGE, VOCABULARY, Document, KeyPath, Pos, Section, Source

MAX_FILE_BYTES = 1_000_000
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# File names suggested from a title stop after this many characters, between two words.
SUGGESTED_SLUG_LENGTH = 60
FENCE_RE = re.compile(r"^\s*(```|~~~)")
HEADING_RE = re.compile(r"^##\s+(.+?)\s*#*\s*$")
DELIMITER_RE = re.compile(r"^---\s*$")
CLOSING_RE = re.compile(r"^(---|\.\.\.)\s*$")
ORDERED_ITEM_RE = re.compile(r"^(\d{1,3})[.)]\s+(.*)$")
BULLET_RE = re.compile(r"^[-*+]\s+(.*)$")
LEAD_RE = re.compile(r"^\*\*(\S(?:.*?\S)?)\*\*")

CONTENT_FOLDERS = {"cases": CASE, "methods": METHOD, "formats": FORMAT}

# PyYAML's and libyaml's English problem texts (each words them its own way: keys are parts of both),
# translated for content authors: (message, hint, whether to point at where the quote or bracket opened).
# {opening} is the character there. Problems that depend on the indentation of the line are
# translated by _indentation_problem; nothing here ever shows PyYAML's text.
_YAML_PROBLEMS = {
    "mapping values are not allowed": (
        "Ein Doppelpunkt steht an einer Stelle, an der YAML keinen erwartet",
        "Setze den Text in Anführungszeichen, z. B. title: \"Wie geht das: ein Beispiel\"", False),
    "sequence entries are not allowed": (
        "Nach dem Doppelpunkt beginnt in derselben Zeile ein Listeneintrag (- …)",
        "Schreibe jeden Eintrag eingerückt in eine eigene Zeile; gehört der Strich zum Text, setze ihn in "
        "Anführungszeichen", False),
    "could not find expected ':'": (
        "Nach dem Schlüssel fehlt der Doppelpunkt",
        "Schreibe jede Angabe als 'schluessel: wert'", True),
    "expected ',' or ']'": (
        "Die Liste in [ ] ist nicht richtig geschlossen",
        "Trenne die Einträge mit Kommas und schließe die Liste mit ] in derselben Zeile", True),
    "expected ',' or '}'": (
        "Die Angaben in { } sind nicht richtig geschlossen",
        "Trenne die Angaben mit Kommas und schließe sie mit } in derselben Zeile", True),
    "end of stream": (
        "Das Anführungszeichen {opening} wird nicht geschlossen",
        "Setze ans Ende des Werts noch ein {opening}", True),
    "comment or a line break": (
        "Nach | oder > steht in derselben Zeile noch Text",
        "Beginne den Text in der nächsten Zeile, eingerückt unter dem Schlüssel", False),
    "comment or line break": (
        "Nach | oder > steht in derselben Zeile noch Text",
        "Beginne den Text in der nächsten Zeile, eingerückt unter dem Schlüssel", False),
    "chomping or indentation indicators": (
        "Nach | oder > steht in derselben Zeile noch Text",
        "Beginne den Text in der nächsten Zeile, eingerückt unter dem Schlüssel", False),
    "unknown escape character": (
        "In doppelten Anführungszeichen steht ein \\ vor einem Zeichen, das YAML nicht kennt",
        "Schreibe \\\\ für einen Backslash oder setze den Text in einfache Anführungszeichen", False),
    "another document": (
        "Die Datei enthält eine zweite Zeile mit '---'",
        "Lösche die zusätzliche Zeile '---'", False),
    "node content": (
        "Hier fehlt ein Wert, oder er beginnt mit einem Zeichen, das YAML reserviert",
        "Setze den Wert in Anführungszeichen", False),
}
_YAML_TAB = ("Hier steht ein Tabulatorzeichen, wo YAML Leerzeichen verlangt",
             "Ersetze den Tab durch Leerzeichen; rücke nur mit Leerzeichen ein")
_YAML_UNKNOWN = ("Diese Zeile ist kein gültiges YAML",
                 "Prüfe Einrückung (nur Leerzeichen), Doppelpunkte und Anführungszeichen; setze Text mit "
                 "Sonderzeichen wie : # [ ] { } in Anführungszeichen")
_INDENTATION_PROBLEMS = ("expected <block end>", "did not find expected key", "'-' indicator")
_KEY_RE = re.compile(r"( *)(?:- +)*([^\s:#'\"\[\]{}-][^:#]*?):(?:\s|$)")


class _AliasError(yaml.MarkedYAMLError):
    pass


class _Loader(yaml.SafeLoader):
    """Safe loader that refuses aliases, so a 'billion laughs' file costs nothing."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasError(None, None, "alias", event.start_mark)
        return super().compose_node(parent, index)


# libyaml composes ten times faster; it shares aliased nodes, which the converter refuses on sight.
_COMPOSER = getattr(yaml, "CSafeLoader", _Loader)


def _yaml_problem(exc: yaml.YAMLError, path: str, line_offset: int, text: str = "") -> Diagnostic:
    """PyYAML's error in ``text`` as a German diagnostic at the place to fix; never its English text."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    opened = getattr(exc, "context_mark", None) or mark
    lines = text.split("\n")

    def pos(at) -> tuple[int, int]:
        return (at.line + 1 + line_offset, at.column + 1) if at else (1 + line_offset, 1)

    def char(at) -> str:
        line = lines[at.line] if at and at.line < len(lines) else ""
        return line[at.column:at.column + 1] if at else ""

    problem = str(getattr(exc, "problem", "") or "")
    context = str(getattr(exc, "context", "") or "")
    if isinstance(exc, _AliasError):
        return error(path, pos(mark), "yaml-alias", "YAML-Anker und -Aliase (& und *) sind nicht erlaubt",
                     "Schreibe den Wert aus, statt ihn mit * zu wiederholen")
    if "alias" in problem or "alias" in context or "anchor" in context:
        # Mostly Markdown emphasis at the start of a value (*wichtig*), which YAML reads as an alias.
        return error(path, pos(opened), "yaml-alias", "Ein * oder & am Anfang eines Werts liest YAML als Anker oder Verweis",
                     "Setze den Wert in Anführungszeichen, z. B. tagline: \"*Kurz* und knapp\"")
    if "tab character" in problem or "'\\t'" in problem or char(mark) == "\t":
        return error(path, pos(mark), "yaml-syntax", *_YAML_TAB)
    if mark is None:
        return error(path, pos(mark), "yaml-syntax", *_YAML_UNKNOWN)
    line = lines[mark.line] if mark.line < len(lines) else ""
    previous = next((lines[i] for i in range(min(mark.line, len(lines)) - 1, -1, -1)
                     if lines[i].strip() and not lines[i].lstrip().startswith("#")), "")
    indented = (mark.line + 1 + line_offset, len(line) - len(line.lstrip(" ")) + 1)
    if "mapping values are not allowed" in problem and (found := _key_too_far(line[:mark.column + 1], previous)):
        return error(path, indented, "yaml-syntax", *found)
    if any(part in problem for part in _INDENTATION_PROBLEMS):
        message, hint, at_line_start = _indentation_problem(line, mark.column, lines[:mark.line])
        return error(path, indented if at_line_start else pos(mark), "yaml-syntax", message, hint)
    if "cannot start any token" in problem:
        return error(path, pos(mark), "yaml-syntax", f"Ein Wert darf nicht mit {char(mark)} beginnen",
                     f"Setze den Wert in Anführungszeichen, z. B. title: \"{char(mark)}…\"")
    for part, (message, hint, at_opening) in _YAML_PROBLEMS.items():
        if part in problem:
            at = opened if at_opening else mark
            opening = char(at) or "\""
            return error(path, pos(at), "yaml-syntax", message.replace("{opening}", opening),
                         hint.replace("{opening}", opening))
    return error(path, pos(mark), "yaml-syntax", *_YAML_UNKNOWN)


def _key_column(line: str) -> int:
    """Where the key or value of a line starts, after its indentation and any list dashes."""
    match = re.match(r" *(?:- +)*", line)
    return match.end() if match else 0


def _key_too_far(start: str, previous: str) -> tuple[str, str] | None:
    """The message for a key indented deeper than the line above allows (``start`` ends at its colon)."""
    match = re.fullmatch(r"( +)([\w-]+):", start)
    if not match or len(match.group(1)) <= _key_column(previous):
        return None
    key, above = match.group(2), _KEY_RE.match(previous)
    hint = f"Rücke '{key}:' genauso weit ein wie '{above.group(2)}:' darüber" if above else \
        f"Rücke '{key}:' so weit ein wie die anderen Angaben derselben Ebene"
    return f"'{key}' ist eine Ebene zu weit eingerückt", hint


def _indentation_problem(line: str, column: int, before: list[str]) -> tuple[str, str, bool]:
    """(message, hint, point at the line start) for a line that does not fit the block above it."""
    text_before = line[:column].rstrip()
    if text_before.endswith(('"', "'")) and ":" in text_before:
        return (f"Nach dem schließenden {text_before[-1]} geht die Zeile weiter",
                "Setze den ganzen Wert in Anführungszeichen, z. B. title: '\"Der\" beste Fall', oder lösche den Rest",
                False)
    if text_before.endswith(("]", "}")) and ":" in text_before:
        return (f"Nach der schließenden Klammer {text_before[-1]} geht die Zeile weiter",
                "Lösche den Text nach der Klammer oder nimm ihn mit in die Klammer auf", False)
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    if stripped.startswith("-"):
        items = [len(b) - len(b.lstrip(" ")) for b in before if b.lstrip(" ").startswith("- ")]
        hint = "Rücke den Strich (-) genauso weit ein wie bei den anderen Einträgen der Liste"
        if items and indent > items[-1]:
            return "Der Listeneintrag ist eine Ebene zu weit eingerückt", hint, True
        if items and indent < items[-1]:
            return "Der Listeneintrag ist weniger weit eingerückt als der Eintrag darüber", hint, True
        return ("Ein Listeneintrag (- …) steht zwischen Angaben mit Schlüssel",
                "Schreibe die Liste eingerückt unter ihren Schlüssel, z. B. 'methods:' und darunter '  - persona'",
                True)
    if key := _KEY_RE.match(line):
        return (f"'{key.group(2)}' ist anders eingerückt als die Angaben darüber",
                f"Rücke '{key.group(2)}:' genauso weit ein wie die Angaben, zu denen es gehört", True)
    return ("Diese Zeile passt nicht zur Einrückung der Zeilen darüber",
            "Rücke Angaben derselben Ebene gleich weit ein, nur mit Leerzeichen", True)


class _Converter:
    """Turns a composed YAML node tree into plain Python, recording positions and duplicate keys."""

    def __init__(self, path: str, line_offset: int):
        self.path = path
        self.offset = line_offset
        self.value_pos: dict[KeyPath, Pos] = {}
        self.key_pos: dict[KeyPath, Pos] = {}
        self.problems: list[Diagnostic] = []
        self._scalars = yaml.SafeLoader("")
        self._seen: set[int] = set()
        self.aliased = False

    def pos(self, node: yaml.Node) -> Pos:
        return (node.start_mark.line + 1 + self.offset, node.start_mark.column + 1)

    def convert(self, node: yaml.Node, path: KeyPath = (), where: Pos | None = None) -> Any:
        if id(node) in self._seen:
            # The same node twice means an alias (*name): refuse it once, do not expand it.
            if not self.aliased:
                self.aliased = True
                self.problems.append(error(self.path, where or self.pos(node), "yaml-alias",
                                           "YAML-Anker und -Aliase (& und *) sind nicht erlaubt",
                                           "Schreibe den Wert aus, statt ihn mit * zu wiederholen"))
            return None
        self._seen.add(id(node))
        self.value_pos[path] = self.pos(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (i,), self.value_pos[path]) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict:
        result: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(error(self.path, self.pos(key_node), "yaml-syntax",
                                           "Ein Schlüssel muss ein einfaches Wort sein",
                                           "Schreibe 'schluessel: wert'"))
                continue
            key = key_node.value
            if key in result:
                first = self.key_pos[path + (key,)]
                self.problems.append(error(self.path, self.pos(key_node), "duplicate-key",
                                           f"Der Schlüssel '{key}' steht doppelt",
                                           f"Er steht schon in Zeile {first[0]}; lösche eine der beiden Angaben"))
                continue
            self.key_pos[path + (key,)] = self.pos(key_node)
            result[key] = self.convert(value_node, path + (key,), self.pos(key_node))
        return result

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == "tag:yaml.org,2002:str":
            return node.value  # most values: no constructor needed
        try:
            return self._scalars.construct_object(node, deep=True)
        except ValueError:
            # An impossible date such as 2024-02-30: keep the text, the schema reports it.
            return node.value
        except yaml.YAMLError:
            self.problems.append(error(self.path, self.pos(node), "yaml-syntax",
                                       f"Das YAML-Tag '{node.tag}' ist nicht erlaubt",
                                       "Lass das Tag (beginnt mit !) weg"))
            return node.value


def parse_yaml(text: str, path: str, line_offset: int = 0):
    """Parse YAML text into (data, value_pos, key_pos, problems); never raises on bad input."""
    converter = _Converter(path, line_offset)
    try:
        node = yaml.compose(text, Loader=_COMPOSER)
        if node is None:
            return None, {(): (1 + line_offset, 1)}, {}, []
        data = converter.convert(node)
    except yaml.YAMLError as exc:
        return None, {}, {}, [_yaml_problem(exc, path, line_offset, text)]
    except RecursionError:
        return None, {}, {}, [error(path, (1 + line_offset, 1), "yaml-syntax",
                                    "Die Angaben sind zu tief verschachtelt", "Vereinfache die Struktur")]
    if converter.aliased:
        data = None
    return data, converter.value_pos, converter.key_pos, converter.problems


def read_bytes(file: Path, rel: str) -> tuple[bytes | None, list[Diagnostic]]:
    """A file's bytes, or why it cannot be read."""
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            return None, [error(rel, (1, 1), "file-too-large",
                                f"Die Datei ist größer als {MAX_FILE_BYTES // 1_000_000} MB",
                                "Kürze den Text oder lege große Dateien woanders ab")]
        return file.read_bytes(), []
    except OSError as exc:
        return None, [error(rel, (1, 1), "unreadable", f"Die Datei lässt sich nicht lesen: {exc.strerror}")]


def decode_text(raw: bytes, rel: str) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text (BOM and CRLF allowed) with plain line ends, or where the encoding breaks."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [error(rel, (line, column), "not-utf8", "Die Datei ist nicht in UTF-8 kodiert",
                            "Speichere sie im Editor mit der Kodierung UTF-8")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def read_text(file: Path, rel: str) -> tuple[str | None, list[Diagnostic]]:
    """Read a UTF-8 file (BOM and CRLF allowed) or explain why it cannot be read."""
    raw, problems = read_bytes(file, rel)
    return (None, problems) if raw is None else decode_text(raw, rel)


def split_sections(body: str, body_line: int) -> tuple[Section, ...]:
    """Split a Markdown body at its ``##`` headings (outside code fences)."""
    lines = body.split("\n")
    starts: list[tuple[int, str]] = []
    in_fence = False
    for i, line in enumerate(lines):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        elif not in_fence and (m := HEADING_RE.match(line)):
            starts.append((i, m.group(1)))
    sections = []
    for n, (i, title) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        sections.append(Section(title, body_line + i, "\n".join(lines[i + 1:end]).strip("\n"), body_line + i + 1))
    return tuple(sections)


def _list_items(text: str, item_re: re.Pattern) -> list[tuple[int, str]]:
    items: list[tuple[int, str]] = []
    for i, line in enumerate(text.split("\n")):
        if m := item_re.match(line):
            items.append((i, m.group(m.lastindex).strip()))
        elif items and line.startswith((" ", "\t")) and line.strip():
            offset, item = items[-1]
            items[-1] = (offset, f"{item} {line.strip()}")
    return items


def ordered_items(text: str) -> list[tuple[int, str]]:
    """Items of the ordered list in ``text`` as (line offset, text), continuation lines joined."""
    return _list_items(text, ORDERED_ITEM_RE)


def bullet_items(text: str) -> list[tuple[int, str]]:
    """Items of the bulleted list in ``text`` as (line offset, text), continuation lines joined."""
    return _list_items(text, BULLET_RE)


def step_lead(step: str) -> str | None:
    """The bold opening of a step ('**Karten sortieren.** Dann …' → 'Karten sortieren.'), if it has one."""
    m = LEAD_RE.match(step)
    return m.group(1) if m else None


def printed_step(step: str, longest: int) -> str | None:
    """What a card prints of a step: all of it when it fits ``longest``, else its lead; None without a lead.

    The web page shows the whole step, so a step may explain more than a card has room for.
    """
    return step if len(step) <= longest else step_lead(step)


def image_folders(root: Path, case_slug: str) -> tuple[Path, Path]:
    """Where a case's images may lie: the case's own folder, then content/images/."""
    return root / "cases" / case_slug, root / "content" / "images"


def reference_slugs(source: Source) -> dict[str, frozenset[str]]:
    """Content folder → the slugs of its files: what ``x-reference`` fields may name."""
    return {folder: source.slugs(kind) for folder, kind in CONTENT_FOLDERS.items()}


def load_document(file: Path, rel: str, kind: str, memo: Memo | None = None) -> Document:
    """Load one Markdown file with YAML front matter; ``memo`` keeps the parse of unchanged bytes."""
    raw, problems = read_bytes(file, rel)
    if raw is None:
        return Document(kind, rel, file.stem, None, {}, {}, problems=tuple(problems))
    if memo is None:
        return document_from_bytes(raw, rel, kind)
    return memo.get(("document", kind, rel, hashlib.sha256(raw).digest()),
                    lambda: document_from_bytes(raw, rel, kind))


def document_from_bytes(raw: bytes, rel: str, kind: str) -> Document:
    """The document in the bytes of the file at ``rel``."""
    slug = Path(rel).stem
    text, problems = decode_text(raw, rel)
    empty = Document(kind, rel, slug, None, {}, {}, problems=tuple(problems))
    if text is None:
        return empty
    if not text.strip():
        return Document(kind, rel, slug, None, {}, {}, problems=(
            error(rel, (1, 1), "empty-file", "Die Datei ist leer",
                  "Lege neue Einträge mit 'cimis new' an oder kopiere eine Vorlage"),))
    lines = text.split("\n")
    if not DELIMITER_RE.match(lines[0]):
        if kind == PAGE:
            return Document(kind, rel, slug, {}, {(): (1, 1)}, {}, body=text, body_line=1,
                            sections=split_sections(text, 1))
        return Document(kind, rel, slug, None, {}, {}, problems=(
            error(rel, (1, 1), "no-front-matter", "Die Datei beginnt nicht mit dem Kopfbereich (Front Matter)",
                  "Die erste Zeile muss genau '---' sein, danach folgen die Angaben und wieder '---'"),))
    close = next((i for i in range(1, len(lines)) if CLOSING_RE.match(lines[i])), None)
    if close is None:
        return Document(kind, rel, slug, None, {}, {}, problems=(
            error(rel, (1, 1), "unterminated-front-matter", "Der Kopfbereich (Front Matter) wird nicht geschlossen",
                  "Beende die Angaben mit einer Zeile, die nur '---' enthält"),))
    data, value_pos, key_pos, yaml_problems = parse_yaml("\n".join(lines[1:close]), rel, line_offset=1)
    value_pos.setdefault((), (1, 1))
    if data is None and not yaml_problems:
        data = {}
    body_line = close + 2
    body = "\n".join(lines[close + 1:])
    return Document(kind, rel, slug, data, value_pos, key_pos, body, body_line,
                    split_sections(body, body_line), tuple(yaml_problems))


def load_yaml_file(file: Path, rel: str, kind: str) -> Document:
    """Load a whole YAML file (vocabulary, config) with positions."""
    text, problems = read_text(file, rel)
    if text is None:
        return Document(kind, rel, file.stem, None, {}, {}, problems=tuple(problems))
    data, value_pos, key_pos, yaml_problems = parse_yaml(text, rel)
    value_pos.setdefault((), (1, 1))
    return Document(kind, rel, file.stem, data, value_pos, key_pos, problems=tuple(yaml_problems))


def _content_files(root: Path) -> tuple[list[tuple[Path, str]], list[Diagnostic]]:
    found, problems = [], []
    for folder, kind in CONTENT_FOLDERS.items():
        base = root / folder
        if not base.is_dir():
            continue
        for file in sorted(base.iterdir()):
            rel = file.relative_to(root).as_posix()
            if file.is_dir() or file.name.startswith("."):
                continue  # a case's own folder holds its images
            if file.is_symlink() and not file.resolve().is_relative_to(root.resolve()):
                problems.append(error(rel, (1, 1), "outside-repository",
                                      "Die Datei verweist auf einen Ort außerhalb des Projekts",
                                      "Lege die Datei selbst in den Ordner statt einer Verknüpfung"))
                continue
            if file.suffix != ".md":
                problems.append(error(rel, (1, 1), "bad-filename",
                                      f"Dateien in {folder}/ müssen auf .md enden",
                                      f"Benenne die Datei um in {file.stem.lower()}.md"))
                continue
            found.append((file, kind))
    content = root / "content"
    if content.is_dir():
        found.extend((f, PAGE) for f in sorted(content.glob("*.md")))
    return found, problems


def load_project(root: Path, memo: Memo | None = None) -> Source:
    """Read all content, vocabularies and mkdocs.yml below ``root``; ``memo`` keeps unchanged entries' parses."""
    files, problems = _content_files(root)
    documents = tuple(load_document(f, f.relative_to(root).as_posix(), kind, memo) for f, kind in files)
    vocab_dir = root / "content" / "vocabularies"
    vocabularies = tuple(
        load_yaml_file(f, f.relative_to(root).as_posix(), VOCABULARY)
        for f in sorted(vocab_dir.glob("*.yml"))
    ) if vocab_dir.is_dir() else ()
    config_file = root / "mkdocs.yml"
    config = load_yaml_file(config_file, "mkdocs.yml", CONFIG) if config_file.is_file() else None
    return Source(str(root), documents, vocabularies, config, tuple(problems))
