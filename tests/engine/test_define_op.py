"""A user adds an op to the rule table with ``define_op``: ``tan`` here, as a student extending
micrograd would. Its first and second derivatives match sympy, gradcheck passes at both orders,
and every part of the engine (backward, grad with create_graph, the replay tape, pictures,
pickling) knows it. What the user's rules return is checked on every call, as ``Value(...)``
checks data, and every refusal names the op: a result that is no real number, a count of
derivatives other than one per operand, an arity the engine cannot store, a pickled graph whose
op this process has not defined."""

from __future__ import annotations

import math
import pickle
import re
from collections.abc import Callable, Iterator
from typing import Any

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
    with pytest.raises(TypeError, match="define_op 'cot': value_grads must be callable, got None"):
        define_op("cot", math.tan, lambda a, out: (1.0,), None)  # type: ignore[arg-type]
    assert "cot" not in OPS  # nothing refused was added
    with pytest.raises(TypeError, match="tan: takes 1 operand, got 2"):
        tan(Value(1.0), Value(2.0))


# ---- what your rules return is checked, naming the op ----------------------------------------


@pytest.mark.parametrize(("result", "shown"), [(1j, "complex 1j"), ("2", "str '2'"), (None, "NoneType None")])
def test_a_forward_that_returns_no_real_number_is_refused_naming_the_op(
    define: Callable[..., Callable[..., Value]], result: Any, shown: str
) -> None:
    odd = define("odd", lambda a: result, lambda a, out: (1.0,), lambda a, out: (1.0,))
    with pytest.raises(TypeError, match=rf"^odd: the result of forward must be a real number, got {re.escape(shown)}$"):
        odd(Value(0.5))
    with pytest.raises(TypeError, match="data must be a real number"):
        Value(result)  # the same refusal as the constructor's


def test_a_forward_that_returns_an_int_gives_a_float_as_value_does(define: Callable[..., Callable[..., Value]]) -> None:
    count = define("count", lambda a: 2, lambda a, out: (0,), lambda a, out: (0,))
    x = Value(0.5)
    y = count(x)
    assert type(y.data) is float and y.data == Value(2).data == 2.0
    assert type(y.local_grads[0]) is float
    huge = define("huge", lambda a: 10**400, lambda a, out: (0.0,), lambda a, out: (0.0,))
    with pytest.raises(OverflowError, match=r"^huge: the result of forward is an int with 401 digits, too large for a float$"):
        huge(x)


def test_a_variadic_op_must_give_one_derivative_per_operand_on_every_call(
    define: Callable[..., Callable[..., Value]],
) -> None:
    # The old engine kept the one derivative and gave d/d(a, b, c) = (1, 0, 0) without a word.
    first_only = define("first_only", lambda *xs: math.fsum(xs), lambda *args: (1.0,), lambda *args: (1.0,), arity=-1)
    message = r"^first_only: local_grads gave 1 derivative for 3 operands; it must give one per operand$"
    for _ in range(2):
        with pytest.raises(ValueError, match=message):
            first_only(Value(1.0), Value(2.0), Value(3.0))
    with pytest.raises(ValueError, match=r"^first_only: local_grads gave 1 derivative for 2 operands"):
        first_only(Value(1.0), 2.0)
    # The same op with one derivative per operand: a product of three, against its maths.
    product = define(
        "product",
        lambda a, b, c: a * b * c,
        lambda a, b, c, out: (b * c, a * c, a * b),
        lambda a, b, c, out: (b * c, a * c, a * b),
        arity=-1,
    )
    a, b, c = Value(2.0), Value(3.0), Value(5.0)
    assert grad(product(a, b, c), [a, b, c]) == [15.0, 10.0, 6.0]


def test_value_grads_must_give_one_derivative_per_operand(define: Callable[..., Callable[..., Value]]) -> None:
    # The old message was Python's "zip() argument 2 is shorter than argument 1".
    short = define("short", lambda *xs: math.fsum(xs), lambda *args: (1.0,) * (len(args) - 1), lambda *args: (1.0,),
                   arity=-1)  # fmt: skip
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    assert grad(short(a, b, c), [a, b, c]) == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"^short: value_grads gave 1 derivative for 3 operands; it must give one per"):
        grad(short(a, b, c), [a, b, c], create_graph=True)


def test_derivatives_that_are_not_a_tuple_are_refused_naming_the_op(define: Callable[..., Callable[..., Value]]) -> None:
    # A bare number where a tuple of one belongs: the old message was "cannot unpack non-iterable float object".
    bare = define("bare", math.sin, lambda a, out: math.cos(a), lambda a, out: (a.cos(),))
    with pytest.raises(TypeError, match=r"^bare: local_grads must return a tuple of one derivative per operand, got float$"):
        bare(Value(0.5))


def test_a_complex_local_derivative_is_refused_like_a_complex_forward(define: Callable[..., Callable[..., Value]]) -> None:
    # The old engine gave x.grad == 1j.
    twisted = define("twisted", lambda a: 2.0 * a, lambda a, out: (1j,), lambda a, out: (2.0,))
    with pytest.raises(TypeError, match=r"^twisted: local_grads\[0\] must be a real number, got complex 1j$"):
        twisted(Value(0.5))
    twisted_value = define("twisted_value", lambda a: 2.0 * a, lambda a, out: (2.0,), lambda a, out: (1j,))
    x = Value(0.5)
    y = twisted_value(x)
    y.backward()
    assert x.grad == 2.0
    with pytest.raises(TypeError, match=r"^twisted_value: value_grads\[0\] must be a real number, got complex 1j$"):
        grad(y, [x], create_graph=True)


@pytest.mark.parametrize("arity", [3, 4])
def test_an_arity_above_two_is_refused_at_definition_with_the_advice(arity: int) -> None:
    # The old define_op accepted arity=3 and then refused every call.
    with pytest.raises(ValueError, match=rf"^define_op 'fma': arity must be 1, 2 or -1, got {arity}; .* give arity=-1"):
        define_op("fma", lambda *xs: xs[0] * xs[1] + xs[2], lambda *args: (1.0,) * arity, lambda *args: (1.0,) * arity,
                  arity=arity)  # fmt: skip
    assert "fma" not in OPS


def test_loading_a_graph_whose_op_is_not_defined_says_which_and_what_to_do() -> None:
    # The old message was a bare KeyError: 'tan_here'.
    tan_here = define_op("tan_here", math.tan, lambda a, out: (1.0 + out * out,), lambda a, out: (1.0 + out * out,))
    try:
        x = Value(0.5)
        saved = pickle.dumps(tan_here(x) * 2.0)
    finally:
        del OPS["tan_here"]  # as in a process that has not defined it
    message = r"^unpickling a graph: it uses the op 'tan_here', which this process has not defined; run define_op\('tan_here'"
    with pytest.raises(ValueError, match=message):
        pickle.loads(saved)
    define_op("tan_here", math.tan, lambda a, out: (1.0 + out * out,), lambda a, out: (1.0 + out * out,))
    try:
        loaded = pickle.loads(saved)
        loaded.backward()
        assert loaded.data == 2.0 * math.tan(0.5)
        assert loaded.parents[0].local_grads == (1.0 + math.tan(0.5) ** 2,)
    finally:
        del OPS["tan_here"]


def test_an_op_deleted_and_defined_again_runs_its_new_rule(define: Callable[..., Callable[..., Value]]) -> None:
    # The method made for the first rule used to be kept by name and run for the second.
    define("again", lambda a: 2.0 * a, lambda a, out: (2.0,), lambda a, out: (2.0,))(Value(1.0))
    del OPS["again"]
    again = define("again", lambda a: 3.0 * a, lambda a, out: (3.0,), lambda a, out: (3.0,))
    assert again(Value(1.0)).data == 3.0
