"""Files → documents: read every source file once, keeping the position of every key and value."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, error
from .model import CASE, CONFIG, METHOD, PAGE, VOCABULARY, Document, KeyPath, Pos, Section, Source

MAX_FILE_BYTES = 1_000_000
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FENCE_RE = re.compile(r"^\s*(```|~~~)")
HEADING_RE = re.compile(r"^##\s+(.+?)\s*#*\s*$")
DELIMITER_RE = re.compile(r"^---\s*$")
CLOSING_RE = re.compile(r"^(---|\.\.\.)\s*$")
ORDERED_ITEM_RE = re.compile(r"^(\d{1,3})[.)]\s+(.*)$")
BULLET_RE = re.compile(r"^[-*+]\s+(.*)$")

CONTENT_FOLDERS = {"cases": CASE, "methods": METHOD}

# PyYAML's English problem texts, translated for content authors.
_YAML_PROBLEMS = {
    "mapping values are not allowed in this context": (
        "Ein Doppelpunkt steht an einer Stelle, an der YAML keinen erwartet",
        "Setze den Text in Anführungszeichen, z. B. title: \"Wie geht das: ein Beispiel\"",
    ),
    "found a tab character that violates indentation": (
        "Tabulatorzeichen sind in YAML nicht erlaubt",
        "Rücke mit Leerzeichen statt Tabs ein",
    ),
    "mapping values are not allowed here": (
        "Ein Doppelpunkt steht an einer Stelle, an der YAML keinen erwartet",
        "Setze den Text in Anführungszeichen, z. B. title: \"Wie geht das: ein Beispiel\"",
    ),
    "found character '\\t' that cannot start any token": (
        "Tabulatorzeichen sind in YAML nicht erlaubt",
        "Rücke mit Leerzeichen statt Tabs ein",
    ),
    "could not find expected ':'": (
        "Hier fehlt ein Doppelpunkt nach dem Schlüssel",
        "Schreibe jede Angabe als 'schluessel: wert'",
    ),
    "found unexpected end of stream": (
        "Ein Anführungszeichen oder eine Klammer wurde nicht geschlossen",
        "Schließe jedes \" ' [ und { in derselben Angabe",
    ),
}


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


def _yaml_problem(exc: yaml.YAMLError, path: str, line_offset: int) -> Diagnostic:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    pos = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
    if isinstance(exc, _AliasError):
        return error(path, pos, "yaml-alias", "YAML-Anker und -Aliase (& und *) sind nicht erlaubt",
                     "Schreibe den Wert aus, statt ihn mit * zu wiederholen")
    problem = str(getattr(exc, "problem", "") or exc)
    message, hint = _YAML_PROBLEMS.get(problem, (f"YAML-Syntaxfehler: {problem}",
                                                 "Prüfe Einrückung, Doppelpunkte und Anführungszeichen"))
    return error(path, pos, "yaml-syntax", message, hint)


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
        return None, {}, {}, [_yaml_problem(exc, path, line_offset)]
    except RecursionError:
        return None, {}, {}, [error(path, (1 + line_offset, 1), "yaml-syntax",
                                    "Die Angaben sind zu tief verschachtelt", "Vereinfache die Struktur")]
    if converter.aliased:
        data = None
    return data, converter.value_pos, converter.key_pos, converter.problems


def read_text(file: Path, rel: str) -> tuple[str | None, list[Diagnostic]]:
    """Read a UTF-8 file (BOM and CRLF allowed) or explain why it cannot be read."""
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            return None, [error(rel, (1, 1), "file-too-large",
                                f"Die Datei ist größer als {MAX_FILE_BYTES // 1_000_000} MB",
                                "Kürze den Text oder lege große Dateien woanders ab")]
        raw = file.read_bytes()
    except OSError as exc:
        return None, [error(rel, (1, 1), "unreadable", f"Die Datei lässt sich nicht lesen: {exc.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [error(rel, (line, column), "not-utf8", "Die Datei ist nicht in UTF-8 kodiert",
                            "Speichere sie im Editor mit der Kodierung UTF-8")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


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


def image_folders(root: Path, case_slug: str) -> tuple[Path, Path]:
    """Where a case's images may lie: the case's own folder, then content/images/."""
    return root / "cases" / case_slug, root / "content" / "images"


def load_document(file: Path, rel: str, kind: str) -> Document:
    """Load one Markdown file with YAML front matter."""
    slug = file.stem
    text, problems = read_text(file, rel)
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
            error(rel, (1, 1), "no-front-matter", "Die Datei beginnt nicht mit einem Front-Matter-Block",
                  "Die erste Zeile muss genau '---' sein, danach folgen die Angaben und wieder '---'"),))
    close = next((i for i in range(1, len(lines)) if CLOSING_RE.match(lines[i])), None)
    if close is None:
        return Document(kind, rel, slug, None, {}, {}, problems=(
            error(rel, (1, 1), "unterminated-front-matter", "Der Front-Matter-Block wird nicht geschlossen",
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


def load_project(root: Path) -> Source:
    """Read all content, vocabularies and mkdocs.yml below ``root``."""
    files, problems = _content_files(root)
    documents = tuple(load_document(f, f.relative_to(root).as_posix(), kind) for f, kind in files)
    vocab_dir = root / "content" / "vocabularies"
    vocabularies = tuple(
        load_yaml_file(f, f.relative_to(root).as_posix(), VOCABULARY)
        for f in sorted(vocab_dir.glob("*.yml"))
    ) if vocab_dir.is_dir() else ()
    config_file = root / "mkdocs.yml"
    config = load_yaml_file(config_file, "mkdocs.yml", CONFIG) if config_file.is_file() else None
    return Source(str(root), documents, vocabularies, config, tuple(problems))
