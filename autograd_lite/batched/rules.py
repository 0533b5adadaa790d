"""The op rules of ``ops`` on numpy arrays, one per op, for the batched replay: each computes,
element by element, what the float rule computes for one sample, with the same IEEE limits
(1/0 is inf, log 0 is -inf, sqrt of -1 is nan), so a whole batch goes through an op in one call.

These are fast copies: ``NUMPY_RULES[name]`` mirrors the block ``ops.OPS[name]`` (``ops.ADD``,
``ops.RELU``, ...), and tests/engine/test_batched.py checks each against its block, element by
element, on random and edge points. ``NUMPY_RULES[name]`` has ``forward(*operands)`` and
``local_grads(*operands, out)`` with the float rules' signatures; operands are arrays that broadcast against each other (a row of
samples, or a block of rows), and a local derivative that is the same for every sample may be
a plain float. An op without a rule here (one made with ``define_op``) gets one from
``numpy_rule``, which applies its float rules sample by sample.

numpy's ``tanh`` (and, on some processors, its ``exp``, ``log``, ``sin``, ``cos``) may differ
from Python's ``math`` by an ulp or two; everything else here gives the float rule's bits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .. import ops

Array = NDArray[np.float64]
Local = Array | float
ArrayFn = Callable[..., Array]
ArrayGradFn = Callable[..., tuple[Local, ...]]
SendFn = Callable[[Array, Array], Array]


class NumpyRule(NamedTuple):
    """One op on arrays: ``forward(*operands)`` and ``local_grads(*operands, out)``.

    ``limits_only`` says the op's ``refuse`` rule can only refuse where the result is NaN or
    infinite, so a batch whose results are all finite needs no refusal check. ``writes_out``
    says ``forward`` is a numpy ufunc that takes ``out=``, so a group computes straight into its
    rows. ``send``, for a one-operand op, gives upstream x local at once, without an array of
    local derivatives (relu's mask), exactly as ``upstream * local_grads(...)[0]`` with the
    blocking rule: a local derivative of exactly 0 passes 0 whatever comes from above.
    """

    forward: ArrayFn
    local_grads: ArrayGradFn
    limits_only: bool = True
    writes_out: bool = False
    send: SendFn | None = None


def _step(a: Array) -> Array:
    """relu's derivative: 1 above 0, 0 at and below 0, NaN for NaN (as ops._step)."""
    return np.where(a > 0.0, 1.0, np.where(a <= 0.0, 0.0, np.nan))


def _relu(a: Array, out: Array | None = None) -> Array:
    """max(0, a) element by element, NaN kept, as ops.relu."""
    result: Array = np.maximum(a, 0.0, out=out)
    # maximum keeps a -0.0 on some paths and not on others; ops.relu gives 0.0, and -0.0 + 0.0 is 0.0.
    result += 0.0
    return result


def _relu_send(upstream: Array, a: Array) -> Array:
    """upstream x relu'(a): upstream above 0, 0 at and below 0 (whatever upstream is), NaN at NaN."""
    # A product with the mask is cheaper than np.where over a scalar (python -m bench.micro); it
    # is wrong only where upstream is not finite (inf x 0 is NaN, but a flat op passes 0), checked first.
    above = a > 0.0
    contribution: Array = upstream * above if np.isfinite(upstream).all() else np.where(above, upstream, 0.0)
    missing = np.isnan(a)
    if missing.any():
        contribution = np.where(missing, np.nan, contribution)
    return contribution


def _leaky_step(a: Array) -> Array:
    """leaky_relu's derivative: 1 above 0, the slope at and below 0, NaN for NaN."""
    return np.where(a > 0.0, 1.0, np.where(a <= 0.0, ops.LEAKY_SLOPE, np.nan))


def _sigmoid(a: Array) -> Array:
    """1 / (1 + e**-a) for a >= 0 and e**a / (1 + e**a) below, as ops.sigmoid picks per element."""
    e = np.exp(np.where(a >= 0.0, -a, a))
    return np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(a: Array) -> Array:
    """a + log1p(e**-a) for a >= 0 and log1p(e**a) below, as ops.softplus."""
    return np.where(a >= 0.0, a, 0.0) + np.log1p(np.exp(np.where(a >= 0.0, -a, a)))


def _power(a: Array, b: Array) -> Array:
    """a ** b with ops.ieee_pow's limits: a negative base (-inf too) to a finite non-integer power is NaN."""
    complex_result = (a < 0.0) & np.isfinite(b) & (b != np.floor(b))
    return np.where(complex_result, np.nan, np.power(a, b))


def _power_grads(a: Array, b: Array, out: Array) -> tuple[Array, Array]:
    """d/da = b * a**(b-1) (0 for b = 0) and d/db = a**b * log a, with ops._power_grads' limits."""
    da = np.where(b == 0.0, 0.0, b * _power(a, b - 1.0))
    db = np.where(a > 0.0, out * np.log(np.where(a > 0.0, a, 1.0)), np.where(a == 0.0, 0.0, np.nan))
    return da, db


def _total(*terms: Array) -> Array:
    """t_1 + ... + t_n added left to right from 0.0, as Python's sum() does in ops.total."""
    result: Any = 0.0
    for term in terms:
        result = result + term
    return np.asarray(result, dtype=np.float64)


def _dot(*weights_then_inputs: Array) -> Array:
    """w . x added left to right from 0.0, as ops.dot_product (Python 3.12 on compensates its sum)."""
    n = len(weights_then_inputs) // 2
    result: Any = 0.0
    for w, x in zip(weights_then_inputs[:n], weights_then_inputs[n:], strict=True):
        result = result + w * x
    return np.asarray(result, dtype=np.float64)


def _logsumexp(*terms: Array) -> Array:
    """m + log sum_i e**(z_i - m) with m = max z_i; m itself where m is infinite; NaN if any z is."""
    z = np.stack(np.broadcast_arrays(*terms))
    m = z.max(axis=0)
    finite = np.where(np.isinf(m), 0.0, m)
    result: Array = np.where(np.isinf(m), m, m + np.log(np.exp(z - finite).sum(axis=0)))
    return result


NUMPY_RULES: dict[str, NumpyRule] = {
    "+": NumpyRule(np.add, lambda a, b, out: (1.0, 1.0), writes_out=True),
    "-": NumpyRule(np.subtract, lambda a, b, out: (1.0, -1.0), writes_out=True),
    "*": NumpyRule(np.multiply, lambda a, b, out: (b, a), writes_out=True),
    "/": NumpyRule(lambda a, b: a / b, lambda a, b, out: (1.0 / b, -(out / b))),
    "**": NumpyRule(_power, _power_grads),
    "neg": NumpyRule(np.negative, lambda a, out: (-1.0,), writes_out=True),
    # + 0.0 turns sign's -0.0 at -0.0 into the 0.0 that ops._sign gives.
    "abs": NumpyRule(np.abs, lambda a, out: (np.sign(a) + 0.0,), writes_out=True),
    "exp": NumpyRule(np.exp, lambda a, out: (out,), writes_out=True),
    "log": NumpyRule(np.log, lambda a, out: (1.0 / a,), writes_out=True),
    "tanh": NumpyRule(np.tanh, lambda a, out: (1.0 - out * out,), writes_out=True),
    "sigmoid": NumpyRule(_sigmoid, lambda a, out: (out * (1.0 - out),)),
    "relu": NumpyRule(_relu, lambda a, out: (_step(a),), writes_out=True, send=_relu_send),
    "leaky_relu": NumpyRule(lambda a: np.where(a > 0.0, a, ops.LEAKY_SLOPE * a), lambda a, out: (_leaky_step(a),)),
    "softplus": NumpyRule(_softplus, lambda a, out: (_sigmoid(a),)),
    "sin": NumpyRule(np.sin, lambda a, out: (np.cos(a),), writes_out=True),
    "cos": NumpyRule(np.cos, lambda a, out: (-np.sin(a),), writes_out=True),
    "sqrt": NumpyRule(np.sqrt, lambda a, out: (0.5 / out,), writes_out=True),
    "sum": NumpyRule(_total, lambda *args: (1.0,) * (len(args) - 1)),
    "dot": NumpyRule(_dot, lambda *args: args[(len(args) - 1) // 2 : -1] + args[: (len(args) - 1) // 2]),
    "logsumexp": NumpyRule(_logsumexp, lambda *args: tuple(np.exp(z - args[-1]) for z in args[:-1])),
}
"""The numpy rule of every built-in op, by the name in ``ops.OPS``."""


def numpy_rule(rule: ops.Op) -> NumpyRule:
    """The numpy rule for ``rule``: the one above, or its float rules applied sample by sample."""
    known = NUMPY_RULES.get(rule.name)
    if known is not None and ops.OPS.get(rule.name) is rule:
        return known
    return NumpyRule(_each(rule.forward), _each_grad(rule.local_grads), limits_only=False)


def _each(forward: ops.FloatFn) -> ArrayFn:
    def apply(*operands: Array) -> Array:
        blocks = np.broadcast_arrays(*operands)
        result = np.empty(blocks[0].shape)
        for position in np.ndindex(result.shape):
            result[position] = forward(*(float(block[position]) for block in blocks))
        return result

    return apply


def _each_grad(local_grads: ops.LocalGradFn) -> ArrayGradFn:
    def apply(*operands_then_out: Array) -> tuple[Array, ...]:
        blocks = np.broadcast_arrays(*operands_then_out)
        results = [np.empty(blocks[0].shape) for _ in blocks[:-1]]
        for position in np.ndindex(blocks[0].shape):
            locals_here = local_grads(*(float(block[position]) for block in blocks))
            for result, local in zip(results, locals_here, strict=True):
                result[position] = local
        return tuple(results)

    return apply
