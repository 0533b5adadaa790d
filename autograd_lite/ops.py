"""The table of operations: each op's forward on floats, its local derivatives on floats,
and the same derivatives built from Values (what ``create_graph=True`` differentiates again).

Everything here knows only floats and the operator protocol, so it imports nothing from the
rest of the package. ``Value`` builds nodes from these rules; the replay tape runs them on
plain floats; the tests read each op's domain from ``Op.domain``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

FloatFn = Callable[..., float]
LocalGradFn = Callable[..., tuple[float, ...]]
# Built from Values; typed loosely because this module may not import Value (data flows one way).
ValueGradFn = Callable[..., tuple[Any, ...]]


class Domain(NamedTuple):
    """Where an op is defined and its derivative is finite, for tests and fuzzers."""

    low: float
    high: float
    exclude_zero: bool = False


class Op(NamedTuple):
    """One operation: name, arity (-1 for variadic), and its three rules."""

    name: str
    arity: int
    forward: FloatFn
    local_grads: LocalGradFn
    value_grads: ValueGradFn
    domain: Domain
    commutative: bool


# ---- forward rules on floats ------------------------------------------------------------


def add(a: float, b: float) -> float:
    """a + b; d/da = 1, d/db = 1"""
    return a + b


def sub(a: float, b: float) -> float:
    """a - b; d/da = 1, d/db = -1"""
    return a - b


def mul(a: float, b: float) -> float:
    """a * b; d/da = b, d/db = a"""
    return a * b


def div(a: float, b: float) -> float:
    """a / b; d/da = 1/b, d/db = -a/b**2"""
    if b == 0.0:
        raise ZeroDivisionError(f"/: division by zero, got {a!r} / {b!r}")
    return a / b


def power(a: float, b: float) -> float:
    """a ** b; d/da = b * a**(b-1), d/db = a**b * log(a)"""
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"**: 0 cannot be raised to a negative power, got 0.0 ** {b!r}")
    if a < 0.0 and math.isfinite(b) and not b.is_integer():
        raise ValueError(
            f"**: a negative base needs an integer exponent (the result would be complex), "
            f"got {a!r} ** {b!r}"
        )
    try:
        result = math.pow(a, b)
    except OverflowError:
        raise OverflowError(f"**: result overflows a float, got {a!r} ** {b!r}") from None
    return result


def neg(a: float) -> float:
    """-a; d/da = -1"""
    return -a


def absolute(a: float) -> float:
    """|a|; d/da = sign(a), taken as 0 at a = 0"""
    return abs(a)


def exp(a: float) -> float:
    """e**a; d/da = e**a"""
    try:
        return math.exp(a)
    except OverflowError:
        raise OverflowError(f"exp: result overflows a float, got exp({a!r})") from None


def log(a: float) -> float:
    """ln(a) for a > 0; d/da = 1/a"""
    if not a > 0.0 and not math.isnan(a):
        raise ValueError(f"log: input must be > 0, got {a!r}")
    return math.log(a)


def tanh(a: float) -> float:
    """tanh(a); d/da = 1 - tanh(a)**2"""
    return math.tanh(a)


def sigmoid(a: float) -> float:
    """1 / (1 + e**-a), computed without overflow for every input; d/da = s(a) * (1 - s(a))"""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    # For a < 0, e**-a could overflow; e**a cannot, so rewrite s(a) = e**a / (1 + e**a).
    e = math.exp(a)
    return e / (1.0 + e)


def relu(a: float) -> float:
    """max(0, a); d/da = 1 for a > 0 and 0 for a <= 0 (the derivative at exactly 0 is 0)"""
    return a if a > 0.0 else 0.0


LEAKY_SLOPE = 0.01
"""The slope of leaky_relu for inputs <= 0 (the usual default, as in PyTorch)."""


def leaky_relu(a: float) -> float:
    """a for a > 0, else 0.01 a; d/da = 1 for a > 0, else 0.01 (0.01 at exactly 0, as in PyTorch)"""
    return a if a > 0.0 else LEAKY_SLOPE * a


def softplus(a: float) -> float:
    """log(1 + e**a), without overflow for any a; d/da = sigmoid(a)"""
    if a >= 0.0:
        # log(1 + e**a) = a + log(1 + e**-a), and e**-a <= 1 cannot overflow.
        return a + math.log1p(math.exp(-a))
    return math.log1p(math.exp(a))


def logsumexp(*terms: float) -> float:
    """log sum_i e**z_i, as m + log sum_i e**(z_i - m) with m = max z_i; d/dz_i = e**(z_i - lse)"""
    if not terms:
        raise ValueError("logsumexp: needs at least one term")
    m = max(terms)
    if math.isinf(m) or math.isnan(m):
        return m  # e**(z - m) would be nan; the limit is m itself
    return m + math.log(sum([math.exp(z - m) for z in terms]))


def sin(a: float) -> float:
    """sin(a); d/da = cos(a)"""
    if math.isinf(a):
        raise ValueError(f"sin: input must be finite, got {a!r}")
    return math.sin(a)


def cos(a: float) -> float:
    """cos(a); d/da = -sin(a)"""
    if math.isinf(a):
        raise ValueError(f"cos: input must be finite, got {a!r}")
    return math.cos(a)


def sqrt(a: float) -> float:
    """a ** 0.5 for a >= 0; d/da = 1 / (2 sqrt(a)), infinite at 0"""
    if a < 0.0:
        raise ValueError(f"sqrt: input must be >= 0, got {a!r}")
    return math.sqrt(a)


def total(*terms: float) -> float:
    """sum of n terms; d/dterm_i = 1"""
    return sum(terms, 0.0)


def dot(*weights_then_inputs: float) -> float:
    """w . x for parents (w_1..w_n, x_1..x_n); d/dw_i = x_i, d/dx_i = w_i"""
    n = len(weights_then_inputs) // 2
    return dot_product(weights_then_inputs[:n], weights_then_inputs[n:])


def dot_product(weights: Iterable[float], inputs: Iterable[float]) -> float:
    """w . x = sum_i w_i x_i by Python's sum() from 0.0 (what ``dot`` nodes and the tape use)."""
    # sum() over map() runs the multiply-add loop in C. It adds left to right up to Python
    # 3.11 and compensates rounding from 3.12 on; either way the eager engine and the replay
    # tape both call this one function, so they agree to the last bit.
    return sum(map(operator.mul, weights, inputs), 0.0)


# ---- local derivatives on floats: (*inputs, out) -> one float per input -------------------


def _power_grads(a: float, b: float, out: float) -> tuple[float, float]:
    if b == 0.0:
        da = 0.0  # a**0 is constant in a, even where a**-1 would overflow
    elif a == 0.0 and b < 1.0:
        da = math.inf
    else:
        try:
            da = b * math.pow(a, b - 1.0)
        except OverflowError:
            # A tiny base to a negative power: the derivative is infinite, with the sign of the product.
            positive = (a > 0.0 or (b - 1.0) % 2.0 == 0.0) == (b > 0.0)
            da = math.inf if positive else -math.inf
    if a > 0.0:
        db = out * math.log(a)
    elif a == 0.0:
        db = 0.0  # the limit of a**b * log(a) as a -> 0+ for b > 0, as PyTorch records it
    else:
        db = math.nan  # only reachable with a constant integer exponent, which takes no gradient
    return (da, db)


def _sqrt_grad(a: float, out: float) -> tuple[float]:
    return (0.5 / out if out != 0.0 else math.inf,)


def _sign(a: float) -> float:
    return 1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0)


def _dot_grads(*args: float) -> tuple[float, ...]:
    n = (len(args) - 1) // 2
    return args[n : 2 * n] + args[:n]


# ---- the same derivatives built from Values (differentiable again) ----------------------


def _power_value_grads(a: Any, b: Any, out: Any) -> tuple[Any, Any]:
    if b.is_constant:
        # Keep the exponent a constant so a negative base with an integer power stays legal.
        exponent = b.data
        da = exponent * a ** (exponent - 1.0) if exponent != 0.0 else a * 0.0
        return (da, b * 0.0)
    return (b * a ** (b - 1.0), out * a.log())


def _step_value(a: Any) -> Any:
    """The derivative of relu as a constant: its own derivative is 0 everywhere it exists."""
    return a.constant(1.0 if a.data > 0.0 else 0.0)


def _softmax_grads(*args: float) -> tuple[float, ...]:
    out = args[-1]
    return tuple([math.exp(z - out) for z in args[:-1]])


def _softmax_value_grads(*args: Any) -> tuple[Any, ...]:
    out = args[-1]
    return tuple((z - out).exp() for z in args[:-1])


def _leaky_step_value(a: Any) -> Any:
    """The derivative of leaky_relu as a constant: 1 or the slope, itself with derivative 0."""
    return a.constant(1.0 if a.data > 0.0 else LEAKY_SLOPE)


def _sign_value(a: Any) -> Any:
    return a.constant(_sign(a.data))


def _ones(*args: Any) -> tuple[Any, ...]:
    return tuple(a.constant(1.0) for a in args[:-1])


def _dot_value_grads(*args: Any) -> tuple[Any, ...]:
    n = (len(args) - 1) // 2
    return tuple(args[n : 2 * n]) + tuple(args[:n])


ALL = Domain(-20.0, 20.0)
POSITIVE = Domain(1e-3, 20.0)

OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("+", 2, add, lambda a, b, out: (1.0, 1.0), lambda a, b, out: (a.constant(1.0), a.constant(1.0)), ALL, True),
        Op("-", 2, sub, lambda a, b, out: (1.0, -1.0), lambda a, b, out: (a.constant(1.0), a.constant(-1.0)), ALL, False),
        Op("*", 2, mul, lambda a, b, out: (b, a), lambda a, b, out: (b, a), ALL, True),
        Op("/", 2, div, lambda a, b, out: (1.0 / b, -out / b), lambda a, b, out: (1.0 / b, -out / b), Domain(-20.0, 20.0, True), False),
        Op("**", 2, power, _power_grads, _power_value_grads, POSITIVE, False),
        Op("neg", 1, neg, lambda a, out: (-1.0,), lambda a, out: (a.constant(-1.0),), ALL, True),
        Op("abs", 1, absolute, lambda a, out: (_sign(a),), lambda a, out: (_sign_value(a),), Domain(-20.0, 20.0, True), True),
        Op("exp", 1, exp, lambda a, out: (out,), lambda a, out: (out,), ALL, True),
        Op("log", 1, log, lambda a, out: (1.0 / a,), lambda a, out: (1.0 / a,), POSITIVE, True),
        Op("tanh", 1, tanh, lambda a, out: (1.0 - out * out,), lambda a, out: (1.0 - out * out,), ALL, True),
        Op("sigmoid", 1, sigmoid, lambda a, out: (out * (1.0 - out),), lambda a, out: (out * (1.0 - out),), ALL, True),
        Op("relu", 1, relu, lambda a, out: (1.0 if a > 0.0 else 0.0,), lambda a, out: (_step_value(a),), Domain(-20.0, 20.0, True), True),
        Op("leaky_relu", 1, leaky_relu, lambda a, out: (1.0 if a > 0.0 else LEAKY_SLOPE,), lambda a, out: (_leaky_step_value(a),), Domain(-20.0, 20.0, True), True),
        Op("softplus", 1, softplus, lambda a, out: (sigmoid(a),), lambda a, out: (a.sigmoid(),), ALL, True),
        Op("sin", 1, sin, lambda a, out: (math.cos(a),), lambda a, out: (a.cos(),), ALL, True),
        Op("cos", 1, cos, lambda a, out: (-math.sin(a),), lambda a, out: (-a.sin(),), ALL, True),
        Op("sqrt", 1, sqrt, _sqrt_grad, lambda a, out: (0.5 / out,), POSITIVE, True),
        Op("sum", -1, total, lambda *args: (1.0,) * (len(args) - 1), _ones, ALL, True),
        Op("dot", -1, dot, _dot_grads, _dot_value_grads, ALL, True),
        Op("logsumexp", -1, logsumexp, _softmax_grads, _softmax_value_grads, ALL, True),
    )
}
"""Every operation by the name a node records in ``Value.op``."""

UNARY = tuple(name for name, op in OPS.items() if op.arity == 1)
BINARY = tuple(name for name, op in OPS.items() if op.arity == 2)
