"""check_engine: a correct student engine passes, and each deliberately broken one is caught at
the operation it breaks, with a small program that really shows the fault. The numbers in the
report are checked against the math, against an independently written engine (``Correct``) and
against PyTorch in float64."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import check_engine
from autograd_lite.exercises import EngineReport
from tests.exercises.students import (
    AddAndMulOnly,
    AddOverwrites,
    BackwardStub,
    Correct,
    ExpRaises,
    ForwardOnly,
    MulSwapsNothing,
    NothingYet,
    ReluWrongBelowZero,
    RevisitingSort,
    TanhOverwrites,
    TanhValueWrong,
)

BROKEN = [MulSwapsNothing, AddOverwrites, TanhOverwrites, RevisitingSort, TanhValueWrong, ReluWrongBelowZero]


def run_program(report: EngineReport, value_class: Any) -> dict[str, Any]:
    """Run the report's smallest expression with ``value_class`` standing in for the student's."""
    namespace: dict[str, Any] = {report.class_name: value_class}
    exec("\n".join(report.expression), namespace)  # the report's own program, our own classes
    return namespace


def asked_for(report: EngineReport, namespace: dict[str, Any]) -> float:
    """The number the report's problem line talks about (``x.grad`` or ``f.data``), read from a run."""
    name, what = report.problem.split(":")[0].split(".")
    return float(getattr(namespace[name], what))


def operation_lines(report: EngineReport) -> list[str]:
    """The lines of the program that compute something: not the inputs, not backward, no comment."""
    return [line for line in report.expression
            if not line.startswith("#") and "backward()" not in line and f"= {report.class_name}(" not in line]  # fmt: skip


def test_a_correct_engine_passes_with_every_operation() -> None:
    report = check_engine(Correct)
    assert report.ok and report.operation is None
    assert report.missing == ()
    assert {"+", "*", "-", "/", "**", "tanh", "exp", "relu", "-x"} <= set(report.right)
    assert report.tried >= 150
    assert str(report).startswith("check_engine(Correct): all right")


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10**6))
def test_a_correct_engine_passes_whatever_the_random_expressions(seed: int) -> None:
    assert check_engine(Correct, trials=40, seed=seed).ok


def test_a_mul_whose_backward_swaps_nothing_is_named_with_one_product() -> None:
    report = check_engine(MulSwapsNothing)
    assert not report.ok and report.operation == "*"
    assert operation_lines(report) == ["f = x * y"]
    namespace = run_program(report, Correct)
    # d(x*y)/dx = y: the math, and the independent engine, against what the report says.
    assert report.expected == namespace["y"].data == asked_for(report, namespace)
    assert report.yours == namespace["x"].data != report.expected
    assert "d/da = b, d/db = a" in report.hint
    assert report.right == ("+",)


def test_an_add_that_overwrites_is_caught_by_x_plus_x() -> None:
    report = check_engine(AddOverwrites)
    assert report.operation == "+"
    assert operation_lines(report) == ["f = x + x"]
    assert (report.yours, report.expected) == (1.0, 2.0)  # d(x + x)/dx = 2
    assert "+=" in report.hint and "used twice" in report.hint


def test_a_tanh_that_overwrites_is_named_though_it_is_right_alone() -> None:
    report = check_engine(TanhOverwrites)
    assert report.operation == "tanh"
    assert "tanh" in report.right, "tanh alone is right"
    assert "replaces the gradient" in report.hint and "+=" in report.hint
    program = "\n".join(report.expression)
    assert ".tanh()" in program
    namespace = run_program(report, Correct)
    assert math.isclose(asked_for(report, namespace), report.expected or 0.0, rel_tol=1e-12)


def test_a_sort_that_revisits_nodes_is_blamed_on_backward() -> None:
    report = check_engine(RevisitingSort)
    assert report.operation == "backward()"
    assert "topological sort" in report.hint and "visited" in report.hint
    # The smallest program needs a node reached along two paths: a named, shared result.
    shared = [line for line in report.expression if line[:2] in ("a ", "b ")]
    assert shared, report.expression
    assert len(operation_lines(report)) <= 3
    assert math.isclose(asked_for(report, run_program(report, Correct)), report.expected or 0.0)


def test_a_wrong_forward_value_is_reported_as_a_value() -> None:
    report = check_engine(TanhValueWrong)
    assert report.operation == "tanh"
    assert report.problem.startswith("f.data: yours")
    namespace = run_program(report, Correct)
    assert math.isclose(report.expected or 0.0, math.tanh(namespace["x"].data), rel_tol=1e-12)
    assert "backward" not in "\n".join(report.expression), "a forward fault shows without backward()"


def test_a_relu_wrong_only_below_zero_is_shown_at_a_negative_input() -> None:
    report = check_engine(ReluWrongBelowZero)
    assert report.operation == "relu"
    namespace = run_program(report, Correct)
    assert namespace["x"].data < 0
    assert (report.yours, report.expected) == (1.0, 0.0)


@pytest.mark.parametrize("broken", BROKEN, ids=lambda c: c.__name__)
def test_the_program_in_the_report_shows_the_fault(broken: type) -> None:
    report = check_engine(broken)
    assert not report.ok
    expected = asked_for(report, run_program(report, Correct))
    assert math.isclose(expected, report.expected or 0.0, rel_tol=1e-9, abs_tol=1e-12)
    # A class that keeps children in a set may run siblings in another order each time, so
    # "yours" can change between runs; the fault itself must show every time.
    for _ in range(5):
        yours = asked_for(report, run_program(report, broken))
        assert not math.isclose(yours, expected, rel_tol=1e-6)


@pytest.mark.parametrize("broken", BROKEN, ids=lambda c: c.__name__)
def test_the_expected_numbers_agree_with_pytorch(broken: type) -> None:
    torch = pytest.importorskip("torch")

    def tensor(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    report = check_engine(broken)
    namespace = run_program(report, tensor)
    name, what = report.problem.split(":")[0].split(".")
    number = namespace[name].grad if what == "grad" else namespace[name].data
    assert math.isclose(float(number), report.expected or 0.0, rel_tol=1e-9, abs_tol=1e-12)


def test_without_reuse_the_accumulation_faults_do_not_show() -> None:
    # Trees only: no x + x, no node used twice, as for a class whose gradients do not add up yet.
    assert check_engine(AddOverwrites, reuse=False).ok
    assert check_engine(RevisitingSort, reuse=False).ok
    assert not check_engine(MulSwapsNothing, reuse=False).ok


def test_an_engine_without_backward_is_checked_through_its_backward_steps() -> None:
    report = check_engine(AddAndMulOnly)
    assert report.ok
    assert report.right == ("+", "*")
    assert "tanh" in report.missing and "-" in report.missing, "a NotImplementedError stub is not written yet"
    assert any("numbers" in name for name in report.missing)
    assert "No backward() yet" in str(report)


def test_a_backward_still_a_stub_is_not_blamed() -> None:
    report = check_engine(BackwardStub)
    assert report.ok and "No backward() yet" in str(report)


def test_a_class_with_only_stubs_has_nothing_to_check_yet() -> None:
    report = check_engine(NothingYet)
    assert not report.ok and report.operation is None
    assert str(report).startswith("check_engine(NothingYet): nothing to check yet")
    assert "+" in report.missing


def test_an_operation_that_raises_is_reported_with_its_error() -> None:
    report = check_engine(ExpRaises)
    assert report.operation == "exp"
    assert "ValueError: forgot to import math" in report.problem
    assert operation_lines(report) == ["f = x.exp()"]


def test_values_alone_are_checked_when_there_are_no_gradients_yet() -> None:
    report = check_engine(ForwardOnly)
    assert report.ok and report.right == ("+",)
    assert "Gradients not checked yet" in str(report)


def test_the_report_is_the_same_for_the_same_seed() -> None:
    assert check_engine(MulSwapsNothing, seed=3) == check_engine(MulSwapsNothing, seed=3)
    assert check_engine(Correct, seed=3) == check_engine(Correct, seed=3)


def test_bad_arguments_are_refused_by_name() -> None:
    with pytest.raises(TypeError, match="check_engine: give the class itself, got Correct"):
        check_engine(Correct(1.0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="check_engine: trials must be an int >= 0, got -1"):
        check_engine(Correct, trials=-1)


def test_a_class_that_cannot_hold_a_number_is_told_so() -> None:
    class Broken:
        def __init__(self, data: float) -> None:
            self.data = 2 * data

    report = check_engine(Broken)
    assert not report.ok and "Broken(1.5).data must be 1.5, got 3" in report.problem
