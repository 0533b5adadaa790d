"""The rules of every operation, one block per op: its maths in the forward's docstring, the
forward on floats, the local derivatives on floats (what ``backward`` multiplies the upstream
gradient by), the same derivatives built from Values (what ``create_graph=True`` differentiates
again; where the float expression works on Values as written, the block says so and gives none),
the domain the tests draw from, and what the op refuses. Reading the block of ``*`` tells the
whole story of ``x * y``: ``Value.__mul__`` is that rule made into a method (``value.py``), and
``backward`` multiplies by its local derivatives (``engine.py``).

The chain rule multiplies the upstream gradient by each local derivative, with one exception
written once here (``blocks``): a local derivative of exactly 0 passes nothing on, so an
infinite or NaN gradient stops at a flat op (relu below 0) instead of becoming inf x 0 = NaN.

Every forward rule is a total function on IEEE floats: at the edge of its domain it returns the
limit (1/0 is inf, log 0 is -inf, sqrt of -1 is nan), as PyTorch does. Inputs a user should be
told about (a division by zero, the log of a negative number) are refused by the op's
``refuse`` rule, which the operators run on user input; derivative rules, whose edge cases are
limits rather than mistakes, skip it.

Two fast copies of some rules exist, each naming the block it mirrors and checked against it in
the tests: the replay Tape's inline opcodes (``tape.py``) and the numpy rules of the batched
replay (``batched/rules.py``). Add your own op with ``autograd_lite.define_op``: it puts a rule in
``OPS``, and from then on ``backward``, ``grad(create_graph=True)``, the replays and the pictures
all know it. This module knows only floats, so it imports nothing from the rest of the package
but ``text.describe``, which keeps a bad definition's message short.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from .text import describe

FloatFn = Callable[..., float]
LocalGradFn = Callable[..., tuple[float, ...]]
# Built from Values; typed loosely because this module may not import Value (data flows one way).
ValueGradFn = Callable[..., tuple[Any, ...]]
RefuseFn = Callable[..., None]


class Domain(NamedTuple):
    """Where an op is defined and its derivative is finite, for tests and fuzzers."""

    low: float
    high: float
    exclude_zero: bool = False


ALL = Domain(-20.0, 20.0)
POSITIVE = Domain(1e-3, 20.0)
NOT_ZERO = Domain(-20.0, 20.0, True)


# value_grads left out of an Op: local_grads serves for both. A marker, not None, so that a None
# given on purpose (define_op's value_grads=None) still reaches check_new_rule and is refused.
_SAME_AS_LOCAL_GRADS: Any = object()


@dataclasses.dataclass(frozen=True, kw_only=True)
class Op:
    """One operation: its name, arity (1, 2, or -1 for any number of operands) and rules.

    ``forward(*inputs)`` and ``local_grads(*inputs, out)`` work on floats; ``value_grads(*inputs,
    out)`` gets Values and returns Values (or plain numbers), one per input, and is
    ``local_grads`` itself when left out; ``refuse(*inputs, out)`` raises for user input outside
    the domain; ``commutative`` says whether the operands may be swapped (pictures mark the
    operands of the others); ``spelling`` is how micrograd's ``_op`` names it (the name when left out).
    """

    name: str
    arity: int
    forward: FloatFn
    local_grads: LocalGradFn
    value_grads: ValueGradFn = _SAME_AS_LOCAL_GRADS
    domain: Domain = ALL
    refuse: RefuseFn | None = None
    commutative: bool = False
    spelling: str = ""

    def __post_init__(self) -> None:
        if self.value_grads is _SAME_AS_LOCAL_GRADS:
            object.__setattr__(self, "value_grads", self.local_grads)
        if not self.spelling:
            object.__setattr__(self, "spelling", self.name)


# ---- IEEE arithmetic that Python's float operators refuse ---------------------------------


def ieee_div(a: float, b: float) -> float:
    """a / b with IEEE limits: a nonzero number over 0 is a signed infinity, 0 / 0 is nan."""
    if b != 0.0:
        return a / b
    if a == 0.0 or math.isnan(a) or math.isnan(b):
        return math.nan
    # The sign of the infinity is the sign of a times the sign of the zero (0.0 or -0.0).
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def ieee_pow(a: float, b: float) -> float:
    """a ** b with IEEE limits: 0 to a negative power is inf, overflow is a signed inf, a
    negative base with a non-integer exponent is nan."""
    if a == 0.0 and b < 0.0:
        odd = b.is_integer() and b % 2.0 == 1.0
        return math.copysign(math.inf, a) if odd else math.inf
    if a < 0.0 and math.isfinite(b) and not b.is_integer():
        return math.nan
    try:
        return math.pow(a, b)
    except OverflowError:
        negative = a < 0.0 and b.is_integer() and b % 2.0 == 1.0
        return -math.inf if negative else math.inf


def _limit(function: Callable[[float], float], a: float, overflow: float = math.inf) -> float:
    """``function(a)``, with a domain error as nan and an overflow as ``overflow``."""
    try:
        return function(a)
    except ValueError:
        return math.nan
    except OverflowError:
        return overflow


# ---- the chain rule's one exception: a zero derivative blocks -------------------------------


def blocks(upstream: float, local: float) -> bool:
    """The zero-derivative rule: True when the chain rule sends nothing through ``local``, which is
    when ``local`` is exactly 0 and ``upstream`` is inf or NaN (the contribution is then 0, not NaN).

    A local derivative of exactly 0 means the op is flat in that operand at this point (relu
    below 0, ``a ** 0`` in a, ``x * 0.0`` in x), so the function does not change with it, whatever
    arrives from above; PyTorch's relu and threshold do the same with a ``where``. For a finite
    upstream, upstream x 0 is 0 anyway, so the rule never changes a finite result. A NaN local
    derivative (relu of NaN) is not 0 and still passes NaN on. Every pass applies this one
    function: ``backward``, ``grad`` (with and without ``create_graph``), ``hessian`` and the step
    frames in ``engine``, ``Value._backward``, and any replay that computes gradients its own way.
    """
    return local == 0.0 and not math.isfinite(upstream)


def contribution(upstream: float, local: float) -> float:
    """What one operand slot receives: upstream x local, or 0 where the zero-derivative rule ``blocks``."""
    return 0.0 if blocks(upstream, local) else upstream * local


# ---- a + b ----------------------------------------------------------------------------------


def add(a: float, b: float) -> float:
    """a + b; d/da = 1, d/db = 1"""
    return a + b


ADD = Op(name="+", arity=2, forward=add, local_grads=lambda a, b, out: (1.0, 1.0), commutative=True)
"""value_grads: the same constants."""


# ---- a - b ----------------------------------------------------------------------------------


def sub(a: float, b: float) -> float:
    """a - b; d/da = 1, d/db = -1"""
    return a - b


SUB = Op(name="-", arity=2, forward=sub, local_grads=lambda a, b, out: (1.0, -1.0))
"""value_grads: the same constants."""


# ---- a * b ----------------------------------------------------------------------------------


def mul(a: float, b: float) -> float:
    """a * b; d/da = b, d/db = a"""
    return a * b


MUL = Op(name="*", arity=2, forward=mul, local_grads=lambda a, b, out: (b, a), commutative=True)
"""value_grads: the same expression, on Values."""


# ---- a / b ----------------------------------------------------------------------------------


def div(a: float, b: float) -> float:
    """a / b; d/da = 1/b, d/db = -a/b**2"""
    return ieee_div(a, b)


def _refuse_div(a: float, b: float, out: float) -> None:
    if b == 0.0:
        raise ZeroDivisionError(f"/: division by zero, got {a!r} / {b!r}")


DIV = Op(
    name="/",
    arity=2,
    forward=div,
    # -a/b**2 written as -out/b: the forward's own result, one division less.
    local_grads=lambda a, b, out: (ieee_div(1.0, b), -ieee_div(out, b)),
    value_grads=lambda a, b, out: (1.0 / b, -out / b),
    domain=NOT_ZERO,
    refuse=_refuse_div,
)


# ---- a ** b ---------------------------------------------------------------------------------


def power(a: float, b: float) -> float:
    """a ** b; d/da = b * a**(b-1) (0 for b = 0, blocking even an infinite gradient), d/db = a**b * log(a)"""
    return ieee_pow(a, b)


def _power_grads(a: float, b: float, out: float) -> tuple[float, float]:
    # a**0 is constant in a, even where a**-1 would overflow. At a = 0 and b < 1 the product is
    # b * inf: inf for 0 < b < 1 and -inf for b < 0, as PyTorch gives.
    da = 0.0 if b == 0.0 else b * ieee_pow(a, b - 1.0)
    if a > 0.0:
        db = out * math.log(a)
    elif a == 0.0:
        db = 0.0  # the limit of a**b * log(a) as a -> 0+ for b > 0, as PyTorch records it
    else:
        db = math.nan  # only reachable with a constant integer exponent, which takes no gradient
    return (da, db)


def _power_value_grads(a: Any, b: Any, out: Any) -> tuple[Any, Any]:
    # The derivatives that are 0 here are constants, not ``a * 0.0``: a constant 0 is 0 even when a
    # is inf (where a * 0.0 is NaN), and its own derivative is 0, so the zero-derivative rule
    # (``blocks``) sees an exact 0 on every pass.
    if b.is_constant:
        # Keep the exponent a constant so a negative base with an integer power stays legal.
        exponent = b.data
        da = exponent * a ** (exponent - 1.0) if exponent != 0.0 else a.constant(0.0)
        return (da, a.constant(0.0))
    # d/db = a**b log a; at a = 0 its limit from above is 0 (as in _power_grads), not 0 * -inf.
    db = out * a.log() if a.data != 0.0 else a.constant(0.0)
    # d/da = b a**(b-1) is 0 * inf at a = b = 0: 0 there, as the float rule and PyTorch give.
    da = b * a ** (b - 1.0) if a.data != 0.0 or b.data != 0.0 else a.constant(0.0)
    return (da, db)


def _refuse_power(a: float, b: float, out: float) -> None:
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"**: 0 cannot be raised to a negative power, got 0.0 ** {b!r}")
    if a < 0.0 and math.isfinite(b) and not b.is_integer():
        raise ValueError(
            f"**: a negative base needs an integer exponent (the result would be complex), got {a!r} ** {b!r}"
        )
    if math.isinf(out) and math.isfinite(a) and math.isfinite(b):
        raise OverflowError(f"**: result overflows a float, got {a!r} ** {b!r}")


POWER = Op(
    name="**",
    arity=2,
    forward=power,
    local_grads=_power_grads,
    value_grads=_power_value_grads,
    domain=POSITIVE,
    refuse=_refuse_power,
)


# ---- -a -------------------------------------------------------------------------------------


def neg(a: float) -> float:
    """-a; d/da = -1"""
    return -a


NEG = Op(name="neg", arity=1, forward=neg, local_grads=lambda a, out: (-1.0,), commutative=True)
"""value_grads: the same constant."""


# ---- |a| ------------------------------------------------------------------------------------


def absolute(a: float) -> float:
    """|a|; d/da = sign(a), taken as 0 at a = 0 (a 0 that blocks even an infinite gradient)"""
    return abs(a)


def _sign(a: float) -> float:
    """sign(a), 0 at 0; NaN stays NaN, so a NaN input never turns into a zero gradient."""
    if a != a:
        return math.nan
    return 1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0)


ABS = Op(
    name="abs",
    arity=1,
    forward=absolute,
    local_grads=lambda a, out: (_sign(a),),
    # A constant: the derivative of a piecewise-linear op, whose own derivative is 0.
    value_grads=lambda a, out: (a.constant(_sign(a.data)),),
    domain=NOT_ZERO,
    commutative=True,
)


# ---- e ** a ---------------------------------------------------------------------------------


def exp(a: float) -> float:
    """e**a; d/da = e**a"""
    return _limit(math.exp, a)


def _refuse_exp(a: float, out: float) -> None:
    if math.isinf(out) and math.isfinite(a):
        raise OverflowError(f"exp: result overflows a float, got exp({a!r})")


EXP = Op(name="exp", arity=1, forward=exp, local_grads=lambda a, out: (out,), refuse=_refuse_exp, commutative=True)
"""value_grads: the same expression (the result itself), on Values."""


# ---- ln a -----------------------------------------------------------------------------------


def log(a: float) -> float:
    """ln(a) for a > 0; d/da = 1/a"""
    if a == 0.0:
        return -math.inf
    return _limit(math.log, a)


def _refuse_log(a: float, out: float) -> None:
    if a <= 0.0:
        raise ValueError(f"log: input must be > 0, got {a!r}")


LOG = Op(
    name="log",
    arity=1,
    forward=log,
    local_grads=lambda a, out: (ieee_div(1.0, a),),
    value_grads=lambda a, out: (1.0 / a,),
    domain=POSITIVE,
    refuse=_refuse_log,
    commutative=True,
)


# ---- tanh a ---------------------------------------------------------------------------------


def tanh(a: float) -> float:
    """tanh(a); d/da = 1 - tanh(a)**2"""
    return math.tanh(a)


TANH = Op(name="tanh", arity=1, forward=tanh, local_grads=lambda a, out: (1.0 - out * out,), commutative=True)
"""value_grads: the same expression, on Values."""


# ---- sigmoid a ------------------------------------------------------------------------------


def sigmoid(a: float) -> float:
    """1 / (1 + e**-a), computed without overflow for every input; d/da = s(a) * (1 - s(a))"""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    # For a < 0, e**-a could overflow; e**a cannot, so rewrite s(a) = e**a / (1 + e**a).
    e = math.exp(a)
    return e / (1.0 + e)


SIGMOID = Op(
    name="sigmoid", arity=1, forward=sigmoid, local_grads=lambda a, out: (out * (1.0 - out),), commutative=True
)
"""value_grads: the same expression, on Values."""


# ---- relu a ---------------------------------------------------------------------------------


def relu(a: float) -> float:
    """max(0, a); d/da = 1 for a > 0, 0 for a <= 0 (a 0 that blocks even an infinite gradient), NaN at NaN"""
    # `a > 0.0 or a != a` keeps NaN: NaN is not > 0, yet max(0, NaN) is NaN under IEEE.
    return a if a > 0.0 or a != a else 0.0


def _step(a: float) -> float:
    """relu's derivative: 1 above 0, 0 at and below 0; NaN for NaN."""
    if a != a:
        return math.nan
    return 1.0 if a > 0.0 else 0.0


RELU = Op(
    name="relu",
    arity=1,
    forward=relu,
    local_grads=lambda a, out: (_step(a),),
    value_grads=lambda a, out: (a.constant(_step(a.data)),),
    domain=NOT_ZERO,
    commutative=True,
    spelling="ReLU",
)


# ---- leaky_relu a ---------------------------------------------------------------------------

LEAKY_SLOPE = 0.01
"""The slope of leaky_relu for inputs <= 0 (the usual default, as in PyTorch)."""


def leaky_relu(a: float) -> float:
    """a for a > 0, else 0.01 a; d/da = 1 for a > 0, else 0.01 (0.01 at exactly 0, as in PyTorch)"""
    return a if a > 0.0 else LEAKY_SLOPE * a


def _leaky_step(a: float) -> float:
    """leaky_relu's derivative: 1 above 0, the slope at and below 0; NaN for NaN."""
    if a != a:
        return math.nan
    return 1.0 if a > 0.0 else LEAKY_SLOPE


LEAKY_RELU = Op(
    name="leaky_relu",
    arity=1,
    forward=leaky_relu,
    local_grads=lambda a, out: (_leaky_step(a),),
    value_grads=lambda a, out: (a.constant(_leaky_step(a.data)),),
    domain=NOT_ZERO,
    commutative=True,
    spelling="LeakyReLU",
)


# ---- softplus a -----------------------------------------------------------------------------


def softplus(a: float) -> float:
    """log(1 + e**a), without overflow for any a; d/da = sigmoid(a)"""
    if a >= 0.0:
        # log(1 + e**a) = a + log(1 + e**-a), and e**-a <= 1 cannot overflow.
        return a + math.log1p(math.exp(-a))
    return math.log1p(math.exp(a))


SOFTPLUS = Op(
    name="softplus",
    arity=1,
    forward=softplus,
    local_grads=lambda a, out: (sigmoid(a),),
    value_grads=lambda a, out: (a.sigmoid(),),
    commutative=True,
)


# ---- sin a, cos a ---------------------------------------------------------------------------


def sin(a: float) -> float:
    """sin(a); d/da = cos(a)"""
    return _limit(math.sin, a)


def cos(a: float) -> float:
    """cos(a); d/da = -sin(a)"""
    return _limit(math.cos, a)


def _refuse_infinite(name: str) -> RefuseFn:
    def refuse(a: float, out: float) -> None:
        if math.isinf(a):
            raise ValueError(f"{name}: input must be finite, got {a!r}")

    return refuse


SIN = Op(
    name="sin",
    arity=1,
    forward=sin,
    local_grads=lambda a, out: (cos(a),),
    value_grads=lambda a, out: (a.cos(),),
    refuse=_refuse_infinite("sin"),
    commutative=True,
)
COS = Op(
    name="cos",
    arity=1,
    forward=cos,
    local_grads=lambda a, out: (-sin(a),),
    value_grads=lambda a, out: (-a.sin(),),
    refuse=_refuse_infinite("cos"),
    commutative=True,
)


# ---- sqrt a ---------------------------------------------------------------------------------


def sqrt(a: float) -> float:
    """a ** 0.5 for a >= 0; d/da = 1 / (2 sqrt(a)), infinite at 0"""
    return _limit(math.sqrt, a)


def _refuse_sqrt(a: float, out: float) -> None:
    if a < 0.0:
        raise ValueError(f"sqrt: input must be >= 0, got {a!r}")


SQRT = Op(
    name="sqrt",
    arity=1,
    forward=sqrt,
    local_grads=lambda a, out: (ieee_div(0.5, out),),
    value_grads=lambda a, out: (0.5 / out,),
    domain=POSITIVE,
    refuse=_refuse_sqrt,
    commutative=True,
)


# ---- t_1 + ... + t_n ------------------------------------------------------------------------


def total(*terms: float) -> float:
    """sum of n terms; d/dterm_i = 1"""
    return sum(terms, 0.0)


SUM = Op(
    name="sum",
    arity=-1,
    forward=total,
    local_grads=lambda *terms_then_out: (1.0,) * (len(terms_then_out) - 1),
    commutative=True,
    spelling="+",
)
"""value_grads: the same constants."""


# ---- w . x ----------------------------------------------------------------------------------


def weighted_sum(*weights_then_inputs: float) -> float:
    """w . x for operands (w_1..w_n, x_1..x_n); d/dw_i = x_i, d/dx_i = w_i"""
    n = len(weights_then_inputs) // 2
    return dot_product(weights_then_inputs[:n], weights_then_inputs[n:])


def dot_product(weights: Iterable[float], inputs: Iterable[float]) -> float:
    """w . x = sum_i w_i x_i by Python's sum() from 0.0 (what ``dot`` nodes and the tape use)."""
    # sum() over map() runs the multiply-add loop in C. It adds left to right up to Python
    # 3.11 and compensates rounding from 3.12 on; either way the eager engine and the replay
    # tape both call this one function, so they agree to the last bit.
    return sum(map(operator.mul, weights, inputs), 0.0)


def _dot_grads(*weights_inputs_then_out: Any) -> tuple[Any, ...]:
    # (x_1..x_n, w_1..w_n): the inputs are the weights' derivatives and the other way round.
    n = (len(weights_inputs_then_out) - 1) // 2
    return tuple(weights_inputs_then_out[n : 2 * n]) + tuple(weights_inputs_then_out[:n])


DOT = Op(name="dot", arity=-1, forward=weighted_sum, local_grads=_dot_grads, commutative=True)
"""value_grads: the same slices, of Values."""


# ---- log sum_i e ** z_i ---------------------------------------------------------------------


def logsumexp(*terms: float) -> float:
    """log sum_i e**z_i, as m + log sum_i e**(z_i - m) with m = max z_i; d/dz_i = e**(z_i - lse)"""
    if not terms:
        raise ValueError("logsumexp: needs at least one term")
    if any(z != z for z in terms):
        return math.nan  # max() would keep or drop a NaN depending on where it stands
    m = max(terms)
    if math.isinf(m):
        return m  # e**(z - m) would be nan; the limit is m itself
    return m + math.log(sum([math.exp(z - m) for z in terms]))


LOGSUMEXP = Op(
    name="logsumexp",
    arity=-1,
    forward=logsumexp,
    # The softmax: e**(z_i - lse), with lse the forward's own result.
    local_grads=lambda *terms_then_out: tuple([math.exp(z - terms_then_out[-1]) for z in terms_then_out[:-1]]),
    value_grads=lambda *terms_then_out: tuple((z - terms_then_out[-1]).exp() for z in terms_then_out[:-1]),
    commutative=True,
)


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        ADD, SUB, MUL, DIV, POWER, NEG, ABS, EXP, LOG, TANH, SIGMOID, RELU, LEAKY_RELU, SOFTPLUS, SIN, COS, SQRT,
        SUM, DOT, LOGSUMEXP,
    )
}
"""Every operation by the name a node records in ``Value.op``; ``define_op`` adds to it."""


def check_new_rule(rule: Op) -> None:
    """Refuse a rule that cannot join ``OPS``: a name that is taken or not an identifier, an arity
    other than 1, 2 or -1, or a rule that is not callable."""
    name = rule.name
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"define_op: the name must be a Python identifier, got {describe(name)}")
    if name in OPS:
        raise ValueError(f"define_op: an op named {describe(name)} already exists")
    arity = rule.arity
    if type(arity) is int and arity > 2:
        # A node keeps one or two operands in slots, or any number in a tuple (arity -1).
        raise ValueError(
            f"define_op {describe(name)}: arity must be 1, 2 or -1, got {describe(arity)}; for an op of "
            f"more than 2 operands give arity=-1 (any number of operands; forward may check how many)"
        )
    if type(arity) is not int or arity not in (1, 2, -1):
        raise ValueError(
            f"define_op {describe(name)}: arity must be 1, 2 or -1 (any number of operands), "
            f"got {describe(arity)}"
        )
    for field in ("forward", "local_grads", "value_grads"):
        given = getattr(rule, field)
        if not callable(given):
            raise TypeError(f"define_op {describe(name)}: {field} must be callable, got {describe(given)}")
    if rule.refuse is not None and not callable(rule.refuse):
        raise TypeError(f"define_op {describe(name)}: refuse must be callable or None")
