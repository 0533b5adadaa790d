"""check_op: an op made with define_op is checked rule by rule, and the first wrong rule is named
with its numbers. Right rules come from sympy (softsign and the tanh form of GELU), wrong ones are
the mistakes a student makes: a missing square, a derivative built from floats (so create_graph
cannot follow it), a Values rule that disagrees with the float rule, a forward that is not the
formula. Unwritten rules (``...``) are "not written yet", never an error."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import OPS, Value, apply, check_op, define_op, gradcheck

X = sympy.Symbol("x", real=True)
SOFTSIGN = X / (1 + sympy.Abs(X))
C, K = sympy.sqrt(2 / sympy.pi), sympy.Rational(44715, 1000000)
GELU = X / 2 * (1 + sympy.tanh(C * (X + K * X**3)))


def float_rules(expression: sympy.Expr) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """The expression and its first derivative as float functions, from sympy."""
    return sympy.lambdify(X, expression, "math"), sympy.lambdify(X, sympy.diff(expression, X), "math")


softsign_f, softsign_d = float_rules(SOFTSIGN)
gelu_f, gelu_d = float_rules(GELU)


def softsign_from_values(x: Value, out: Value) -> tuple[Value]:
    return ((1 + abs(x)) ** -2,)


def gelu_from_values(x: Value, out: Value) -> tuple[Value]:
    c, k = math.sqrt(2 / math.pi), 0.044715
    t = (c * (x + k * x**3)).tanh()
    return (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * k * x * x),)


@pytest.fixture
def op(define: Callable[..., Callable[..., Value]]) -> Callable[..., str]:
    """define_op under a fresh name (student_op_0, _1, ...); every op made leaves the global table afterwards."""
    made = itertools.count()

    def make(forward: Callable[..., object], local: Callable[..., object], values: Callable[..., object]) -> str:
        name = f"student_op_{next(made)}"
        define(name, forward, local, values)
        return name

    return make


def test_right_rules_pass_every_check_and_gradcheck_agrees(op: Callable[..., str]) -> None:
    for forward, derivative, from_values in ((softsign_f, softsign_d, softsign_from_values), (gelu_f, gelu_d, gelu_from_values)):
        name = op(forward, lambda x, out, d=derivative: (d(x),), from_values)
        report = check_op(name, reference=forward)
        assert report.ok and report.wrong is None and report.missing == [], str(report)
        assert str(report).splitlines()[0] == f"check_op({name}): every rule agrees"
        # The same op passes gradcheck at both orders: the two checks tell the same story.
        assert gradcheck(lambda v, name=name: apply(name, v), [0.7], order=2)


def test_a_local_derivative_without_its_square_is_named_with_its_numbers(op: Callable[..., str]) -> None:
    name = op(softsign_f, lambda x, out: (1 / (1 + abs(x)),), softsign_from_values)
    report = check_op(name, [0.5])
    assert report.wrong == "local_grads" and not report.ok
    text = str(report)
    assert text.splitlines()[0] == f"check_op({name}): the local derivative (on floats) is wrong"
    # 1 / (1 + 0.5) = 0.666667; the slope of x / (1 + |x|) at 0.5 is 1 / 1.5**2 = 0.444444.
    assert "at x = 0.5 gives 0.666667, but the slope of the forward rule there is 0.444444" in text
    assert "not checked       value_grads: after local_grads is right" in text


def test_a_derivative_built_from_floats_fails_only_the_second_order(op: Callable[..., str]) -> None:
    name = op(softsign_f, lambda x, out: (softsign_d(x),), lambda x, out: (softsign_d(x.data),))
    report = check_op(name, [1.0])
    assert report.wrong == "second derivative"
    second = float(sympy.diff(SOFTSIGN, X, 2).subs(X, 1.0))  # -2 / (1 + x)**3 = -0.25
    assert f"changes at the rate 0, but the local derivative on floats changes at {second:g}" in str(report)
    assert "build it from the Values it is given" in str(report)


def test_a_values_rule_that_disagrees_with_the_float_rule_is_named(op: Callable[..., str]) -> None:
    name = op(softsign_f, lambda x, out: (softsign_d(x),), lambda x, out: ((1 - abs(out)) ** 3,))
    report = check_op(name, [2.0])
    # (1 - 2/3)**3 = 1/27 where 1 / (1 + 2)**2 = 1/9.
    assert report.wrong == "value_grads"
    assert "at x = 2 gives 0.037037, but the local derivative on floats gives 0.111111" in str(report)


def test_a_forward_rule_is_checked_against_the_formula_when_one_is_given(op: Callable[..., str]) -> None:
    name = op(lambda x: x / (1 + x), lambda x, out: (1 / (1 + x) ** 2,), lambda x, out: ((1 + x) ** -2,))
    assert check_op(name, [0.5, 2.0]).ok, "consistent rules of another function pass without a reference"
    report = check_op(name, [-0.5, 2.0], reference=softsign_f)
    assert report.wrong == "forward" and "at x = -0.5 gives -1, the op should give -0.333333" in str(report)


def test_unwritten_rules_are_listed_and_nothing_raises(op: Callable[..., str]) -> None:
    def forward(x: float) -> float:
        ...  # type: ignore[empty-body]

    name = op(forward, lambda x, out: ..., lambda x, out: ...)
    report = check_op(name)
    assert not report.ok and report.wrong is None
    assert report.missing == ["forward", "local_grads", "value_grads"]
    assert str(report).splitlines()[0] == f"check_op({name}): not written yet: forward, local_grads, value_grads"
    half = op(softsign_f, lambda x, out: (softsign_d(x),), lambda x, out: ...)
    assert check_op(half).missing == ["value_grads"]


def test_a_rule_that_raises_or_returns_the_wrong_shape_is_wrong_not_an_error(op: Callable[..., str]) -> None:
    raising = op(softsign_f, lambda x, out: (softsign_d(x),), lambda x, out: (x.missing_attribute,))
    report = check_op(raising)
    assert report.wrong == "value_grads" and "raises AttributeError" in str(report)
    bare = op(softsign_f, lambda x, out: softsign_d(x), softsign_from_values)
    assert check_op(bare).wrong == "local_grads"
    assert "it must return a tuple with one derivative" in str(check_op(bare))
    text = op(lambda x: "x", lambda x, out: (1.0,), softsign_from_values)
    assert check_op(text).wrong == "forward" and "not a number" in str(check_op(text))


@given(st.floats(min_value=-20, max_value=20).filter(lambda x: abs(x) > 1e-3))
def test_right_softsign_rules_agree_at_any_smooth_point(x: float) -> None:
    name = "softsign_property"
    define_op(name, softsign_f, lambda a, out: (softsign_d(a),), softsign_from_values)
    try:
        assert check_op(name, [x]).ok
    finally:
        del OPS[name]


def test_bad_arguments_raise_with_the_name_and_value() -> None:
    with pytest.raises(ValueError, match="no op named 'no_such_op'; make it with define_op first"):
        check_op("no_such_op")
    with pytest.raises(ValueError, match=r"\* takes 2 operands"):
        check_op("*")
    with pytest.raises(ValueError, match="points must be finite numbers"):
        check_op("tanh", [math.inf])
    with pytest.raises(ValueError, match="at least one"):
        check_op("tanh", [])


def test_the_engine_s_own_ops_pass() -> None:
    for name in ("tanh", "sigmoid", "exp", "sin", "softplus"):
        assert check_op(name, [-1.3, 0.4, 1.1], reference=OPS[name].forward).ok, name
