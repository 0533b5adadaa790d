"""What one picture of a computation graph draws, decided and not yet written as DOT: a ``Scene``.

A scene is boxes (a Value, the op in front of a computed Value, a neuron drawn as one node, the
box that counts what was left out), clusters that keep boxes together (a layer, a neuron, the
neurons of one depth), edges of a few kinds, the legend and a frame's caption. ``compose``
decides a scene and ``graphviz_text`` writes it; the numbers and notes here are still plain
values and text, with nothing escaped. Boxes are named as the picture names them: ``n0`` is the
root, ``n0op`` its op, ``neuron3`` a collapsed neuron. Names follow the drawing order (breadth
first from the root), never ``id()``, so the same graph always gives the same text.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from ..value import Value
from .fold import Tail
from .model import ModelNeuron
from .options import DrawOptions
from .style import GradScale, LegendKeys

# Every part of a scene is a NamedTuple: made once and never changed, and cheap enough to make
# for every node and edge of a large picture.

MORE = "more"
"""The name of the box that counts the nodes left out, where the dashed cut edges start."""


def value_name(place: int) -> str:
    """The name of the Value at ``place`` in the drawing order (the root is 0)."""
    return f"n{place}"


def op_name(value: str) -> str:
    """The name of the op node in front of the computed Value named ``value``."""
    return f"{value}op"


def neuron_name(index: int) -> str:
    """The name of a collapsed neuron's node."""
    return f"neuron{index}"


def group_cluster(key: str) -> str:
    """The name of the box around a group of collapsed neurons (a layer or a depth)."""
    return f"cluster_{key}"


class ValueBox(NamedTuple):
    """A Value's box: its role in the graph, the gradient it shows and its fill, whether that
    gradient never arrived (``unreached``), in a frame whether this is the step's node
    (``current``) or its gradient is still growing (``waiting``), a mark's note, and the loss tail
    the root's box stands for."""

    name: str
    node: Value
    role: str
    grad: float | None
    fill: str
    unreached: bool
    current: bool
    waiting: bool
    note: str | None
    tail: Tail | None


class OpBox(NamedTuple):
    """The op in front of a computed Value: how many of its operands were left out, and whether
    it is the step's node in a frame."""

    name: str
    op: str
    missing: int
    current: bool


class NeuronBox(NamedTuple):
    """A neuron drawn as one node: the norm of its parameters' gradient (None when no pass reached
    them), its one output's data and gradient (None for several), how many outputs leave it."""

    name: str
    neuron: ModelNeuron
    norm: float | None
    out: tuple[float, float | None] | None
    exits: int
    fill: str
    note: str | None


class MoreBox(NamedTuple):
    """The box that counts the units left out, with the reason, and the marked nodes among them."""

    name: str
    hidden: int
    reason: str
    marked: int


Box = ValueBox | OpBox | NeuronBox

ClusterLook = Literal["layer", "neuron"]


class Cluster(NamedTuple):
    """Boxes kept together: in a titled box named ``box`` (None: no box around them), and side by
    side in one rank when ``same_rank`` names them."""

    box: str | None
    title: str
    look: ClusterLook
    members: tuple[Box | Cluster, ...]
    same_rank: tuple[str, ...] = ()


class EdgeLabel(NamedTuple):
    """What an operand edge says: which operand it is for a non-commutative op ('a', 'base'), how
    many uses it stands for, and when shown the local derivative (summed over those uses) and,
    once the gradient has passed, the upstream gradient and what it carried."""

    operand: str
    uses: int
    local: float | None = None
    upstream: float | None = None
    carried: float | None = None


class OperandEdge(NamedTuple):
    """An operand into its op node; ``highlighted`` on a frame's step, ``skip`` when it jumps a layer."""

    tail: str
    head: str
    label: EdgeLabel
    highlighted: bool
    skip: bool


class ResultEdge(NamedTuple):
    """An op node into the Value it computes."""

    tail: str
    head: str


class CutEdge(NamedTuple):
    """From the box of what was left out to an op (or neuron) whose operands were left out."""

    head: str


class ConnectionEdge(NamedTuple):
    """The uses of one unit by another in a collapsed picture, drawn as one edge."""

    tail: str
    head: str
    uses: int
    skip: bool


class BundleEdge(NamedTuple):
    """Many connections between two groups (or a group and a unit) drawn as one thick edge; it
    ends at the boxes named ``tail_box``/``head_box`` where a group is at that end."""

    tail: str
    head: str
    connections: int
    tail_box: str | None
    head_box: str | None
    skip: bool


class OrderEdge(NamedTuple):
    """An invisible edge that keeps two neurons of one rank in index order."""

    tail: str
    head: str


Edge = OperandEdge | ResultEdge | CutEdge | ConnectionEdge | BundleEdge | OrderEdge

LegendColours = Literal["grad", "role"] | None


class Legend(NamedTuple):
    """What the legend explains: the gradient colours (over ``scale``), the role colours (of
    ``roles``) or neither, the other looks in use (``keys``), and what folding did (``note``)."""

    colours: LegendColours
    scale: GradScale
    roles: tuple[str, ...]
    keys: LegendKeys
    note: str


class Scene(NamedTuple):
    """One picture, decided: which way it reads, whether neurons are collapsed (a tighter
    spacing), its boxes and clusters in drawing order, the box of what was left out, the edges in
    drawing order, the legend and a frame's caption; and how many Values and neurons it draws
    (``drawn``), units it kept and units it left out."""

    options: DrawOptions
    rankdir: str
    collapsed: bool
    boxes: tuple[Box | Cluster, ...]
    more: MoreBox | None
    edges: tuple[Edge, ...]
    legend: Legend
    caption: str
    drawn: int
    units: int
    hidden: int
