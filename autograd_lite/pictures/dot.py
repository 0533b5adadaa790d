"""Turn a computation graph into Graphviz DOT text: the drawing rules behind ``draw_graph`` and
the frames of ``backward_steps``.

Each Value is a box (label, data, grad); each computed Value has a small op node in front of it,
with one edge per operand slot, so ``a*a`` shows two edges. Names follow a breadth-first
topological order from the root (``n0`` is the root), never ``id()``, so the same graph always
gives the same text. Running no program, this module works without Graphviz installed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..checked_io import format_number, shorten
from ..ops import OPS
from ..value import Value
from .model import ModelLayout, model_layout
from .options import DrawOptions, PassState
from .style import (
    HIGHLIGHT,
    MUTED_TEXT,
    OP_FILL,
    PLAIN_FILL,
    ROLE_FILLS,
    UNREACHED_FILL,
    GradScale,
    escape_dot_string,
    escape_html,
    grad_legend,
    role_legend,
    text_colour,
)

ROLE_ORDER = ("input", "parameter", "constant", "output", "intermediate")

# How the non-commutative ops (``OPS[op].commutative`` is False) name their operands on the edges.
OPERAND_MARKS = {"-": ("a", "b"), "/": ("a", "b"), "**": ("base", "exp")}
OP_SYMBOLS = {"-": "a − b", "/": "a ÷ b", "**": "base ** exp", "*": "×"}

FONT = "Helvetica"
MAX_CUT_EDGES = 12


@dataclass
class DotGraph:
    """DOT text and what it shows: how many nodes and edges were drawn and how many left out."""

    source: str
    nodes: int
    edges: int
    hidden: int


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


def operand_mark(op: str, slot: int) -> str:
    """'a'/'b' (or 'base'/'exp') for the operands of a non-commutative op, '' otherwise."""
    rule = OPS.get(op)
    if rule is None or rule.commutative or rule.arity == 1:
        return ""
    marks = OPERAND_MARKS.get(op, ("a", "b", "c", "d"))
    return marks[slot] if slot < len(marks) else f"#{slot + 1}"


NeuronKey = int
Unit = Value | NeuronKey


@dataclass
class _Builder:
    """One drawing in progress: the chosen nodes, their names, and the DOT lines so far."""

    root: Value
    options: DrawOptions
    state: PassState | None
    order: list[Value]
    operands: dict[Value, tuple[Value, ...]]
    layout: ModelLayout | None
    kept: dict[Value, int] = field(default_factory=dict)
    kept_neurons: dict[int, None] = field(default_factory=dict)
    hidden: int = 0
    lines: list[str] = field(default_factory=list)
    edges: int = 0
    drawn_nodes: int = 0
    roles_seen: dict[str, None] = field(default_factory=dict)
    parameters: frozenset[Value] = frozenset()

    # ---- what to draw --------------------------------------------------------------------

    def unit(self, node: Value) -> Unit:
        """A collapsed neuron's index, or the node itself."""
        if self.options.collapse is not None and self.layout is not None:
            owner = self.layout.owner.get(node)
            if owner is not None:
                return owner
        return node

    def choose(self) -> None:
        """Keep the first max_nodes units of the order (a collapsed neuron is one unit); count the rest."""
        limit = self.options.max_nodes
        if self.options.collapse is None:
            count = len(self.order) if limit is None else min(limit, len(self.order))
            self.kept = {node: index for index, node in enumerate(self.order[:count])}
            self.hidden = len(self.order) - count
            return
        decided: dict[Unit, bool] = {}
        kept_units = 0
        for index, node in enumerate(self.order):
            unit = self.unit(node)
            keep = decided.get(unit)
            if keep is None:
                keep = limit is None or kept_units < limit
                decided[unit] = keep
                if not keep:
                    self.hidden += 1
                    continue
                kept_units += 1
                if isinstance(unit, int):
                    self.kept_neurons[unit] = None
            if keep:
                self.kept[node] = index

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
        if node in self.parameters or (self.layout is not None and node in self.layout.parameters):
            return "parameter"
        return "input" if node.is_leaf else "intermediate"

    def scale(self) -> GradScale:
        if self.state is not None:
            return self.state.scale
        if self.options.grad_range is not None:
            # A fixed range, so that several pictures can be compared colour for colour.
            low, high = self.options.grad_range
            return GradScale(math.log10(low), math.log10(high))
        magnitudes: list[float] = []
        for node in self.kept:
            grad = self.grad_of(node)
            if grad is not None and not node.is_constant:
                magnitudes.append(grad)
        magnitudes.extend(self.neuron_norm(i) or 0.0 for i in self.kept_neurons)
        return GradScale.fit(magnitudes)

    def neuron_norm(self, index: int) -> float | None:
        """sqrt of the sum of squared parameter gradients; None if no backward pass reached them."""
        assert self.layout is not None
        grads = [self.grad_of(p) for p in self.layout.neurons[index].parameters]
        reached = [g for g in grads if g is not None]
        return math.sqrt(math.fsum(g * g for g in reached)) if reached else None

    # ---- node statements -----------------------------------------------------------------

    def name(self, node: Value) -> str:
        return f"n{self.kept[node]}"

    def value_node(self, node: Value, scale: GradScale) -> str:
        options = self.options
        role = self.role(node)
        self.roles_seen[role] = None
        grad = self.grad_of(node)
        waiting = (
            self.state is not None and node not in self.state.processed and node is not self.state.current
        )
        cells: list[str] = []
        if node.label:
            cells.append(f"<B>{escape_html(shorten(node.label))}</B>")
        if node.is_constant:
            cells.append(escape_html(format_number(node.data, options.precision)))
        else:
            if options.show_data:
                cells.append(f"data {escape_html(format_number(node.data, options.precision))}")
            if options.show_grad:
                if grad is None:
                    cells.append("<I>grad —</I>")
                else:
                    so_far = " <I>so far</I>" if waiting else ""
                    cells.append(f"grad {escape_html(format_number(grad, options.precision))}{so_far}")
        row = "<VR/>".join(f"<TD>{cell}</TD>" for cell in cells) or "<TD> </TD>"
        label = f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2"><TR>{row}</TR></TABLE>>'

        styles = ["rounded", "filled"]
        if node.is_constant:
            styles.append("dotted")
        elif grad is None and options.show_grad:
            styles.append("dashed")
        if options.color == "grad":
            fill = PLAIN_FILL if node.is_constant else (UNREACHED_FILL if grad is None else scale.fill(grad))
        elif options.color == "role":
            fill = ROLE_FILLS[role]
        else:
            fill = PLAIN_FILL
        attributes = [
            "shape=box",
            f'style="{",".join(styles)}"',
            f'fillcolor="{fill}"',
            f'fontcolor="{text_colour(fill)}"',
        ]
        if node.is_constant:
            attributes.append("fontsize=9")
        attributes.extend(self.step_marks(node, waiting))
        tooltip = f"{node.label + ': ' if node.label else ''}data={node.data!r}"
        if not node.is_constant:
            tooltip += f", grad={'not reached' if grad is None else repr(grad)}"
        attributes.append(f'tooltip="{escape_dot_string(tooltip)}"')
        attributes.append(f"label={label}")
        return f"{self.name(node)} [{', '.join(attributes)}];"

    def step_marks(self, node: Value, waiting: bool) -> list[str]:
        """Border attributes for a frame: thick orange for the current node, grey while waiting."""
        if self.state is None:
            return []
        if node is self.state.current:
            return [f'color="{HIGHLIGHT}"', "penwidth=3"]
        if waiting:
            return [f'color="{MUTED_TEXT}"']
        return []

    def op_node(self, node: Value) -> str:
        symbol = OP_SYMBOLS.get(node.op, node.op)
        missing = sum(parent not in self.kept for parent in self.operands[node])
        # An op whose operands were left out is dashed, so a cut is visible even without edges.
        style = "filled,dashed" if missing else "filled"
        attributes = f'shape=ellipse, style="{style}", fillcolor="{OP_FILL}", fontsize=10, margin="0.04,0.02"'
        if missing:
            attributes += f', tooltip="{missing} operand{"s" if missing > 1 else ""} not shown"'
        if self.state is not None and node is self.state.current:
            attributes += f', color="{HIGHLIGHT}", penwidth=2'
        return f"{self.name(node)}op [{attributes}, label=<{escape_html(symbol)}>];"

    def neuron_node(self, index: int, scale: GradScale, exits: list[Value]) -> str:
        assert self.layout is not None
        neuron = self.layout.neurons[index]
        precision = self.options.precision
        title = neuron.name[len(neuron.layer) + 1 :] if neuron.layer else neuron.name
        norm = self.neuron_norm(index)
        norm_text = "—" if norm is None else format_number(norm, precision)
        rows = [f"<TR><TD><B>{escape_html(shorten(title))}</B> ‖grad‖ {escape_html(norm_text)}</TD></TR>"]
        # With several forward passes a neuron has one output per pass; only a single one is shown.
        if len(exits) == 1:
            out = exits[0]
            grad = self.grad_of(out)
            grad_text = "—" if grad is None else format_number(grad, precision)
            out_text = f"out {format_number(out.data, precision)} grad {grad_text}"
            rows.append(f'<TR><TD><FONT POINT-SIZE="9">{escape_html(out_text)}</FONT></TD></TR>')
        label = f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{"".join(rows)}</TABLE>>'
        if self.options.color == "grad":
            fill = UNREACHED_FILL if norm is None else scale.norm_fill(norm)
        elif self.options.color == "role":
            fill = ROLE_FILLS["parameter"]
            self.roles_seen["parameter"] = None
        else:
            fill = PLAIN_FILL
        style = "rounded,filled" + (",dashed" if norm is None else "")
        tooltip = escape_dot_string(
            f"neuron {neuron.name}: {len(neuron.parameters)} parameters, {len(exits)} output(s) used outside it"
        )
        return (
            f'neuron{index} [shape=box, style="{style}", fillcolor="{fill}", fontcolor="{text_colour(fill)}", '
            f'tooltip="{tooltip}", label={label}];'
        )

    # ---- edge statements -----------------------------------------------------------------

    def edge_label(self, node: Value, slot: int, parent: Value, local: float) -> tuple[str, bool]:
        """The HTML label of one operand edge, and whether it carries the current step."""
        precision = self.options.precision
        parts: list[str] = []
        mark = operand_mark(node.op, slot)
        if mark:
            parts.append(f"<B>{mark}</B>")
        highlighted = self.state is not None and node is self.state.current
        # A constant takes no part in learning, so the derivative towards it is left off.
        if (self.options.edge_labels or highlighted) and not parent.is_constant:
            parts.append(f"local {escape_html(format_number(local, precision))}")
            upstream = self.grad_of(node)
            if upstream is not None and self.has_passed_on(node):
                product = (
                    f"carries {format_number(upstream, precision)} × {format_number(local, precision)}"
                    f" = {format_number(upstream * local, precision)}"
                )
                parts.append(escape_html(product))
        return "<BR/>".join(parts), highlighted

    def edge(self, tail: str, head: str, label: str = "", highlighted: bool = False, extra: str = "") -> None:
        attributes: list[str] = []
        if label:
            attributes.append(f"label=<{label}>")
        if highlighted:
            attributes.extend([f'color="{HIGHLIGHT}"', f'fontcolor="{HIGHLIGHT}"', "penwidth=2.5"])
        if extra:
            attributes.append(extra)
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        self.lines.append(f"  {tail} -> {head}{suffix};")
        self.edges += 1

    def endpoint(self, unit: Unit) -> str:
        return f"neuron{unit}" if isinstance(unit, int) else self.name(unit)

    def draw_edges(self) -> None:
        merged: dict[tuple[str, str], int] = {}
        short_of_operands: dict[str, None] = {}
        for node in self.kept:
            if node.is_leaf:
                continue
            head_unit = self.unit(node)
            head = f"neuron{head_unit}" if isinstance(head_unit, int) else f"{self.name(node)}op"
            if not isinstance(head_unit, int):
                self.edge(f"{self.name(node)}op", self.name(node))
            for slot, (parent, local) in enumerate(zip(self.operands[node], node.local_grads, strict=True)):
                tail_unit = self.unit(parent)
                if tail_unit == head_unit and isinstance(tail_unit, int):
                    continue
                if parent not in self.kept:
                    short_of_operands[head] = None
                    continue
                tail = self.endpoint(tail_unit)
                if isinstance(tail_unit, int) or isinstance(head_unit, int):
                    merged[(tail, head)] = merged.get((tail, head), 0) + 1
                    continue
                label, highlighted = self.edge_label(node, slot, parent, local)
                self.edge(tail, head, label, highlighted)
        for (tail, head), count in merged.items():
            # A label per merged edge would put a label node on each of n*m edges between two
            # layers, and dot then routes them in huge loops; the count goes in the tooltip.
            # A single use needs no tooltip: it would only add bytes to every one of n*m edges.
            tooltip = f'tooltip="{count} uses", ' if count > 1 else ""
            self.edge(tail, head, extra=f'{tooltip}color="#0000004d"')
        # A few dashed edges show where the cut is; hundreds would only tangle the picture.
        if self.hidden and len(short_of_operands) <= MAX_CUT_EDGES:
            for head in short_of_operands:
                self.edge("more", head, extra=f'style=dashed, color="{MUTED_TEXT}"')

    # ---- the whole picture ---------------------------------------------------------------

    def neuron_exits(self) -> dict[int, list[Value]]:
        """For each collapsed neuron, its nodes that something outside it uses (or the root)."""
        exits: dict[int, dict[Value, None]] = {}
        if self.layout is None or self.options.collapse is None:
            return {}
        owner = self.layout.owner
        for node in self.order:
            node_owner = owner.get(node)
            for parent in self.operands.get(node, ()):
                parent_owner = owner.get(parent)
                if parent_owner is not None and parent_owner != node_owner:
                    exits.setdefault(parent_owner, {})[parent] = None
        root_owner = owner.get(self.root)
        if root_owner is not None:
            exits.setdefault(root_owner, {})[self.root] = None
        return {index: list(nodes) for index, nodes in exits.items()}

    def draw_nodes(self, scale: GradScale) -> None:
        groups: dict[int | None, list[str]] = {}
        layout = self.layout
        for node in self.kept:
            owner = layout.owner.get(node) if layout is not None else None
            if self.options.collapse is not None and owner is not None:
                continue
            statements = groups.setdefault(owner, [])
            statements.append(self.value_node(node, scale))
            if not node.is_leaf:
                statements.append(self.op_node(node))
            self.drawn_nodes += 1
        exits = self.neuron_exits()
        for index in self.kept_neurons:
            groups.setdefault(index, []).append(self.neuron_node(index, scale, exits.get(index, [])))
            self.drawn_nodes += 1
        self.lines.extend(f"  {s}" for s in groups.pop(None, []))
        if layout is None:
            return
        for layer_index, layer in enumerate((*layout.layers, None)):
            in_layer = [i for i, n in enumerate(layout.neurons) if n.layer == layer and i in groups]
            if not in_layer:
                continue
            indent = "  "
            if layer is not None:
                self.lines.append(f"  subgraph cluster_layer{layer_index} {{")
                self.lines.append(
                    f'    label=<{escape_html(shorten(layer))}>; labelloc=t; labeljust=l; style="rounded"; color="#888888";'
                )
                indent = "    "
            for index in in_layer:
                if self.options.collapse is None:
                    neuron = layout.neurons[index]
                    title = neuron.name[len(layer) + 1 :] if layer else neuron.name
                    self.lines.append(f"{indent}subgraph cluster_neuron{index} {{")
                    self.lines.append(
                        f'{indent}  label=<{escape_html(shorten(title))}>; labelloc=t; labeljust=l; style="rounded,filled"; '
                        'fillcolor="#f7f7f7"; color="#bbbbbb";'
                    )
                    self.lines.extend(f"{indent}  {s}" for s in groups[index])
                    self.lines.append(f"{indent}}}")
                else:
                    self.lines.extend(f"{indent}{s}" for s in groups[index])
            if layer is not None:
                self.lines.append("  }")

    def legend(self, scale: GradScale) -> str:
        """The legend table for the colours in use, '' when the picture is plain."""
        steps = self.state is not None
        if self.options.color == "grad":
            return grad_legend(scale, neurons=bool(self.kept_neurons), steps=steps)
        if self.options.color == "role":
            return role_legend([r for r in ROLE_ORDER if r in self.roles_seen], steps=steps)
        return ""

    def rank_spacing(self) -> str:
        """Room between ranks: wider between tall collapsed layers, so their edges are not too steep."""
        if not self.kept_neurons:
            return "ranksep=0.35"
        assert self.layout is not None
        sizes: dict[str | None, int] = {}
        for index in self.kept_neurons:
            layer = self.layout.neurons[index].layer
            sizes[layer] = sizes.get(layer, 0) + 1
        inches = min(3.0, max(0.8, 0.12 * max(sizes.values())))
        # Between two collapsed layers run n*m edges; curved splines around the layer boxes
        # then loop far out of the picture, straight lines do not.
        return f"ranksep={inches:.2f}, splines=line"

    def build(self) -> DotGraph:
        self.choose()
        scale = self.scale()
        graph_attributes = [f"rankdir={self.options.rankdir}", f'fontname="{FONT}"', "nodesep=0.2"]
        graph_attributes.append(self.rank_spacing())
        self.lines.extend(
            [
                "digraph autograd {",
                f'  node [fontname="{FONT}", fontsize=11];',
                f'  edge [fontname="{FONT}", fontsize=9, arrowsize=0.6];',
            ]
        )
        caption = self.state.caption if self.state is not None else ""
        if caption:
            # A borderless cluster carries the caption on top; the graph's own label is the legend's.
            self.lines.append(
                f"  subgraph cluster_step {{ peripheries=0; labelloc=t; labeljust=l; fontsize=15; "
                f"label=<{escape_html(caption)}>;"
            )
        self.draw_nodes(scale)
        if caption:
            self.lines.append("  }")
        if self.hidden:
            limit = self.options.max_nodes
            self.lines.append(
                f'  more [shape=box, style="dashed,filled", fillcolor="#fff7bc", '
                f'label=<… {self.hidden:,} more nodes not shown<BR/><FONT POINT-SIZE="9">max_nodes={limit}</FONT>>];'
            )
        self.draw_edges()
        # The legend is made after the nodes, once the roles actually drawn are known. As the
        # graph's own label it takes no rank, so it never stretches the layout.
        legend = self.legend(scale)
        if legend:
            graph_attributes.extend(["labelloc=b", "labeljust=r", f"label=<{legend}>"])
        self.lines.insert(1, f"  graph [{', '.join(graph_attributes)}];")
        self.lines.append("}")
        return DotGraph("\n".join(self.lines) + "\n", self.drawn_nodes, self.edges, self.hidden)


@dataclass(frozen=True)
class Prepared:
    """What every picture of one graph shares: the drawing order and the model layout."""

    root: Value
    options: DrawOptions
    order: list[Value]
    operands: dict[Value, tuple[Value, ...]]
    layout: ModelLayout | None


def prepare(root: Value, options: DrawOptions) -> Prepared:
    """Walk the graph once; ``backward_steps`` then draws each frame without walking it again."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: root must be a Value, got {type(root).__name__}")
    operands = picture_operands(root)
    order = breadth_first_order(root, operands)
    layout = model_layout(options.cluster, order, operands) if options.cluster is not None else None
    return Prepared(root, options, order, operands, layout)


def build_dot(prepared: Prepared, state: PassState | None = None) -> DotGraph:
    """The DOT text of a prepared graph, showing its own ``.grad`` or a backward pass ``state``."""
    options = prepared.options
    builder = _Builder(
        prepared.root,
        options,
        state,
        prepared.order,
        prepared.operands,
        prepared.layout,
        parameters=frozenset(options.parameters),
    )
    return builder.build()
