"""The lessons that need only autograd-lite and nn also run in a browser tab (JupyterLite): each,
and its solutions, starts with the one cell that installs autograd-lite there (and does nothing
under CPython), and imports neither numpy nor matplotlib, which the browser build leaves out."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
IN_THE_BROWSER = ["01_chain_rule", "02_gates_and_fan_out", "04_backprop_by_hand", "05_the_classic_algorithms",
                  "10_build_your_own_engine", "14_an_op_of_your_own"]
FIRST_CELL = '''import sys
if sys.platform == "emscripten":  # in a browser tab (JupyterLite): install autograd-lite from this site
    import piplite
    await piplite.install("autograd-lite")'''
PATHS = [NOTEBOOKS / f"{stem}.ipynb" for stem in IN_THE_BROWSER] + [
    NOTEBOOKS / "solutions" / f"{stem}_solutions.ipynb" for stem in IN_THE_BROWSER
]


def code_cells(path: Path) -> list[str]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def imported(code: str) -> set[str]:
    """The top-level packages a cell imports (top-level await parses as a coroutine's body)."""
    tree = compile(code, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", PATHS, ids=[path.name for path in PATHS])
def test_a_browser_lesson_starts_with_the_install_cell_and_needs_no_numpy(path: Path) -> None:
    cells = code_cells(path)
    assert cells[0] == FIRST_CELL
    assert sum(FIRST_CELL in cell for cell in cells) == 1
    needed = set().union(*(imported(cell) for cell in cells))
    assert not needed & {"numpy", "matplotlib", "torch"}, f"{path.name} imports {sorted(needed)}"
