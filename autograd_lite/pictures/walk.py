"""Walk a computation graph once for its pictures: ``prepare(root, options)`` reads every node's
operands, puts the nodes in a breadth-first topological order from the root, and (with
``cluster=model``) finds each node's neuron and the loss tail, so that every picture of the
graph (a fitted drawing, each frame of a step-through) is drawn without walking it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..value import Value
from .fold import Tail, loss_tail
from .model import ModelLayout, model_layout
from .options import DrawOptions


def picture_operands(root: Value) -> dict[Value, tuple[Value, ...]]:
    """Every computed node below ``root`` with its operands as Values, read once.

    A plain-number operand becomes a constant leaf here, once, so each drawing refers to the same
    constant box every time it meets it.
    """
    operands: dict[Value, tuple[Value, ...]] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node in operands or node.is_leaf:
            continue
        operands[node] = node.parents
        stack.extend(p for p in operands[node] if not p.is_leaf and p not in operands)
    return operands


def breadth_first_order(root: Value, operands: dict[Value, tuple[Value, ...]]) -> list[Value]:
    """Every node below ``root``, root first, each after all its users, nearest the root first.

    Kahn's order with a queue: any prefix holds every user of each node in it, so a truncated
    picture explains each drawn gradient with edges that are drawn too.
    """
    uses: dict[Value, int] = {}
    for node_operands in operands.values():
        for operand in node_operands:
            uses[operand] = uses.get(operand, 0) + 1
    order = [root]
    position = 0
    while position < len(order):
        node = order[position]
        position += 1
        for operand in operands.get(node, ()):
            left = uses[operand] - 1
            uses[operand] = left
            if left == 0:
                order.append(operand)
    return order


@dataclass(frozen=True)
class Prepared:
    """What every picture of one graph shares: the drawing order, the model layout, the loss tail."""

    root: Value
    options: DrawOptions
    order: list[Value]
    operands: dict[Value, tuple[Value, ...]]
    layout: ModelLayout | None
    tail: Tail | None


def prepare(root: Value, options: DrawOptions) -> Prepared:
    """Walk the graph once; ``backward_steps`` and ``fit`` then draw it without walking it again."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: root must be a Value, got {type(root).__name__}")
    operands = picture_operands(root)
    order = breadth_first_order(root, operands)
    layout = model_layout(options.cluster, order, operands) if options.cluster is not None else None
    tail = loss_tail(root, order, operands, layout) if layout is not None else None
    return Prepared(root, options, order, operands, layout, tail)
