"""The README's Python examples run as written, and say what they print."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_the_engine_example() -> None:
    # The README is the front page; the other examples live on the site (tests/test_site_examples.py).
    assert len(BLOCKS) >= 1


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKS[index]], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_engine_example_prints_the_worked_gradients(tmp_path: Path) -> None:
    engine = next(block for block in BLOCKS if "f.backward()" in block and "print(x.grad" in block)
    result = subprocess.run([sys.executable, "-c", engine], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[0] == "-4.0 -4.0 3.0"
