"""Random expression graphs (with reused sub-expressions): gradients against sympy and against
central differences, first and second order."""

from __future__ import annotations

import math

import sympy
from hypothesis import HealthCheck, assume, given, reject, settings

from autograd_lite import Value, grad, numerical_grad
from tests.strategies import (
    Expression,
    build_or_reject,
    expressions,
    points,
    value_binary,
    value_unary,
    well_conditioned,
)

SYMBOLS = sympy.symbols("x0:3", real=True)


def _built(expression: Expression, point: list[float]) -> tuple[list[float], list[Value], Value]:
    """The expression at the point, as (point, leaves, output); rejects points outside its domain
    or at a kink of relu, leaky_relu or abs."""
    point = point[: expression.n_inputs]
    leaves, out = build_or_reject(expression, point)
    assume(not _near_a_kink(expression, point))
    return point, leaves, out


def _sympy_at(expr: sympy.Expr, point: list[float]) -> float:
    subs = {s: sympy.Float(v, 40) for s, v in zip(SYMBOLS, point)}
    try:
        return float(expr.subs(subs).evalf(40))
    except TypeError:
        # sympy folds nested Piecewise (our abs) into branches it then compares even where they
        # are complex, e.g. |(|x| ** x)| tries (-x) ** x > 0: a point the oracle cannot judge.
        reject()


def _derivative_at(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], point: list[float]) -> float:
    """sympy's derivative of ``expr`` by ``symbols`` at the point; sympy's own refusals reject the point."""
    try:
        derivative = sympy.diff(expr, *symbols)
    except TypeError:
        # Differentiating nested Piecewise (relu, abs) makes sympy compare branch conditions it
        # cannot decide, e.g. "Invalid NaN comparison": a point the oracle cannot judge.
        reject()
    return _sympy_at(derivative, point)


def _near_a_kink(expression: Expression, point: list[float]) -> bool:
    """relu and abs have no derivative at 0; keep random points away from their kinks."""
    pool = [Value(x) for x in point]
    for name, args in expression.steps:
        operands = [pool[i] for i in args]
        if name in ("relu", "leaky_relu", "abs") and abs(operands[0].data) < 1e-4:
            return True
        pool.append(_apply(name, operands))
    return False


def _apply(name: str, operands: list[Value]) -> Value:
    return value_unary(name, operands[0]) if len(operands) == 1 else value_binary(name, *operands)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(expressions(), points(3))
def test_random_graphs_match_sympy(expression: Expression, point: list[float]) -> None:
    point, leaves, out = _built(expression, point)
    grads = grad(out, leaves)
    assume(well_conditioned([out.data, *grads]))
    symbolic = expression.with_sympy(SYMBOLS[: expression.n_inputs])
    assert math.isclose(out.data, _sympy_at(symbolic, point), rel_tol=1e-9, abs_tol=1e-9)
    for symbol, g in zip(SYMBOLS, grads):
        expected = _derivative_at(symbolic, (symbol,), point)
        assert math.isclose(g, expected, rel_tol=1e-9, abs_tol=1e-9), (symbol, g, expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(expressions(max_inputs=2, max_steps=5), points(2))
def test_random_graphs_second_derivatives_match_sympy(expression: Expression, point: list[float]) -> None:
    point, leaves, out = _built(expression, point)
    try:
        firsts = grad(out, leaves, create_graph=True)
        rows = [grad(d, leaves) for d in firsts]  # type: ignore[arg-type]
    except (ValueError, ZeroDivisionError, OverflowError):
        assume(False)
        return
    assume(well_conditioned([out.data] + [v for row in rows for v in row], limit=1e3))
    symbolic = expression.with_sympy(SYMBOLS[: expression.n_inputs])
    for i, si in enumerate(SYMBOLS[: expression.n_inputs]):
        for j, sj in enumerate(SYMBOLS[: expression.n_inputs]):
            expected = _derivative_at(symbolic, (si, sj), point)
            assert math.isclose(rows[i][j], expected, rel_tol=1e-8, abs_tol=1e-8), (i, j, rows[i][j], expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(expressions(), points(3))
def test_random_graphs_match_central_differences(expression: Expression, point: list[float]) -> None:
    point, leaves, out = _built(expression, point)
    grads = grad(out, leaves)
    assume(well_conditioned([out.data, *grads], limit=1e3))
    try:
        numerical = numerical_grad(lambda *xs: expression.with_values(list(xs)), point)
    except (ValueError, ZeroDivisionError, OverflowError):
        assume(False)
        return
    for g, n in zip(grads, numerical):
        assert math.isclose(g, n, rel_tol=1e-5, abs_tol=1e-6), (g, n)
