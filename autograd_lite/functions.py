"""Ops with many operands, each one node however many operands it has: ``dot(ws, xs)`` (a
neuron's weighted sum), ``value_sum(terms)``, ``logsumexp(zs)``; and ``apply(name, ...)``, which
applies any op of the table by its name, your own included.

One node for a whole sum rather than a chain of ``+`` keeps graphs shallow and small: a neuron
is a ``dot``, a ``+`` and an activation, three nodes whatever its fan-in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from . import ops
from .mode import OPEN
from .text import describe
from .value import Operand, Slot, Value, _function, _operator, check_new_node, data_of, make_node, slot


def _variadic(rule: ops.Op, operands: tuple[Slot, ...], inputs: Sequence[float]) -> Value:
    """The node for ``rule`` applied to many operands (Values and plain numbers) at once."""
    data = rule.forward(*inputs)
    out = make_node(rule, data, operands, rule.local_grads(*inputs, data))
    if OPEN.count or rule.refuse is not None:
        check_new_node(out, inputs)
    return out


def value_sum(terms: Iterable[Operand], start: Operand = 0.0) -> Value:
    """One node for start + t_1 + ... + t_n; d/dt_i = 1 (shallower and faster than chained +)."""
    operands = [slot(t, "sum") for t in terms]
    if not (isinstance(start, (int, float)) and not isinstance(start, bool) and start == 0):
        operands.insert(0, slot(start, "sum"))
    if not operands:
        return Value.constant(0.0)
    return _variadic(ops.SUM, tuple(operands), data_of(operands))


def logsumexp(terms: Iterable[Operand]) -> Value:
    """One node for log sum_i e**z_i, without overflow; d/dz_i = softmax(z)_i = e**(z_i - lse)."""
    operands = tuple(slot(t, "logsumexp") for t in terms)
    if not operands:
        raise ValueError("logsumexp: needs at least one term")
    return _variadic(ops.LOGSUMEXP, operands, data_of(operands))


def dot(weights: Sequence[Operand], inputs: Sequence[Operand]) -> Value:
    """One node for w . x = sum_i w_i x_i; d/dw_i = x_i, d/dx_i = w_i."""
    n = len(weights)
    if n != len(inputs):
        raise ValueError(f"dot: lengths differ, got {n} weights and {len(inputs)} inputs")
    # The common cases read every operand in one comprehension each: Values times Values (a
    # hidden layer) and Values times plain floats (a first layer fed rows of data).
    wd = [w._data for w in weights if type(w) is Value]
    xd = [x._data for x in inputs if type(x) is Value]
    if len(xd) != n:
        xd = [x for x in inputs if type(x) is float]
    if len(wd) != n or len(xd) != n:
        operands = tuple(slot(p, "dot") for p in (*weights, *inputs))
        data = data_of(operands)
        wd, xd = data[:n], data[n:]
    else:
        operands = (*weights, *inputs)
    out = make_node(ops.DOT, ops.dot_product(wd, xd), operands, (*xd, *wd))
    if OPEN.count:
        check_new_node(out, (*wd, *xd))
    return out


def apply(op: str, *operands: Operand) -> Value:
    """Apply the op named ``op`` (a key of ``ops.OPS``, including your own) to ``operands``."""
    rule = ops.OPS.get(op)
    if rule is None:
        raise ValueError(f"apply: no op named {describe(op)}")
    if rule.arity != -1 and len(operands) != rule.arity:
        raise TypeError(f"{op}: takes {rule.arity} operand{'s' if rule.arity > 1 else ''}, got {len(operands)}")
    slots = tuple(slot(p, op) for p in operands)
    if rule.arity == -1:
        return _variadic(rule, slots, data_of(slots))
    first: Slot = slots[0]
    if not any(isinstance(p, Value) for p in slots):
        first = Value.constant(first)  # plain numbers only: a constant leaf, so the result is a computed node
    if rule.arity == 1:
        return _made(op, "one")(first)
    second = slots[1]
    if isinstance(first, Value):
        return _made(op, "two")(first, second)
    return _made(op, "reflected")(second, first)


def _made(op: str, kind: str) -> Callable[..., Value]:
    """The method ``_function`` or ``_operator`` makes for ``op``, made once per rule."""
    key = (op, kind)
    rule = ops.OPS[op]
    made = _METHODS.get(key)
    # A rule deleted from OPS and defined again under its name is a new rule, with a new method.
    if made is None or made[0] is not rule:
        made = (rule, _function(op) if kind == "one" else _operator(op, reflected=kind == "reflected"))
        _METHODS[key] = made
    return made[1]


_METHODS: dict[tuple[str, str], tuple[ops.Op, Callable[..., Value]]] = {}
