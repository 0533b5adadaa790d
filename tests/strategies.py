"""Hypothesis strategies shared by the tests: points in each op's domain, and random expression
graphs with reused sub-expressions that can be built both from Values and from sympy symbols."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy
from hypothesis import reject
from hypothesis import strategies as st

from autograd_lite import OPS, Value


def in_domain(op_name: str) -> st.SearchStrategy[float]:
    """Floats where the op and its derivative are defined, read from the op's own Domain."""
    domain = OPS[op_name].domain
    values = st.floats(domain.low, domain.high, allow_nan=False, allow_infinity=False)
    if domain.exclude_zero:
        values = values.filter(lambda x: abs(x) > 1e-3)
    return values


def sympy_relu(x: Any) -> Any:
    return sympy.Piecewise((x, x > 0), (0, True))


def sympy_leaky_relu(x: Any) -> Any:
    return sympy.Piecewise((x, x > 0), (sympy.Rational(1, 100) * x, True))


def sympy_sigmoid(x: Any) -> Any:
    return 1 / (1 + sympy.exp(-x))


# How each unary op reads in sympy: the independent oracle for forward and derivatives.
SYMPY_UNARY: dict[str, Callable[[Any], Any]] = {
    "neg": lambda x: -x,
    # Piecewise rather than sympy.Abs: Abs of a compound argument leaves the derivative of
    # sign() unevaluated, which cannot become a float; the two agree away from the kink.
    "abs": lambda x: sympy.Piecewise((x, x > 0), (-x, True)),
    "exp": sympy.exp,
    "log": sympy.log,
    "tanh": sympy.tanh,
    "sigmoid": sympy_sigmoid,
    "relu": sympy_relu,
    "leaky_relu": sympy_leaky_relu,
    "softplus": lambda x: sympy.log(1 + sympy.exp(x)),
    "sin": sympy.sin,
    "cos": sympy.cos,
    "sqrt": sympy.sqrt,
}

SYMPY_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


def value_unary(name: str, x: Value) -> Value:
    """Apply a unary op through the public API, the way a user writes it."""
    if name == "neg":
        return -x
    if name == "abs":
        return abs(x)
    method: Callable[[], Value] = getattr(x, name)
    return method()


def value_binary(name: str, a: Value, b: Value) -> Value:
    if name == "+":
        return a + b
    if name == "-":
        return a - b
    if name == "*":
        return a * b
    if name == "/":
        return a / b
    if a.data == 0.0:
        # 0 ** b takes PyTorch's limit 0 for d/db (tested against PyTorch on its own); sympy's
        # a**b * log(a) is nan there, so such points are outside what the oracles can judge.
        raise ValueError("**: a zero base with a Value exponent is not judged by sympy")
    return a**b


# Ops drawn into random graphs: every op, with arguments kept in range by the builder below.
GRAPH_UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "sin", "cos", "sqrt", "abs", "relu", "leaky_relu", "softplus")
GRAPH_BINARY = ("+", "-", "*", "/", "**")


@dataclass(frozen=True)
class Expression:
    """A recipe: n_inputs variables, then steps (op, argument indices into the pool so far)."""

    n_inputs: int
    steps: tuple[tuple[str, tuple[int, ...]], ...]

    def build(self, leaves: Sequence[Any], unary: Callable[[str, Any], Any], binary: Callable[[str, Any, Any], Any]) -> Any:
        pool = list(leaves)
        for name, args in self.steps:
            if len(args) == 1:
                pool.append(unary(name, pool[args[0]]))
            else:
                pool.append(binary(name, pool[args[0]], pool[args[1]]))
        return pool[-1]

    def with_values(self, leaves: Sequence[Value]) -> Value:
        return self.build(leaves, value_unary, value_binary)  # type: ignore[no-any-return]

    def with_sympy(self, symbols: Sequence[Any]) -> Any:
        """The expression in sympy (for use inside a hypothesis test: rejects what sympy cannot build)."""
        try:
            return self.build(symbols, lambda n, x: SYMPY_UNARY[n](x), lambda n, a, b: SYMPY_BINARY[n](a, b))
        except TypeError:
            # sympy folds nested Piecewise (relu, abs) as it builds them and compares every
            # branch's condition, even a branch at complex infinity (log of relu's zero branch):
            # "Invalid comparison of non-real zoo". An oracle that cannot be built cannot judge.
            reject()


@st.composite
def expressions(draw: st.DrawFn, max_inputs: int = 3, max_steps: int = 8) -> Expression:
    """Random expression graphs; later steps may reuse any earlier node, so diamonds and a*a occur."""
    n_inputs = draw(st.integers(1, max_inputs))
    steps: list[tuple[str, tuple[int, ...]]] = []
    for _ in range(draw(st.integers(1, max_steps))):
        pool_size = n_inputs + len(steps)
        # Bias toward recent nodes so graphs grow deep, but allow reuse of anything earlier.
        index = st.integers(0, pool_size - 1)
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(GRAPH_UNARY)), (draw(index),)))
        else:
            steps.append((draw(st.sampled_from(GRAPH_BINARY)), (draw(index), draw(index))))
    return Expression(n_inputs, tuple(steps))


def build_or_reject(expression: Expression, point: Sequence[float]) -> tuple[list[Value], Value]:
    """The expression built from Values at the point, as (leaves, output); a point outside the
    expression's domain is rejected for hypothesis to draw another."""
    leaves = [Value(x) for x in point[: expression.n_inputs]]
    try:
        return leaves, expression.with_values(leaves)
    except (ValueError, ZeroDivisionError, OverflowError):
        reject()


def points(n: int) -> st.SearchStrategy[list[float]]:
    return st.lists(st.floats(-3.0, 3.0, allow_nan=False).filter(lambda x: abs(x) > 1e-2), min_size=n, max_size=n)


def well_conditioned(values: Sequence[float], limit: float = 1e4) -> bool:
    """Finite and moderate: far from overflow, so both oracles see the same function."""
    return all(math.isfinite(v) and abs(v) < limit for v in values)


# Ops written once for Values and torch tensors alike, where PyTorch's backward and ours agree
# even when an infinite gradient arrives: relu and ``** 0`` block it (a local derivative of exactly
# 0), the others never have a local derivative of exactly 0 at a finite point. sqrt makes the
# infinities (its derivative at 0 is inf), most often right after a relu that gave 0.
BLOCKING_UNARY: dict[str, Callable[[Any], Any]] = {
    "relu": lambda v: v.relu(),
    "sqrt": lambda v: v.sqrt(),
    "sqrt_relu": lambda v: v.relu().sqrt(),
    "pow_zero": lambda v: v**0.0,
    "pow_half": lambda v: v**0.5,
    # 0 - v and a positive scale keep a zero +0.0: PyTorch takes the derivative of -0.0 ** 0.5
    # from sqrt (-inf) and ours from pow (+inf), a matter of the sign of zero, not of blocking.
    "neg": lambda v: 0.0 - v,
    "scale": lambda v: v * 1.5,
}
BLOCKING_BINARY: dict[str, Callable[[Any, Any], Any]] = {"+": lambda a, b: a + b, "-": lambda a, b: a - b}


@st.composite
def blocking_expressions(draw: st.DrawFn, max_inputs: int = 3, max_steps: int = 8) -> Expression:
    """Random graphs of the ``BLOCKING_*`` ops, sub-expressions reused, built with ``build_blocking``."""
    n_inputs = draw(st.integers(1, max_inputs))
    steps: list[tuple[str, tuple[int, ...]]] = []
    for _ in range(draw(st.integers(1, max_steps))):
        index = st.integers(0, n_inputs + len(steps) - 1)
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(BLOCKING_UNARY))), (draw(index),)))
        else:
            steps.append((draw(st.sampled_from(sorted(BLOCKING_BINARY))), (draw(index), draw(index))))
    return Expression(n_inputs, tuple(steps))


def build_blocking(expression: Expression, leaves: Sequence[Any]) -> Any:
    """A ``blocking_expressions`` graph over ``leaves`` (Values or torch tensors)."""
    return expression.build(leaves, lambda n, v: BLOCKING_UNARY[n](v), lambda n, a, b: BLOCKING_BINARY[n](a, b))
