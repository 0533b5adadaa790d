"""Every op: forward against math, first and second derivatives against sympy's symbolic ones."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import OPS, Value, grad
from tests.strategies import (
    SYMPY_BINARY,
    SYMPY_UNARY,
    in_domain,
    value_binary,
    value_unary,
)

X, Y = sympy.symbols("x y", real=True)


def _close(actual: float, expected: float, rel: float = 1e-9, abs_tol: float = 1e-12) -> bool:
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_tol)


@cache
def unary_derivatives(name: str) -> tuple[Any, Any, Any]:
    expr = SYMPY_UNARY[name](X)
    first = sympy.diff(expr, X)
    return expr, first, sympy.diff(first, X)


@cache
def binary_derivatives(name: str) -> tuple[Any, list[Any], list[list[Any]]]:
    expr = SYMPY_BINARY[name](X, Y)
    first = [sympy.diff(expr, v) for v in (X, Y)]
    second = [[sympy.diff(d, v) for v in (X, Y)] for d in first]
    return expr, first, second


def at(expr: Any, **point: float) -> float:
    subs = {sympy.Symbol(k, real=True): sympy.Float(v, 30) for k, v in point.items()}
    return float(expr.subs(subs).evalf(30))


MATH_FORWARD: dict[str, Callable[[float], float]] = {
    "neg": lambda x: -x,
    "abs": abs,
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
    "relu": lambda x: max(0.0, x),
    "leaky_relu": lambda x: x if x > 0 else 0.01 * x,
    "softplus": lambda x: math.log1p(math.exp(x)),
    "sin": math.sin,
    "cos": math.cos,
    "sqrt": math.sqrt,
}

UNARY_NAMES = sorted(SYMPY_UNARY)


def test_every_op_in_the_table_is_tested() -> None:
    tested = set(SYMPY_UNARY) | set(SYMPY_BINARY) | {"sum", "dot", "logsumexp"}
    assert tested == set(OPS)


@pytest.mark.parametrize("name", UNARY_NAMES)
@given(data=st.data())
def test_unary_forward_matches_math(name: str, data: st.DataObject) -> None:
    x = data.draw(in_domain(name))
    assert _close(value_unary(name, Value(x)).data, MATH_FORWARD[name](x), rel=1e-15)


@pytest.mark.parametrize("name", UNARY_NAMES)
@given(data=st.data())
def test_unary_first_and_second_derivative_match_sympy(name: str, data: st.DataObject) -> None:
    x0 = data.draw(in_domain(name))
    _, first, second = unary_derivatives(name)
    x = Value(x0)
    out = value_unary(name, x)
    assert _close(out.local_grads[0], at(first, x=x0))
    (d1,) = grad(out, [x], create_graph=True)
    assert isinstance(d1, Value)
    assert _close(d1.data, at(first, x=x0))
    (d2,) = grad(d1, [x])
    assert _close(d2, at(second, x=x0), abs_tol=1e-10)


@pytest.mark.parametrize("name", sorted(SYMPY_BINARY))
@given(data=st.data())
def test_binary_derivatives_match_sympy(name: str, data: st.DataObject) -> None:
    a0 = data.draw(in_domain(name))
    b0 = data.draw(in_domain(name).filter(lambda v: abs(v) > 1e-3) if name == "/" else in_domain(name))
    if name == "**":
        b0 = data.draw(st.floats(-3.0, 3.0))
    expr, first, second = binary_derivatives(name)
    a, b = Value(a0), Value(b0)
    out = value_binary(name, a, b)
    assert _close(out.data, at(expr, x=a0, y=b0), rel=1e-13)
    firsts = grad(out, [a, b], create_graph=True)
    for i in range(2):
        assert _close(float(firsts[i]), at(first[i], x=a0, y=b0))
        row = grad(firsts[i], [a, b])  # type: ignore[arg-type]
        for j in range(2):
            assert _close(row[j], at(second[i][j], x=a0, y=b0), rel=1e-8, abs_tol=1e-9)


@given(st.lists(st.floats(-10, 10), min_size=1, max_size=6), st.floats(-10, 10))
def test_sum_and_dot_are_single_nodes_with_exact_derivatives(xs: list[float], c: float) -> None:
    from autograd_lite import dot, value_sum

    leaves = [Value(x) for x in xs]
    total = value_sum(leaves, c)
    assert total.op == "sum"
    assert math.isclose(total.data, math.fsum(xs) + c, rel_tol=1e-12, abs_tol=1e-12)
    assert grad(total, leaves) == [1.0] * len(xs)
    weights = [Value(x / 2 + 1) for x in xs]
    product = dot(weights, leaves)
    assert product.op == "dot" and len(product.parents) == 2 * len(xs)
    grads = grad(product, weights + leaves)
    assert grads == [x for x in xs] + [w.data for w in weights]


def test_constant_exponent_allows_a_negative_base() -> None:
    x = Value(-3.0)
    y = x**2
    assert y.data == 9.0
    (dx,) = grad(y, [x])
    assert dx == -6.0
    (d1,) = grad(x**3, [x], create_graph=True)
    (d2,) = grad(d1, [x])  # type: ignore[arg-type]
    assert d2 == 6.0 * -3.0


def test_number_on_either_side_becomes_a_constant_leaf() -> None:
    x = Value(3.0)
    for out in (2 + x, 2 - x, 2 * x, 2 / x, 2**x, x + 2, x - 2, x * 2, x / 2, x**2):
        constants = [p for p in out.parents if p.is_constant]
        assert len(constants) == 1 and constants[0].data == 2.0 and constants[0].op == ""
    assert (2 - x).data == -1.0 and (2 / x).data == pytest.approx(2 / 3, rel=1e-15)
    assert (2**x).data == 8.0
    (d,) = grad(2**x, [x])
    assert math.isclose(d, 8.0 * math.log(2.0), rel_tol=1e-15)


@given(st.lists(st.floats(-30, 30), min_size=1, max_size=4))
def test_logsumexp_matches_sympy_first_and_second_order(zs: list[float]) -> None:
    from autograd_lite import logsumexp

    symbols = sympy.symbols(f"z0:{len(zs)}", real=True)
    expr = sympy.log(sum(sympy.exp(s) for s in symbols))
    subs = {s: sympy.Float(z, 30) for s, z in zip(symbols, zs)}
    leaves = [Value(z) for z in zs]
    out = logsumexp(leaves)
    assert out.op == "logsumexp" and out.parents == tuple(leaves)
    assert _close(out.data, float(expr.evalf(30, subs=subs)), rel=1e-14, abs_tol=1e-14)
    firsts = grad(out, leaves, create_graph=True)
    for i, si in enumerate(symbols):
        assert _close(float(firsts[i]), float(sympy.diff(expr, si).evalf(30, subs=subs)), abs_tol=1e-15)
        row = grad(firsts[i], leaves)  # type: ignore[arg-type]
        for j, sj in enumerate(symbols):
            assert _close(row[j], float(sympy.diff(expr, si, sj).evalf(30, subs=subs)), abs_tol=1e-12)


def test_logsumexp_and_softplus_do_not_overflow() -> None:
    from autograd_lite import logsumexp

    assert logsumexp([Value(1000.0), Value(1000.0)]).data == 1000.0 + math.log(2.0)
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(-1000.0).softplus().data == 0.0
    with pytest.raises(ValueError, match="logsumexp"):
        logsumexp([])
