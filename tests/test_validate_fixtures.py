"""Every broken fixture gets exactly the expected diagnostics, word for word; every diagnostic code has a fixture."""

from __future__ import annotations

import ast
import copy
import shutil

import pytest
import yaml

from generator import pipeline, validate
from generator.diagnostics import codes
from generator.load import load_document
from generator.schema import resolve_schema

from .conftest import FIXTURES, REPO, TODAY, copy_project

INVALID = FIXTURES / "invalid"
# path: [[line, column, code, message, hint], ...]
EXPECTED: dict[str, list[list]] = yaml.safe_load((INVALID / "expected.yml").read_text("utf-8"))
# These two fixtures are about the file name itself, which cannot also carry the code.
NAMED_FOR_THEIR_NAME = {"cases/Bad_Name.md", "cases/notizen.txt"}
# Phrases of jsonschema's and PyYAML's English messages; none may reach a content author.
ENGLISH = ("is not", "expected", "found", "failed validating", "does not match", "is too", "should be",
           "not allowed", "could not", "while scanning", "while parsing", "mapping values", "sequence entries",
           "undefined alias", "tab character", "end of stream", "additional properties", "is a required property")
# Codes that need a whole broken project to trigger; test_validate_project.py covers them.
PROJECT_LEVEL_CODES = {"missing-vocabulary", "missing-config", "bad-slug", "broken-link", "file-too-large", "unsafe-config",
                       "engine-warning"}
# Codes that depend on the machine; test_warnings.py covers them.
MACHINE_CODES = {"card-fit-skipped"}
# Defensive codes with no content that reaches them on purpose (a read error, a schema rule we have not used).
UNREACHABLE_BY_CONTENT = {"unreadable", "invalid-value"}
# Codes of `cimis from-issue`, about an issue's text rather than a file; test_issue_forms.py triggers each.
FROM_ISSUE_CODES = {"issue-form", "issue-value", "existing-entry", "no-consent"}


@pytest.fixture(scope="module")
def diagnostics_by_path(tmp_path_factory) -> dict[str, list]:
    root = copy_project(tmp_path_factory.mktemp("invalid") / "project")
    for rel in EXPECTED:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(INVALID / rel, root / rel)
    found: dict[str, list] = {}
    for d in pipeline.check(root, TODAY):
        found.setdefault(d.path, []).append(d)
    return found


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_fixture_gives_expected_diagnostics(rel: str, diagnostics_by_path) -> None:
    got = sorted((d.line, d.column, d.code, d.message, d.hint) for d in diagnostics_by_path.get(rel, []))
    assert got == sorted(tuple(e) for e in EXPECTED[rel])


def test_no_diagnostics_outside_fixtures(diagnostics_by_path) -> None:
    assert set(diagnostics_by_path) <= set(EXPECTED)


def test_every_fixture_file_is_listed() -> None:
    files = {p.relative_to(INVALID).as_posix() for p in INVALID.rglob("*") if p.is_file()} - {"expected.yml"}
    assert files == set(EXPECTED)


def _codes_used_in_generator() -> set[str]:
    used = set()
    for file in (REPO / "generator").glob("*.py"):
        for node in ast.walk(ast.parse(file.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("error", "warning"):
                code = node.args[2] if len(node.args) > 2 else None
                assert isinstance(code, ast.Constant), f"{file.name}:{node.lineno}: code must be a literal"
                used.add(code.value)
    return used


def test_every_code_is_registered_and_explained() -> None:
    used = _codes_used_in_generator()
    assert used, "no error() calls found"
    assert used == set(codes())


def test_every_code_has_a_fixture() -> None:
    covered = {entry[2] for entries in EXPECTED.values() for entry in entries}
    assert set(codes()) - covered - PROJECT_LEVEL_CODES - MACHINE_CODES - UNREACHABLE_BY_CONTENT - FROM_ISSUE_CODES == set()


def test_human_message_is_pinned(diagnostics_by_path) -> None:
    (d,) = diagnostics_by_path["cases/unknown-value-district.md"]
    assert (d.path, d.line, d.column) == ("cases/unknown-value-district.md", 8, 11)
    assert d.message == "district 'dresdn' ist kein Wert des Vokabulars 'districts'"
    assert d.hint == "Meintest du 'dresden'? Erlaubte Werte stehen in content/vocabularies/districts.yml"


def test_shipped_content_passes_strict() -> None:
    assert pipeline.check(REPO, TODAY) == ()


def test_fixture_names_start_with_their_first_code() -> None:
    for rel, entries in EXPECTED.items():
        if rel in NAMED_FOR_THEIR_NAME:
            continue
        first = min(entries)[2]
        stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        assert stem == first or stem.startswith(f"{first}-"), f"{rel}: rename to {first}-….md"


def test_no_diagnostic_shows_english_library_text(diagnostics_by_path) -> None:
    texts = [text for found in diagnostics_by_path.values() for d in found for text in (d.message, d.hint) if text]
    assert len(texts) > 2 * len(EXPECTED) - 10
    for text in texts:
        assert not [p for p in ENGLISH if p in text.lower()], text


def test_a_schema_rule_without_its_own_message_says_in_german_what_belongs_there() -> None:
    """The invalid-value fallback: no content reaches it today, so a schema rule it has no message for is added."""
    doc = load_document(FIXTURES.parent.parent / "methods" / "persona.md", "methods/persona.md", "method")
    schema = copy.deepcopy(resolve_schema("method", {}, TODAY))
    field = schema["properties"]["duration"]["properties"]["min"]
    field.update(multipleOf=7, description="Die kürzeste Dauer in Minuten, in Wochen gerechnet.")
    (d,) = validate._schema_problems(doc, validate._validator(schema))
    duration_line = next(i for i, line in enumerate((REPO / doc.path).read_text("utf-8").split("\n"), 1)
                         if line.startswith("duration:"))
    assert (d.code, d.line) == ("invalid-value", duration_line)
    assert d.message == "Der Wert von 'duration.min' ist so nicht erlaubt"
    assert d.hint == "Passe den Wert an: Die kürzeste Dauer in Minuten, in Wochen gerechnet."
    assert not [p for p in ENGLISH if p in f"{d.message} {d.hint}".lower()]
