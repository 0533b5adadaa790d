"""What a folded picture of a model draws as one thing: the loss tail (the ops after the model's
outputs) becomes the root's own box with its formula, and a neuron gets a short title.

Lets a collapsed picture draw ``loss = relu(1 − N0 × -1)`` as one labelled box instead of five
unlabelled "grad 1" nodes. The formula is built operands first, each piece capped in length, so a
loss over many samples becomes "12 ops" rather than a page of text, without recursion at any depth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..text import format_number, shorten
from ..value import Value
from .model import ModelLayout, ModelNeuron

FORMULA_TEXT = 48
"""The longest formula a folded loss box shows; a longer one is summarised by its op count."""

_INFIX = {"+": "+", "-": "−", "*": "×", "/": "÷", "**": "**"}


def neuron_title(neuron: ModelNeuron) -> str:
    """A neuron's short name: the last part of its dotted name (a bare index ``3`` reads ``N3``)."""
    last = neuron.name.rsplit(".", 1)[-1] or neuron.name
    return shorten(f"N{last}" if last.isdigit() else last, 24)


def cluster_title(neuron: ModelNeuron) -> str:
    """A neuron's name inside its layer's box: its dotted name without the layer's prefix."""
    if neuron.layer and neuron.name.startswith(neuron.layer + "."):
        return neuron.name[len(neuron.layer) + 1 :]
    return neuron.name


@dataclass(frozen=True)
class Tail:
    """The computed nodes after the model's outputs (the root among them), the leaves only they
    use, and the formula that says what they compute."""

    nodes: frozenset[Value]
    leaves: frozenset[Value]
    formula: str
    ops: int


def loss_tail(
    root: Value, order: Sequence[Value], operands: Mapping[Value, tuple[Value, ...]], layout: ModelLayout
) -> Tail | None:
    """The tail below ``root`` down to the neurons and leaves, or None when there is less than two ops."""
    owner = layout.owner
    if root in owner or root.is_leaf:
        return None
    tail: set[Value] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in tail or node in owner or node.is_leaf:
            continue
        tail.add(node)
        stack.extend(operands[node])
    if len(tail) < 2:
        return None
    uses: dict[Value, set[Value]] = {}
    for node, node_operands in operands.items():
        for operand in node_operands:
            uses.setdefault(operand, set()).add(node)
    leaves = {
        p
        for node in tail
        for p in operands[node]
        if p.is_leaf and p not in owner and p not in layout.parameters and uses[p] <= tail
    }
    formula = _formula(root, [n for n in reversed(order) if n in tail], operands, layout)
    return Tail(frozenset(tail), frozenset(leaves), formula, len(tail))


def _formula(
    root: Value, tail_order: Sequence[Value], operands: Mapping[Value, tuple[Value, ...]], layout: ModelLayout
) -> str:
    """What the tail computes, with the neurons by title; 'k ops' when that is longer than FORMULA_TEXT."""
    # Each piece of text, and whether it is an infix expression that needs brackets as an operand.
    text: dict[Value, tuple[str, bool] | None] = {}

    def term(value: Value) -> tuple[str, bool] | None:
        if value in text:
            return text[value]
        index = layout.owner.get(value)
        if index is not None:
            return neuron_title(layout.neurons[index]), False
        if value.label:
            return shorten(value.label, 16), False
        return format_number(value.data, 3), False

    for node in tail_order:
        parts = [term(p) for p in operands[node]]
        if any(part is None for part in parts):
            text[node] = None
            continue
        pieces = [f"({t})" if infix else t for t, infix in (p for p in parts if p is not None)]
        bare = [t for t, _ in (p for p in parts if p is not None)]
        if node.op in _INFIX and len(pieces) == 2:
            written, infix = f"{pieces[0]} {_INFIX[node.op]} {pieces[1]}", True
        elif node.op == "neg" and len(pieces) == 1:
            written, infix = f"−{pieces[0]}", False
        else:
            written, infix = f"{node.op}({', '.join(bare)})", False
        text[node] = (written, infix) if len(written) <= FORMULA_TEXT else None
    formula = text.get(root)
    return formula[0] if formula is not None else f"{len(tail_order)} ops"
