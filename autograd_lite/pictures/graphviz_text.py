"""Write a picture as Graphviz's DOT text: ``picture_text(prepared, state, plan)`` composes the scene
of one drawing (``compose``) and writes it; ``write_scene(scene)`` writes a scene already composed.

Only writing happens here: each box becomes a node statement with its HTML-like label (from
``boxes``), colours and borders; each edge a statement with its label and look; each cluster a
subgraph; the legend the graph's own label. Every piece of user text is escaped on the way. Given
``Overrides`` (each box at its widest size over all frames of a step-through) and ``Pins``
(positions from one layout), every node, edge and box is sized and placed as they say, which is
how the frames of a step-through hold still. Running no program, this works without Graphviz.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..text import format_number
from .boxes import more_label, neuron_label, op_label, value_label, value_tooltip
from .compose import compose
from .fold import neuron_title
from .options import PassState
from .plan import EdgeKey, Overrides, Pins, Plan, asked_plan
from .scene import (
    MORE,
    Box,
    BundleEdge,
    Cluster,
    ClusterLook,
    ConnectionEdge,
    CutEdge,
    Edge,
    EdgeLabel,
    Legend,
    MoreBox,
    NeuronBox,
    OpBox,
    OperandEdge,
    OrderEdge,
    ResultEdge,
    Scene,
    ValueBox,
)
from .style import (
    BUNDLE,
    HIGHLIGHT,
    MARK,
    MUTED_TEXT,
    OP_FILL,
    SKIP,
    TOOLTIP_TEXT,
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

FONT = "Helvetica"
CAPTION_WIDTH = 100
"""A frame's caption wraps at this many characters."""
CAPTION_BOX = "cluster_step"
CLUSTER_LOOKS: dict[ClusterLook, str] = {
    "layer": 'style="rounded"; color="#888888";',
    "neuron": 'style="rounded,filled"; fillcolor="#f7f7f7"; color="#bbbbbb";',
}
SKIP_LOOK = f'style=dashed, color="{SKIP}", penwidth=1.5'


@dataclass
class GraphvizText:
    """DOT text and what it shows: nodes and edges drawn, nodes (or neurons) left out, units
    kept, edges with a label, and each node's attributes and edge's label (to measure sizes)."""

    source: str
    nodes: int
    edges: int
    hidden: int
    units: int
    labelled_edges: int
    node_statements: dict[str, str]
    edge_labels: dict[EdgeKey, str]
    caption: str


def picture_text(
    prepared: Prepared,
    state: PassState | None = None,
    plan: Plan | None = None,
    *,
    overrides: Overrides | None = None,
    pins: Pins | None = None,
) -> GraphvizText:
    """The DOT text of a prepared graph, showing its own ``.grad`` or a backward pass ``state``."""
    scene = compose(prepared, plan if plan is not None else asked_plan(prepared.options), state)
    return write_scene(scene, overrides, pins)


def write_scene(scene: Scene, overrides: Overrides | None = None, pins: Pins | None = None) -> GraphvizText:
    """The DOT text of ``scene``, each box at the size ``overrides`` give and where ``pins`` put it."""
    return _Writer(scene, overrides, pins).text()


@dataclass
class _Writer:
    """One scene being written, and what measuring and pinning its frames needs to know."""

    scene: Scene
    overrides: Overrides | None
    pins: Pins | None
    node_statements: dict[str, str] = field(default_factory=dict)
    edge_labels: dict[EdgeKey, str] = field(default_factory=dict)
    edge_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    edges: int = 0
    labelled_edges: int = 0

    def text(self) -> GraphvizText:
        """The whole picture: graph attributes and legend, boxes and clusters, then the edges."""
        scene = self.scene
        lines = [
            "digraph autograd {",
            f'  node [fontname="{FONT}", fontsize=11];',
            f'  edge [fontname="{FONT}", fontsize=9, arrowsize=0.6];',
        ]
        caption = self.caption_html(scene.caption) if scene.caption else ""
        if caption:
            # A borderless box carries the caption on top; the graph's own label is the legend's.
            lines.append(self.cluster_header(CAPTION_BOX, caption, "peripheries=0; fontsize=14;", "  "))
        for member in scene.boxes:
            lines.extend(self.member_lines(member, "  "))
        if caption:
            lines.append("  }")
        if scene.more is not None:
            lines.append("  " + self.box_statement(scene.more))
        lines.extend(self.edge_line(edge) for edge in scene.edges)
        spacing = "nodesep=0.1, ranksep=0.4" if scene.collapsed else "nodesep=0.2, ranksep=0.3"
        graph = [f"rankdir={scene.rankdir}", f'fontname="{FONT}"', spacing]
        # As the graph's own label the legend takes no rank, so it never stretches the layout.
        legend = self.legend_html(scene.legend)
        if legend:
            graph.extend(["labelloc=b", "labeljust=r", f"label=<{legend}>"])
        kinds = {type(edge) for edge in scene.edges}
        if BundleEdge in kinds:
            graph.append("compound=true")
        if OrderEdge in kinds:
            # A second crossing minimisation, after the boxes are filled in, would undo the
            # chains that keep each layer in index order.
            graph.append("remincross=false")
        if self.pins is not None:
            graph.extend(f'{key}="{value}"' for key, value in self.pins.graph.items())
        lines.insert(1, f"  graph [{', '.join(graph)}];")
        lines.append("}")
        return GraphvizText(
            "\n".join(lines) + "\n",
            scene.drawn,
            self.edges,
            scene.hidden,
            scene.units,
            self.labelled_edges,
            self.node_statements,
            self.edge_labels,
            caption,
        )

    # ---- statements, sized by the overrides and placed by the pins when there are some ----

    def statement(self, name: str, attributes: list[str]) -> str:
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

    def edge(
        self, tail: str, head: str, label: str = "", highlighted: bool = False, extra: str = "", visible: bool = True
    ) -> str:
        """An edge statement; its label widened by the overrides and its route given by the pins."""
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
        if visible:
            self.edges += 1
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        return f"  {tail} -> {head}{suffix};"

    def cluster_header(self, name: str, label: str, look: str, indent: str) -> str:
        """The first line of a box around some nodes, placed by the pins."""
        pinned = ""
        if self.pins is not None and name in self.pins.clusters:
            pinned = "".join(f' {key}="{value}";' for key, value in self.pins.clusters[name].items())
        return f"{indent}subgraph {name} {{ label={label}; labelloc=t; labeljust=l; {look}{pinned}"

    # ---- boxes and clusters --------------------------------------------------------------

    def member_lines(self, member: Box | Cluster, indent: str) -> list[str]:
        """The statement of a box, or the lines of a cluster."""
        if isinstance(member, Cluster):
            return self.cluster_lines(member, indent)
        return [indent + self.box_statement(member)]

    def cluster_lines(self, cluster: Cluster, indent: str) -> list[str]:
        """A cluster's members, inside its box when it has one, then the rank they share."""
        lines: list[str] = []
        inner = indent
        if cluster.box is not None:
            title = f"<{escape_html(cluster.title[:60])}>"
            lines.append(self.cluster_header(cluster.box, title, CLUSTER_LOOKS[cluster.look], indent))
            inner = indent + "  "
        for member in cluster.members:
            lines.extend(self.member_lines(member, inner))
        if cluster.same_rank:
            lines.append(f"{inner}{{ rank=same; {'; '.join(cluster.same_rank)}; }}")
        if cluster.box is not None:
            lines.append(f"{indent}}}")
        return lines

    def box_statement(self, box: Box | MoreBox) -> str:
        """The node statement of any kind of box."""
        if isinstance(box, ValueBox):
            return self.statement(box.name, self.value_attributes(box))
        if isinstance(box, OpBox):
            return self.statement(box.name, self.op_attributes(box))
        if isinstance(box, NeuronBox):
            return self.statement(box.name, self.neuron_attributes(box))
        label = more_label(box.hidden, box.reason, box.marked)
        return self.statement(box.name, ['shape=box, style="dashed,filled", fillcolor="#fff7bc"', f"label={label}"])

    def value_attributes(self, box: ValueBox) -> list[str]:
        """A Value's box: label, data and gradient, its fill and border, and the hover text."""
        options = self.scene.options
        node = box.node
        label = value_label(
            node.label,
            node.data,
            box.grad,
            constant=node.is_constant,
            show_data=options.show_data,
            show_grad=options.show_grad,
            precision=options.precision,
            waiting=box.waiting,
            note=box.note,
            formula=box.tail.formula if box.tail is not None else "",
        )
        styles = ["rounded", "filled"]
        if node.is_constant:
            styles.append("dotted")
        elif box.unreached:
            styles.append("dashed")
        attributes = ["shape=box", f'style="{",".join(styles)}"', *self.fill_attributes(box.fill)]
        if node.is_constant:
            attributes.append("fontsize=9")
        # A frame's border: thick orange for the step's node, grey while a gradient is still growing.
        if box.current:
            attributes.extend([f'color="{HIGHLIGHT}"', "penwidth=3"])
        elif box.waiting:
            attributes.append(f'color="{MUTED_TEXT}"')
        if box.note is not None:
            attributes.extend([f'color="{MARK}"', "penwidth=3.5"])
        tooltip = value_tooltip(node.label, node.data, box.grad, node.is_constant)
        if box.tail is not None:
            tooltip += f"; the loss: {box.tail.ops} ops after the model's outputs, drawn as this one box"
        attributes.extend([f'tooltip="{escape_dot_string(tooltip)}"', f"label={label}"])
        return attributes

    def fill_attributes(self, fill: str) -> list[str]:
        """A box's fill, and the text colour that reads on it."""
        return [f'fillcolor="{fill}"', f'fontcolor="{text_colour(fill)}"']

    def op_attributes(self, box: OpBox) -> list[str]:
        """A small ellipse with the op's symbol."""
        # An op whose operands were left out is dashed, so a cut is visible even without edges.
        style = "filled,dashed" if box.missing else "filled"
        attributes = [f'shape=ellipse, style="{style}", fillcolor="{OP_FILL}", fontsize=10, margin="0.04,0.02"']
        if box.missing:
            attributes.append(f'tooltip="{box.missing} operand{"s" if box.missing > 1 else ""} not shown"')
        if box.current:
            attributes.append(f'color="{HIGHLIGHT}", penwidth=2')
        attributes.append(f"label={op_label(box.op)}")
        return attributes

    def neuron_attributes(self, box: NeuronBox) -> list[str]:
        """A collapsed neuron: its title, gradient norm and output, and the hover text."""
        options = self.scene.options
        neuron = box.neuron
        label = neuron_label(
            neuron_title(neuron),
            box.norm,
            box.out,
            show_data=options.show_data,
            show_grad=options.show_grad,
            precision=options.precision,
            note=box.note,
        )
        style = "rounded,filled" + (",dashed" if box.norm is None else "")
        tooltip = escape_dot_string(
            f"neuron {neuron.name[:TOOLTIP_TEXT]}: {len(neuron.parameters)} parameters, {box.exits} output(s) used outside it"
        )
        attributes = ["shape=box", f'style="{style}"', *self.fill_attributes(box.fill), f'tooltip="{tooltip}"']
        if box.note is not None:
            attributes.extend([f'color="{MARK}"', "penwidth=3.5"])
        attributes.append(f"label={label}")
        return attributes

    # ---- edges ---------------------------------------------------------------------------

    def edge_line(self, edge: Edge) -> str:
        """The statement of any kind of edge."""
        if isinstance(edge, OperandEdge):
            label = self.operand_label(edge.label)
            return self.edge(edge.tail, edge.head, label, edge.highlighted, SKIP_LOOK if edge.skip else "")
        if isinstance(edge, ResultEdge):
            return self.edge(edge.tail, edge.head)
        if isinstance(edge, CutEdge):
            return self.edge(MORE, edge.head, extra=f'style=dashed, color="{MUTED_TEXT}"')
        if isinstance(edge, ConnectionEdge):
            # A label per merged edge would crowd the picture; the count goes in the tooltip.
            attributes = [f'tooltip="{edge.uses} uses"'] if edge.uses > 1 else []
            attributes.append(SKIP_LOOK if edge.skip else 'color="#00000080"')
            return self.edge(edge.tail, edge.head, extra=", ".join(attributes))
        if isinstance(edge, BundleEdge):
            return self.edge(edge.tail, edge.head, extra=", ".join(self.bundle_attributes(edge)))
        return self.edge(edge.tail, edge.head, extra="style=invis", visible=False)

    def operand_label(self, label: EdgeLabel) -> str:
        """The HTML label of an operand edge: which operand (or how many uses), then the numbers."""
        precision = self.scene.options.precision
        parts: list[str] = []
        mark = f"×{label.uses:,}" if label.uses > 1 else label.operand
        if mark:
            parts.append(f"<B>{mark}</B>")
        if label.local is not None:
            parts.append(f"local {'Σ ' if label.uses > 1 else ''}{escape_html(format_number(label.local, precision))}")
            if label.upstream is not None and label.carried is not None:
                product = (
                    f"carries {format_number(label.upstream, precision)} × {format_number(label.local, precision)}"
                    f" = {format_number(label.carried, precision)}"
                )
                parts.append(escape_html(product))
        return "<BR/>".join(parts)

    def bundle_attributes(self, edge: BundleEdge) -> list[str]:
        """A thick grey edge with the count, ending at the boxes of the groups it joins."""
        label = f'<FONT POINT-SIZE="9">{edge.connections:,} connections</FONT>'
        attributes = [f"label=<{label}>", f'color="{BUNDLE}"', "penwidth=2.5"]
        for end, box in (("ltail", edge.tail_box), ("lhead", edge.head_box)):
            if box is not None:
                attributes.append(f"{end}={box}")
        if edge.skip:
            attributes.append("style=dashed")
        return attributes

    # ---- the legend and the caption ------------------------------------------------------

    def legend_html(self, legend: Legend) -> str:
        """The legend table, with the folding note on top; '' when nothing needs saying."""
        if legend.colours == "grad":
            rows = grad_legend_rows(legend.scale, legend.keys)
        elif legend.colours == "role":
            rows = role_legend_rows(list(legend.roles), legend.keys)
        else:
            rows = marks_legend_rows(legend.keys)
        note = wrapped_html(legend.note, 90, 3) if legend.note else ""
        return legend_table(rows, note) if rows or note else ""

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
