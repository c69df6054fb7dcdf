"""Advice-level rules are warnings: `cimis check` passes with them, `cimis check --strict` fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator import cli

from .conftest import FIXTURES, REPO

CASE = "cases/webereimuseum-ar-webstuhl.md"


def _check(root: Path, *flags: str) -> tuple[int, list[dict]]:
    result = subprocess.run([sys.executable, "-m", "generator", "check", "--root", str(root), "--format", "json",
                             *flags], capture_output=True, text=True, cwd=REPO, check=False)
    return result.returncode, json.loads(result.stdout)


def _append_to_section(file: Path, heading: str, text: str) -> int:
    """Insert ``text`` after the paragraph under ``heading``; returns its line number."""
    lines = file.read_text("utf-8").split("\n")
    at = lines.index(heading) + 2
    lines[at:at] = [text, ""]
    file.write_text("\n".join(lines), "utf-8")
    return at + 1


@pytest.mark.parametrize("strict, exit_code", [((), 0), (("--strict",), 1)])
def test_http_link_is_a_warning(project: Path, strict: tuple, exit_code: int) -> None:
    line = _append_to_section(project / CASE, "## Ergebnis", "Mehr beim [Museumsverband](http://museumsverband.example.org/).")
    code, found = _check(project, *strict)
    assert code == exit_code
    assert found == [{"path": CASE, "line": line, "column": 28, "severity": "warning", "code": "insecure-link",
                      "message": "Der Link 'http://museumsverband.example.org/' ist unverschlüsselt (http://)",
                      "hint": "Schreibe https:// statt http://, wenn die Website es anbietet"}]


@pytest.mark.parametrize("strict, exit_code", [((), 0), (("--strict",), 1)])
def test_image_without_credit_is_a_warning(project: Path, strict: tuple, exit_code: int) -> None:
    file = project / CASE
    (project / "content" / "images").mkdir(exist_ok=True)
    (project / "content" / "images" / "webstuhl.png").write_bytes((FIXTURES / "pixel.png").read_bytes())
    text = file.read_text("utf-8").replace("\nupdated:", "\nimage:\n  src: webstuhl.png\n  alt: Ein alter Webstuhl im Museum\nupdated:", 1)
    file.write_text(text, "utf-8")
    line = text.split("\n").index("image:") + 1
    code, found = _check(project, *strict)
    assert code == exit_code
    assert found == [{"path": CASE, "line": line, "column": 1, "severity": "warning", "code": "image-credit",
                      "message": "Das Titelbild hat keinen Bildnachweis",
                      "hint": "Ergänze unter image z. B. credit: \"Foto: Vorname Name\" und nutze Bilder nur mit Erlaubnis"}]


def _check_without_pango(root: Path, *flags: str) -> subprocess.CompletedProcess:
    # An empty cache of its own: fits measured earlier on this machine would hide that none can be measured.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FIXTURES / "no_pango"), str(REPO)]),
           "CIMIS_CACHE_DIR": str(root.parent / "empty-cache")}
    return subprocess.run([sys.executable, "-m", "generator", "check", "--root", str(root), *flags],
                          capture_output=True, text=True, cwd=REPO, env=env, check=False)


def test_check_without_pango_warns_and_strict_fails(project: Path) -> None:
    """Without WeasyPrint/Pango, check still reports everything else; only the print fit is skipped."""
    result = _check_without_pango(project)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "card-fit-skipped" in line]
    assert len(lines) == 1
    assert lines[0].startswith("methods:1:1: warning[card-fit-skipped] Ob die ")
    assert "cannot load library 'libpango-1.0-0'" in lines[0]
    assert "Prüfung bestanden: 0 Fehler, 1 Warnungen" in result.stderr
    assert _check_without_pango(project, "--strict").returncode == 1


def test_check_without_pango_still_places_a_broken_case(project: Path) -> None:
    file = project / CASE
    text = file.read_text("utf-8")
    line = next(i for i, l in enumerate(text.split("\n"), 1) if l.startswith("district:"))
    file.write_text(text.replace("\ndistrict: ", "\ndistrict: dresdn #", 1), "utf-8")
    result = _check_without_pango(project)
    assert result.returncode == 1
    assert f"{CASE}:{line}:11: error[unknown-value] district 'dresdn' ist kein Wert des Vokabulars 'districts'" \
        in result.stderr
    assert "card-fit-skipped" in result.stderr


def test_the_shipped_content_has_no_warnings() -> None:
    assert cli.main(["check", "--root", str(REPO), "--strict"]) == 0
