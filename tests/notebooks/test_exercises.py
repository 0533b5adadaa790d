"""The lessons are handed out unanswered and their solutions separately: in every lesson each
exercise cell (tagged ``exercise``) holds a placeholder ``...`` and its committed output says
"not answered yet", and no output of a lesson holds a solved check; each lesson has a solutions
notebook in ``notebooks/solutions/`` whose exercise cells hold no placeholder and whose checks are
all right. The test run executes both (nbmake); this reads what is committed."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
# Lesson 10 is the engine you write yourself: its steps are checked by check_engine, cell by cell.
LESSONS = sorted(path for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if not path.name.startswith("10_"))
SOLVED = re.compile(
    r"^(check_gradients\(.*\)|check_answers): (all \d+ answers right|the answer is right)$"
    r"|^check_op\(.*\): every rule agrees$",
    re.MULTILINE,
)
UNANSWERED = ("not answered yet", "not written yet")


def cells(path: Path) -> list[dict[str, object]]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def source(cell: dict[str, object]) -> str:
    lines = cell["source"]
    return "".join(lines) if isinstance(lines, list) else str(lines)


def output_text(cell: dict[str, object]) -> str:
    """Everything a cell printed or showed as text, errors included."""
    parts: list[str] = []
    for output in cell.get("outputs", []):  # type: ignore[union-attr]
        if output.get("output_type") == "stream":
            parts.append("".join(output["text"]))
        elif output.get("output_type") == "error":
            parts.append(f"ERROR {output['ename']}: {output['evalue']}")
        else:
            parts.append("".join(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def is_exercise(cell: dict[str, object]) -> bool:
    return "exercise" in cell.get("metadata", {}).get("tags", [])  # type: ignore[union-attr]


def placeholders(code: str) -> int:
    """How many ``...`` the code holds as a value (not inside a string)."""
    tree = ast.parse(code)
    return sum(isinstance(node, ast.Constant) and node.value is Ellipsis for node in ast.walk(tree))


def solutions_of(lesson: Path) -> Path:
    return NOTEBOOKS / "solutions" / f"{lesson.stem}_solutions.ipynb"


def test_every_lesson_is_here_with_its_solutions() -> None:
    numbers = [path.name[:2] for path in LESSONS]
    assert numbers == [f"{n:02d}" for n in range(1, 15) if n != 10]
    for lesson in [*LESSONS, NOTEBOOKS / "10_build_your_own_engine.ipynb"]:
        assert solutions_of(lesson).exists(), f"{lesson.name} has no solutions notebook"
    assert not list(NOTEBOOKS.glob("*_solutions.ipynb")), "solutions live in notebooks/solutions/"


@pytest.mark.parametrize("lesson", LESSONS, ids=[path.name for path in LESSONS])
def test_a_lesson_ships_its_exercises_unanswered(lesson: Path) -> None:
    exercises = [cell for cell in cells(lesson) if is_exercise(cell)]
    assert len(exercises) >= 2, f"{lesson.name}: at least two exercises"
    for cell in exercises:
        code, shown = source(cell), output_text(cell)
        assert placeholders(code) >= 1, f"{lesson.name}: an exercise without a placeholder ...:\n{code}"
        assert any(words in shown for words in UNANSWERED), f"{lesson.name}: the check does not say 'not answered yet':\n{shown}"
        assert "ERROR" not in shown and "WRONG" not in shown, f"{lesson.name}: an unanswered exercise is not a mistake:\n{shown}"


@pytest.mark.parametrize("lesson", LESSONS, ids=[path.name for path in LESSONS])
def test_the_committed_outputs_of_a_lesson_never_hold_a_solved_check(lesson: Path) -> None:
    for cell in cells(lesson):
        solved = SOLVED.findall(output_text(cell))
        # A worked example may show its own rules agreeing; a check of answers never shows solved.
        answers_solved = [match for match in SOLVED.finditer(output_text(cell)) if not match.group(0).startswith("check_op")]
        assert not answers_solved, f"{lesson.name}: a solved check in the committed outputs:\n{source(cell)}"
        if is_exercise(cell):
            assert not solved, f"{lesson.name}: an exercise shows its solved state:\n{source(cell)}"


@pytest.mark.parametrize("lesson", LESSONS, ids=[path.name for path in LESSONS])
def test_the_solutions_answer_every_exercise_and_every_check_is_right(lesson: Path) -> None:
    asked = [cell for cell in cells(lesson) if is_exercise(cell)]
    answered = [cell for cell in cells(solutions_of(lesson)) if is_exercise(cell)]
    assert len(answered) == len(asked), f"{lesson.name}: the solutions answer every exercise, and only those"
    for cell in answered:
        code, shown = source(cell), output_text(cell)
        assert placeholders(code) == 0, f"{lesson.name} solutions: a placeholder left in:\n{code}"
        assert re.search(r"^assert \w+\.ok$", code, re.MULTILINE), f"{lesson.name} solutions: the cell must fail in CI when a check is not right"
        assert SOLVED.search(shown), f"{lesson.name} solutions: no check says all right:\n{shown}"
        for words in (*UNANSWERED, "WRONG", "ERROR"):
            assert words not in shown, f"{lesson.name} solutions: {words!r} in a solved exercise:\n{shown}"
