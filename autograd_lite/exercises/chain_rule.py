"""The chain rule at one node, written out for a student: which nodes use it, the local
derivative of each use, and the sum d root / d node = sum over uses of upstream x local, with
the student's own upstream numbers wherever they gave one. Total derivatives are written df/dq,
local ones ∂f/∂q, so the two never look alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import ops
from ..value import Value
from .naming import bracketed, bracketed_number, derivative, node_name, partial, show, spelled


@dataclass(frozen=True)
class Use:
    """One place where a node is an operand: ``user`` takes it in operand slot ``slot``, and
    d user / d node there is ``local``."""

    user: Value
    slot: int
    local: float


Uses = Mapping[Value, Sequence[Use]]
"""Every node's uses, found once per check by ``all_uses``."""


def all_uses(order: Sequence[Value]) -> dict[Value, list[Use]]:
    """Every use of every node by the nodes of ``order`` (users first), one per operand slot, so
    ``x*x`` counts twice; one pass over the graph, so a report of many answers stays linear."""
    found: dict[Value, list[Use]] = {}
    for user in order:
        for slot, (operand, local) in enumerate(zip(user.operands, user.local_grads, strict=True)):
            if isinstance(operand, Value):
                found.setdefault(operand, []).append(Use(user, slot, local))
    return found


def chain_rule_total(uses: Sequence[Use], upstream: Mapping[Value, float]) -> float:
    """sum over uses of d root / d user x d user / d node, with the upstream numbers given."""
    return math.fsum(upstream[use.user] * use.local for use in uses)


def partner(user: Value, slot: int) -> Value | float | None:
    """The operand whose value is the local derivative by operand ``slot`` of a product: the other
    factor of ``a * b``, the matching input of a weight in ``dot(w0, w1, x0, x1)``; None for
    any other op."""
    operands = user.operands
    if user.op == "*" and len(operands) == 2:
        return operands[1 - slot]
    if user.op == "dot" and len(operands) % 2 == 0:
        half = len(operands) // 2
        return operands[slot + half] if slot < half else operands[slot - half]
    return None


def explain(
    root: Value,
    node: Value,
    uses: Sequence[Use],
    upstream: Mapping[Value, float],
    from_engine: set[Value],
    given: float,
    notes: Sequence[str] = (),
) -> list[str]:
    """The lines that explain the right d root / d node from its uses and ``upstream`` (the
    student's numbers, or the engine's for the users in ``from_engine``), say what was given,
    then add ``notes`` (what the mistake was) and where each local derivative comes from."""
    top = node_name(root)
    if node is root:
        wanted = derivative(top, top)
        return [f"{wanted} = 1: the backward pass starts with 1 at the output itself; you wrote {show(given)}"]
    lines = [f"{chain_rule_line(root, node, uses, upstream, from_engine)}; you wrote {show(given)}"]
    if any(u.user in from_engine for u in uses):
        lines.append("  (* you gave no number for this one, so this is the engine's)")
    if len(uses) > 1:
        lines.append(f"  {node_name(node)} is used {len(uses)} times, so its gradient is the sum of one term per use")
    lines.extend(f"  {note}" for note in notes)
    for user in dict.fromkeys(u.user for u in uses):
        lines.append(f"  {_local_rule(user, node)}")
    return lines


def chain_rule_line(
    root: Value, node: Value, uses: Sequence[Use], upstream: Mapping[Value, float], from_engine: set[Value]
) -> str:
    """'df/dq = df/df × (local ∂f/∂q) = 1 × z = -4': the total derivative as the sum over uses of
    the user's total derivative times the local one, in symbols, then in numbers."""
    top = node_name(root)
    name = node_name(node)
    symbols = " + ".join(
        f"{derivative(top, node_name(u.user))} × (local {partial(node_name(u.user), name)})" for u in uses
    )
    factors = [_number(upstream[u.user], u.user in from_engine) for u in uses]
    written = " + ".join(f"{up} × {_local_symbol(u)}" for up, u in zip(factors, uses, strict=True))
    numbers = " + ".join(f"{up} × {bracketed_number(u.local)}" for up, u in zip(factors, uses, strict=True))
    stages = [symbols, written]
    # 'z' for a local derivative reads well beside 1 × z = -4; with more terms the numbers help.
    if numbers != written and not (len(uses) == 1 and upstream[uses[0].user] == 1.0):
        stages.append(numbers)
    total = chain_rule_total(uses, upstream)
    return f"{derivative(top, name)} = {' = '.join(stages)} = {show(total)}"


def _local_symbol(use: Use) -> str:
    """The local derivative as the student would write it: the other factor's name at a product,
    else its number."""
    other = partner(use.user, use.slot)
    if isinstance(other, Value) and other.label:
        return bracketed(other.label)
    return bracketed_number(use.local)


def _number(value: float, from_engine: bool) -> str:
    return bracketed_number(value) + ("*" if from_engine else "")


def _local_rule(user: Value, node: Value) -> str:
    """Where a local derivative comes from: the user's formula and its op's rule."""
    rule = ops.OPS.get(user.op)
    doc = (rule.forward.__doc__ or "").strip().splitlines()[0] if rule is not None else ""
    where = f"{node_name(user)} = {spelled(user)}"
    return f"{where}; the rule of {user.op}: {doc}" if doc else where
