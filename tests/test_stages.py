"""Imports in generator/ follow the stage order of generator/stages.py: forward only, no circles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from generator.stages import LEAVES, STAGES

from .conftest import REPO

PACKAGE = REPO / "generator"
ORDER = {name: i for i, name in enumerate(LEAVES + STAGES)}


def imports(file: Path) -> list[tuple[int, str]]:
    """(line, module) for every generator module ``file`` imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(file.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.append((node.lineno, node.module.split(".")[0]))
            elif node.level == 1:
                found += [(node.lineno, alias.name) for alias in node.names]
            elif node.module and node.module.split(".")[0] == "generator":
                parts = node.module.split(".")
                found += [(node.lineno, parts[1])] if len(parts) > 1 else \
                    [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[1]) for alias in node.names
                      if alias.name.startswith("generator.")]
    return found


def backward_imports(package: Path) -> list[str]:
    """Every import of a later stage, of a stage by a leaf, of itself or of an unlisted module."""
    problems = []
    for file in sorted(package.glob("*.py")):
        name = file.stem
        if name in ("__init__", "stages"):
            continue
        if name not in ORDER:
            problems.append(f"generator/{file.name} is not listed in generator/stages.py")
            continue
        for line, target in imports(file):
            if target not in ORDER:
                problems.append(f"generator/{file.name}:{line} imports '{target}', which stages.py does not list")
            elif ORDER[target] >= ORDER[name] or (name in LEAVES and target in STAGES):
                problems.append(f"generator/{file.name}:{line} imports generator/{target}.py, "
                                f"which comes {'at the same place' if target == name else 'later'} in the stage order")
    return problems


def test_every_module_is_listed_once() -> None:
    names = LEAVES + STAGES
    assert len(names) == len(set(names))
    on_disk = {f.stem for f in PACKAGE.glob("*.py")} - {"__init__", "stages"}
    assert on_disk == set(names)


def test_imports_run_forward_only() -> None:
    assert backward_imports(PACKAGE) == []


def test_a_backward_import_is_named(tmp_path: Path) -> None:
    """The check itself works: a copy of the package with validate importing render fails, naming both files."""
    copy = tmp_path / "generator"
    copy.mkdir()
    for file in PACKAGE.glob("*.py"):
        (copy / file.name).write_text(file.read_text("utf-8"), "utf-8")
    validate = copy / "validate.py"
    validate.write_text(validate.read_text("utf-8") + "\n\ndef _late():\n    from .render import page_url\n", "utf-8")
    problems = backward_imports(copy)
    assert len(problems) == 1
    assert problems[0].startswith("generator/validate.py:") and "generator/render.py" in problems[0]


@pytest.mark.parametrize("leaf", LEAVES)
def test_leaves_import_no_stage(leaf: str) -> None:
    assert all(target in LEAVES for _, target in imports(PACKAGE / f"{leaf}.py"))
