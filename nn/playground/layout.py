"""Where the network picture puts things: a column per layer (the inputs first), the units of a
layer top to bottom in index order, and on the left side of each unit one port per incoming
weight, where that weight's edge ends and its gradient is shown. The SVG view and the
matplotlib figure draw from the same layout, so they look alike; it depends only on the layer
sizes, so every frame of a run shares it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COLUMN = 118.0
"""Horizontal distance between layer columns, px."""
MARGIN = 16.0
MAX_UNIT = 44.0
MIN_UNIT = 20.0
MAX_HEIGHT = 420.0
"""The tallest column of units, px; wide layers get smaller units rather than a taller picture."""


@dataclass(frozen=True)
class NetworkLayout:
    """Positions in px (y down) for a layered network of ``sizes`` (inputs first)."""

    sizes: tuple[int, ...]
    unit: float
    """The side of a unit's square."""
    width: float
    height: float
    centres: tuple[tuple[tuple[float, float], ...], ...]
    """The centre of each unit, layer by layer (layer 0 is the inputs)."""

    def port(self, layer: int, unit: int, source: int) -> tuple[float, float]:
        """Where the edge from ``source`` (a unit of layer - 1) ends on the left of unit ``unit`` of ``layer``."""
        x, y = self.centres[layer][unit]
        fan_in = self.sizes[layer - 1]
        # Spread over the middle 80% of the unit's side, in the order of the sources.
        fraction = 0.5 if fan_in == 1 else 0.1 + 0.8 * source / (fan_in - 1)
        return x - self.unit / 2, y - self.unit / 2 + fraction * self.unit

    def exit(self, layer: int, unit: int) -> tuple[float, float]:
        """Where a unit's outgoing edges start: the middle of its right side."""
        x, y = self.centres[layer][unit]
        return x + self.unit / 2, y


def network_layout(sizes: Sequence[int], *, top: float = MARGIN, left: float = 0.0) -> NetworkLayout:
    """The layout for layer sizes such as (2, 8, 8, 1); ``top`` leaves room above for captions,
    ``left`` room on the left for the inputs' names."""
    tallest = max(sizes)
    unit = max(MIN_UNIT, min(MAX_UNIT, MAX_HEIGHT / (tallest * 1.3)))
    pitch = unit * 1.3
    # At least four units tall, so a small network is not drawn as a long thin strip.
    column_height = max(tallest, 4) * pitch
    centres = []
    for layer, count in enumerate(sizes):
        x = left + MARGIN + unit / 2 + 14.0 + layer * COLUMN
        first = top + (column_height - count * pitch) / 2 + pitch / 2
        centres.append(tuple((x, first + i * pitch) for i in range(count)))
    width = left + 2 * MARGIN + unit + 28.0 + (len(sizes) - 1) * COLUMN
    return NetworkLayout(tuple(sizes), unit, width, top + column_height + MARGIN, tuple(centres))
