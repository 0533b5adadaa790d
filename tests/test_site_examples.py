"""The documentation site's Python examples run as written, and print what the page says they
print: a ```text block right after a ```python block is that block's output, exactly."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
# The site's own pages; npm's packages and the in-browser lessons' sources are not pages.
PAGES = sorted(p for p in DOCS.rglob("*.md") if not {"node_modules", "lite"} & set(p.relative_to(DOCS).parts))
FENCE = re.compile(r"```(python|text)\n(.*?)```(?:\n\n(?=```text\n))?", re.S)


def examples() -> list[tuple[str, str, str | None]]:
    """(page, code, the output the page shows for it or None) for every ```python block of every page."""
    found: list[tuple[str, str, str | None]] = []
    for page in PAGES:
        blocks = FENCE.findall(page.read_text(encoding="utf-8"))
        for (kind, body), following in zip(blocks, [*blocks[1:], None]):
            if kind == "python":
                shown = following[1] if following and following[0] == "text" and _adjacent(page, body, following[1]) else None
                found.append((page.relative_to(DOCS).as_posix(), body, shown))
    return found


def _adjacent(page: Path, code: str, output: str) -> bool:
    """Whether the text block follows the code block with only a blank line between them."""
    return f"{code}```\n\n```text\n{output}```" in page.read_text(encoding="utf-8")


EXAMPLES = examples()


def test_the_site_has_examples_and_shown_outputs() -> None:
    assert len(EXAMPLES) >= 10
    assert sum(shown is not None for _, _, shown in EXAMPLES) >= 3
    # The exercises guide shows both checkers' reports word for word.
    assert sum(page == "guide/exercises.md" and shown is not None for page, _, shown in EXAMPLES) == 2


@functools.cache
def run_example(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` run once in a fresh interpreter, in a scratch folder of its own."""
    with tempfile.TemporaryDirectory() as scratch:
        return subprocess.run([sys.executable, "-c", code], cwd=scratch, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("page", "code", "shown"), EXAMPLES, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(EXAMPLES)])
def test_site_example_runs_and_prints_what_the_page_shows(page: str, code: str, shown: str | None) -> None:
    result = run_example(code)
    assert result.returncode == 0, f"{page}: {result.stderr[-2000:]}"
    if shown is not None:
        assert result.stdout == shown, f"{page}: the page shows\n{shown}\nbut the example prints\n{result.stdout}"


def test_the_start_page_example_gives_the_worked_gradients() -> None:
    # x = -2, y = 5, z = -4, f = (x + y) * z: by the chain rule df/dx = df/dy = z = -4, df/dz = x + y = 3.
    code = next(code for page, code, _ in EXAMPLES if page == "index.md" and "f.backward()" in code)
    result = run_example(code)
    assert [float(g) for g in result.stdout.splitlines()[0].split()] == [-4.0, -4.0, 3.0]
