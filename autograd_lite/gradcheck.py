"""Check gradients against central differences: ``numerical_grad`` and ``gradcheck``.

The numerical side is float64 central differences with a step scaled to each input,
(f(x + h) - f(x - h)) / 2h, the analytic side is the engine's ``grad``; a mismatch raises a
``GradcheckError`` that names the input and both numbers, as PyTorch's gradcheck does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .engine import grad
from .real_numbers import to_float
from .value import Value

ScalarFunction = Callable[..., Value]


class GradcheckError(AssertionError):
    """An analytic derivative disagrees with its numerical estimate."""


def _check_step_size(eps: object, where: str) -> None:
    """The relative step of the central differences must be a finite number > 0."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0.0 < eps < math.inf:
        raise ValueError(f"{where}: eps must be a finite number > 0, got {eps!r}")


def _as_floats(inputs: Sequence[Any], where: str) -> list[float]:
    return [x.data if isinstance(x, Value) else to_float(x, where) for x in inputs]


def _evaluate(fn: ScalarFunction, point: Sequence[float]) -> float:
    # Recorded, not under no_grad: fn may itself call grad() (checking a derivative of a derivative).
    result = fn(*(Value(x) for x in point))
    if not isinstance(result, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got {type(result).__name__}")
    return result.data


def _neighbours(point: Sequence[float], index: int, eps: float) -> tuple[list[float], list[float], float]:
    """The point moved by +h and by -h along input ``index``, and h = eps * max(1, |x_index|)."""
    x = point[index]
    h = eps * max(1.0, abs(x))
    above, below = list(point), list(point)
    above[index] = x + h
    below[index] = x - h
    return above, below, h


def numerical_grad(fn: ScalarFunction, inputs: Sequence[Any], eps: float = 1e-6) -> list[float]:
    """Central differences d fn / d x_i ~ (fn(x + h e_i) - fn(x - h e_i)) / 2h, h = eps * max(1, |x_i|)."""
    _check_step_size(eps, "numerical_grad")
    point = _as_floats(inputs, "numerical_grad")
    estimates: list[float] = []
    for index in range(len(point)):
        above, below, h = _neighbours(point, index, eps)
        estimates.append((_evaluate(fn, above) - _evaluate(fn, below)) / (2.0 * h))
    return estimates


def _analytic_grad(fn: ScalarFunction, point: Sequence[float]) -> list[float]:
    leaves = [Value(x) for x in point]
    return [float(g) for g in grad(fn(*leaves), leaves)]


def _close(analytic: float, numerical: float, atol: float, rtol: float) -> bool:
    return abs(analytic - numerical) <= atol + rtol * abs(numerical)


def gradcheck(
    fn: ScalarFunction,
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
) -> bool:
    """True when fn's gradients (and, with order=2, its Hessian) match central differences.

    Raises GradcheckError naming the input index and both numbers on the first mismatch.
    """
    if order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    _check_step_size(eps, "gradcheck")
    point = _as_floats(inputs, "gradcheck")
    analytic = _analytic_grad(fn, point)
    numerical = numerical_grad(fn, point, eps)
    for index, (a, n) in enumerate(zip(analytic, numerical, strict=False)):
        if not _close(a, n, atol, rtol):
            raise GradcheckError(
                f"gradcheck: d output / d input[{index}] at {point}: analytic {a!r}, numerical {n!r}"
            )
    if order == 2:
        _check_second_order(fn, point, eps, atol, rtol)
    return True


def _check_second_order(
    fn: ScalarFunction, point: list[float], eps: float, atol: float, rtol: float
) -> None:
    """Compare the Hessian through create_graph with central differences of the analytic gradient."""
    leaves = [Value(x) for x in point]
    first = grad(fn(*leaves), leaves, create_graph=True)
    # One pair of gradient evaluations per input gives a whole column of numerical second derivatives.
    numerical_columns = []
    for column in range(len(point)):
        above, below, h = _neighbours(point, column, eps)
        up, down = _analytic_grad(fn, above), _analytic_grad(fn, below)
        numerical_columns.append([(u - d) / (2.0 * h) for u, d in zip(up, down, strict=True)])
    for row, partial in enumerate(first):
        assert isinstance(partial, Value)
        analytic_row = grad(partial, leaves)
        for column in range(len(point)):
            numerical = numerical_columns[column][row]
            if not _close(analytic_row[column], numerical, atol, rtol):
                raise GradcheckError(
                    f"gradcheck: d2 output / d input[{row}] d input[{column}] at {point}: "
                    f"analytic {analytic_row[column]!r}, numerical {numerical!r}"
                )
