"""Fixtures follow the pipeline: a project folder → its checked source → its built site."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from pathlib import Path
from typing import Callable

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


ENTRY_FOLDERS = ("cases", "methods", "formats")


def lean_project(target: Path, *keep: str) -> Path:
    """The shipped pages, vocabularies and configuration with only the entries in ``keep``: a folder
    ("methods") or one entry ("formats/barcamp").

    A build of it takes a fraction of the shipped site's time, and a new method in a project without the
    shipped methods lays out a deck of its own instead of the shipped deck again.
    """
    unknown = [name for name in keep if not ((REPO / name).is_dir() or (REPO / f"{name}.md").is_file())]
    assert not unknown, f"lean_project: no such folder or entry {unknown}"
    root = copy_project(target)
    for folder in ENTRY_FOLDERS:
        for file in (root / folder).glob("*.md"):
            if folder not in keep and f"{folder}/{file.stem}" not in keep:
                file.unlink()
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private, writable copy of the shipped project."""
    return copy_project(tmp_path / "project")


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], Path]) -> Path:
    """``make(folder)`` once per test run; its result (a path) is read-only for every test that uses it.

    Under pytest-xdist the workers share the result: the first to ask builds while holding a lock, the
    others wait and read it. Each build of the shipped site costs about as much as a whole test module.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return make(tmp_path_factory.mktemp(name))
    folder = tmp_path_factory.getbasetemp().parent / name
    done = folder / ".built"
    with open(folder.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)  # a worker that failed half-way left it
            result = make(folder)
            done.write_text(str(result.relative_to(folder)), "utf-8")
        return folder / done.read_text("utf-8")


def _build_shipped(folder: Path, copy: Callable[[Path], Path] = copy_project, **options) -> Path:
    root = copy(folder / "project")
    outcome = pipeline.build(root, TODAY, **options)
    assert not outcome.failed, outcome.diagnostics
    return outcome.out


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, empty_cache: Path) -> Path:
    """The shipped content built once into a temporary folder."""
    return built_once(tmp_path_factory, "built", _build_shipped)


@pytest.fixture(scope="session")
def offline_bundle(tmp_path_factory: pytest.TempPathFactory, empty_cache: Path) -> Path:
    """The shipped content built once as the offline bundle (``cimis build --offline``)."""
    return built_once(tmp_path_factory, "offline", lambda folder: _build_shipped(
        folder, out=folder / "project" / "offline", offline=True))


FORMAT_FIXTURES = FIXTURES / "formats"
# A page of its own with an aligned table: the tables extension aligns with style attributes (test_csp).
TABLE_PAGE = """---
title: Tabelle
---

# Tabelle

| Links | Mitte | Rechts |
|:------|:-----:|-------:|
| a     | b     | c      |
"""
# The case that the formats site names a fixture format in, and that format.
FORMAT_CASE = ("buecherei-website-card-sorting", "ideenabend-test")


# A case whose title and organisation are markup (test_validate_project reads its page from both engines).
HOSTILE_CASE = "tischlerei-mit-markup-im-titel"
HOSTILE_TITLE = "title: 'Tischlerei \"><script>alert(1)</script> & Co'"
HOSTILE_NAME = "  name: '<img src=x onerror=alert(1)>'"


def copy_project_with_formats(target: Path) -> Path:
    """The shipped project plus the two test formats, one case that names the first of them, a case with markup
    in its title and a page with an aligned table: the test project that both engines build."""
    root = copy_project(target)
    (root / "content" / "tabelle.md").write_text(TABLE_PAGE, "utf-8")
    (root / "formats").mkdir(exist_ok=True)
    for file in sorted(FORMAT_FIXTURES.glob("*.md")):
        shutil.copy2(file, root / "formats" / file.name)
    hostile = (root / "cases" / "tischlerei-azubi-werkstattvideos.md").read_text("utf-8")
    for old, new in (("title: Tischlerei findet Azubis mit kurzen Werkstattvideos", HOSTILE_TITLE),
                     ("  name: Tischlerei Lorenz", HOSTILE_NAME), ("\nformat: cross-innovation-lab", "")):
        assert old in hostile, f"the shipped case no longer holds {old!r}"
        hostile = hostile.replace(old, new)
    (root / "cases" / f"{HOSTILE_CASE}.md").write_text(hostile, "utf-8")
    case_file = root / "cases" / f"{FORMAT_CASE[0]}.md"
    text = case_file.read_text("utf-8")
    end = text.index("\n---", 3)
    case_file.write_text(text[:end] + f"\nformat: {FORMAT_CASE[1]}" + text[end:], "utf-8")
    return root


@pytest.fixture(scope="session")
def formats_site(tmp_path_factory: pytest.TempPathFactory, empty_cache: Path) -> Path:
    """The shipped content plus the test formats, built once into a temporary folder."""
    return built_once(tmp_path_factory, "formats", lambda folder: _build_shipped(folder, copy_project_with_formats))


@pytest.fixture(scope="session")
def zensical_site(tmp_path_factory: pytest.TempPathFactory, empty_cache: Path) -> Path:
    """The project of ``formats_site`` built once with the second engine, Zensical."""
    return built_once(tmp_path_factory, "zensical", lambda folder: _build_shipped(
        folder, copy_project_with_formats, engine="zensical"))


SITE_FIXTURES = {"built_site", "offline_bundle", "formats_site", "zensical_site"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The largest module that needs the shipped site first, then the modules that need none, then the rest,
    each group largest first: under pytest-xdist one worker builds the site while the other works (with
    xdist's own order both workers began with a module that waited for the same build)."""
    needs: dict[str, bool] = {}
    sizes: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        # A site fixture asked for by name in a parameter (request.getfixturevalue) counts as well: such a
        # module, run early, would wait for the cards that the first build lays out.
        params = getattr(getattr(item, "callspec", None), "params", {})
        asked = set(getattr(item, "fixturenames", ())) | {v for v in params.values() if isinstance(v, str)}
        needs[module] = needs.get(module, False) or bool(SITE_FIXTURES & asked)
        sizes[module] = sizes.get(module, 0) + 1
    first = max((module for module, need in needs.items() if need), key=sizes.__getitem__, default=None)
    order = {module: (0 if module == first else 2 if need else 1, -sizes[module])
             for module, need in needs.items()}
    items.sort(key=lambda item: order[item.nodeid.split("::")[0]])
