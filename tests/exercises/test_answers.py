"""check_answers: a placeholder ``...`` is "not answered yet" and never raises, right answers pass
within the tolerance the docstring promises (checked against math.isclose's definition written out
by hand), wrong ones say why with the student's value and the right one, and answers of the wrong
kind are wrong, not errors. Only a badly written question raises."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite
from autograd_lite import check_answer, check_answers

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
# Everything a student might type where a number, choice or shape is wanted.
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | st.just(...) | st.complex_numbers(),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=2), inner, max_size=2),
    max_leaves=8,
)
expected_values = st.recursive(
    finite | st.booleans() | st.sampled_from(["online", "full batch"]),
    lambda inner: st.lists(inner, min_size=1, max_size=3),
    max_leaves=6,
)


def test_it_is_exported_from_the_package() -> None:
    assert {"check_answer", "check_answers"} <= set(autograd_lite.__all__)
    assert autograd_lite.check_answers is check_answers


def test_a_placeholder_is_not_answered_yet_and_the_report_names_it() -> None:
    report = check_answers({"x.grad": (..., -8.0), "q.grad": (..., -4.0, "q is recomputed on every pass")})
    assert not report.ok
    assert report.missing == ["x.grad", "q.grad"] and report.right == [] and report.wrong == []
    lines = str(report).splitlines()
    assert lines[0] == "check_answers: not answered yet (2 answers to give)"
    assert lines[1] == "  not answered yet  x.grad: replace the ... with your answer"
    # The answer is not given away while the student has not tried.
    assert "-8" not in str(report) and "recomputed" not in str(report)


def test_a_partly_filled_list_counts_its_placeholders() -> None:
    report = check_answer("hessian", [[4.0, ...], [..., 0.0]], [[4.0, 2.0], [2.0, 0.0]])
    assert report.missing == ["hessian"]
    assert "2 of 4 entries are still ..." in str(report)


def test_right_wrong_and_missing_side_by_side() -> None:
    report = check_answers(
        {
            "df/dz": (3, 3.0),
            "df/dq": (3, -4.0, "df/dq is z, the other operand"),
            "df/dx": (..., -4.0),
        }
    )
    assert (report.right, report.wrong, report.missing) == (["df/dz"], ["df/dq"], ["df/dx"])
    text = str(report)
    assert text.splitlines()[0] == "check_answers: 1 of 3 answers right, 1 wrong, 1 not answered yet"
    assert "  right             df/dz = 3" in text
    assert "  WRONG             df/dq = 3: the answer is -4. df/dq is z, the other operand" in text


def test_all_right_says_so_in_the_first_line() -> None:
    assert str(check_answers({"a": (1, 1), "b": (True, True)})).splitlines()[0] == "check_answers: all 2 answers right"
    one = check_answer("E on the plateau", 4, 4.0)
    assert one.ok and str(one).splitlines()[0] == "check_answers: the answer is right"


@given(finite, st.floats(min_value=0.0, max_value=0.999))
def test_within_the_relative_tolerance_is_right_and_beyond_it_is_wrong(x: float, share: float) -> None:
    # math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-6): |a - b| <= max(1e-3 max(|a|, |b|), 1e-6).
    near = x + share * 1e-3 * abs(x)
    assert check_answer("x", near, x).ok
    far = x + 2e-3 * abs(x) + 2e-6
    assert check_answer("x", far, x).wrong == ["x"]


def test_near_zero_the_absolute_tolerance_decides() -> None:
    assert check_answer("w10", 1e-17, 0.0).ok
    assert check_answer("w10", 5e-7, 0.0).ok
    assert not check_answer("w10", 2e-6, 0.0).ok
    assert check_answer("w10", 2e-6, 0.0, abs_tol=1e-5).ok


def test_numbers_of_any_real_type_and_arrays_are_accepted() -> None:
    assert check_answer("a", Fraction(1, 3), 1 / 3).ok
    assert check_answer("a", np.float32(0.25), 0.25).ok
    assert check_answer("shape", np.zeros((16, 2)).shape, (16, 2)).ok
    assert check_answer("dW", np.array([[1.0, 2.0], [3.0, 4.0]]), [[1.0, 2.0], [3.0, 4.0000001]]).ok
    assert check_answer("dW", [[1.0, 2.0], [3.0, 4.0]], np.array([[1.0, 2.0], [3.0, 4.0]])).ok
    assert check_answer("nan", math.nan, math.nan).ok and not check_answer("nan", 1.0, math.nan).ok


def test_a_wrong_entry_of_an_array_is_pointed_at() -> None:
    report = check_answer("dW1", np.array([[1.0, 2.0], [3.0, 4.5]]), np.array([[1.0, 2.0], [3.0, 4.0]]), "dW1 = dZ1.T @ X")
    assert report.wrong == ["dW1"]
    assert "entry [1][1] is 4.5 where the answer has 4; the answer is [[1, 2], [3, 4]]. dW1 = dZ1.T @ X" in str(report)


def test_answers_of_the_wrong_kind_are_wrong_and_say_why() -> None:
    report = check_answers(
        {
            "number": ("4", 4.0),
            "bool": ("yes", True),
            "choice": (3, "full batch"),
            "shape": ((2, 16, 1), (2, 16)),
            "matrix": (7.0, [[1.0], [2.0]]),
            "huge": (10**400, 1.0),
        }
    )
    assert report.wrong == ["number", "bool", "choice", "shape", "matrix", "huge"]
    text = str(report)
    assert "should be a number, not a str ('4')" in text
    assert "should be True or False, not a str ('yes')" in text
    assert "should be a str, not an int (3)" in text
    assert "has 3 entries where the answer has 2" in text
    assert "should be 2 entries in brackets, not a float (7.0)" in text
    assert "is too large for a float" in text and "0" * 50 not in text, "a huge int is never printed"


def test_a_choice_is_compared_as_written_apart_from_surrounding_spaces() -> None:
    assert check_answer("furthest behind", " full batch ", "full batch").ok
    assert check_answer("furthest behind", "online", "full batch").wrong == ["furthest behind"]


def test_true_is_not_one() -> None:
    # A student who writes 1 for True has not answered the yes/no question, and True is not a number.
    assert not check_answer("solved", 1, True).ok
    assert not check_answer("bound", True, 1.0).ok


@given(anything, expected_values)
def test_nothing_a_student_writes_makes_the_check_raise(yours: object, expected: object) -> None:
    report = check_answer("answer", yours, expected)
    assert len(report.answers) == 1
    verdict = report.answers[0].verdict
    assert verdict in ("right", "wrong", "not answered yet")
    assert str(report).startswith("check_answers: ")


@pytest.mark.parametrize(
    ("questions", "error", "message"),
    [
        ([1, 2], TypeError, "questions must map names"),
        ({"a": 1}, TypeError, "must be (yours, expected) or (yours, expected, why)"),
        ({"a": (1, 2, 3, 4)}, TypeError, "must be (yours, expected)"),
        ({"": (1, 1)}, TypeError, "needs a name"),
        ({"a": (1, None)}, TypeError, "the expected answer to 'a' must be a number, bool, str or list, got None"),
        ({"a": (1, ...)}, TypeError, "the expected answer to 'a'"),
        ({"a": (1, 1, 7)}, TypeError, "the why of 'a' must be a str"),
    ],
)
def test_a_badly_written_question_raises_with_its_name(questions: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_answers(questions)  # type: ignore[arg-type]


def test_tolerances_must_be_finite_and_not_negative() -> None:
    with pytest.raises(ValueError, match="rel_tol must be a finite number >= 0, got -1"):
        check_answer("a", 1, 1, rel_tol=-1)
    with pytest.raises(ValueError, match="abs_tol"):
        check_answer("a", 1, 1, abs_tol=math.inf)


def test_an_empty_set_of_questions_is_reported_not_raised() -> None:
    report = check_answers({})
    assert report.ok and str(report) == "check_answers: no answers to check"
