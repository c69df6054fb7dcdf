"""The command-line contract: exit codes, output formats, and a failed build leaving site/ alone."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator import cli

from .conftest import lean_project


def cimis(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def cimis_here(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``cimis`` through the console command's own ``main`` in this process, with its output captured.

    For tests of what a command does: starting Python and importing cimis (and WeasyPrint) again costs about a
    second per call. What only a process shows (exit codes, no traceback) is tested here with ``cimis``.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.chdir(cwd or Path.cwd()):
        try:
            code = cli.main(list(args))
        except SystemExit as exit:  # argparse refusing the arguments
            code = exit.code
    return subprocess.CompletedProcess(["cimis", *args], code, out.getvalue(), err.getvalue())


def break_district(project: Path) -> Path:
    file = project / "cases" / "tischlerei-azubi-werkstattvideos.md"
    file.write_text(file.read_text("utf-8").replace("district: erzgebirgskreis", "district: erzgebirge"), "utf-8")
    return file


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_check_passes_on_shipped_content(project: Path) -> None:
    result = cimis("check", "--root", str(project), "--strict")
    assert result.returncode == 0, result.stderr
    assert "Prüfung bestanden" in result.stderr


def test_human_format_is_one_line_per_problem(project: Path) -> None:
    break_district(project)
    result = cimis("check", "--root", str(project))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "cases/tischlerei-azubi-werkstattvideos.md:8:11: error[unknown-value] district 'erzgebirge' ist kein Wert "
        "des Vokabulars 'districts' (Meintest du 'erzgebirgskreis'? Erlaubte Werte stehen in "
        "content/vocabularies/districts.yml)")
    assert "Traceback" not in result.stderr


def test_json_format(project: Path) -> None:
    break_district(project)
    result = cimis("check", "--root", str(project), "--format", "json")
    assert result.returncode == 1
    (item,) = json.loads(result.stdout)
    assert set(item) == {"path", "line", "column", "severity", "code", "message", "hint"}
    assert (item["path"], item["line"], item["column"], item["severity"], item["code"]) == (
        "cases/tischlerei-azubi-werkstattvideos.md", 8, 11, "error", "unknown-value")


def test_json_format_on_clean_content_is_an_empty_array(project: Path) -> None:
    result = cimis("check", "--root", str(project), "--format", "json")
    assert (result.returncode, json.loads(result.stdout)) == (0, [])


def test_github_format(project: Path) -> None:
    break_district(project)
    result = cimis("check", "--root", str(project), "--format", "github")
    assert result.returncode == 1
    assert result.stdout.startswith(
        "::error file=cases/tischlerei-azubi-werkstattvideos.md,line=8,col=11,title=cimis unknown-value::"
        "[unknown-value] district 'erzgebirge'")


@pytest.mark.parametrize("args", [("frobnicate",), ("check", "--format", "xml"), ("check", "--root", "/nicht/da")])
def test_usage_errors_exit_2(args) -> None:
    result = cimis(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_failed_build_leaves_site_byte_for_byte(tmp_path: Path) -> None:
    # The case that break_district breaks, with the methods and formats (it names some of each): a small site is enough.
    project = lean_project(tmp_path / "project", "methods", "formats", "cases/tischlerei-azubi-werkstattvideos")
    first = cimis("build", "--root", str(project))
    assert first.returncode == 0, first.stderr
    before = tree_digest(project / "site")
    break_district(project)
    second = cimis("build", "--root", str(project))
    assert second.returncode == 1
    assert "site/ blieb unverändert" in second.stderr
    assert tree_digest(project / "site") == before
    assert not [p for p in project.iterdir() if p.name.startswith(".cimis-")]


def test_broken_link_in_body_fails_build_at_source_line(project: Path) -> None:
    file = project / "methods" / "persona.md"
    text = file.read_text("utf-8").replace("## Ablauf", "Siehe [Fehlt](../methods/gibt-es-nicht.md).\n\n## Ablauf")
    file.write_text(text, "utf-8")
    line = text.split("\n").index("Siehe [Fehlt](../methods/gibt-es-nicht.md).") + 1
    result = cimis("build", "--root", str(project))
    assert result.returncode == 1
    assert f"methods/persona.md:{line}:1: error[broken-link]" in result.stderr
    assert not (project / "site").exists()


def test_engine_warning_without_a_doc_file_becomes_a_diagnostic(tmp_path: Path) -> None:
    from generator.build import _engine_diagnostic

    d = _engine_diagnostic("Config value 'theme': something is off", tmp_path)
    assert (d.path, d.line, d.code) == ("mkdocs.yml", 1, "engine-warning")
    assert d.message == "MkDocs meldet: Config value 'theme': something is off"
