"""check_gradients: right answers pass, deliberately wrong ones are marked, the first wrong one
(nearest the output) is explained with the local chain rule and the student's own upstream
numbers, and the picture marks the wrong nodes. Right answers come from the math, from sympy and
from PyTorch in float64, never from the engine under test."""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd_lite import Value, check_gradients
from tests.strategies import Expression, build_or_reject, expressions, points, well_conditioned
from tests.worked_example import worked_example

SYMBOLS = sympy.symbols("x0:3", real=True)


# By hand: df/dq = z, df/dz = q = x + y, df/dx = df/dy = df/dq * 1.
BY_HAND = {"f": 1.0, "q": -4.0, "z": 3.0, "x": -4.0, "y": -4.0}


def test_right_answers_pass_and_leave_every_grad_alone() -> None:
    x, y, z, q, f = worked_example()
    report = check_gradients(f, BY_HAND)
    assert report.ok and report.wrong == [] and report.first_wrong is None
    assert report.right == [f, z, q, y, x], "in backward order, nearest the output first"
    assert str(report).splitlines()[0] == "check_gradients(f): all 5 answers right"
    assert not any(v.grad_reached for v in (x, y, z, q, f))


def test_answers_may_be_keyed_by_the_values_themselves() -> None:
    x, y, z, _, f = worked_example()
    assert check_gradients(f, {x: -4, y: -4, z: 3}).ok


def test_the_first_wrong_answer_is_explained_with_the_local_chain_rule() -> None:
    *_, q, f = worked_example()
    report = check_gradients(f, {**BY_HAND, "q": 3.0})
    assert not report.ok and report.wrong == [q] and report.first_wrong is q
    text = str(report)
    assert "WRONG  df/dq = 3: the engine gives -4" in text
    assert "df/dq = df/df × (local ∂f/∂q) = 1 × z = -4; you wrote 3" in text
    assert "the rule of *: a * b; d/da = b, d/db = a" in text
    for name in ("df/df = 1", "df/dz = 3", "df/dx = -4", "df/dy = -4"):
        assert f"right  {name}" in text


def test_the_first_wrong_is_the_one_nearest_the_output_whatever_the_order_given() -> None:
    x, _, _, q, f = worked_example()
    report = check_gradients(f, {"x": 3.0, "q": 3.0, "f": 1.0})
    assert report.wrong == [q, x] and report.first_wrong is q


def test_a_wrong_answer_that_follows_from_a_wrong_upstream_one_says_so() -> None:
    # x = 3 is the right chain rule applied to the student's wrong df/dq = 3.
    report = check_gradients(worked_example()[-1], {"q": 3.0, "x": 3.0, "y": 7.0})
    lines = str(report).splitlines()
    assert any("df/dx = 3" in line and "follows from your df/dq: fix that first" in line for line in lines)
    assert not any("df/dy = 7" in line and "follows" in line for line in lines), "7 follows from nothing"


def test_unanswered_upstream_numbers_are_the_engines_and_marked_so() -> None:
    report = check_gradients(worked_example()[-1], {"x": 4.0})
    text = str(report)
    assert "df/dx = df/dq × (local ∂q/∂x) = (-4)* × 1 = -4; you wrote 4" in text
    assert "you gave no number for this one" in text


def test_fan_out_the_gradient_is_the_sum_over_the_uses() -> None:
    x, y = Value(-2.0, "x"), Value(5.0, "y")
    p = x * y
    p.label = "p"
    f = p + x
    f.label = "f"
    # f = x*y + x: df/dx = y + 1 = 6, df/dy = x = -2.
    assert check_gradients(f, {"x": 6.0, "y": -2.0, "p": 1.0}).ok
    report = check_gradients(f, {"p": 1.0, "x": 5.0})
    text = str(report)
    assert "df/dx = df/df × (local ∂f/∂x) + df/dp × (local ∂p/∂x) = 1* × 1 + 1 × y = 1* × 1 + 1 × 5 = 6; you wrote 5" in text
    assert "x is used 2 times" in text


def test_a_repeated_operand_counts_once_per_use() -> None:
    a = Value(3.0, "a")
    b = a * a
    b.label = "b"
    report = check_gradients(b, {"a": 3.0})  # d(a*a)/da = 2a = 6
    assert report.first_wrong is a
    assert "db/da = db/db × (local ∂b/∂a) + db/db × (local ∂b/∂a) = 1* × a + 1* × a = 1* × 3 + 1* × 3 = 6; you wrote 3" in str(
        report
    )


def test_the_output_itself_must_be_1() -> None:
    *_, f = worked_example()
    report = check_gradients(f, {"f": 0.0})
    assert report.first_wrong is f
    assert "df/df = 1: the backward pass starts with 1 at the output itself; you wrote 0" in str(report)


def test_rounded_answers_count_as_right_and_rough_ones_do_not() -> None:
    b = Value(0.8813735870195432, "b")
    s = b.sigmoid()
    s.label = "s"
    exact = s.data * (1 - s.data)  # sigma' = sigma (1 - sigma) = 0.2071...
    assert check_gradients(s, {"b": round(exact, 4)}).ok
    assert not check_gradients(s, {"b": round(exact, 2)}).ok
    assert check_gradients(s, {"b": round(exact, 2)}, rel_tol=0.05).ok


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(expressions(max_inputs=3, max_steps=6), points(3), st.data())
def test_random_graphs_answers_from_sympy_pass_and_a_changed_one_is_first_wrong(
    expression: Expression, point: list[float], data: st.DataObject
) -> None:
    point = point[: expression.n_inputs]
    leaves, out = build_or_reject(expression, point)
    symbolic = expression.with_sympy(SYMBOLS[: expression.n_inputs])
    subs = {s: sympy.Float(v, 40) for s, v in zip(SYMBOLS, point)}
    try:
        derivatives = [float(sympy.diff(symbolic, s).subs(subs).evalf(40)) for s in SYMBOLS[: expression.n_inputs]]
    except TypeError:  # sympy left a derivative it cannot evaluate (at a kink)
        assume(False)
        return
    assume(well_conditioned(derivatives) and all(abs(d) > 1e-3 for d in derivatives))
    assume(len(set(leaves)) == len(leaves))
    below = _below(out)
    # At a kink (abs, relu at 0: x - x makes one easily) the two oracles pick different sides.
    assume(not any(n.op in ("abs", "relu", "leaky_relu") and abs(n.parents[0].data) < 1e-9 for n in below | {out}))
    reached = [leaf for leaf in leaves if leaf in below]
    assume(reached)
    answers = {leaf: d for leaf, d in zip(leaves, derivatives) if leaf in reached}
    assert check_gradients(out, answers).ok
    changed = data.draw(st.sampled_from(reached))
    answers[changed] += max(1.0, abs(answers[changed]))
    report = check_gradients(out, answers)
    assert report.wrong == [changed] and report.first_wrong is changed


def _below(root: Value) -> set[Value]:
    seen: set[Value] = set()
    stack = [root]
    while stack:
        for operand in stack.pop().operands:
            if isinstance(operand, Value) and operand not in seen:
                seen.add(operand)
                stack.append(operand)
    return seen


def test_a_neuron_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    numbers = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
    leaves = {name: Value(v, name) for name, v in numbers.items()}
    o = (leaves["x1"] * leaves["w1"] + leaves["x2"] * leaves["w2"] + leaves["b"]).tanh()
    tensors = {name: torch.tensor(v, dtype=torch.float64, requires_grad=True) for name, v in numbers.items()}
    torch.tanh(tensors["x1"] * tensors["w1"] + tensors["x2"] * tensors["w2"] + tensors["b"]).backward()
    answers = {name: float(t.grad) for name, t in tensors.items()}
    assert check_gradients(o, answers, rel_tol=1e-12, abs_tol=1e-15).ok


def test_the_picture_marks_the_wrong_nodes_only() -> None:
    f = worked_example()[-1]
    source = check_gradients(f, {**BY_HAND, "q": 3.0, "x": 3.0}).draw().source
    assert "first wrong: you wrote 3, not -4" in source
    assert source.count("you wrote") == 2, "q and x, not the right ones"
    assert not check_gradients(f, BY_HAND).draw().source.count("you wrote")


@pytest.mark.parametrize(
    ("answers", "error", "words"),
    [
        ({"nope": 1.0}, ValueError, "no node of the graph is labelled 'nope'; the labels are: f, q, x, y, z"),
        ({"q": "three"}, TypeError, "the answer for q must be a number, got 'three'"),
        ({3: 1.0}, TypeError, "answers must be keyed by Values or labels, got 3"),
    ],
)
def test_bad_answers_are_refused_by_name(answers: dict[object, object], error: type, words: str) -> None:
    with pytest.raises(error, match=f"check_gradients: {words}"):
        check_gradients(worked_example()[-1], answers)  # type: ignore[arg-type]


def test_ambiguous_and_foreign_nodes_are_refused() -> None:
    a, b = Value(1.0, "w"), Value(2.0, "w")
    out = a * b
    with pytest.raises(ValueError, match="the label 'w' names 2 nodes of the graph; key that answer by the Value"):
        check_gradients(out, {"w": 2.0})
    with pytest.raises(ValueError, match="check_gradients: elsewhere is not a node of the graph"):
        check_gradients(out, {Value(0.0, "elsewhere"): 1.0})
    *_, q, f = worked_example()
    with pytest.raises(ValueError, match="check_gradients: two answers for q"):
        check_gradients(f, {q: -4.0, "q": -4.0})
    with pytest.raises(TypeError, match="check_gradients: root must be a Value, got float"):
        check_gradients(1.0, {})  # type: ignore[arg-type]


def test_nan_answers_are_right_only_where_the_gradient_is_nan() -> None:
    a = Value(math.inf, "a")
    out = (a * 0.0) * a  # d/da = (a * 0) * 1 + a * 0 = nan + inf * 0 = nan
    assert check_gradients(out, {"a": math.nan}).ok
    assert not check_gradients(out, {"a": 0.0}).ok
    assert not check_gradients(a * 2.0, {"a": math.nan}).ok
