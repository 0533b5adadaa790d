"""Which edges one picture draws, and what each says, before any DOT is written.

Drawn in full (``full_edges``), every op has an edge into its Value and one edge per operand slot
(one for many uses of one operand), each saying which operand it is for a non-commutative op and,
with ``edge_labels`` or on a frame's step, the local derivative and the gradient it carried. With
neurons collapsed (``collapsed_edges``) there is one edge per pair of units and, where more than
``bundle_edges`` of them join two groups (a layer or a depth), one bundled edge with their count.
An edge into a neuron from more than one level before it is a skip connection (``Levels``), and a
few dashed edges from the box of what was left out show where the graph was cut.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..ops import OPS, contribution
from ..value import Value
from .boxes import OPERAND_MARKS
from .choice import Choice, Folding, edge_slots, slots_by_operand
from .model import ModelLayout
from .scene import (
    BundleEdge,
    ConnectionEdge,
    CutEdge,
    Edge,
    EdgeLabel,
    OperandEdge,
    ResultEdge,
    group_cluster,
    op_name,
)
from .shown_gradients import ShownGradients
from .walk import Prepared

MAX_CUT_EDGES = 12


def operand_mark(op: str, slot: int) -> str:
    """'a'/'b' (or 'base'/'exp') for the operands of a non-commutative op, '' otherwise."""
    rule = OPS.get(op)
    if rule is None or rule.commutative or rule.arity == 1:
        return ""
    marks = OPERAND_MARKS.get(op, ("a", "b", "c", "d"))
    return marks[slot] if slot < len(marks) else f"#{slot + 1}"


@dataclass(frozen=True)
class Levels:
    """Where the nodes of a model's graph sit: a neuron's level is 1 + the position of its group
    (layer or depth), an input leaf's is 0; without a model nothing has a level."""

    layout: ModelLayout | None
    of_neuron: Mapping[int, int]

    @classmethod
    def of(cls, layout: ModelLayout | None) -> Levels:
        """The levels of ``layout``'s neurons."""
        if layout is None:
            return cls(None, {})
        return cls(layout, {i: level for level, group in enumerate(layout.groups(), 1) for i in group.neurons})

    def level(self, node: Value) -> int | None:
        """The level of ``node``: its neuron's, 0 for an input leaf, None for anything else."""
        layout = self.layout
        if layout is None:
            return None
        owner = layout.owner.get(node)
        if owner is not None:
            return self.of_neuron.get(owner)
        # An input is a leaf that is no parameter, nor a constant inside one neuron (a slope, a label).
        return 0 if node.is_leaf and node not in layout.parameters and node not in layout.constants else None

    def is_skip(self, parent: Value, node: Value) -> bool:
        """True for an edge into a neuron from more than one level before it: a skip connection."""
        head, tail = self.level(node), self.level(parent)
        owner = self.layout.owner if self.layout is not None else {}
        if head is None or tail is None or node not in owner or owner.get(parent) == owner[node]:
            return False
        return head - tail > 1


def operand_label(
    node: Value, slots: list[int], parent: Value, shown: ShownGradients, numbers: bool
) -> EdgeLabel:
    """What the edge from ``parent`` into ``node``'s ``slots`` says; with ``numbers``, the local
    derivative and what the gradient carried, summed over the slots as the engine adds them."""
    operand = operand_mark(node.op, slots[0]) if len(slots) == 1 else ""
    # A constant takes no part in learning, so the derivative towards it is left off.
    if not numbers or parent.is_constant:
        return EdgeLabel(operand, len(slots))
    local = math.fsum(node.local_grads[s] for s in slots)
    upstream = shown.of(node)
    if upstream is None or not shown.passed_on(node):
        return EdgeLabel(operand, len(slots), local)
    # What the engine sent, slot by slot and added as it adds: a zero local derivative passes
    # nothing on, even an infinite gradient.
    carried = sum([contribution(upstream, node.local_grads[s]) for s in slots], 0.0)
    return EdgeLabel(operand, len(slots), local, upstream, carried)


def cut_edges(choice: Choice, heads: Mapping[str, None]) -> list[Edge]:
    """Dashed edges from the box of what was left out into ``heads``, which lost operands to the cut."""
    # A few show where the cut is; hundreds would only tangle the picture.
    if choice.hidden and len(heads) <= MAX_CUT_EDGES:
        return [CutEdge(head) for head in heads]
    return []


def full_edges(
    prepared: Prepared, choice: Choice, shown: ShownGradients, current: Value | None, levels: Levels
) -> list[Edge]:
    """One edge per operand slot (one for many uses of one operand), each op into its value."""
    edges: list[Edge] = []
    short_of_operands: dict[str, None] = {}
    edge_labels = prepared.options.edge_labels
    for node in choice.kept:
        if node.is_leaf:
            continue
        value = choice.name(node)
        head = op_name(value)
        edges.append(ResultEdge(head, value))
        highlighted = node is current
        for parent, slots_of_parent in slots_by_operand(prepared.operands[node]).items():
            if parent not in choice.kept:
                short_of_operands[head] = None
                continue
            skip = levels.is_skip(parent, node)
            tail = choice.name(parent)
            for slots in edge_slots(slots_of_parent):
                label = operand_label(node, slots, parent, shown, edge_labels or highlighted)
                edges.append(OperandEdge(tail, head, label, highlighted, skip))
    return edges + cut_edges(choice, short_of_operands)


@dataclass
class _Connection:
    """The uses of one unit by another, drawn as one edge: how many, whether one jumps a layer,
    and the groups its ends sit in (None for a unit outside every neuron)."""

    tail_group: str | None
    head_group: str | None
    uses: int = 0
    skip: bool = False


def collapsed_edges(
    prepared: Prepared, choice: Choice, folded: Folding, levels: Levels, bundle_edges: int | None
) -> list[Edge]:
    """One edge per pair of units; where more than ``bundle_edges`` of them join a group (a layer
    or a depth) to a unit or another group, one bundled edge with their count instead."""
    edges: list[Edge] = []
    connections: dict[tuple[str, str], _Connection] = {}
    short_of_operands: dict[str, None] = {}
    group_of = prepared.layout.group_of() if prepared.layout is not None else {}
    for node in choice.kept:
        if node.is_leaf:
            continue
        head_unit = folded.unit(node)
        head = choice.unit_name(head_unit)
        if head_unit is node and not folded.folds_tail_into(node):
            edges.append(ResultEdge(op_name(head), head))
            head = op_name(head)
        for parent in prepared.operands[node]:
            tail_unit = folded.unit(parent)
            if tail_unit is head_unit or (isinstance(tail_unit, int) and tail_unit == head_unit):
                continue
            if parent not in choice.kept:
                short_of_operands[head] = None
                continue
            tail_group = group_of[tail_unit].key if isinstance(tail_unit, int) else None
            head_group = group_of[head_unit].key if isinstance(head_unit, int) else None
            pair = (choice.unit_name(tail_unit), head)
            connection = connections.setdefault(pair, _Connection(tail_group, head_group))
            connection.uses += 1
            connection.skip = connection.skip or levels.is_skip(parent, node)
    bundles: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for pair, connection in connections.items():
        tail_key = connection.tail_group or pair[0]
        head_key = connection.head_group or pair[1]
        bundles.setdefault((tail_key, head_key), []).append(pair)
    for pairs in bundles.values():
        first = connections[pairs[0]]
        grouped = first.tail_group is not None or first.head_group is not None
        if bundle_edges is not None and grouped and len(pairs) > bundle_edges:
            edges.append(_bundle(pairs, [connections[pair] for pair in pairs]))
            continue
        for tail, head in pairs:
            connection = connections[(tail, head)]
            edges.append(ConnectionEdge(tail, head, connection.uses, connection.skip))
    return edges + cut_edges(choice, short_of_operands)


def _bundle(pairs: list[tuple[str, str]], connections: list[_Connection]) -> BundleEdge:
    """One thick edge between two boxes (or a node and a box) standing for ``pairs``."""
    tails = list(dict.fromkeys(t for t, _ in pairs))
    heads = list(dict.fromkeys(h for _, h in pairs))
    tail_group, head_group = connections[0].tail_group, connections[0].head_group
    # The edge runs between the middle members, so it meets each box near its middle.
    return BundleEdge(
        tails[len(tails) // 2],
        heads[len(heads) // 2],
        len(pairs),
        group_cluster(tail_group) if tail_group is not None else None,
        group_cluster(head_group) if head_group is not None else None,
        any(c.skip for c in connections),
    )
