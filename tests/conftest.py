"""Fixtures follow the pipeline: a project folder → its checked source → its built site."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from generator import pipeline

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = dt.date(2026, 11, 29)
PROJECT_PARTS = ("cases", "methods", "formats", "content", "mkdocs.yml")


def copy_project(target: Path) -> Path:
    """Copy the shipped content (not the code) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.is_file():
            shutil.copy2(source, target / part)
    return target


@pytest.fixture(scope="session", autouse=True)
def empty_cache(tmp_path_factory: pytest.TempPathFactory):
    """A cache folder of the test run's own, empty at the start: the user's ~/.cache/cimis is never touched.

    Autouse at session scope, so it is set up before any other session fixture builds; subprocesses
    started by tests inherit it through the environment.
    """
    # Under pytest-xdist the workers share one cache (its writes are atomic), so each card is laid out once.
    base = tmp_path_factory.getbasetemp()
    folder = base.parent / "cache" if os.environ.get("PYTEST_XDIST_WORKER") else base / "cache"
    folder.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CIMIS_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private, writable copy of the shipped project."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, empty_cache: Path) -> Path:
    """The shipped content built once into a temporary folder."""
    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    outcome = pipeline.build(root, TODAY)
    assert not outcome.failed, outcome.diagnostics
    return root / "site"


@pytest.fixture(scope="session")
def offline_bundle(tmp_path_factory: pytest.TempPathFactory, empty_cache: Path) -> Path:
    """The shipped content built once as the offline bundle (``cimis build --offline``)."""
    root = copy_project(tmp_path_factory.mktemp("offline") / "project")
    out = root / "offline"
    outcome = pipeline.build(root, TODAY, out=out, offline=True)
    assert not outcome.failed, outcome.diagnostics
    return out


FORMAT_FIXTURES = FIXTURES / "formats"
# The case that the formats site names a fixture format in, and that format.
FORMAT_CASE = ("buecherei-website-card-sorting", "ideenabend-test")


def copy_project_with_formats(target: Path) -> Path:
    """The shipped project plus the two test formats, and one case that names the first of them."""
    root = copy_project(target)
    (root / "formats").mkdir(exist_ok=True)
    for file in sorted(FORMAT_FIXTURES.glob("*.md")):
        shutil.copy2(file, root / "formats" / file.name)
    case_file = root / "cases" / f"{FORMAT_CASE[0]}.md"
    text = case_file.read_text("utf-8")
    end = text.index("\n---", 3)
    case_file.write_text(text[:end] + f"\nformat: {FORMAT_CASE[1]}" + text[end:], "utf-8")
    return root


@pytest.fixture(scope="session")
def formats_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content plus the test formats, built once into a temporary folder."""
    root = copy_project_with_formats(tmp_path_factory.mktemp("formats") / "project")
    outcome = pipeline.build(root, TODAY)
    assert not outcome.failed, outcome.diagnostics
    return root / "site"
