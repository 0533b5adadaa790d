"""The exercises guide's examples (docs/guide/exercises.md) print what the page shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "exercises.md"
SECTION = GUIDE.read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```python\n(.*?)```\s*```text\n(.*?)```", SECTION, re.S)


def test_the_section_has_both_examples() -> None:
    assert len(EXAMPLES) == 2


@pytest.mark.parametrize(("code", "shown"), EXAMPLES, ids=["check_gradients", "check_engine"])
def test_the_example_prints_what_the_page_shows(code: str, shown: str, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    printed = result.stdout.splitlines()
    assert printed[: len(shown.splitlines())] == shown.splitlines()
