"""Ops of your own: ``define_op(name, forward, local_grads, value_grads)`` adds a rule to the table
and returns a function that applies it, and from then on ``backward``, ``grad(create_graph=True)``,
the replays, the pictures and pickling all know it.

What your rules return is checked on every call, naming your op, as ``Value(...)`` checks data;
the built-in rules are trusted and run unchecked, so the checks wrap yours once, here.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from . import ops
from .functions import apply
from .real_numbers import to_float
from .text import describe
from .value import Operand, Value


def define_op(
    name: str,
    forward: ops.FloatFn,
    local_grads: ops.LocalGradFn,
    value_grads: ops.ValueGradFn,
    *,
    arity: int = 1,
    domain: ops.Domain = ops.ALL,
    commutative: bool = False,
    refuse: ops.RefuseFn | None = None,
) -> Callable[..., Value]:
    """Add an op to the table and return a function that applies it to Values or numbers.

    ``forward(*inputs)`` gives the result on floats; ``local_grads(*inputs, out)`` its derivative
    with respect to each input, on floats; ``value_grads(*inputs, out)`` the same derivatives
    built from Values, so ``grad(create_graph=True)`` can differentiate them again. Check all
    three with ``gradcheck(fn, point, order=2)``. ``arity`` is 1, 2 or -1 (any number of
    operands). What your rules return is checked on every call, as ``Value(...)`` checks data:
    an int becomes a float; a complex number, a str or None, or a count of derivatives other
    than one per operand, is refused naming the op.
    """
    given = ops.Op(
        name=name, arity=arity, forward=forward, local_grads=local_grads, value_grads=value_grads,
        domain=domain, commutative=commutative, refuse=refuse,
    )  # fmt: skip
    ops.check_new_rule(given)
    # The checks wrap your rules here, once: the built-in rules are trusted and run unwrapped.
    rule = dataclasses.replace(
        given,
        forward=_checked_forward(name, forward),
        local_grads=_checked_derivatives(name, "local_grads", local_grads, _rule_number),
        value_grads=_checked_derivatives(name, "value_grads", value_grads, _rule_value),
    )
    ops.OPS[name] = rule

    def applied(*operands: Operand) -> Value:
        return apply(rule.name, *operands)

    applied.__name__ = applied.__qualname__ = name
    applied.__doc__ = forward.__doc__
    return applied


def _checked_forward(op: str, forward: ops.FloatFn) -> ops.FloatFn:
    """``forward`` with its result checked as ``Value(...)`` checks data, naming ``op``."""

    @functools.wraps(forward)
    def checked(*inputs: float) -> float:
        return _rule_number(forward(*inputs), op, "the result of forward")

    return checked


def _checked_derivatives(
    op: str, which: str, rule: Callable[..., Any], check: Callable[[object, str, str], Any]
) -> Callable[..., tuple[Any, ...]]:
    """``rule`` (local_grads or value_grads of ``op``) checked on every call: a tuple or list of one
    derivative per operand, each passed through ``check``."""

    @functools.wraps(rule)
    def checked(*inputs_then_out: Any) -> tuple[Any, ...]:
        derivatives = rule(*inputs_then_out)
        expected = len(inputs_then_out) - 1
        if not isinstance(derivatives, (tuple, list)):
            kind = type(derivatives).__name__
            raise TypeError(f"{op}: {which} must return a tuple of one derivative per operand, got {kind}")
        if len(derivatives) != expected:
            given, operands = _count(len(derivatives), "derivative"), _count(expected, "operand")
            raise ValueError(f"{op}: {which} gave {given} for {operands}; it must give one per operand")
        return tuple([check(d, op, f"{which}[{i}]") for i, d in enumerate(derivatives)])

    return checked


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _rule_number(number: object, op: str, what: str) -> float:
    """A number a rule of your own gave, as a float (what ``Value(...)`` takes), or an error naming ``op``."""
    if type(number) is float:
        return number
    try:
        return to_float(number, op)
    except TypeError:
        kind = type(number).__name__
        raise TypeError(f"{op}: {what} must be a real number, got {kind} {describe(number)}") from None
    except OverflowError:
        raise OverflowError(f"{op}: {what} is {describe(number)}, too large for a float") from None


def _rule_value(derivative: object, op: str, what: str) -> Value | float:
    """A derivative ``value_grads`` gave: a Value as it is, a plain number as ``_rule_number`` takes it."""
    return derivative if isinstance(derivative, Value) else _rule_number(derivative, op, what)
