"""Project-level problems and the loader's handling of awkward files."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import jsonschema
import pytest
import yaml

from generator import load, pipeline, validate
from generator.load import load_document, parse_yaml

from .conftest import HOSTILE_CASE, TODAY


def _codes(root: Path) -> set[tuple[str, str]]:
    return {(d.path, d.code) for d in pipeline.check(root, TODAY)}


def test_missing_vocabulary_and_config(project: Path) -> None:
    (project / "content" / "vocabularies" / "topics.yml").unlink()
    (project / "mkdocs.yml").unlink()
    found = _codes(project)
    assert ("content/vocabularies/topics.yml", "missing-vocabulary") in found
    assert ("mkdocs.yml", "missing-config") in found


def test_bad_vocabulary_slug_points_at_the_key(project: Path) -> None:
    file = project / "content" / "vocabularies" / "topics.yml"
    file.write_text(file.read_text("utf-8") + "Neues Thema:\n  label: Neu\n", "utf-8")
    lines = file.read_text("utf-8").splitlines()
    (d,) = [d for d in pipeline.check(project, TODAY) if d.code == "bad-slug"]
    assert (d.path, d.line, d.column) == ("content/vocabularies/topics.yml", len(lines) - 1, 1)


def test_file_too_large_is_refused_unread(project: Path) -> None:
    (project / "cases" / "riesig.md").write_text("---\n" + "x" * 1_100_000, "utf-8")
    found = _codes(project)
    # Refused before it is read: no YAML or schema problem is reported for it.
    assert {code for path, code in found if path == "cases/riesig.md"} == {"file-too-large"}


def test_billion_laughs_is_refused_at_the_first_alias() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    data, value_pos, _, problems = parse_yaml(text, "x.yml")
    # Nothing is expanded: no data, and positions only for what was read before the first alias.
    assert data is None and [(p.line, p.code) for p in problems] == [(2, "yaml-alias")]
    assert len(value_pos) < 20


# YAML mistakes content authors make, with the German message both parsers (libyaml and PyYAML's own) give.
YAML_MISTAKES = [
    ('title: "Wie geht das\nyear: 2024\n', (1, 8), "Das Anführungszeichen \" wird nicht geschlossen"),
    ("topics: [website, onlineshop\nyear: 2024\n", (1, 9), "Die Liste in [ ] ist nicht richtig geschlossen"),
    ("organisation:\n  name: x\n  - type: y\n", (3, 3), "Ein Listeneintrag (- …) steht zwischen Angaben mit Schlüssel"),
    ('title: "Der" beste Fall\n', (1, 14), "Nach dem schließenden \" geht die Zeile weiter"),
    ("tagline: *Kurz* und knapp\n", (1, 10), "Ein * oder & am Anfang eines Werts liest YAML als Anker oder Verweis"),
    ("description: | Text\n", (1, 16), "Nach | oder > steht in derselben Zeile noch Text"),
    ("title: @cimis\n", (1, 8), "Ein Wert darf nicht mit @ beginnen"),
    ("title: x\nyear\nstatus: laufend\n", (2, 1), "Nach dem Schlüssel fehlt der Doppelpunkt"),
]


@pytest.mark.parametrize("composer", ["libyaml", "python"])
@pytest.mark.parametrize("text, position, message", YAML_MISTAKES)
def test_yaml_mistakes_are_explained_in_german(monkeypatch, composer: str, text: str, position, message: str) -> None:
    if composer == "python":
        monkeypatch.setattr(load, "_COMPOSER", load._Loader)
    _, _, _, (problem,) = parse_yaml(text, "x.yml")
    assert ((problem.line, problem.column), problem.message) == (position, message)
    assert problem.hint


def test_an_unknown_yaml_problem_gets_a_german_message_without_pyyaml_text() -> None:
    mark = yaml.Mark("x.yml", 0, 0, 0, None, None)
    exc = yaml.MarkedYAMLError("while doing something new", mark, "found something unheard of", mark)
    problem = load._yaml_problem(exc, "x.yml", 0, "title: x\n")
    assert problem.message == "Diese Zeile ist kein gültiges YAML"
    assert "found" not in f"{problem.message} {problem.hint}"


def test_positions_are_kept_for_nested_values(tmp_path: Path) -> None:
    file = tmp_path / "f.md"
    file.write_text("---\ntitle: T\norganisation:\n  name: N\ncreatives:\n  - name: A\n    submarket: x\n---\nText\n",
                    "utf-8")
    doc = load_document(file, "cases/f.md", "case")
    assert doc.pos(("organisation", "name")) == (4, 9)
    assert doc.pos(("creatives", 0, "submarket")) == (7, 16)
    assert doc.key_position(("organisation",)) == (3, 1)
    assert doc.body_line == 9


def test_crlf_and_bom_give_the_same_document(tmp_path: Path) -> None:
    text = "---\ntitle: T\n---\n\n## A\n\nText\n"
    plain, windows = tmp_path / "a.md", tmp_path / "b.md"
    plain.write_text(text, "utf-8")
    windows.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    a, b = load_document(plain, "a.md", "case"), load_document(windows, "a.md", "case")
    assert (a.data, a.value_pos, a.sections) == (b.data, b.value_pos, b.sections)


def test_symlink_out_of_the_repository_is_refused(project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "geheim.md"
    secret.write_text("---\ntitle: x\n---\n", "utf-8")
    (project / "cases" / "verweis.md").symlink_to(secret)
    assert ("cases/verweis.md", "outside-repository") in _codes(project)


@pytest.mark.parametrize("site", ["formats_site", "zensical_site"])
def test_hostile_front_matter_text_is_inert_in_html(site: str, request) -> None:
    html = (request.getfixturevalue(site) / "faelle" / HOSTILE_CASE / "index.html").read_text("utf-8")
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_schema_cache_never_hides_a_new_problem(project: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CIMIS_CACHE_DIR", str(tmp_path / "cache"))
    assert pipeline.check(project, TODAY) == ()
    assert (tmp_path / "cache" / "schema" / "keys").read_text("ascii").count("\n") >= 40
    file = project / "cases" / "tischlerei-azubi-werkstattvideos.md"
    file.write_text(file.read_text("utf-8").replace("year: 2024", "year: zweitausendvierundzwanzig"), "utf-8")
    assert [(d.path, d.code) for d in pipeline.check(project, TODAY)] == [
        ("cases/tischlerei-azubi-werkstattvideos.md", "wrong-type")]


def test_hooks_and_unknown_plugins_in_mkdocs_yml_are_refused(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    config.write_text(text + "hooks:\n  - hooks/run.py\nplugins:\n  - search\n  - macros\n", "utf-8")
    lines = (text + "hooks:\n").count("\n")
    found = [d for d in pipeline.check(project, TODAY) if d.path == "mkdocs.yml"]
    assert [(d.line, d.column, d.code, d.message, d.hint) for d in found] == [
        (lines, 1, "unsafe-config", "'hooks' in mkdocs.yml würde beim Bauen Python-Code aus dem Repository ausführen",
         "Lösche die Angabe hooks; cimis erzeugt alle Seiten selbst"),
        (lines + 4, 5, "unsafe-config",
         "Das Plugin 'macros' in mkdocs.yml kennt cimis nicht; Plugins führen beim Bauen Code aus",
         "Lösche es aus plugins; erlaubt ist nur: search")]


def _old_code(monkeypatch, tmp_path: Path) -> None:
    """Make the validating code differ from now: validate.py with one more line."""
    old = tmp_path / "validate.py"
    old.write_text(Path(validate.__file__).read_text("utf-8") + "# an older version\n", "utf-8")
    monkeypatch.setattr(validate, "__file__", str(old))


def _old_jsonschema(monkeypatch, tmp_path: Path) -> None:
    """Make the installed jsonschema look like another release."""
    version = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0.1" if name == "jsonschema" else version(name))


@pytest.mark.parametrize("older", [_old_code, _old_jsonschema], ids=["validating-code", "jsonschema-version"])
def test_schema_cache_is_keyed_by_the_validator(project: Path, tmp_path: Path, monkeypatch, older) -> None:
    monkeypatch.setenv("CIMIS_CACHE_DIR", str(tmp_path / "cache"))
    file = project / "cases" / "tischlerei-azubi-werkstattvideos.md"
    file.write_text(file.read_text("utf-8").replace("year: 2024", "year: zweitausendvierundzwanzig"), "utf-8")
    wrong_type = [("cases/tischlerei-azubi-werkstattvideos.md", "wrong-type")]
    with pytest.MonkeyPatch.context() as before:
        # An older validator that missed this error cached the broken entry as valid ...
        older(before, tmp_path)
        before.setattr(jsonschema.Draft7Validator, "iter_errors", lambda self, instance, _schema=None: iter(()))
        assert pipeline.check(project, TODAY) == ()
        # ... and as long as nothing that decides the result changes, that cached answer is used ...
        before.undo()
        older(before, tmp_path)
        assert pipeline.check(project, TODAY) == ()
    # ... but the validator of now checks the entry again.
    assert [(d.path, d.code) for d in pipeline.check(project, TODAY)] == wrong_type


def test_tests_use_an_empty_cache_of_their_own(empty_cache: Path) -> None:
    from generator.cache import cache_dir

    assert cache_dir("schema") == empty_cache / "schema"
