"""Turn a computation graph into Graphviz DOT text: the drawing rules behind ``draw_graph`` and
the frames of ``backward_steps``.

Each Value is a box (label, data, grad); each computed Value has a small op node in front of it,
with one edge per operand slot, so ``a*a`` shows two edges (more than ``PARALLEL_EDGES`` uses of
one operand become one edge with a count). With a model, neurons and layers get boxes, or (a
``Plan`` that collapses) each neuron is one node, the layers' many edges become one bundled edge
with a count and the loss tail folds into the root's box. Names follow a breadth-first
topological order from the root (``n0`` is the root), never ``id()``, so the same graph always
gives the same text. Given ``Pins`` (positions from one layout), every node, edge and box is
placed where the pins say, which is how the frames of a step-through hold still. Running no
program, this module works without Graphviz installed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..ops import OPS, contribution
from ..text import format_number
from ..value import Value
from .boxes import (
    OPERAND_MARKS,
    more_label,
    neuron_label,
    op_label,
    value_label,
    value_tooltip,
)
from .fold import Tail, cluster_title, neuron_title
from .model import ModelLayout
from .options import DrawOptions, PassState
from .plan import DotGraph, EdgeKey, Overrides, Pins, Plan, asked_plan
from .style import (
    BUNDLE,
    HIGHLIGHT,
    MARK,
    MUTED_TEXT,
    OP_FILL,
    PLAIN_FILL,
    ROLE_FILLS,
    SKIP,
    TOOLTIP_TEXT,
    UNREACHED_FILL,
    GradScale,
    LegendKeys,
    escape_dot_string,
    escape_html,
    grad_legend_rows,
    legend_table,
    marks_legend_rows,
    role_legend_rows,
    text_colour,
    wrapped_html,
)
from .walk import Prepared

ROLE_ORDER = ("input", "parameter", "constant", "output", "intermediate")
FONT = "Helvetica"
MAX_CUT_EDGES = 12
PARALLEL_EDGES = 3
"""Up to this many uses of one operand by one op are drawn as separate edges; more become one."""
CAPTION_WIDTH = 100

NeuronKey = int
Unit = Value | NeuronKey


def operand_mark(op: str, slot: int) -> str:
    """'a'/'b' (or 'base'/'exp') for the operands of a non-commutative op, '' otherwise."""
    rule = OPS.get(op)
    if rule is None or rule.commutative or rule.arity == 1:
        return ""
    marks = OPERAND_MARKS.get(op, ("a", "b", "c", "d"))
    return marks[slot] if slot < len(marks) else f"#{slot + 1}"


def _slots_by_operand(operands: tuple[Value, ...]) -> dict[Value, list[int]]:
    """The operand slots of one op grouped by the Value in them, in order of first use."""
    slots: dict[Value, list[int]] = {}
    for slot, operand in enumerate(operands):
        slots.setdefault(operand, []).append(slot)
    return slots


@dataclass
class _Connection:
    """The edges between two units of a collapsed picture, drawn as one: how many uses it stands
    for, whether it jumps a layer, and the groups its ends sit in (None for a plain node)."""

    tail_group: str | None
    head_group: str | None
    uses: int = 0
    skip: bool = False


@dataclass
class _Builder:
    """One drawing in progress: the chosen nodes, their names, and the DOT lines so far."""

    prepared: Prepared
    plan: Plan
    state: PassState | None
    overrides: Overrides | None
    pins: Pins | None
    kept: dict[Value, int] = field(default_factory=dict)
    kept_neurons: dict[int, None] = field(default_factory=dict)
    hidden: int = 0
    hidden_marks: int = 0
    units: int = 0
    closed_by: str = ""
    edges: int = 0
    labelled_edges: int = 0
    drawn_nodes: int = 0
    edge_lines: list[str] = field(default_factory=list)
    edge_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    roles_seen: dict[str, None] = field(default_factory=dict)
    keys: dict[str, bool] = field(default_factory=dict)
    node_statements: dict[str, str] = field(default_factory=dict)
    edge_labels: dict[EdgeKey, str] = field(default_factory=dict)
    boxed_groups: set[str] = field(default_factory=set)
    levels: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        layout = self.prepared.layout
        if layout is not None:
            # A neuron's level: 1 + the position of its group (layer or depth); the inputs are 0.
            self.levels = {i: level for level, group in enumerate(layout.groups(), 1) for i in group.neurons}

    @property
    def options(self) -> DrawOptions:
        return self.prepared.options

    @property
    def root(self) -> Value:
        return self.prepared.root

    @property
    def layout(self) -> ModelLayout | None:
        return self.prepared.layout

    @property
    def tail(self) -> Tail | None:
        return self.prepared.tail if self.plan.collapse else None

    # ---- what to draw --------------------------------------------------------------------

    def unit(self, node: Value) -> Unit:
        """A collapsed neuron's index, the root for a node of a folded loss tail, or the node itself."""
        if self.plan.collapse and self.layout is not None:
            tail = self.tail
            if tail is not None and (node in tail.nodes or node in tail.leaves):
                return self.root
            owner = self.layout.owner.get(node)
            if owner is None and node.is_constant:
                owner = self.layout.constants.get(node)
            if owner is not None:
                return owner
        return node

    def choose(self) -> None:
        """Keep units in breadth-first order while max_nodes (a collapsed neuron counts as one) and
        max_edges allow. Once one is refused every later one is, so each kept node's users are kept."""
        limit, max_edges, marks = self.plan.limit, self.options.max_edges, self.options.marks
        order, operands = self.prepared.order, self.prepared.operands
        decided: dict[Unit, bool] = {}
        # The edges a node brings if it is kept: one to each kept user (one per slot up to PARALLEL_EDGES).
        pending: dict[Value, int] = {}
        edges = 0
        for index, node in enumerate(order):
            unit = self.unit(node)
            keep = decided.get(unit)
            if keep is None:
                adds = pending.get(node, 0) + (0 if node.is_leaf else 1)
                if not self.closed_by and limit is not None and self.units >= limit:
                    self.closed_by = self.plan.reason
                elif not self.closed_by and max_edges is not None and self.units and edges + adds > max_edges:
                    self.closed_by = f"max_edges={max_edges}"
                keep = not self.closed_by
                decided[unit] = keep
                if keep:
                    self.units += 1
                    edges += adds
                    if isinstance(unit, int):
                        self.kept_neurons[unit] = None
                else:
                    self.hidden += 1
                    if not self.plan.collapse:
                        # Without neurons every later node is its own unit: count the rest at once.
                        rest = order[index:]
                        self.hidden += len(rest) - 1
                        self.hidden_marks += sum(1 for n in rest if n in marks)
                        return
            if not keep:
                self.hidden_marks += node in marks
                continue
            self.kept[node] = index
            for operand, slots in _slots_by_operand(operands.get(node, ())).items():
                pending[operand] = pending.get(operand, 0) + (1 if len(slots) > PARALLEL_EDGES else len(slots))

    # ---- gradients: the Values' own, or a frame's running ones -------------------------

    def grad_of(self, node: Value) -> float | None:
        if self.state is None:
            return node.grad if node.grad_reached else None
        return self.state.grads.get(node)

    def has_passed_on(self, node: Value) -> bool:
        """True when ``node``'s gradient has already flowed along its operand edges."""
        if self.state is None:
            return node.grad_reached and not node.is_leaf
        return node in self.state.processed

    def role(self, node: Value) -> str:
        if node is self.root:
            return "output"
        if node.is_constant:
            return "constant"
        if node in self.options.parameters or (self.layout is not None and node in self.layout.parameters):
            return "parameter"
        return "input" if node.is_leaf else "intermediate"

    def scale(self) -> GradScale:
        if self.state is not None:
            return self.state.scale
        if self.options.grad_range is not None:
            # A fixed range, so that several pictures can be compared colour for colour.
            low, high = self.options.grad_range
            return GradScale(math.log10(low), math.log10(high))
        magnitudes = [g for n in self.kept if not n.is_constant and (g := self.grad_of(n)) is not None]
        magnitudes.extend(self.neuron_norm(i) or 0.0 for i in self.kept_neurons)
        return GradScale.fit(magnitudes)

    def neuron_norm(self, index: int) -> float | None:
        """sqrt of the sum of squared parameter gradients; None if no backward pass reached them."""
        assert self.layout is not None
        grads = [self.grad_of(p) for p in self.layout.neurons[index].parameters]
        reached = [g for g in grads if g is not None]
        return math.sqrt(math.fsum(g * g for g in reached)) if reached else None

    def shows_gradients(self) -> bool:
        """True when some box shows a gradient, so the gradient colours mean something."""
        if self.state is not None:
            return True
        return any(not n.is_constant and self.grad_of(n) is not None for n in self.kept) or any(
            self.neuron_norm(i) is not None for i in self.kept_neurons
        )

    # ---- statements, placed by the pins when there are some -----------------------------

    def name(self, node: Value) -> str:
        return f"n{self.kept[node]}"

    def node(self, name: str, attributes: list[str]) -> str:
        """A node statement; its size fixed by the overrides and its place by the pins."""
        self.node_statements[name] = ", ".join(attributes)
        placed = list(attributes)
        size = self.overrides.node_sizes.get(name) if self.overrides is not None else None
        if self.pins is not None and name in self.pins.nodes:
            pos, width, height = self.pins.nodes[name]
            placed.append(f'pos="{pos}"')
            size = (width, height)
        if size is not None:
            placed.extend([f"width={size[0]:.4f}", f"height={size[1]:.4f}", "fixedsize=true"])
        return f"{name} [{', '.join(placed)}];"

    def edge(self, tail: str, head: str, label: str = "", highlighted: bool = False, extra: str = "") -> None:
        key = (tail, head, self.edge_counts.get((tail, head), 0))
        self.edge_counts[(tail, head)] = key[2] + 1
        self.edge_labels[key] = label
        if self.overrides is not None:
            label = self.overrides.edge_labels.get(key, label)
        attributes: list[str] = []
        if label:
            attributes.append(f"label=<{label}>")
            self.labelled_edges += 1
        if highlighted:
            attributes.extend([f'color="{HIGHLIGHT}"', f'fontcolor="{HIGHLIGHT}"', "penwidth=2.5"])
        if extra:
            attributes.append(extra)
        if self.pins is not None:
            attributes.extend(f'{name}="{value}"' for name, value in self.pins.edges.get(key, {}).items())
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        self.edge_lines.append(f"  {tail} -> {head}{suffix};")
        if "style=invis" not in extra:
            self.edges += 1

    def cluster(self, name: str, label: str, look: str, indent: str) -> str:
        """The first line of a box around some nodes, placed by the pins."""
        pinned = ""
        if self.pins is not None and name in self.pins.clusters:
            pinned = "".join(f' {key}="{value}";' for key, value in self.pins.clusters[name].items())
        return f"{indent}subgraph {name} {{ label={label}; labelloc=t; labeljust=l; {look}{pinned}"

    # ---- node statements -----------------------------------------------------------------

    def note_of(self, unit: Unit) -> str | None:
        """The marks of the nodes a drawn unit stands for, as one note (None when none is marked)."""
        marks = self.options.marks
        if not marks:
            return None
        if isinstance(unit, Value) and self.unit(unit) is unit and not (unit is self.root and self.tail):
            folded = [unit] if unit in marks else []
        else:
            folded = [n for n in marks if n in self.kept and self.unit(n) == unit]
        if not folded:
            return None
        self.keys["marks"] = True
        if folded == [unit]:
            return marks[folded[0]]
        return "; ".join(f"{n.label or 'a node'}: {marks[n]}" for n in folded)

    def value_node(self, node: Value, scale: GradScale) -> str:
        options = self.options
        role = self.role(node)
        self.roles_seen[role] = None
        grad = self.grad_of(node)
        waiting = self.state is not None and node not in self.state.processed and node is not self.state.current
        tail = self.tail if node is self.root else None
        note = self.note_of(node)
        label = value_label(
            node.label,
            node.data,
            grad,
            constant=node.is_constant,
            show_data=options.show_data,
            show_grad=options.show_grad,
            precision=options.precision,
            waiting=waiting,
            note=note,
            formula=tail.formula if tail is not None else "",
        )
        styles = ["rounded", "filled"]
        if node.is_constant:
            styles.append("dotted")
        elif grad is None and options.show_grad:
            styles.append("dashed")
            self.keys["unreached"] = True
        if options.color == "grad":
            fill = PLAIN_FILL if node.is_constant else (UNREACHED_FILL if grad is None else scale.fill(grad))
        elif options.color == "role":
            fill = ROLE_FILLS[role]
        else:
            fill = PLAIN_FILL
        attributes = ["shape=box", f'style="{",".join(styles)}"', f'fillcolor="{fill}"', f'fontcolor="{text_colour(fill)}"']
        if node.is_constant:
            attributes.append("fontsize=9")
        attributes.extend(self.step_marks(node, waiting))
        if note is not None:
            attributes.extend([f'color="{MARK}"', "penwidth=3.5"])
        tooltip = value_tooltip(node.label, node.data, grad, node.is_constant)
        if tail is not None:
            tooltip += f"; the loss: {tail.ops} ops after the model's outputs, drawn as this one box"
        attributes.extend([f'tooltip="{escape_dot_string(tooltip)}"', f"label={label}"])
        return self.node(self.name(node), attributes)

    def step_marks(self, node: Value, waiting: bool) -> list[str]:
        """Border attributes for a frame: thick orange for the current node, grey while waiting."""
        if self.state is None:
            return []
        self.keys["steps"] = True
        if node is self.state.current:
            return [f'color="{HIGHLIGHT}"', "penwidth=3"]
        return [f'color="{MUTED_TEXT}"'] if waiting else []

    def op_node(self, node: Value) -> str:
        missing = sum(parent not in self.kept for parent in self.prepared.operands[node])
        # An op whose operands were left out is dashed, so a cut is visible even without edges.
        style = "filled,dashed" if missing else "filled"
        attributes = [f'shape=ellipse, style="{style}", fillcolor="{OP_FILL}", fontsize=10, margin="0.04,0.02"']
        if missing:
            attributes.append(f'tooltip="{missing} operand{"s" if missing > 1 else ""} not shown"')
        if self.state is not None and node is self.state.current:
            attributes.append(f'color="{HIGHLIGHT}", penwidth=2')
        attributes.append(f"label={op_label(node.op)}")
        return self.node(f"{self.name(node)}op", attributes)

    def neuron_node(self, index: int, scale: GradScale, exits: list[Value]) -> str:
        assert self.layout is not None
        neuron = self.layout.neurons[index]
        options = self.options
        norm = self.neuron_norm(index)
        # With several forward passes a neuron has one output per pass; only a single one is shown.
        out = (exits[0].data, self.grad_of(exits[0])) if len(exits) == 1 else None
        note = self.note_of(index)
        label = neuron_label(
            neuron_title(neuron),
            norm,
            out,
            show_data=options.show_data,
            show_grad=options.show_grad,
            precision=options.precision,
            note=note,
        )
        if options.color == "grad":
            # A norm is never negative: it takes the positive side of the one gradient scale.
            fill = UNREACHED_FILL if norm is None else scale.fill(norm)
            self.keys["neurons"] = True
        elif options.color == "role":
            fill = ROLE_FILLS["parameter"]
            self.roles_seen["parameter"] = None
        else:
            fill = PLAIN_FILL
        style = "rounded,filled" + (",dashed" if norm is None else "")
        tooltip = escape_dot_string(
            f"neuron {neuron.name[:TOOLTIP_TEXT]}: {len(neuron.parameters)} parameters, {len(exits)} output(s) used outside it"
        )
        attributes = ["shape=box", f'style="{style}"', f'fillcolor="{fill}"', f'fontcolor="{text_colour(fill)}"', f'tooltip="{tooltip}"']
        if note is not None:
            attributes.extend([f'color="{MARK}"', "penwidth=3.5"])
        attributes.append(f"label={label}")
        return self.node(f"neuron{index}", attributes)

    def neuron_exits(self) -> dict[int, list[Value]]:
        """For each collapsed neuron, its nodes that something outside it uses (or the root)."""
        layout = self.layout
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
        root_owner = owner.get(self.root)
        if root_owner is not None:
            exits.setdefault(root_owner, {})[self.root] = None
        return {index: list(nodes) for index, nodes in exits.items()}

    def node_lines(self, scale: GradScale) -> tuple[list[str], dict[int, list[str]]]:
        """Statements for every drawn unit: those outside any neuron, and those of each neuron."""
        plain: list[str] = []
        owned: dict[int, list[str]] = {}
        layout = self.layout
        for node in self.kept:
            if self.unit(node) is not node:
                continue
            owner = layout.owner.get(node) if layout is not None and not self.plan.collapse else None
            statements = plain if owner is None else owned.setdefault(owner, [])
            statements.append(self.value_node(node, scale))
            if not node.is_leaf and not (node is self.root and self.tail is not None):
                statements.append(self.op_node(node))
        exits = self.neuron_exits()
        for index in self.kept_neurons:
            owned[index] = [self.neuron_node(index, scale, exits.get(index, []))]
        self.drawn_nodes = sum(1 for node in self.kept if self.unit(node) is node) + len(self.kept_neurons)
        return [f"  {s}" for s in plain], owned

    def boxed_lines(self, owned: Mapping[int, list[str]]) -> list[str]:
        """The full picture's boxes: each neuron's nodes in a box, inside its layer's box."""
        layout = self.layout
        assert layout is not None
        lines: list[str] = []
        for layer_index, layer in enumerate((*layout.layers, None)):
            in_layer = [i for i, n in enumerate(layout.neurons) if n.layer == layer and i in owned]
            if not in_layer:
                continue
            indent = "  "
            if layer is not None:
                lines.append(self.cluster(f"cluster_layer{layer_index}", f"<{escape_html(layer[:60])}>", 'style="rounded"; color="#888888";', "  "))
                indent = "    "
            for index in in_layer:
                title = f"<{escape_html(cluster_title(layout.neurons[index])[:60])}>"
                look = 'style="rounded,filled"; fillcolor="#f7f7f7"; color="#bbbbbb";'
                lines.append(self.cluster(f"cluster_neuron{index}", title, look, indent))
                lines.extend(f"{indent}  {s}" for s in owned[index])
                lines.append(f"{indent}}}")
            if layer is not None:
                lines.append("  }")
        return lines

    def group_lines(self, owned: Mapping[int, list[str]]) -> tuple[list[str], list[list[str]]]:
        """The collapsed neurons a group (layer or depth) at a time, each group in one rank; and
        the chains of invisible edges that keep each group in index order."""
        layout = self.layout
        assert layout is not None
        lines: list[str] = []
        chains: list[list[str]] = []
        for group in layout.groups():
            members = [i for i in group.neurons if i in owned]
            if not members:
                continue
            boxed = group.label is not None or group.key in self.boxed_groups
            indent = "    " if boxed else "  "
            if boxed:
                title = group.label if group.label is not None else f"depth {group.key.removeprefix('depth')}"
                lines.append(self.cluster(f"cluster_{group.key}", f"<{escape_html(title[:60])}>", 'style="rounded"; color="#888888";', "  "))
            lines.extend(f"{indent}{s}" for i in members for s in owned[i])
            if len(members) > 1:
                names = [f"neuron{i}" for i in members]
                lines.append(f"{indent}{{ rank=same; {'; '.join(names)}; }}")
                # A flat edge puts its tail first in the rank; in a left-to-right picture the first
                # is at the bottom, so the chain runs backwards to read top to bottom.
                chains.append(list(reversed(names)) if self.plan.rankdir in ("LR", "BT") else names)
            if boxed:
                lines.append("  }")
        return lines, chains

    # ---- edge statements -----------------------------------------------------------------

    def edge_label(self, node: Value, slots: list[int], parent: Value) -> tuple[str, bool]:
        """The HTML label of the edge from ``parent`` into ``node``'s ``slots``, and whether it carries
        the current step; one edge for many slots carries the sum of their derivatives."""
        precision = self.options.precision
        parts: list[str] = []
        mark = f"×{len(slots):,}" if len(slots) > 1 else operand_mark(node.op, slots[0])
        if mark:
            parts.append(f"<B>{mark}</B>")
        highlighted = self.state is not None and node is self.state.current
        # A constant takes no part in learning, so the derivative towards it is left off.
        if (self.options.edge_labels or highlighted) and not parent.is_constant:
            local = math.fsum(node.local_grads[s] for s in slots)
            parts.append(f"local {'Σ ' if len(slots) > 1 else ''}{escape_html(format_number(local, precision))}")
            upstream = self.grad_of(node)
            if upstream is not None and self.has_passed_on(node):
                # What the engine sent, slot by slot and added as it adds: a zero local derivative
                # passes nothing on, even an infinite gradient.
                carried = sum([contribution(upstream, node.local_grads[s]) for s in slots], 0.0)
                product = (
                    f"carries {format_number(upstream, precision)} × {format_number(local, precision)}"
                    f" = {format_number(carried, precision)}"
                )
                parts.append(escape_html(product))
        return "<BR/>".join(parts), highlighted

    def level(self, node: Value) -> int | None:
        """The level of ``node``: its neuron's, 0 for an input leaf, None for anything else."""
        layout = self.layout
        if layout is None:
            return None
        owner = layout.owner.get(node)
        if owner is not None:
            return self.levels.get(owner)
        # An input is a leaf that is no parameter, nor a constant inside one neuron (a slope, a label).
        return 0 if node.is_leaf and node not in layout.parameters and node not in layout.constants else None

    def is_skip(self, parent: Value, node: Value) -> bool:
        """True for an edge into a neuron from more than one level before it: a skip connection."""
        head, tail = self.level(node), self.level(parent)
        owner = self.layout.owner if self.layout is not None else {}
        if head is None or tail is None or node not in owner or owner.get(parent) == owner[node]:
            return False
        return head - tail > 1

    def skip_style(self) -> str:
        self.keys["skips"] = True
        return f'style=dashed, color="{SKIP}", penwidth=1.5'

    def cut_edges(self, heads: Mapping[str, None]) -> None:
        # A few dashed edges show where the cut is; hundreds would only tangle the picture.
        if self.hidden and len(heads) <= MAX_CUT_EDGES:
            for head in heads:
                self.edge("more", head, extra=f'style=dashed, color="{MUTED_TEXT}"')

    def full_edges(self) -> None:
        """One edge per operand slot (one for many uses of one operand), each op into its value."""
        short_of_operands: dict[str, None] = {}
        for node in self.kept:
            if node.is_leaf:
                continue
            head = f"{self.name(node)}op"
            self.edge(head, self.name(node))
            for parent, slots in _slots_by_operand(self.prepared.operands[node]).items():
                if parent not in self.kept:
                    short_of_operands[head] = None
                    continue
                extra = self.skip_style() if self.is_skip(parent, node) else ""
                for group in [slots] if len(slots) > PARALLEL_EDGES else [[slot] for slot in slots]:
                    label, highlighted = self.edge_label(node, group, parent)
                    self.edge(self.name(parent), head, label, highlighted, extra)
        self.cut_edges(short_of_operands)

    def endpoint(self, unit: Unit) -> str:
        return f"neuron{unit}" if isinstance(unit, int) else self.name(unit)

    def collapsed_edges(self) -> None:
        """One edge per pair of units; where more than ``bundle_edges`` of them join a group (a layer
        or a depth) to a unit or another group, one bundled edge with their count instead."""
        connections: dict[tuple[str, str], _Connection] = {}
        short_of_operands: dict[str, None] = {}
        group_of = self.layout.group_of() if self.layout is not None else {}
        for node in self.kept:
            if node.is_leaf:
                continue
            head_unit = self.unit(node)
            head = self.endpoint(head_unit)
            if head_unit is node and not (node is self.root and self.tail is not None):
                self.edge(f"{head}op", head)
                head = f"{head}op"
            for parent in self.prepared.operands[node]:
                tail_unit = self.unit(parent)
                if tail_unit is head_unit or (isinstance(tail_unit, int) and tail_unit == head_unit):
                    continue
                if parent not in self.kept:
                    short_of_operands[head] = None
                    continue
                tail_group = group_of[tail_unit].key if isinstance(tail_unit, int) else None
                head_group = group_of[head_unit].key if isinstance(head_unit, int) else None
                connection = connections.setdefault((self.endpoint(tail_unit), head), _Connection(tail_group, head_group))
                connection.uses += 1
                connection.skip = connection.skip or self.is_skip(parent, node)
        bundles: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for pair, connection in connections.items():
            tail_key = connection.tail_group or pair[0]
            head_key = connection.head_group or pair[1]
            bundles.setdefault((tail_key, head_key), []).append(pair)
        limit = self.options.bundle_edges
        for pairs in bundles.values():
            first = connections[pairs[0]]
            grouped = first.tail_group is not None or first.head_group is not None
            if limit is not None and grouped and len(pairs) > limit:
                self.bundle(pairs, [connections[p] for p in pairs])
                continue
            for pair in pairs:
                self.connection_edge(pair, connections[pair])
        self.cut_edges(short_of_operands)

    def connection_edge(self, pair: tuple[str, str], connection: _Connection) -> None:
        # A label per merged edge would crowd the picture; the count goes in the tooltip.
        attributes = [f'tooltip="{connection.uses} uses"'] if connection.uses > 1 else []
        attributes.append(self.skip_style() if connection.skip else 'color="#00000080"')
        self.edge(pair[0], pair[1], extra=", ".join(attributes))

    def bundle(self, pairs: list[tuple[str, str]], connections: list[_Connection]) -> None:
        """One thick edge between two boxes (or a node and a box) standing for ``pairs``."""
        self.keys["bundles"] = True
        tails = list(dict.fromkeys(t for t, _ in pairs))
        heads = list(dict.fromkeys(h for _, h in pairs))
        attributes = [f'label=<<FONT POINT-SIZE="9">{len(pairs):,} connections</FONT>>', f'color="{BUNDLE}"', "penwidth=2.5"]
        for end, group in (("ltail", connections[0].tail_group), ("lhead", connections[0].head_group)):
            if group is not None:
                self.boxed_groups.add(group)
                attributes.append(f"{end}=cluster_{group}")
        if any(c.skip for c in connections):
            self.keys["skips"] = True
            attributes.append("style=dashed")
        # The edge runs between the middle members, so it meets each box near its middle.
        self.edge(tails[len(tails) // 2], heads[len(heads) // 2], extra=", ".join(attributes))

    # ---- the whole picture ---------------------------------------------------------------

    def legend(self, scale: GradScale) -> str:
        """The legend for the looks in use, with the folding note on top; '' when nothing needs saying."""
        if self.state is not None:
            # Every frame of a step-through gets the same legend, so it does not change size.
            self.keys["unreached"] = True
        keys = LegendKeys(**self.keys)
        if self.options.color == "grad" and self.shows_gradients():
            rows = grad_legend_rows(scale, keys)
        elif self.options.color == "role":
            rows = role_legend_rows([r for r in ROLE_ORDER if r in self.roles_seen], keys)
        else:
            rows = marks_legend_rows(LegendKeys(marks=keys.marks, skips=keys.skips, bundles=keys.bundles, steps=keys.steps))
        note = self.fold_note()
        return legend_table(rows, note) if rows or note else ""

    def fold_note(self) -> str:
        """What a fitted picture folded and how to see it whole (HTML), or ''."""
        width = self.plan.folded_to
        if width is None:
            return ""
        parts = []
        if self.plan.collapse and self.options.collapse is None:
            parts.append(f"{len(self.kept_neurons)} neurons drawn as one node each")
            if self.tail is not None and self.root in self.kept:
                parts.append(f"the loss's {self.tail.ops} ops drawn as its box")
        if self.plan.rankdir != (self.options.rankdir or "LR"):
            parts.append("drawn top to bottom")
        if not parts:
            return ""
        if parts == ["drawn top to bottom"]:
            text = f"Drawn top to bottom to fit a {width}-px view; draw_graph(..., fit_width=None) draws it as asked."
        else:
            text = f"Folded to fit a {width}-px view: {', '.join(parts)}. draw_graph(..., fit_width=None) draws every node."
        return wrapped_html(text, 90, 3)

    def more_node(self) -> str:
        reason = self.closed_by
        if self.plan.limit is not None and reason == self.plan.reason and reason.startswith("fit_width"):
            reason = f"left out to fit a {self.options.fit_width}-px view;\nfit_width=None draws them"
        if self.hidden_marks:
            self.keys["marks"] = True
        attributes = ['shape=box, style="dashed,filled", fillcolor="#fff7bc"', f"label={more_label(self.hidden, reason, self.hidden_marks)}"]
        return "  " + self.node("more", attributes)

    def caption_html(self, caption: str) -> str:
        """The caption in lines of CAPTION_WIDTH characters, in a box of the widest caption's size."""
        text = wrapped_html(caption, CAPTION_WIDTH, 4)
        size = self.overrides.caption_size if self.overrides is not None else None
        if size is None:
            return f"<{text}>"
        width, height = (math.ceil(v) for v in size)
        return (
            '<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="0" CELLSPACING="0"><TR>'
            f'<TD FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{height}" ALIGN="LEFT" BALIGN="LEFT">{text}</TD></TR></TABLE>>'
        )

    def build(self) -> DotGraph:
        self.choose()
        scale = self.scale()
        collapsed = self.plan.collapse and self.layout is not None
        plain, owned = self.node_lines(scale)
        # Edges first: a bundle decides whether a depth group needs a box around it.
        if collapsed:
            self.collapsed_edges()
            groups, chains = self.group_lines(owned)
        else:
            self.full_edges()
            groups, chains = (self.boxed_lines(owned) if self.layout is not None else []), []
        for chain in chains:
            for tail, head in itertools.pairwise(chain):
                self.edge(tail, head, extra="style=invis")
        lines = [
            "digraph autograd {",
            f'  node [fontname="{FONT}", fontsize=11];',
            f'  edge [fontname="{FONT}", fontsize=9, arrowsize=0.6];',
        ]
        caption = self.caption_html(self.state.caption) if self.state is not None and self.state.caption else ""
        if caption:
            # A borderless box carries the caption on top; the graph's own label is the legend's.
            lines.append(self.cluster("cluster_step", caption, "peripheries=0; fontsize=14;", "  "))
        lines.extend([*plain, *groups])
        if caption:
            lines.append("  }")
        if self.hidden:
            lines.append(self.more_node())
        lines.extend(self.edge_lines)
        spacing = "nodesep=0.1, ranksep=0.4" if collapsed else "nodesep=0.2, ranksep=0.3"
        graph = [f"rankdir={self.plan.rankdir}", f'fontname="{FONT}"', spacing]
        # The legend is made after the nodes, once the looks actually drawn are known. As the
        # graph's own label it takes no rank, so it never stretches the layout.
        legend = self.legend(scale)
        if legend:
            graph.extend(["labelloc=b", "labeljust=r", f"label=<{legend}>"])
        if self.keys.get("bundles"):
            graph.append("compound=true")
        if chains:
            # A second crossing minimisation, after the boxes are filled in, would undo the
            # chains that keep each layer in index order.
            graph.append("remincross=false")
        if self.pins is not None:
            graph.extend(f'{key}="{value}"' for key, value in self.pins.graph.items())
        lines.insert(1, f"  graph [{', '.join(graph)}];")
        lines.append("}")
        return DotGraph(
            "\n".join(lines) + "\n",
            self.drawn_nodes,
            self.edges,
            self.hidden,
            self.units,
            self.labelled_edges,
            self.node_statements,
            self.edge_labels,
            caption,
        )


def build_dot(
    prepared: Prepared,
    state: PassState | None = None,
    plan: Plan | None = None,
    *,
    overrides: Overrides | None = None,
    pins: Pins | None = None,
) -> DotGraph:
    """The DOT text of a prepared graph, showing its own ``.grad`` or a backward pass ``state``."""
    return _Builder(prepared, plan if plan is not None else asked_plan(prepared.options), state, overrides, pins).build()
