"""Walk a graph without computing anything: ``topological_order(root)`` lists every Value that
``root`` depends on, each after every node that uses it; ``count_uses(root)`` says how many
operand slots refer to each; ``leads_to`` finds the nodes through which chosen leaves are reached.

These walks are for reading a graph (the replays compile it, the pictures draw it, the
exercises check it). The backward pass does not use them: ``engine.chain_rule_pass`` walks the
graph its own faster way, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .value import Value


def count_uses(root: Value) -> dict[Value, int]:
    """For every Value below ``root``, how many operand slots refer to it (``a*a`` counts 2)."""
    uses: dict[Value, int] = {}
    stack = [root]
    while stack:
        for operand in stack.pop().operands:
            if isinstance(operand, Value):
                seen = uses.get(operand)
                uses[operand] = 1 if seen is None else seen + 1
                if seen is None:
                    stack.append(operand)
    return uses


def topological_order(root: Value) -> list[Value]:
    """Every Value that ``root`` depends on, root first, each after all of the nodes that use it.

    Kahn's algorithm: a node is ready once every use of it has been listed, which is when the
    gradient a backward pass sends it is complete. Ready nodes wait on a stack, operands pushed in
    slot order, so the order is the one ``engine.chain_rule_pass`` visits (the replays rely on it).
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order: root must be a Value, got {type(root).__name__}")
    waiting = count_uses(root)  # the uses of each node not listed yet
    order: list[Value] = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for operand in node.operands:
            if isinstance(operand, Value):
                waiting[operand] -= 1
                if not waiting[operand]:
                    ready.append(operand)
    return order


def leads_to(order: Sequence[Value], inputs: Iterable[Value]) -> set[Value]:
    """The inputs and every node of ``order`` (users first) through which one of them is reached."""
    leads = set(inputs)
    for node in reversed(order):
        if node not in leads and any(operand in leads for operand in node.operands if isinstance(operand, Value)):
            leads.add(node)
    return leads
