"""A user adds an op to the rule table with ``define_op``: ``tan`` here, as a student extending
micrograd would. Its first and second derivatives match sympy, gradcheck passes at both orders,
and every part of the engine (backward, grad with create_graph, the replay tape, pictures,
pickling) knows it."""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Iterator

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import OPS, Tape, Value, define_op, draw_graph, grad, gradcheck
from autograd_lite.ops import Domain


@pytest.fixture
def tan() -> Iterator[Callable[..., Value]]:
    applied = define_op(
        "tan",
        forward=math.tan,
        local_grads=lambda a, out: (1.0 + out * out,),
        value_grads=lambda a, out: (1.0 + out * out,),
        domain=Domain(-1.4, 1.4),
    )
    yield applied
    del OPS["tan"]  # the table is global; leave it as the other tests expect it


SYMBOL = sympy.Symbol("x")
FIRST = sympy.lambdify(SYMBOL, sympy.diff(sympy.tan(SYMBOL), SYMBOL))
SECOND = sympy.lambdify(SYMBOL, sympy.diff(sympy.tan(SYMBOL), SYMBOL, 2))


@given(st.floats(-1.4, 1.4))
def test_tan_first_and_second_derivatives_match_sympy(x0: float) -> None:
    tan = define_op("tan", math.tan, lambda a, out: (1.0 + out * out,), lambda a, out: (1.0 + out * out,))
    try:
        x = Value(x0)
        y = tan(x)
        assert y.op == "tan" and y.data == math.tan(x0)
        (first,) = grad(y, [x], create_graph=True)
        assert math.isclose(first.data, FIRST(x0), rel_tol=1e-9)
        (second,) = grad(first, [x])
        assert math.isclose(second, SECOND(x0), rel_tol=1e-9, abs_tol=1e-12)
        y.backward()
        assert x.grad == first.data
    finally:
        del OPS["tan"]


def test_gradcheck_passes_at_both_orders(tan: Callable[..., Value]) -> None:
    for x0 in (-1.2, -0.3, 0.0, 0.7, 1.3):
        assert gradcheck(tan, [x0], order=2)


def test_a_wrong_value_rule_is_caught_by_gradcheck_at_order_two() -> None:
    wrong = define_op("tan_wrong", math.tan, lambda a, out: (1.0 + out * out,), lambda a, out: (1.0 + out,))
    try:
        assert gradcheck(wrong, [0.4], order=1)
        with pytest.raises(AssertionError, match=r"d2 output / d input\[0\] d input\[0\]"):
            gradcheck(wrong, [0.4], order=2)
    finally:
        del OPS["tan_wrong"]


def test_the_rest_of_the_engine_knows_the_new_op(tan: Callable[..., Value]) -> None:
    x = Value(0.5, "x")
    y = tan(x * 2.0) + tan(0.25)  # a plain number operand too: a constant node
    tape = Tape(y, [x])
    value, (slope,) = tape.value_and_grad([0.3])
    assert value == math.tan(0.6) + math.tan(0.25)
    assert slope == pytest.approx(2.0 * (1.0 + math.tan(0.6) ** 2), rel=1e-15)
    copy = pickle.loads(pickle.dumps(y))
    assert copy.data == y.data and copy.op == "+"
    picture = draw_graph(y).source
    assert "label=<tan>" in picture and "<B>a</B>" not in picture  # one operand: no a/b marks
    assert x._prev == frozenset() and y.parents[0]._op == "tan"


def test_bad_definitions_are_refused_naming_the_problem(tan: Callable[..., Value]) -> None:
    with pytest.raises(ValueError, match="define_op: an op named 'tan' already exists"):
        define_op("tan", math.tan, lambda a, out: (1.0,), lambda a, out: (1.0,))
    with pytest.raises(ValueError, match="define_op: the name must be a Python identifier"):
        define_op("t an", math.tan, lambda a, out: (1.0,), lambda a, out: (1.0,))
    with pytest.raises(TypeError, match="define_op 'cot': local_grads must be callable"):
        define_op("cot", math.tan, 1.0, lambda a, out: (1.0,))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="tan: takes 1 operand, got 2"):
        tan(Value(1.0), Value(2.0))
