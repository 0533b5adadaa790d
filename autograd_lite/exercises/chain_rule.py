"""The chain rule at one node, written out for a student: which nodes use it, the local
derivative of each use, and the sum d root / d node = sum over uses of upstream x local, with
the student's own upstream numbers wherever they gave one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import ops
from ..value import Value
from .naming import derivative, node_name, show, spelled


@dataclass(frozen=True)
class Use:
    """One place where a node is an operand: ``user`` takes it in operand slot ``slot``, and
    d user / d node there is ``local``."""

    user: Value
    slot: int
    local: float


def uses_of(node: Value, order: Sequence[Value]) -> list[Use]:
    """Every use of ``node`` by the nodes of ``order`` (users first), one per operand slot, so
    ``x*x`` counts twice."""
    found: list[Use] = []
    for user in order:
        if user is node:
            break  # in backward order every user of a node comes before the node itself
        for slot, (operand, local) in enumerate(zip(user.operands, user.local_grads, strict=True)):
            if operand is node:
                found.append(Use(user, slot, local))
    return found


def chain_rule_total(uses: Sequence[Use], upstream: Mapping[Value, float]) -> float:
    """sum over uses of d root / d user x d user / d node, with the upstream numbers given."""
    return math.fsum(upstream[use.user] * use.local for use in uses)


def explain(
    root: Value,
    node: Value,
    uses: Sequence[Use],
    upstream: Mapping[Value, float],
    from_engine: set[Value],
    given: float,
) -> list[str]:
    """The lines that explain the right d root / d node from its uses and ``upstream`` (the
    student's numbers, or the engine's for the users in ``from_engine``) and say what was given."""
    top = node_name(root)
    wanted = derivative(top, node_name(node))
    if node is root:
        return [f"{wanted} = 1: the backward pass starts with 1 at the output itself; you wrote {show(given)}"]
    symbols = " + ".join(f"{derivative(top, node_name(u.user))} × {derivative(node_name(u.user), node_name(node))}" for u in uses)
    numbers = " + ".join(f"{_number(upstream[u.user], u.user in from_engine)} × {_bracket(show(u.local))}" for u in uses)
    total = chain_rule_total(uses, upstream)
    lines = [f"{wanted} = {symbols} = {numbers} = {show(total)}; you wrote {show(given)}"]
    if any(u.user in from_engine for u in uses):
        lines.append("  (* you gave no number for this one, so this is the engine's)")
    users = list(dict.fromkeys(u.user for u in uses))
    if len(uses) > 1:
        lines.append(f"  {node_name(node)} is used {len(uses)} times, so its gradient is the sum of one term per use")
    for user in users:
        lines.append(f"  {_local_rule(user, node)}")
    return lines


def _number(value: float, from_engine: bool) -> str:
    return _bracket(show(value)) + ("*" if from_engine else "")


def _bracket(text: str) -> str:
    """A negative factor in brackets, so '2 × (-4)' is not read as a subtraction."""
    return f"({text})" if text.startswith("-") else text


def _local_rule(user: Value, node: Value) -> str:
    """Where a local derivative comes from: the user's formula and its op's rule."""
    rule = ops.OPS.get(user.op)
    doc = (rule.forward.__doc__ or "").strip().splitlines()[0] if rule is not None else ""
    where = f"{node_name(user)} = {spelled(user)}"
    return f"{where}; the rule of {user.op}: {doc}" if doc else where
