"""Higher-order gradients through create_graph, and gradcheck / numerical_grad."""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import GradcheckError, Value, grad, gradcheck, hessian, numerical_grad

finite = st.floats(-5.0, 5.0, allow_nan=False)


@given(finite)
def test_second_derivative_of_cube_is_6x(x0: float) -> None:
    x = Value(x0)
    (d1,) = grad(x**3, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)  # type: ignore[arg-type]
    (d3,) = grad(d2, [x])  # type: ignore[arg-type]
    assert math.isclose(float(d1), 3 * x0 * x0, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(float(d2), 6 * x0, rel_tol=1e-12, abs_tol=1e-12)
    assert d3 == 6.0


def _f(x: Value, y: Value) -> Value:
    return x * x * y + (x * y).sin() + (y / (1 + x * x)).exp()


@given(finite, finite)
def test_hessian_and_mixed_partials_match_sympy(x0: float, y0: float) -> None:
    sx, sy = sympy.symbols("x y", real=True)
    expr = sx * sx * sy + sympy.sin(sx * sy) + sympy.exp(sy / (1 + sx * sx))
    x, y = Value(x0), Value(y0)
    h = hessian(_f(x, y), [x, y])
    subs = {sx: sympy.Float(x0, 30), sy: sympy.Float(y0, 30)}
    for i, a in enumerate((sx, sy)):
        for j, b in enumerate((sx, sy)):
            expected = float(sympy.diff(expr, a, b).evalf(30, subs=subs))
            assert math.isclose(h[i][j], expected, rel_tol=1e-9, abs_tol=1e-9)
    assert h[0][1] == pytest.approx(h[1][0], rel=1e-12, abs=1e-12)


def test_hessian_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x, y = Value(0.3), Value(-1.2)
    ours = hessian(_f(x, y), [x, y])

    def f(v: object) -> object:
        a, b = v[0], v[1]  # type: ignore[index]
        return a * a * b + torch.sin(a * b) + torch.exp(b / (1 + a * a))

    theirs = torch.autograd.functional.hessian(f, torch.tensor([0.3, -1.2], dtype=torch.float64))
    for i in range(2):
        for j in range(2):
            assert math.isclose(ours[i][j], theirs[i][j].item(), rel_tol=1e-12, abs_tol=1e-14)


def test_newton_minimises_rosenbrock_faster_than_gradient_descent() -> None:
    def rosenbrock(x: Value, y: Value) -> Value:
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    point = [-1.2, 1.0]
    for _ in range(20):
        leaves = [Value(v) for v in point]
        out = rosenbrock(*leaves)
        g = grad(out, leaves)
        (a, b), (c, d) = hessian(out, leaves)
        det = a * d - b * c
        point = [point[0] - (d * g[0] - b * g[1]) / det, point[1] - (-c * g[0] + a * g[1]) / det]
    assert point == pytest.approx([1.0, 1.0], abs=1e-8)

    descent = [-1.2, 1.0]
    for _ in range(20):
        leaves = [Value(v) for v in descent]
        g = grad(rosenbrock(*leaves), leaves)
        descent = [v - 1e-3 * gi for v, gi in zip(descent, g)]
    assert abs(descent[0] - 1.0) > 0.1  # twenty plain steps are nowhere near


def test_higher_order_through_every_unary_op() -> None:
    x = Value(0.7)
    out = (x.tanh() + x.sigmoid() + x.exp() + x.log() + x.sin() + x.cos() + x.sqrt() + abs(x) + x.relu()) * x
    (d1,) = grad(out, [x], create_graph=True)
    (d2,) = grad(d1, [x])  # type: ignore[arg-type]
    numerical = numerical_grad(
        lambda v: grad(
            (v.tanh() + v.sigmoid() + v.exp() + v.log() + v.sin() + v.cos() + v.sqrt() + abs(v) + v.relu()) * v,
            [v],
            create_graph=True,
        )[0],
        [0.7],
    )[0]
    assert math.isclose(d2, numerical, rel_tol=1e-6)


def test_numerical_grad_matches_math() -> None:
    (d,) = numerical_grad(lambda x: x.exp(), [1.0])
    assert math.isclose(d, math.e, rel_tol=1e-8)


def test_gradcheck_passes_on_correct_gradients_first_and_second_order() -> None:
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b, [0.3, 1.2], order=2) is True
    assert gradcheck(lambda a: a**3 - 2 * a, [Value(0.5)]) is True


def test_gradcheck_names_the_input_and_both_numbers() -> None:
    # Detaching one factor hides half of the product rule: a wrong gradient, on purpose.
    with pytest.raises(GradcheckError, match=r"input\[1\].*analytic 3\.0, numerical 5\.99999"):
        gradcheck(lambda a, b: a + b * b.detach(), [1.0, 3.0])


def test_gradcheck_refuses_a_bad_order() -> None:
    with pytest.raises(ValueError, match="order"):
        gradcheck(lambda a: a, [1.0], order=3)
