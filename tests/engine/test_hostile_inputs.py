"""Hostile input for the engine: data of every Python type, every operator and method with
every kind of operand, and graphs of random shape and depth. Each call answers correctly or
raises a documented exception that names the op; never a hang, a RecursionError, a complex
number or a wrong gradient."""

from __future__ import annotations

import math
import operator
import re
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, grad

DOCUMENTED = (TypeError, ValueError, ZeroDivisionError, OverflowError)

real_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e308, -1e308]),
)

# Everything a student can type, each with whether it counts as a real number.
anything = st.one_of(
    real_floats.map(lambda x: (x, True)),
    st.integers(-(10**400), 10**400).map(lambda n: (n, True)),
    st.fractions().map(lambda f: (f, True)),
    st.decimals(allow_nan=False).map(lambda d: (d, True)),
    real_floats.map(lambda x: (np.float64(x), True)),
    st.integers(-(2**62), 2**62).map(lambda n: (np.int64(n), True)),
    st.booleans().map(lambda b: (b, False)),
    st.booleans().map(lambda b: (np.bool_(b), False)),
    st.text(max_size=5).map(lambda s: (s, False)),
    st.complex_numbers(allow_nan=False).map(lambda c: (c, False)),
    st.just((None, False)),
    st.just(([1.0], False)),
    st.just((b"1", False)),
)


def _as_float(data: Any) -> float | None:
    """What the data means as a float, computed without the library; None if not representable."""
    try:
        return float(data)
    except OverflowError:
        return None


@given(anything)
def test_value_accepts_real_numbers_and_refuses_the_rest(case: tuple[Any, bool]) -> None:
    data, is_real = case
    if not is_real:
        with pytest.raises(TypeError, match="Value: data must be a real number"):
            Value(data)
        return
    expected = _as_float(data)
    if expected is None:
        with pytest.raises(OverflowError, match="Value"):
            Value(data)
        return
    v = Value(data)
    assert type(v.data) is float
    assert v.data == expected or (math.isnan(v.data) and math.isnan(expected))


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}


def _float_oracle(name: str, a: float, b: float) -> float | type[BaseException]:
    """The float answer Python itself gives, or the exception class we must raise instead."""
    if name == "/" and b == 0.0:
        return ZeroDivisionError
    if name == "**":
        if a == 0.0 and b < 0.0:
            return ZeroDivisionError
        if a < 0.0 and math.isfinite(b) and not b.is_integer():
            return ValueError
        try:
            return math.pow(a, b)
        except OverflowError:
            return OverflowError
        except ValueError:
            return ValueError
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else 0.0}[name]


operands = st.one_of(
    st.floats(-1e6, 1e6).map(lambda x: ("value", x)),
    st.floats(-1e6, 1e6).map(lambda x: ("float", x)),
    st.integers(-1000, 1000).map(lambda n: ("int", n)),
    st.fractions(max_denominator=100).filter(lambda f: abs(f) < 1000).map(lambda f: ("fraction", f)),
    st.floats(-1e6, 1e6).map(lambda x: ("numpy", np.float64(x))),
)


def _wrap(kind: str, raw: Any) -> Any:
    return Value(raw) if kind == "value" else raw


@settings(max_examples=300)
@given(st.sampled_from(sorted(BINARY)), operands, operands)
def test_every_binary_operator_with_every_operand_kind(name: str, left: tuple[str, Any], right: tuple[str, Any]) -> None:
    if left[0] != "value" and right[0] != "value":
        right = ("value", right[1])
    a, b = _wrap(*left), _wrap(*right)
    fa, fb = float(left[1]), float(right[1])
    if name == "**" and isinstance(b, Value) and fa < 0.0:  # 0 ** Value(b) is 0, as in PyTorch
        with pytest.raises(ValueError, match=r"\*\*"):
            BINARY[name](a, b)
        return
    expected = _float_oracle(name, fa, fb)
    if isinstance(expected, type):
        with pytest.raises(expected, match=re.escape(name)):
            BINARY[name](a, b)
        return
    out = BINARY[name](a, b)
    assert isinstance(out, Value) and type(out.data) is float
    assert out.data == expected or (math.isnan(out.data) and math.isnan(expected))
    leaves = [v for v in (a, b) if isinstance(v, Value)]
    grads = grad(out, leaves)
    assert all(type(g) is float for g in grads)


UNARY_METHODS = ("exp", "log", "tanh", "sigmoid", "relu", "leaky_relu", "softplus", "sin", "cos", "sqrt")


@settings(max_examples=300)
@given(st.sampled_from((*UNARY_METHODS, "abs", "neg")), real_floats)
def test_every_method_answers_or_refuses_naming_itself(name: str, x: float) -> None:
    v = Value(x)
    try:
        out = abs(v) if name == "abs" else (-v if name == "neg" else getattr(v, name)())
    except DOCUMENTED as error:
        assert name in str(error)
        return
    assert type(out.data) is float
    (g,) = grad(out, [v])
    assert type(g) is float
    if math.isfinite(x) and math.isfinite(g) and name not in ("relu", "leaky_relu", "abs") and abs(x) < 50:
        h = 1e-6 * max(1.0, abs(x))
        if name in ("log", "sqrt"):
            h = min(h, x / 100)  # stay inside the domain: near 0 the step must shrink with x
        if h < 1e-300:
            return  # a subnormal input leaves no room for a finite-difference step
        try:
            up = getattr(Value(x + h), name)().data if name != "neg" else -(x + h)
            down = getattr(Value(x - h), name)().data if name != "neg" else -(x - h)
        except DOCUMENTED:
            return
        assert math.isclose(g, (up - down) / (2 * h), rel_tol=1e-4, abs_tol=1e-5)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 20_000), st.lists(st.sampled_from(["tanh", "sin", "*", "+", "sigmoid"]), min_size=1, max_size=5))
def test_deep_random_graphs_never_recurse(depth: int, pattern: list[str]) -> None:
    x = Value(0.3)
    y = x
    for i in range(depth):
        step = pattern[i % len(pattern)]
        y = y * 0.5 if step == "*" else (y + x if step == "+" else getattr(y, step)())
    limit = sys.getrecursionlimit()
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert math.isfinite(x.grad)
    assert repr(y).startswith("Value(")
