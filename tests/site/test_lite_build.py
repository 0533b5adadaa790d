"""The browser lessons' build (docs/lite_build.py) without a browser: which lessons the site offers
(read from each notebook's imports), the install cell (which does nothing under CPython, where
the test suite runs the notebooks), the copy of a lesson the browser gets, the page that lists the
lessons, and the lock of the kernel's wheels."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from docs import lite_build


def write_notebook(folder: Path, stem: str, *cells: str, outputs: bool = False) -> Path:
    """A notebook of code cells (with one printed output each, if asked) and a markdown cell."""
    code = [
        {
            "cell_type": "code", "execution_count": 1 if outputs else None, "id": f"c{index}", "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["3.0\n"]}] if outputs else [],
            "source": source.splitlines(keepends=True),
        }
        for index, source in enumerate(cells)
    ]
    notebook = {
        "cells": [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": ["# A lesson"]}, *code],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    path = folder / f"{stem}.ipynb"
    path.write_text(json.dumps(notebook))
    return path


def test_a_lesson_is_offered_when_it_imports_only_what_the_browser_has(tmp_path: Path) -> None:
    write_notebook(tmp_path, "a_engine_only", "import math\nfrom autograd_lite import Value\nfrom nn import MLP, fit",
                   "from IPython.display import Markdown\nimport random, itertools")
    write_notebook(tmp_path, "b_plots", "%matplotlib inline\nimport matplotlib.pyplot as plt\nfrom autograd_lite import Value")
    write_notebook(tmp_path, "c_arrays", "def f():\n    import numpy as np\n    return np.zeros(3)", "from PIL import Image")
    write_notebook(tmp_path, "d_install_cell", lite_build.INSTALL_CELL, "!pip list\nfrom autograd_lite.pictures import draw_graph")
    found = {lesson.path.stem: lesson for lesson in lite_build.lessons(tmp_path)}
    assert {stem for stem, lesson in found.items() if lesson.offered} == {"a_engine_only", "d_install_cell"}
    assert found["b_plots"].foreign_imports == ("matplotlib",)
    assert found["c_arrays"].foreign_imports == ("PIL", "numpy")


def test_the_install_cell_does_nothing_under_cpython() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        result = shell.run_cell(lite_build.INSTALL_CELL)
        assert result.success, result.error_in_exec or result.error_before_exec
        assert "piplite" not in sys.modules
        assert shell.user_ns["sys"] is sys
    finally:
        InteractiveShell.clear_instance()


def test_the_browser_copy_starts_with_the_install_cell_and_has_no_outputs(tmp_path: Path) -> None:
    path = write_notebook(tmp_path, "lesson", "x = 3.0\nprint(x)", outputs=True)
    notebook, added = lite_build.browser_copy(path)
    assert added
    cells: list[dict[str, Any]] = notebook["cells"]  # type: ignore[assignment]
    assert "".join(cells[0]["source"]) == lite_build.INSTALL_CELL
    assert [cell["cell_type"] for cell in cells] == ["code", "markdown", "code"]
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in cells if cell["cell_type"] == "code")
    assert json.loads(path.read_text())["cells"][1]["outputs"], "the notebook itself is left as it was"


def test_a_lesson_that_has_the_install_cell_keeps_its_own(tmp_path: Path) -> None:
    path = write_notebook(tmp_path, "lesson", lite_build.INSTALL_CELL, "print(1)")
    notebook, added = lite_build.browser_copy(path)
    assert not added
    assert len(notebook["cells"]) == 3  # type: ignore[arg-type]


def test_the_lessons_page_opens_lessons_here_and_links_the_others_to_their_rendered_pages(tmp_path: Path) -> None:
    write_notebook(tmp_path, "01_here", "from autograd_lite import Value")
    write_notebook(tmp_path, "02_there", "import numpy as np\nimport matplotlib")
    page = lite_build.lessons_page(lite_build.lessons(tmp_path))
    assert '<a href="notebooks/index.html?path=01_here.ipynb">01_here</a>' in page
    assert '<a href="../lessons/02_there/">02_there</a> (read it rendered: it needs matplotlib, numpy)' in page


def test_the_kernels_packages_are_closed_over_the_locks_dependencies() -> None:
    lock: dict[str, dict[str, object]] = {
        "ipython": {"depends": ["prompt_toolkit", "traitlets"]},
        "prompt-toolkit": {"depends": ["wcwidth"]},
        "traitlets": {"depends": []},
        "wcwidth": {"depends": []},
        "numpy": {"depends": []},
    }
    assert lite_build.lock_closure(lock, ("IPython",)) == ["ipython", "prompt-toolkit", "traitlets", "wcwidth"]
    with pytest.raises(lite_build.BuildError, match="Pyodide's lock has no package 'jedi'"):
        lite_build.lock_closure(lock, ("ipython", "jedi"))


def test_npm_installs_the_pyodide_the_kernel_names() -> None:
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION

    lock = json.loads((lite_build.LITE / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/pyodide"]["version"] == PYODIDE_VERSION
