"""What one drawing of a prepared graph shows and where: ``Plan`` (collapsed or not, how many
units, which way), and ``Overrides`` and ``Pins`` (the sizes and positions one layout gives every
frame of a step-through).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .options import DrawOptions

EdgeKey = tuple[str, str, int]
"""An edge by its tail, its head and how many edges between the two were written before it."""


@dataclass(frozen=True)
class Plan:
    """How much of a prepared graph one drawing shows: neurons collapsed or not, how many units
    (a collapsed neuron is one) at most and which option set that limit, and the view width
    that made the picture fold, if one did (the picture then says so)."""

    collapse: bool
    limit: int | None
    reason: str
    rankdir: str = "LR"
    folded_to: int | None = None


def asked_plan(options: DrawOptions) -> Plan:
    """The drawing the options ask for, before any fitting."""
    return Plan(options.collapse is not None, options.max_nodes, f"max_nodes={options.max_nodes}", options.rankdir or "LR")


@dataclass(frozen=True)
class Overrides:
    """What the layout of a step-through draws instead of one frame's own look: every box at its
    widest size over all frames (inches), every edge with its widest label, the widest caption."""

    node_sizes: Mapping[str, tuple[float, float]]
    edge_labels: Mapping[EdgeKey, str]
    caption_size: tuple[float, float] | None


@dataclass(frozen=True)
class Pins:
    """Where one layout put everything: the graph's and each box's ``bb``/``lp``, each node's
    ``pos`` and size, each edge's ``pos``/``lp`` (by tail, head and how many came before)."""

    graph: Mapping[str, str]
    clusters: Mapping[str, Mapping[str, str]]
    nodes: Mapping[str, tuple[str, float, float]]
    edges: Mapping[EdgeKey, Mapping[str, str]]

