"""Decide what one picture of a prepared graph draws: ``compose(prepared, plan, state)`` gives the
``Scene``, with nothing written as DOT yet.

It chooses the units to keep (``choice``), then gives each kept Value a box coloured by its
gradient or role (with an op node in front of a computed one), each collapsed neuron one node,
the nodes of a model's neurons and layers their boxes (or, collapsed, each group of neurons one
rank in index order), the edges (``edges``), a mark's note to the box that stands for the marked
node, and the legend for exactly the looks in use, with what folding the picture did.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..value import Value
from .choice import Choice, Folding, Unit, choose, folding
from .edges import Levels, collapsed_edges, full_edges
from .fold import cluster_title
from .options import PassState
from .plan import Plan
from .scene import (
    MORE,
    Box,
    BundleEdge,
    Cluster,
    ConnectionEdge,
    Edge,
    Legend,
    LegendColours,
    MoreBox,
    NeuronBox,
    OpBox,
    OperandEdge,
    OrderEdge,
    Scene,
    ValueBox,
    group_cluster,
    neuron_name,
    op_name,
)
from .shown_gradients import ShownGradients
from .style import PLAIN_FILL, ROLE_FILLS, UNREACHED_FILL, GradScale, LegendKeys
from .walk import Prepared

ROLE_ORDER = ("input", "parameter", "constant", "output", "intermediate")
"""The order in which a legend of role colours lists the roles."""


def compose(prepared: Prepared, plan: Plan, state: PassState | None = None) -> Scene:
    """The scene of one drawing of ``prepared``, showing its own ``.grad`` or a backward pass ``state``."""
    folded = folding(prepared, plan)
    choice = choose(prepared, plan, folded)
    shown = ShownGradients(state)
    scale, coloured = _gradient_colours(prepared, state, choice, shown)
    return _Composer(prepared, plan, state, folded, choice, shown, scale, coloured).scene()


class _Boxes(NamedTuple):
    """A drawing's boxes by where they go (outside every neuron, or with their neuron's index),
    and its Values' and neurons' boxes by kind."""

    plain: list[Box]
    owned: dict[int, list[Box]]
    values: list[ValueBox]
    neurons: list[NeuronBox]


def _neuron_norms(prepared: Prepared, choice: Choice, shown: ShownGradients) -> list[float | None]:
    """The gradient norm of each kept collapsed neuron, in order."""
    layout = prepared.layout
    if layout is None:
        return []
    return [shown.norm(layout.neurons[i].parameters) for i in choice.neurons]


def _gradient_colours(
    prepared: Prepared, state: PassState | None, choice: Choice, shown: ShownGradients
) -> tuple[GradScale, bool]:
    """The colour scale (a frame's, which every frame shares; the asked ``grad_range``; or this
    picture's own) and whether some box shows a gradient, so that the colours mean something."""
    if state is not None:
        return state.scale, True
    magnitudes = [g for n in choice.kept if not n.is_constant and (g := shown.of(n)) is not None]
    norms = _neuron_norms(prepared, choice, shown)
    coloured = bool(magnitudes) or any(norm is not None for norm in norms)
    grad_range = prepared.options.grad_range
    if grad_range is not None:
        # A fixed range, so that several pictures can be compared colour for colour.
        low, high = grad_range
        return GradScale(math.log10(low), math.log10(high)), coloured
    return GradScale.fit([*magnitudes, *(norm or 0.0 for norm in norms)]), coloured


@dataclass(frozen=True)
class _Composer:
    """The decisions already taken for one drawing (what it folds and keeps, the gradients it
    shows, their colour scale and whether the colours mean anything), from which each part of its
    scene follows."""

    prepared: Prepared
    plan: Plan
    state: PassState | None
    folded: Folding
    choice: Choice
    shown: ShownGradients
    scale: GradScale
    coloured: bool

    def scene(self) -> Scene:
        """Boxes, clusters and edges, in the order they are drawn, and the legend for them."""
        boxes = self.boxes()
        plain, owned = boxes.plain, boxes.owned
        collapsed = self.plan.collapse and self.prepared.layout is not None
        levels = Levels.of(self.prepared.layout)
        current = self.state.current if self.state is not None else None
        # Edges first: a bundle decides whether a group of collapsed neurons needs a box around it.
        if collapsed:
            bundle_edges = self.prepared.options.bundle_edges
            edges = collapsed_edges(self.prepared, self.choice, self.folded, levels, bundle_edges)
            bundles = [e for e in edges if isinstance(e, BundleEdge)]
            ends = {box for e in bundles for box in (e.tail_box, e.head_box) if box is not None}
            clusters = self.group_clusters(owned, ends)
        else:
            edges = full_edges(self.prepared, self.choice, self.shown, current, levels)
            clusters = self.neuron_clusters(owned) if self.prepared.layout is not None else []
        for cluster in clusters:
            if len(cluster.same_rank) > 1:
                # A flat edge puts its tail first in the rank; in a left-to-right picture the first
                # is at the bottom, so the chain runs backwards to read top to bottom.
                chain = cluster.same_rank[::-1] if self.plan.rankdir in ("LR", "BT") else cluster.same_rank
                edges.extend(OrderEdge(tail, head) for tail, head in itertools.pairwise(chain))
        return Scene(
            self.prepared.options,
            self.plan.rankdir,
            collapsed,
            (*plain, *clusters),
            self.more_box(),
            tuple(edges),
            self.legend(boxes, edges),
            self.state.caption if self.state is not None else "",
            len(boxes.values) + len(boxes.neurons),
            self.choice.units,
            self.choice.hidden,
        )

    # ---- boxes ---------------------------------------------------------------------------

    def role(self, node: Value) -> str:
        """What ``node`` is in the graph: the output, a constant, a parameter, an input or computed."""
        layout = self.prepared.layout
        if node is self.prepared.root:
            return "output"
        if node.is_constant:
            return "constant"
        if node in self.prepared.options.parameters or (layout is not None and node in layout.parameters):
            return "parameter"
        return "input" if node.is_leaf else "intermediate"

    def note_of(self, unit: Unit) -> str | None:
        """The marks of the nodes a drawn unit stands for, as one note (None when none is marked)."""
        marks = self.prepared.options.marks
        if not marks:
            return None
        folded = self.folded
        if isinstance(unit, Value) and folded.unit(unit) is unit and not folded.folds_tail_into(unit):
            marked = [unit] if unit in marks else []
        else:
            marked = [n for n in marks if n in self.choice.kept and folded.unit(n) == unit]
        if not marked:
            return None
        if marked == [unit]:
            return marks[marked[0]]
        return "; ".join(f"{n.label or 'a node'}: {marks[n]}" for n in marked)

    def value_box(self, node: Value) -> ValueBox:
        """A kept Value's box: its gradient, fill and border, and its mark's note."""
        options, state = self.prepared.options, self.state
        role = self.role(node)
        grad = self.shown.of(node)
        current = state is not None and node is state.current
        waiting = state is not None and node not in state.processed and not current
        if options.color == "grad":
            fill = PLAIN_FILL if node.is_constant else (UNREACHED_FILL if grad is None else self.scale.fill(grad))
        elif options.color == "role":
            fill = ROLE_FILLS[role]
        else:
            fill = PLAIN_FILL
        unreached = not node.is_constant and grad is None and options.show_grad
        tail = self.folded.tail if node is self.prepared.root else None
        note = self.note_of(node)
        return ValueBox(self.choice.name(node), node, role, grad, fill, unreached, current, waiting, note, tail)

    def op_box(self, node: Value) -> OpBox:
        """The op node in front of a computed Value, dashed when the cut left operands out."""
        missing = sum(parent not in self.choice.kept for parent in self.prepared.operands[node])
        current = self.state is not None and node is self.state.current
        return OpBox(op_name(self.choice.name(node)), node.op, missing, current)

    def neuron_box(self, index: int, norm: float | None, exits: Sequence[Value]) -> NeuronBox:
        """A collapsed neuron's node, filled by the norm of its parameters' gradient."""
        layout = self.prepared.layout
        assert layout is not None
        color = self.prepared.options.color
        # With several forward passes a neuron has one output per pass; only a single one is shown.
        out = (exits[0].data, self.shown.of(exits[0])) if len(exits) == 1 else None
        if color == "grad":
            # A norm is never negative: it takes the positive side of the one gradient scale.
            fill = UNREACHED_FILL if norm is None else self.scale.fill(norm)
        elif color == "role":
            fill = ROLE_FILLS["parameter"]
        else:
            fill = PLAIN_FILL
        return NeuronBox(neuron_name(index), layout.neurons[index], norm, out, len(exits), fill, self.note_of(index))

    def neuron_exits(self) -> dict[int, list[Value]]:
        """For each collapsed neuron, its nodes that something outside it uses (or the root)."""
        layout = self.prepared.layout
        if layout is None or not self.plan.collapse:
            return {}
        owner = layout.owner
        exits: dict[int, dict[Value, None]] = {}
        for node in self.prepared.order:
            node_owner = owner.get(node)
            for parent in self.prepared.operands.get(node, ()):
                parent_owner = owner.get(parent)
                if parent_owner is not None and parent_owner != node_owner:
                    exits.setdefault(parent_owner, {})[parent] = None
        root_owner = owner.get(self.prepared.root)
        if root_owner is not None:
            exits.setdefault(root_owner, {})[self.prepared.root] = None
        return {index: list(nodes) for index, nodes in exits.items()}

    def boxes(self) -> _Boxes:
        """The boxes of every drawn unit, placed outside any neuron or with their neuron."""
        boxes = _Boxes([], {}, [], [])
        layout = self.prepared.layout
        for node in self.choice.kept:
            if self.folded.unit(node) is not node:
                continue
            owner = layout.owner.get(node) if layout is not None and not self.plan.collapse else None
            placed = boxes.plain if owner is None else boxes.owned.setdefault(owner, [])
            value = self.value_box(node)
            boxes.values.append(value)
            placed.append(value)
            if not node.is_leaf and not self.folded.folds_tail_into(node):
                placed.append(self.op_box(node))
        exits = self.neuron_exits()
        norms = _neuron_norms(self.prepared, self.choice, self.shown)
        for index, norm in zip(self.choice.neurons, norms, strict=True):
            neuron = self.neuron_box(index, norm, exits.get(index, []))
            boxes.neurons.append(neuron)
            boxes.owned[index] = [neuron]
        return boxes

    # ---- clusters ------------------------------------------------------------------------

    def neuron_clusters(self, owned: Mapping[int, list[Box]]) -> list[Cluster]:
        """The full picture's clusters: each neuron's boxes in a box, inside its layer's box."""
        layout = self.prepared.layout
        assert layout is not None
        clusters: list[Cluster] = []
        for layer_index, layer in enumerate((*layout.layers, None)):
            in_layer = [i for i, n in enumerate(layout.neurons) if n.layer == layer and i in owned]
            if not in_layer:
                continue
            neurons = [
                Cluster(f"cluster_neuron{i}", cluster_title(layout.neurons[i]), "neuron", tuple(owned[i]))
                for i in in_layer
            ]
            if layer is None:
                clusters.extend(neurons)
            else:
                clusters.append(Cluster(f"cluster_layer{layer_index}", layer, "layer", tuple(neurons)))
        return clusters

    def group_clusters(self, owned: Mapping[int, list[Box]], bundle_ends: set[str]) -> list[Cluster]:
        """The collapsed neurons a group (layer or depth) at a time, each group in one rank; a box
        around a layer, and around a depth that a bundled edge ends at."""
        layout = self.prepared.layout
        assert layout is not None
        clusters: list[Cluster] = []
        for group in layout.groups():
            members = [i for i in group.neurons if i in owned]
            if not members:
                continue
            name = group_cluster(group.key)
            title = group.label if group.label is not None else f"depth {group.key.removeprefix('depth')}"
            same_rank = tuple(neuron_name(i) for i in members) if len(members) > 1 else ()
            boxes = tuple(box for i in members for box in owned[i])
            boxed = group.label is not None or name in bundle_ends
            clusters.append(Cluster(name if boxed else None, title, "layer", boxes, same_rank))
        return clusters

    # ---- what was left out, and the legend -----------------------------------------------

    def more_box(self) -> MoreBox | None:
        """The box that counts what the cut left out, and which option cut; None when nothing was."""
        choice = self.choice
        if not choice.hidden:
            return None
        reason = choice.closed_by
        if self.plan.limit is not None and reason == self.plan.reason and reason.startswith("fit_width"):
            reason = f"left out to fit a {self.prepared.options.fit_width}-px view;\nfit_width=None draws them"
        return MoreBox(MORE, choice.hidden, reason, choice.hidden_marks)

    def legend(self, boxes: _Boxes, edges: Sequence[Edge]) -> Legend:
        """The legend for the looks in use, with what folding did."""
        options = self.prepared.options
        values, neurons = boxes.values, boxes.neurons
        # Only marks give a box a note, and only a model's levels make a skip: no need to look otherwise.
        noted = bool(options.marks) and (
            any(box.note is not None for box in values) or any(box.note is not None for box in neurons)
        )
        skips = self.prepared.layout is not None and any(
            isinstance(e, (OperandEdge, ConnectionEdge, BundleEdge)) and e.skip for e in edges
        )
        keys = LegendKeys(
            # Every frame of a step-through gets the same legend, so it does not change size.
            unreached=self.state is not None or any(box.unreached for box in values),
            neurons=options.color == "grad" and bool(neurons),
            steps=self.state is not None and bool(values),
            marks=noted or self.choice.hidden_marks > 0,
            skips=skips,
            bundles=any(isinstance(e, BundleEdge) for e in edges),
        )
        colours: LegendColours = None
        roles: tuple[str, ...] = ()
        if options.color == "grad" and self.coloured:
            colours = "grad"
        elif options.color == "role":
            colours = "role"
            seen = {box.role for box in values} | ({"parameter"} if neurons else set())
            roles = tuple(role for role in ROLE_ORDER if role in seen)
        else:
            keys = LegendKeys(marks=keys.marks, skips=keys.skips, bundles=keys.bundles, steps=keys.steps)
        return Legend(colours, self.scale, roles, keys, self.fold_note())

    def fold_note(self) -> str:
        """What a fitted picture folded and how to see it whole, or ''."""
        plan, options = self.plan, self.prepared.options
        width = plan.folded_to
        if width is None:
            return ""
        parts = []
        if plan.collapse and options.collapse is None:
            parts.append(f"{len(self.choice.neurons)} neurons drawn as one node each")
            tail = self.folded.tail
            if tail is not None and self.prepared.root in self.choice.kept:
                parts.append(f"the loss's {tail.ops} ops drawn as its box")
        if plan.rankdir != (options.rankdir or "LR"):
            parts.append("drawn top to bottom")
        if not parts:
            return ""
        if parts == ["drawn top to bottom"]:
            return f"Drawn top to bottom to fit a {width}-px view; draw_graph(..., fit_width=None) draws it as asked."
        return f"Folded to fit a {width}-px view: {', '.join(parts)}. draw_graph(..., fit_width=None) draws every node."
