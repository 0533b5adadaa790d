"""check_engine: a correct student engine passes, and each deliberately broken one is caught at
the code that has the mistake (the operation, or backward() itself), with a hint that names the
mistake and a small program that really shows the fault. The numbers in the report are checked
against the math, against an independently written engine (``Correct``) and against PyTorch in
float64."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import check_engine
from autograd_lite.exercises import EngineReport
from tests.exercises.students import (
    AddAddsOne,
    AddAndMulOnly,
    AddForgetsChildren,
    AddOverwrites,
    BackwardNeverReturns,
    BackwardNotReversed,
    BackwardStub,
    BackwardWithoutSeed,
    Correct,
    ExpRaises,
    ForgotReturn,
    ForwardOnly,
    MulForgetsUpstream,
    MulSwapsNothing,
    NothingYet,
    PlaceholdersLeft,
    PowKTimesXToK,
    ReluWrongBelowZero,
    ReluWrongSide,
    RevisitingSort,
    SubSwapped,
    TanhOneMinusT,
    TanhOverwrites,
    TanhValueWrong,
)

# One class per family of mistakes: where the mistake lives, and words the hint must use.
BATTERY = [
    (MulForgetsUpstream, "*", ["forgets the gradient arriving from above", "out.grad"]),
    (AddAddsOne, "+", ["adds the same number, 1", "whatever f.grad"]),
    (AddOverwrites, "+", ["used twice", "+="]),
    (TanhOverwrites, "tanh", ["replaces the gradient x already holds", "+="]),
    (TanhOneMinusT, "tanh", ["1 - t: the square is missing"]),
    (PowKTimesXToK, "**", ["2 * a**2: the power must drop by one"]),
    (AddForgetsChildren, "+", ["does not record its operands as the children"]),
    (SubSwapped, "-", ["computes y - x", "wrong way round"]),
    (BackwardWithoutSeed, "backward()", ["self.grad = 1"]),
    (BackwardNotReversed, "backward()", ["reversed(topo)"]),
    (RevisitingSort, "backward()", ["topological sort", "visited"]),
    (ReluWrongSide, "relu", ["wrong side", "self.data > 0"]),
    (MulSwapsNothing, "*", ["own value", "other operand's"]),
    (ReluWrongBelowZero, "relu", ["1 everywhere"]),
]
# The faults shown by numbers (not by a missing child or an endless loop).
NUMERIC = [case for case in BATTERY if case[0] is not AddForgetsChildren]


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
    """The lines of the program that compute something: not the inputs, no gradient set by hand,
    not backward, no comment."""
    return [line for line in report.expression
            if not line.startswith("#") and "backward()" not in line and ".grad =" not in line
            and f"= {report.class_name}(" not in line]  # fmt: skip


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


@pytest.mark.parametrize(("broken", "operation", "words"), BATTERY, ids=lambda c: getattr(c, "__name__", ""))
def test_each_family_is_named_where_it_lives_with_a_hint_that_names_it(
    broken: type, operation: str, words: list[str]
) -> None:
    report = check_engine(broken)
    assert not report.ok
    assert report.operation == operation, str(report)
    for word in words:
        assert word in report.hint, str(report)


@pytest.mark.parametrize(("broken", "operation", "words"), NUMERIC, ids=lambda c: getattr(c, "__name__", ""))
def test_the_program_in_the_report_shows_the_fault(broken: type, operation: str, words: list[str]) -> None:
    report = check_engine(broken)
    expected = asked_for(report, run_program(report, Correct))
    assert math.isclose(expected, report.expected or 0.0, rel_tol=1e-9, abs_tol=1e-12)
    # A class that keeps children in a set may run siblings in another order each time, so
    # "yours" can change between runs; the fault itself must show every time.
    for _ in range(5):
        yours = asked_for(report, run_program(report, broken))
        assert not math.isclose(yours, expected, rel_tol=1e-6)


@pytest.mark.parametrize(("broken", "operation", "words"), NUMERIC, ids=lambda c: getattr(c, "__name__", ""))
def test_the_expected_numbers_agree_with_pytorch(broken: type, operation: str, words: list[str]) -> None:
    torch = pytest.importorskip("torch")

    def tensor(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    report = check_engine(broken)
    namespace = run_program(report_for_pytorch(report), tensor)
    namespace["torch"] = torch
    name, what = report.problem.split(":")[0].split(".")
    number = namespace[name].grad if what == "grad" else namespace[name].data
    assert math.isclose(float(number), report.expected or 0.0, rel_tol=1e-9, abs_tol=1e-12)


def report_for_pytorch(report: EngineReport) -> EngineReport:
    """The report's program for torch tensors: a gradient set by hand on an input is a float64
    tensor, and ``f.grad = g; f._backward()`` is ``f.backward(g)``, which adds g times the local
    derivatives to what the inputs hold, as the student's step must."""
    lines: list[str] = ["import torch"]
    upstream = "1.0"
    for line in report.expression:
        code = line.split("#")[0].rstrip()
        if match := re.fullmatch(r"f\.grad = (\S+)", code):
            upstream = match.group(1)
        elif match := re.fullmatch(r"(\w)\.grad = (\S+)", code):
            lines.append(f"{match.group(1)}.grad = torch.tensor({match.group(2)}, dtype=torch.float64)")
        elif code == "f._backward()":
            lines.append(f"f.backward(torch.tensor({upstream}, dtype=torch.float64))")
        elif code:
            lines.append(code)
    return EngineReport(report.class_name, report.ok, report.operation, report.problem, tuple(lines), report.hint,
                        report.right, report.missing, report.gradients, report.tried)  # fmt: skip


def test_the_commonest_bug_is_blamed_on_mul_with_a_gradient_from_above_that_is_not_1() -> None:
    report = check_engine(MulForgetsUpstream)
    assert operation_lines(report) == ["f = x * y"]
    namespace = run_program(report, Correct)
    y, f_grad = namespace["y"].data, -2.5
    assert "f.grad = -2.5" in "\n".join(report.expression)
    # d(x*y)/dx = y, times the gradient from above; the mistake adds y alone.
    assert report.expected == f_grad * y == asked_for(report, namespace)
    assert report.yours == y
    assert f"grow by f.grad × (local derivative) = -2.5 × ({y:g}) = {f_grad * y:g}, not by {y:g}" in report.hint
    assert report.right == ("+",)


def test_a_mul_whose_backward_swaps_nothing_is_named_with_one_product() -> None:
    report = check_engine(MulSwapsNothing)
    assert operation_lines(report) == ["f = x * y"]
    namespace = run_program(report, Correct)
    x, y = namespace["x"].data, namespace["y"].data
    assert report.expected == -2.5 * y and report.yours == -2.5 * x
    assert f"it gives {x:g} where the rule gives {y:g}" in report.hint


def test_an_add_that_overwrites_is_caught_by_x_plus_x_through_the_students_backward() -> None:
    report = check_engine(AddOverwrites)
    assert operation_lines(report) == ["f = x + x"]
    assert report.expression[-1] == "f.backward()"
    assert (report.yours, report.expected) == (1.0, 2.0)  # d(x + x)/dx = 2


def test_a_tanh_that_overwrites_is_named_on_its_own_with_gradient_already_held() -> None:
    report = check_engine(TanhOverwrites)
    assert "tanh" not in report.right
    program = "\n".join(report.expression)
    assert ".tanh()" in program and "x.grad = 0.75" in program
    x = run_program(report, Correct)["x"]
    t = math.tanh(x.data)
    assert math.isclose(report.expected or 0.0, 0.75 + -2.5 * (1 - t * t), rel_tol=1e-12)
    assert math.isclose(report.yours or 0.0, -2.5 * (1 - t * t), rel_tol=1e-12), "the held 0.75 is lost"


def test_a_wrong_local_derivative_gives_the_students_number_and_the_rules() -> None:
    report = check_engine(TanhOneMinusT)
    x = run_program(report, Correct)["x"].data
    t = math.tanh(x)
    assert f"it gives {1 - t:.6g} where the rule gives {1 - t * t:.6g}" in report.hint
    power = check_engine(PowKTimesXToK)
    x = run_program(power, Correct)["x"].data
    assert f"it gives {2 * x**2:g} where the rule gives {2 * x:g}" in power.hint


def test_an_op_without_children_is_named_by_what_its_result_lacks() -> None:
    report = check_engine(AddForgetsChildren)
    assert report.problem == "f._prev does not lead to x and y: nothing below f is reached from it"
    namespace = run_program(report, AddForgetsChildren)
    assert namespace["f"]._prev == set()
    assert namespace["x"] not in namespace["f"]._prev


def test_a_forward_with_its_operands_swapped_is_said_so() -> None:
    report = check_engine(SubSwapped)
    assert report.problem.startswith("f.data: yours")
    namespace = run_program(report, Correct)
    x, y = namespace["x"].data, namespace["y"].data
    assert (report.yours, report.expected) == (y - x, x - y)
    assert "backward" not in "\n".join(report.expression), "a forward fault shows without backward()"


def test_a_backward_without_the_seed_is_blamed_on_backward_not_on_an_operation() -> None:
    report = check_engine(BackwardWithoutSeed)
    assert report.expression[-1] == "f.backward()"
    assert report.yours == 0.0 and report.expected != 0.0
    assert "while f.grad was 0" in report.hint
    assert "+" in report.right and "*" in report.right, "every operation is right on its own"


def test_a_backward_not_reversed_is_blamed_on_backward() -> None:
    report = check_engine(BackwardNotReversed)
    assert report.expression[-1] == "f.backward()"
    assert len(operation_lines(report)) >= 1
    assert math.isclose(asked_for(report, run_program(report, Correct)), report.expected or 0.0)


def test_a_sort_that_revisits_nodes_is_blamed_on_backward_naming_the_node_called_twice() -> None:
    report = check_engine(RevisitingSort)
    # The smallest program needs a node reached along two paths: a named, shared result.
    shared = [line.split(" = ")[0] for line in report.expression if line[:2] in ("a ", "b ")]
    assert shared, report.expression
    assert f"called the _backward of {shared[0]} 2 times" in report.hint
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
    namespace = run_program(report, Correct)
    assert namespace["x"].data < 0
    assert (report.yours, report.expected) == (-2.5, 0.0)


def test_without_reuse_the_accumulation_faults_do_not_show() -> None:
    # Trees only: no x + x, no node used twice, no gradient already held, as for a class whose
    # gradients do not add up yet.
    assert check_engine(AddOverwrites, reuse=False).ok
    assert check_engine(TanhOverwrites, reuse=False).ok
    assert check_engine(RevisitingSort, reuse=False).ok
    assert not check_engine(MulSwapsNothing, reuse=False).ok
    assert not check_engine(MulForgetsUpstream, reuse=False).ok


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


def test_methods_left_as_placeholders_are_not_written_yet() -> None:
    report = check_engine(PlaceholdersLeft)
    assert report.ok, str(report)
    assert {"exp", "relu", "tanh"} <= set(report.missing)
    assert "No backward() yet" in str(report), "a backward() whose body is ... is not blamed"


def test_the_placeholder_itself_is_no_class_yet() -> None:
    report = check_engine(...)  # type: ignore[arg-type]
    assert not report.ok and report.operation is None
    assert str(report) == "check_engine(...): nothing to check yet\nNo class yet: put your Value class in place of the ... ."


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


def test_an_operation_that_forgets_to_return_is_told_so() -> None:
    report = check_engine(ForgotReturn)
    assert report.operation == "exp"
    assert report.problem == "a.exp() returned None: the method must end with `return out`"


def test_values_alone_are_checked_when_there_are_no_gradients_yet() -> None:
    report = check_engine(ForwardOnly)
    assert report.ok and report.right == ("+",)
    assert "Gradients not checked yet" in str(report)


def test_the_report_is_the_same_for_the_same_seed() -> None:
    assert check_engine(MulSwapsNothing, seed=3) == check_engine(MulSwapsNothing, seed=3)
    assert check_engine(Correct, seed=3) == check_engine(Correct, seed=3)
    assert check_engine(MulForgetsUpstream, seed=3) == check_engine(MulForgetsUpstream, seed=3)


def test_bad_arguments_are_refused_by_name() -> None:
    with pytest.raises(TypeError, match="check_engine: give the class itself, got Correct"):
        check_engine(Correct(1.0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="check_engine: trials must be an int >= 0, got -1"):
        check_engine(Correct, trials=-1)
    for bad in (0, -1.0, math.inf, math.nan, "2", True):
        with pytest.raises(ValueError, match="check_engine: time_limit must be a number of seconds > 0, got"):
            check_engine(Correct, time_limit=bad)  # type: ignore[arg-type]


def test_a_class_that_cannot_hold_a_number_is_told_so() -> None:
    class Broken:
        def __init__(self, data: float) -> None:
            self.data = 2 * data

    report = check_engine(Broken)
    assert not report.ok and "Broken(1.5).data must be 1.5, got 3" in report.problem


def test_the_hints_of_different_families_differ() -> None:
    hints = {check_engine(broken).hint for broken, _, _ in BATTERY}
    assert len(hints) == len(BATTERY)


def test_a_backward_that_never_returns_is_reported_as_not_finishing() -> None:
    report = check_engine(BackwardNeverReturns, time_limit=0.2)
    assert not report.ok and report.operation == "backward()"
    assert report.problem == "f.backward() did not finish within 0.2 s"
    assert report.expression[-1] == "f.backward()" and operation_lines(report)
    assert "never returned" in report.hint
