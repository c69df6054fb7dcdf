"""The preview's memo: an edit parses, checks and renders only what it changed, and the answers stay exactly
those of a run without memo (a new problem is never hidden, a changed page never left stale)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from generator import link, load, pipeline, validate
from generator.cache import Memo
from generator.load import load_project
from generator.records import to_content

from .conftest import TODAY

CASE = "cases/tischlerei-azubi-werkstattvideos.md"


def edit(root: Path, path: str, old: str, new: str) -> None:
    file = root / path
    text = file.read_text("utf-8")
    assert old in text, f"{old!r} is not in {path}"
    file.write_text(text.replace(old, new), "utf-8")


def check(root: Path, memo: Memo | None) -> tuple:
    found = pipeline.diagnose(load_project(root, memo), TODAY, memo)
    if memo is not None:
        memo.finish_run()
    return found


def staged(root: Path, memo: Memo | None) -> dict[str, bytes]:
    source = load_project(root, memo)
    files = pipeline.stage(to_content(source), TODAY, memo=memo).files
    if memo is not None:
        memo.finish_run()
    return files


@pytest.fixture
def counted(monkeypatch) -> dict[str, list[str]]:
    """The files parsed and the entries checked, by path, since the last clear."""
    calls: dict[str, list[str]] = {"parsed": [], "checked": []}
    parse, problems = load.document_from_bytes, validate._document_problems

    def parse_counted(raw: bytes, rel: str, kind: str):
        calls["parsed"].append(rel)
        return parse(raw, rel, kind)

    def problems_counted(doc, *args):
        calls["checked"].append(doc.path)
        return problems(doc, *args)

    monkeypatch.setattr(load, "document_from_bytes", parse_counted)
    monkeypatch.setattr(validate, "_document_problems", problems_counted)
    return calls


def test_an_edit_parses_and_checks_only_the_edited_entry(project: Path, counted) -> None:
    memo = Memo()
    assert check(project, memo) == ()
    entries = len(counted["parsed"])
    assert entries > 40 and sorted(counted["checked"]) == sorted(counted["parsed"])
    counted["parsed"].clear(), counted["checked"].clear()
    edit(project, CASE, "year: 2024", "year: zweitausendvierundzwanzig")
    found = check(project, memo)
    assert counted == {"parsed": [CASE], "checked": [CASE]}
    assert [(d.path, d.code) for d in found] == [(CASE, "wrong-type")] == [(d.path, d.code) for d in check(project, None)]


def test_what_lies_beyond_the_entry_is_part_of_the_key(project: Path) -> None:
    memo = Memo()
    assert check(project, memo) == ()
    # The case is unchanged, but a method it names is gone: it has to be checked again.
    method = project / "methods" / "storyboard.md"
    text = method.read_text("utf-8")
    method.unlink()
    found = check(project, memo)
    assert (CASE, "unknown-method") in [(d.path, d.code) for d in found] and found == check(project, None)
    method.write_text(text, "utf-8")
    assert check(project, memo) == ()
    # An image the case names appears: the file names are part of the key, though no entry changed.
    edit(project, CASE, "\nformat:", '\nimage:\n  src: werkstatt.jpg\n  alt: Azubis an der Hobelbank\n'
                                     '  credit: "Foto: Beispiel"\nformat:')
    assert [(d.path, d.code) for d in check(project, memo)] == [(CASE, "missing-file")]
    (project / "cases" / Path(CASE).stem).mkdir()
    (project / "cases" / Path(CASE).stem / "werkstatt.jpg").write_bytes(b"\xff\xd8\xff\xe0 kein echtes Bild")
    assert check(project, memo) == check(project, None) == ()


def test_rendered_pages_match_a_run_without_memo(project: Path, built_site: Path, monkeypatch) -> None:
    # built_site: the card PDFs are in the cache by then, as in a preview (they are not the point here).
    memo = Memo()
    assert staged(project, memo) == staged(project, None)
    rendered: list[str] = []
    real = jinja2.Template.render

    def render_counted(self, *args, **values) -> str:
        rendered.append(values.get("here", "?"))
        return real(self, *args, **values)

    edit(project, CASE, "title: Tischlerei findet Azubis", "title: Schreinerei findet Azubis")
    monkeypatch.setattr(jinja2.Template, "render", render_counted)
    with_memo = staged(project, memo)
    monkeypatch.undo()
    assert with_memo == staged(project, None)
    assert "Schreinerei findet Azubis" in with_memo["faelle/index.md"].decode("utf-8")
    # The case's own page and the lists and pages naming it, not every page.
    assert "faelle/tischlerei-azubi-werkstattvideos.md" in rendered and "faelle/index.md" in rendered
    assert 2 < len(rendered) < len(with_memo) // 4, rendered


def test_related_cases_are_kept_until_a_case_changes_what_relates_it(project: Path, monkeypatch) -> None:
    computed = []
    real = link._related_all
    monkeypatch.setattr(link, "_related_all", lambda cases, *args: computed.append(1) or real(cases, *args))
    memo = Memo()

    def related(memo: Memo | None):
        found = link.build_index(to_content(load_project(project)), memo).related_cases
        if memo is not None:
            memo.finish_run()
        return found

    related(memo)
    edit(project, CASE, "title: Tischlerei findet Azubis", "title: Schreinerei findet Azubis")
    computed.clear()
    kept = related(memo)
    assert not computed and kept == related(None)
    edit(project, CASE, "methods: [persona, empathy-map, storyboard]", "methods: [card-sorting, world-cafe]")
    computed.clear()
    changed = related(memo)
    assert computed and changed == related(None) and changed != kept


def _environment(folder: Path, **options) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), **options)


def test_compiled_templates_are_kept_and_follow_their_source_and_options(tmp_path: Path, monkeypatch) -> None:
    from generator.cache import keep_compiled_templates

    monkeypatch.setenv("CIMIS_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "t").mkdir()
    template = tmp_path / "t" / "page.html"
    template.write_text("{% if true %}\nHallo {{ name }}\n{% endif %}\n", "utf-8")
    first = keep_compiled_templates(_environment(tmp_path / "t"), "test")
    assert first.get_template("page.html").render(name="Welt") == "\nHallo Welt\n"
    assert len(list((tmp_path / "cache" / "templates").rglob("*.cache"))) == 1  # kept
    # Another environment with the same options reads the kept code; its output stays that of the source.
    again = keep_compiled_templates(_environment(tmp_path / "t"), "test")
    assert again.get_template("page.html").render(name="Welt") == "\nHallo Welt\n"
    # Options that change the compiled code (here the lexer's) get code of their own, not the kept one.
    trimmed = keep_compiled_templates(_environment(tmp_path / "t", trim_blocks=True), "test")
    assert trimmed.get_template("page.html").render(name="Welt") == "Hallo Welt\n"
    # An edited template is compiled again.
    template.write_text("Servus {{ name }}", "utf-8")
    assert keep_compiled_templates(_environment(tmp_path / "t"), "test").get_template("page.html").render(
        name="Welt") == "Servus Welt"
    monkeypatch.setenv("CIMIS_CACHE_DIR", "")  # caching off: nothing kept, nothing asked
    assert keep_compiled_templates(_environment(tmp_path / "t"), "test").bytecode_cache is None
