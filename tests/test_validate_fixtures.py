"""Every broken fixture gets exactly the expected diagnostics; every diagnostic code has a fixture."""

from __future__ import annotations

import ast
import shutil

import pytest
import yaml

from generator import pipeline
from generator.diagnostics import codes

from .conftest import FIXTURES, REPO, TODAY, copy_project

INVALID = FIXTURES / "invalid"
EXPECTED: dict[str, list[list]] = yaml.safe_load((INVALID / "expected.yml").read_text("utf-8"))
# Codes that need a whole broken project to trigger; test_validate_project.py covers them.
PROJECT_LEVEL_CODES = {"missing-vocabulary", "missing-config", "bad-slug", "broken-link", "file-too-large", "unsafe-config",
                       "engine-warning"}
# Codes that depend on the machine; test_warnings.py covers them.
MACHINE_CODES = {"card-fit-skipped"}
# Defensive codes with no content that reaches them on purpose (a read error, a schema rule we have not used).
UNREACHABLE_BY_CONTENT = {"unreadable", "invalid-value"}


@pytest.fixture(scope="module")
def diagnostics_by_path(tmp_path_factory) -> dict[str, list]:
    root = copy_project(tmp_path_factory.mktemp("invalid") / "project")
    for rel in EXPECTED:
        shutil.copy2(INVALID / rel, root / rel)
    found: dict[str, list] = {}
    for d in pipeline.check(root, TODAY):
        found.setdefault(d.path, []).append(d)
    return found


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_fixture_gives_expected_diagnostics(rel: str, diagnostics_by_path) -> None:
    got = sorted((d.line, d.column, d.code) for d in diagnostics_by_path.get(rel, []))
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
    covered = {code for entries in EXPECTED.values() for _, _, code in entries}
    assert set(codes()) - covered - PROJECT_LEVEL_CODES - MACHINE_CODES - UNREACHABLE_BY_CONTENT == set()


def test_human_message_is_pinned(diagnostics_by_path) -> None:
    (d,) = diagnostics_by_path["cases/unknown-value-district.md"]
    assert (d.path, d.line, d.column) == ("cases/unknown-value-district.md", 8, 11)
    assert d.message == "district 'dresdn' ist kein Wert des Vokabulars 'districts'"
    assert d.hint == "Meintest du 'dresden'? Erlaubte Werte stehen in content/vocabularies/districts.yml"


def test_shipped_content_passes_strict() -> None:
    assert pipeline.check(REPO, TODAY) == ()
