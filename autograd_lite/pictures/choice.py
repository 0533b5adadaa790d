"""Choose which units one picture of a prepared graph keeps: ``choose(prepared, plan, folding)``
keeps units nearest the root first while ``max_nodes`` (or the limit fitting set) and
``max_edges`` allow, and counts the rest for the box that says what was left out.

A unit is what the picture draws as one thing. ``Folding`` says which unit stands for each node:
with neurons collapsed, a neuron's nodes (and the constants only it uses) are that neuron and the
loss tail's nodes are the root; otherwise every node is its own. ``edge_slots`` says how many
edges an operand brings, so the choice counts edges as they will be drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..value import Value
from .fold import Tail
from .model import ModelLayout
from .plan import Plan
from .scene import neuron_name, value_name
from .walk import Prepared

PARALLEL_EDGES = 3
"""Up to this many uses of one operand by one op are drawn as separate edges; more become one."""

NeuronIndex = int
Unit = Value | NeuronIndex


def slots_by_operand(operands: tuple[Value, ...]) -> dict[Value, list[int]]:
    """The operand slots of one op grouped by the Value in them, in order of first use."""
    slots: dict[Value, list[int]] = {}
    for slot, operand in enumerate(operands):
        slots.setdefault(operand, []).append(slot)
    return slots


def edge_slots(slots: list[int]) -> list[list[int]]:
    """The slots each edge from one operand into its op stands for: an edge per slot, or one edge
    for all of them past ``PARALLEL_EDGES`` uses."""
    return [slots] if len(slots) > PARALLEL_EDGES else [[slot] for slot in slots]


@dataclass(frozen=True)
class Folding:
    """What one drawing folds: the layout whose neurons it collapses and the loss tail it draws as
    the root's box (both None when nothing folds)."""

    root: Value
    layout: ModelLayout | None
    tail: Tail | None

    def unit(self, node: Value) -> Unit:
        """A collapsed neuron's index, the root for a node of a folded loss tail, or the node itself."""
        layout = self.layout
        if layout is not None:
            tail = self.tail
            if tail is not None and (node in tail.nodes or node in tail.leaves):
                return self.root
            owner = layout.owner.get(node)
            if owner is None and node.is_constant:
                owner = layout.constants.get(node)
            if owner is not None:
                return owner
        return node

    def folds_tail_into(self, node: Value) -> bool:
        """True for the root when its box stands for the folded loss tail."""
        return node is self.root and self.tail is not None


def folding(prepared: Prepared, plan: Plan) -> Folding:
    """What a plan folds: the neurons and the loss tail when it collapses a model, else nothing."""
    if plan.collapse and prepared.layout is not None:
        return Folding(prepared.root, prepared.layout, prepared.tail)
    return Folding(prepared.root, None, None)


@dataclass(frozen=True)
class Choice:
    """The units one drawing keeps and what it leaves out.

    ``kept`` maps each kept node (folded ones too) to its name, from its place in the drawing
    order; ``neurons`` are the kept collapsed neurons in order. ``hidden`` counts the units left out,
    ``hidden_marks`` the marked nodes among them, and ``closed_by`` names the option that cut.
    """

    kept: dict[Value, str]
    neurons: dict[int, None]
    units: int
    hidden: int
    hidden_marks: int
    closed_by: str

    def name(self, node: Value) -> str:
        """The name of a kept node."""
        return self.kept[node]

    def unit_name(self, unit: Unit) -> str:
        """The name of a kept unit: its neuron's node or its Value's box."""
        return neuron_name(unit) if isinstance(unit, int) else self.name(unit)


def choose(prepared: Prepared, plan: Plan, folded: Folding) -> Choice:
    """Keep units in breadth-first order while max_nodes (a collapsed neuron counts as one) and
    max_edges allow. Once one is refused every later one is, so each kept node's users are kept."""
    limit, max_edges, marks = plan.limit, prepared.options.max_edges, prepared.options.marks
    order, operands = prepared.order, prepared.operands
    kept: dict[Value, str] = {}
    neurons: dict[int, None] = {}
    units = hidden = hidden_marks = 0
    closed_by = ""
    decided: dict[Unit, bool] = {}
    # The edges a node brings if it is kept: one to each kept user (one per slot up to PARALLEL_EDGES).
    pending: dict[Value, int] = {}
    edges = 0
    for index, node in enumerate(order):
        unit = folded.unit(node)
        keep = decided.get(unit)
        if keep is None:
            adds = pending.get(node, 0) + (0 if node.is_leaf else 1)
            if not closed_by and limit is not None and units >= limit:
                closed_by = plan.reason
            elif not closed_by and max_edges is not None and units and edges + adds > max_edges:
                closed_by = f"max_edges={max_edges}"
            keep = not closed_by
            decided[unit] = keep
            if keep:
                units += 1
                edges += adds
                if isinstance(unit, int):
                    neurons[unit] = None
            else:
                hidden += 1
                if not plan.collapse:
                    # Without neurons every later node is its own unit: count the rest at once.
                    rest = order[index:]
                    hidden += len(rest) - 1
                    hidden_marks += sum(1 for n in rest if n in marks)
                    break
        if not keep:
            hidden_marks += node in marks
            continue
        kept[node] = value_name(index)
        for operand, slots in slots_by_operand(operands.get(node, ())).items():
            # How many edges edge_slots(slots) gives, without building its lists.
            pending[operand] = pending.get(operand, 0) + (1 if len(slots) > PARALLEL_EDGES else len(slots))
    return Choice(kept, neurons, units, hidden, hidden_marks, closed_by)
