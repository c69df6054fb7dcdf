"""CI and the GitHub workflows run exactly the commands README's Schnellstart documents."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import REPO


def schnellstart_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("## Schnellstart", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def run_steps(workflow: str) -> list[str]:
    data = yaml.safe_load((REPO / ".github" / "workflows" / workflow).read_text("utf-8"))
    return [step["run"].strip() for job in data["jobs"].values() for step in job["steps"] if "run" in step]


def test_ci_runs_the_readme_test_command() -> None:
    build, test = schnellstart_blocks()[:2]
    lines = [l for l in (REPO / ".ci" / "run").read_text("utf-8").splitlines() if l and not l.startswith("#")]
    assert lines[-1] == test


def test_workflows_build_with_the_readme_command_and_annotate() -> None:
    build = schnellstart_blocks()[0]
    pull_request, deploy = run_steps("pruefung.yml"), run_steps("veroeffentlichen.yml")
    assert build in pull_request and build in deploy
    assert ".venv/bin/cimis check --format github --strict" in pull_request
    assert pull_request.index(".venv/bin/cimis check --format github --strict") < pull_request.index(build)


def test_pull_requests_are_built_with_both_engines() -> None:
    pull_request = run_steps("pruefung.yml")
    zensical = ".venv/bin/cimis build --engine zensical --out site-zensical"
    assert zensical in pull_request
    assert pull_request.index(schnellstart_blocks()[0]) < pull_request.index(zensical)


def test_zizmor_finds_nothing_in_the_workflows() -> None:
    """Actions pinned to commits, least permissions, no persisted credentials (zizmor, offline)."""
    zizmor = Path(sys.executable).with_name("zizmor")
    result = subprocess.run([str(zizmor), "--offline", "--format", "json", str(REPO / ".github" / "workflows")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []
