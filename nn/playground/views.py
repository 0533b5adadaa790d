"""The playground's live views as SVG text: the output over the plane with the points, the
network (the chosen input features, a heat map per unit, each weight's sign and size, its last
gradient) and the loss curves.

A ``Renderer`` is made once per run from its settings and points: what does not change while
the run trains (the points, the axes, the layout, the features' maps) is drawn once and kept,
and each frame only redraws what the weights changed, from a ``Snapshot``, with numpy. The
widget, the saved page and ``Playground``'s ``*_svg()`` methods all draw with it, so they show
the same pictures.

For two classes the plane shows the network's output in light colours with the line where it
crosses zero (the decision boundary); for a regression set it shows the output as a continuous
colour map, in the colours of the points' targets. "Discretise" shows the output's sign only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from autograd_lite.pictures.style import GradScale
from autograd_lite.text import format_number, shorten

from . import raster
from .contour import svg_path
from .grid import grids, plane_inputs, scaled_feature_grids
from .layout import NetworkLayout, network_layout

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .data import Data
    from .history import RunHistory, Snapshot
    from .settings import PlaygroundSettings
    from .state import PlaygroundState

BOUNDARY_RESOLUTION = 100
UNIT_RESOLUTION = 24
PLOT = 300.0
TOP = 8.0
SMALL_PX = 11.0
SMALL = f'font-family="Helvetica, Arial, sans-serif" font-size="{SMALL_PX:g}"'
# The width of a character as a share of the font size, in the widest font a browser may use
# for "Helvetica, Arial, sans-serif" (DejaVu Sans on many Linux systems): layouts made with
# these widths leave room for the text whatever font draws it.
_CHAR_WIDTHS = {**dict.fromkeys("0123456789", 0.64), **dict.fromkeys(".,:;' ", 0.32), "-": 0.37, "+": 0.84, "−": 0.84, "…": 1.0}
TRAIN_COLOUR = "#333333"
TEST_COLOUR = "#e6550d"
SELECTED = "#e6550d"
ZERO_WEIGHT = "#888888"
"""A weight that is exactly 0 (L1 puts many there): a thin dashed grey line."""
MAX_CURVE_POINTS = 400
MARGIN_LEFT = 10.0
EDGE_REACH = 5.0
"""How near (px) a click must land to an edge to choose its weight."""


def _n(x: float) -> str:
    """A coordinate for SVG: one decimal is finer than a pixel."""
    return f"{x:.1f}"


def text_width(text: str, size: float = SMALL_PX) -> float:
    """At most how many px ``text`` takes at ``size`` px, in any font a browser may pick."""
    return size * sum(_CHAR_WIDTHS.get(c, 1.0 if c in "mwMW" else 0.75 if c.isupper() else 0.62) for c in text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _text(x: float, y: float, text: str, *, anchor: str = "middle", fill: str = "#333") -> str:
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{fill}" {SMALL}>{_escape(text)}</text>'


def _svg(width: float, height: float, body: str, css_class: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}">{body}</svg>'
    )


def _number(x: float) -> str:
    return format_number(x, 3)


def _segment_distance(px: float, py: float, x1: float, y1: float, x2: float, y2: float) -> float:
    """The distance from (px, py) to the segment from (x1, y1) to (x2, y2)."""
    dx, dy = x2 - x1, y2 - y1
    length = dx * dx + dy * dy
    t = 0.0 if length == 0.0 else min(1.0, max(0.0, ((px - x1) * dx + (py - y1) * dy) / length))
    return math.hypot(px - (x1 + t * dx), py - (y1 + t * dy))


class Renderer:
    """Draws one run's views; the parts that stay the same during the run are drawn once."""

    def __init__(self, settings: PlaygroundSettings, data: Data) -> None:
        self.settings = settings
        self.data = data
        self.sizes = settings.sizes
        # The inputs' names sit left of their boxes.
        self.label_room = math.ceil(max(text_width(name) for name in settings.features)) + 4.0
        self.layout: NetworkLayout = network_layout(self.sizes, top=28.0, left=self.label_room)
        self.labels = [f"L{layer}.N{unit}" for layer, size in enumerate(self.sizes[1:]) for unit in range(size)]
        self.weight_count = sum(fan_in * width for fan_in, width in pairwise(self.sizes))
        self._layout_boundary()
        self._overlay = self._boundary_overlay()
        self._inputs = {
            resolution: plane_inputs(settings.features, data.extent, resolution)
            for resolution in (BOUNDARY_RESOLUTION, UNIT_RESOLUTION)
        }
        self._features = self._feature_pictures()
        # Every parameter's label, in the order of a snapshot's weights (the model's parameters).
        self.parameter_names: list[str]
        self._edges, self._biases, self.parameter_names = self._hit_areas()

    # ---- the state of one frame --------------------------------------------------------------

    def _grids(self, snapshot: Snapshot, resolution: int) -> list[NDArray[np.float64]]:
        return grids(snapshot.weights, self.sizes, self.settings.activation, self._inputs[resolution], resolution)

    # ---- the plane ----------------------------------------------------------------------------

    def _layout_boundary(self) -> None:
        """Room around the plot for its axis numbers and a legend that wraps to the picture's width."""
        x_min, x_max, y_min, y_max = self.data.extent
        x_ticks, y_ticks = (_number(x_min), _number(x_max)), (_number(y_min), _number(y_max))
        # The y numbers end 4 px left of the plot, the x numbers are centred under its edges.
        self.left = math.ceil(max(36.0, 8.0 + max(map(text_width, y_ticks)), 4.0 + text_width(x_ticks[0]) / 2))
        right = math.ceil(max(22.0, 4.0 + text_width(x_ticks[1]) / 2))
        self.width = self.left + PLOT + right
        # (kind, fill, stroke, stroke width, text) of each legend entry; a "bar" is the colour scale.
        entries: list[tuple[str, str, str, float, str]]
        if self.settings.regression:
            entries = [("bar", "", "none", 0.0, "target (dots) and output, −1 to +1")]
        else:
            names = [shorten(name, 9) for name in self.data.class_names]
            entries = [
                ("dot", raster.NEGATIVE, "none", 0.0, f"class {names[0]}"),
                ("dot", raster.POSITIVE, "none", 0.0, f"class {names[1]}"),
            ]
        entries.append(("dot", "#999", "#fff", 1.0, "train"))
        if self.settings.show_test_data:
            entries.append(("dot", "#999", "#111", 1.4, "test"))
        self.legend: list[tuple[float, int, tuple[str, str, str, float, str]]] = []
        x, row = 6.0, 0
        for entry in entries:
            size = (58.0 if entry[0] == "bar" else 14.0) + text_width(entry[4])
            if x + size > self.width - 4 and x > 6.0:
                x, row = 6.0, row + 1
            self.legend.append((x, row, entry))
            x += size + 12.0
        self.height = TOP + PLOT + 44.0 + 18.0 * row

    def _to_px(self, x: float, y: float) -> tuple[float, float]:
        x_min, x_max, y_min, y_max = self.data.extent
        return self.left + (x - x_min) / (x_max - x_min) * PLOT, TOP + (y_max - y) / (y_max - y_min) * PLOT

    def _point_fill(self, label: float) -> str:
        if self.settings.regression:
            return raster.value_colour(label)
        return raster.POSITIVE if label > 0 else raster.NEGATIVE

    def _boundary_overlay(self) -> str:
        """The axes, the points and the legend: the same in every frame of the run."""
        x_min, x_max, y_min, y_max = self.data.extent
        left = self.left
        parts = [f'<rect x="{left}" y="{TOP}" width="{PLOT}" height="{PLOT}" fill="none" stroke="#999"/>']
        bottom = TOP + PLOT
        for value in (x_min, x_max):
            px, _ = self._to_px(value, y_min)
            parts.append(_text(px, bottom + 15, _number(value)))
        # The y numbers sit inside the plot's height, clear of the x numbers under its corner.
        parts.append(_text(left - 4, TOP + 9, _number(y_max), anchor="end"))
        parts.append(_text(left - 4, bottom - 1, _number(y_min), anchor="end"))
        parts.append(_text(left + PLOT / 2, bottom + 15, "x1"))
        parts.append(_text(left - 4, TOP + PLOT / 2 + 4, "x2", anchor="end"))
        sets = [(self.data.train_X, self.data.train_y, "#ffffff", 1.0)]
        if self.settings.show_test_data:
            sets.append((self.data.test_X, self.data.test_y, "#111111", 1.4))
        for X, y, stroke, width in sets:
            for (a, b), label in zip(X, y, strict=True):
                px, py = self._to_px(a, b)
                parts.append(
                    f'<circle cx="{_n(px)}" cy="{_n(py)}" r="3.6" fill="{self._point_fill(label)}" stroke="{stroke}" '
                    f'stroke-width="{width}"/>'
                )
        for x, row, (kind, fill, stroke, width, text) in self.legend:
            legend_y = bottom + 36 + 18 * row
            if kind == "bar":
                # The colour scale: nine swatches from -1 to +1.
                parts.extend(
                    f'<rect x="{_n(x + 5 * k)}" y="{_n(legend_y - 9)}" width="5" height="10" fill="{colour}"/>'
                    for k, colour in enumerate(raster.RDBU)
                )
                parts.append(_text(x + 50, legend_y, text, anchor="start"))
                continue
            outline = f' stroke="{stroke}" stroke-width="{width}"' if width else ""
            parts.append(
                f'<circle cx="{_n(x + 4)}" cy="{_n(legend_y - 4)}" r="4" fill="{fill}"{outline}/>'
                + _text(x + 12, legend_y, text, anchor="start")
            )
        return "".join(parts)

    def nearest(self, px: float, py: float, within: float = 12.0) -> tuple[bool, int] | None:
        """(is it a test point, its index) of the point drawn nearest to pixel (px, py), if within ``within`` px."""
        best: tuple[float, bool, int] | None = None
        sets = [(False, self.data.train_X)]
        if self.settings.show_test_data:
            sets.append((True, self.data.test_X))
        for test, X in sets:
            for index, (a, b) in enumerate(X):
                x, y = self._to_px(a, b)
                distance = math.hypot(x - px, y - py)
                if distance <= within and (best is None or distance < best[0]):
                    best = (distance, test, index)
        return None if best is None else (best[1], best[2])

    @property
    def boundary_size(self) -> tuple[float, float]:
        """(width, height) of the boundary picture in px: the plot, its numbers and its legend."""
        return self.width, self.height

    def boundary_image(self, snapshot: Snapshot, unit: str | None = None) -> str:
        """The network's output over the plane (or the unit ``unit``'s, enlarged, with a caption
        saying so) with its zero line: the part of the picture that changes."""
        layers = self._grids(snapshot, BOUNDARY_RESOLUTION)
        if unit is None:
            values = layers[-1][0]
        else:
            layer, index = (int(part[1:]) for part in unit.split("."))
            values = layers[layer][index]
        if self.settings.discretize:
            values = np.sign(values)
        # A regression's output is the picture itself, in the full colours of the targets (a good
        # fit hides the points in it); two classes' output is drawn light, under their points.
        regression_output = self.settings.regression and unit is None
        uri = raster.heat_map(values, raster.FULL if regression_output else raster.LIGHT)
        parts = [f'<image x="{self.left}" y="{TOP}" width="{PLOT}" height="{PLOT}" preserveAspectRatio="none" href="{uri}"/>']
        if not regression_output:
            line = svg_path(values, self.left, TOP, PLOT, PLOT)
            parts.append(f'<path d="{line}" fill="none" stroke="{raster.LINE}" stroke-width="1.8" stroke-linecap="round"/>')
        if unit is not None:
            caption = f"unit {unit} over the plane"
            parts.append(
                f'<rect x="{self.left + 4}" y="{TOP + 4}" width="{text_width(caption) + 8:.0f}" height="17" fill="#fff" '
                f'fill-opacity="0.85"/>' + _text(self.left + 8, TOP + 16, caption, anchor="start")
            )
        return "".join(parts)

    def selection(self, point: Sequence[float] | None) -> str:
        """A ring around the chosen point, or nothing."""
        if point is None:
            return ""
        px, py = self._to_px(point[0], point[1])
        return f'<circle cx="{_n(px)}" cy="{_n(py)}" r="7.5" fill="none" stroke="{SELECTED}" stroke-width="2.2"/>'

    def boundary(self, snapshot: Snapshot, selected: Sequence[float] | None = None) -> str:
        """The whole picture of the plane: output over the plane, decision line, points, legend."""
        width, height = self.boundary_size
        body = self.boundary_image(snapshot) + self._overlay + self.selection(selected)
        return _svg(width, height, body, "pg-boundary-picture")

    def boundary_points(self, selected: Sequence[float] | None = None) -> str:
        """The points, axes, legend (and the chosen point's ring) alone, to lay over a frame's image:
        the saved page and the widget draw them once, not in every frame."""
        width, height = self.boundary_size
        return _svg(width, height, self._overlay + self.selection(selected), "pg-boundary-points")

    def boundary_background(self, snapshot: Snapshot, unit: str | None = None) -> str:
        """The output (or a unit) over the plane and its zero line alone, as SVG of the picture's full size."""
        width, height = self.boundary_size
        return _svg(width, height, self.boundary_image(snapshot, unit), "pg-boundary-image")

    # ---- the network -------------------------------------------------------------------------

    def _feature_pictures(self) -> list[str]:
        """Each input's map over the plane, the same in every frame, spanning the palette."""
        maps = scaled_feature_grids(self._inputs[UNIT_RESOLUTION], UNIT_RESOLUTION)
        return [raster.heat_map(values, raster.FULL) for values in maps]

    def _hit_areas(
        self,
    ) -> tuple[list[tuple[float, float, float, float, str]], list[tuple[float, float, str]], list[str]]:
        """Where each weight's edge runs (x1, y1, x2, y2, its parameter's label) and where each
        bias square sits (its centre, the label), for choosing a parameter by a click; and every
        label in the order of a snapshot's weights."""
        layout, side = self.layout, self.layout.unit
        edges, biases, names = [], [], []
        for layer in range(1, len(self.sizes)):
            for unit in range(self.sizes[layer]):
                name = f"L{layer - 1}.N{unit}"
                for source in range(self.sizes[layer - 1]):
                    edges.append((*layout.exit(layer - 1, source), *layout.port(layer, unit, source), f"{name}.w{source}"))
                    names.append(f"{name}.w{source}")
                cx, cy = layout.centres[layer][unit]
                biases.append((cx + side / 2 - 3.5, cy + side / 2 - 3.5, f"{name}.b"))
                names.append(f"{name}.b")
        return edges, biases, names

    def parameter_at(self, px: float, py: float) -> str | None:
        """The label of the weight whose edge (or the bias whose corner square) is at pixel (px, py), if any."""
        for x, y, name in self._biases:
            if abs(px - x) <= 5.0 and abs(py - y) <= 5.0:
                return name
        best: tuple[float, str] | None = None
        for x1, y1, x2, y2, name in self._edges:
            distance = _segment_distance(px, py, x1, y1, x2, y2)
            if distance <= EDGE_REACH and (best is None or distance < best[0]):
                best = (distance, name)
        return None if best is None else best[1]

    def describe_parameter(self, name: str) -> str:
        """A parameter's label with what it joins: 'L0.N3.w1 (from x2)' or 'L0.N3.b (bias)'."""
        unit, _, part = name.rpartition(".")
        if part == "b":
            return f"{name} (bias)"
        layer = int(unit.split(".")[0][1:]) + 1
        return f"{name} (from {self._input_names(layer)[int(part[1:])]})"

    def unit_at(self, px: float, py: float) -> str | None:
        """The name (``L{layer}.N{unit}``) of the unit whose heat map is at pixel (px, py), if any."""
        half = self.layout.unit / 2
        for layer in range(1, len(self.sizes)):
            for index, (cx, cy) in enumerate(self.layout.centres[layer]):
                if abs(px - cx) <= half and abs(py - cy) <= half:
                    return f"L{layer - 1}.N{index}"
        return None

    def gradient_scale(self, snapshots: Sequence[Snapshot]) -> GradScale:
        """One colour scale for the gradients of these snapshots, so frames compare."""
        return GradScale.fit(g for snapshot in snapshots for g in snapshot.grads)

    def _input_names(self, layer: int) -> list[str]:
        return list(self.settings.features) if layer == 1 else [f"L{layer - 2}.N{k}" for k in range(self.sizes[layer - 1])]

    def _unit_formula(self, layer: int, weights: Sequence[float], bias: float) -> str:
        terms = [f"{_number(w)}·{name}" for w, name in zip(weights, self._input_names(layer), strict=True)] + [_number(bias)]
        text = " + ".join(terms).replace("+ -", "− ")
        act = "" if layer == len(self.sizes) - 1 else self.settings.activation
        return f"{act}({text})"

    def network(self, snapshot: Snapshot, scale: GradScale | None = None, *, titles: bool = True) -> str:
        """The network: its inputs' maps, a heat map per unit, an edge per weight (blue > 0, red < 0,
        width |w|, dashed grey when exactly 0), the last update's gradient of each weight as a
        square where its edge ends."""
        grads_scale = self.gradient_scale([snapshot]) if scale is None else scale
        layout = self.layout
        unit_grids = self._grids(snapshot, UNIT_RESOLUTION)
        side = layout.unit
        edges: list[str] = []
        ports: list[str] = []
        units: list[str] = []
        position = 0
        label_index = 0
        zeros = 0
        for layer in range(1, len(self.sizes)):
            fan_in = self.sizes[layer - 1]
            sources = self._input_names(layer)
            for unit in range(self.sizes[layer]):
                weights = snapshot.weights[position : position + fan_in]
                grads = snapshot.grads[position : position + fan_in]
                bias = snapshot.weights[position + fan_in]
                name = self.labels[label_index]
                for source, (w, g) in enumerate(zip(weights, grads, strict=True)):
                    x1, y1 = layout.exit(layer - 1, source)
                    x2, y2 = layout.port(layer, unit, source)
                    if w == 0.0:
                        zeros += 1
                        look = f'stroke="{ZERO_WEIGHT}" stroke-width="1" stroke-dasharray="3 3"'
                    else:
                        width = min(6.0, 0.4 + 1.6 * abs(w)) if math.isfinite(w) else 6.0
                        look = f'stroke="{raster.POSITIVE if w > 0 else raster.NEGATIVE}" stroke-width="{width:.2f}"'
                    edges.append(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" {look}/>')
                    title = (
                        f"<title>{name}.w{source} (from {_escape(sources[source])}) = {_number(w)}, gradient {_number(g)}; "
                        "click to change it</title>"
                        if titles
                        else ""
                    )
                    ports.append(
                        f'<rect x="{_n(x2 - 6)}" y="{_n(y2 - 2.5)}" width="6" height="5" fill="{grads_scale.fill(g)}">'
                        f"{title}</rect>"
                    )
                cx, cy = layout.centres[layer][unit]
                uri = raster.heat_map(unit_grids[layer - 1][unit], raster.FULL)
                title = f"<title>{name} = {_escape(self._unit_formula(layer, weights, bias))}</title>" if titles else ""
                units.append(
                    f'<g class="pg-unit" data-unit="{name}"><image x="{_n(cx - side / 2)}" y="{_n(cy - side / 2)}" '
                    f'width="{_n(side)}" height="{_n(side)}" preserveAspectRatio="none" href="{uri}"/>'
                    f'<rect x="{_n(cx - side / 2)}" y="{_n(cy - side / 2)}" width="{_n(side)}" height="{_n(side)}" '
                    f'fill="none" stroke="#666"/>'
                    f'<rect x="{_n(cx + side / 2 - 7)}" y="{_n(cy + side / 2 - 7)}" width="7" height="7" '
                    f'fill="{raster.value_colour(bias)}" stroke="#333" stroke-width="0.6"/>{title}</g>'
                )
                position += fan_in + 1
                label_index += 1
        inputs = []
        for source, (name, uri) in enumerate(zip(self.settings.features, self._features, strict=True)):
            cx, cy = layout.centres[0][source]
            title = f"<title>input {_escape(name)} over the plane</title>" if titles else ""
            inputs.append(
                f'<g class="pg-input"><image x="{_n(cx - side / 2)}" y="{_n(cy - side / 2)}" width="{_n(side)}" '
                f'height="{_n(side)}" preserveAspectRatio="none" href="{uri}"/>'
                f'<rect x="{_n(cx - side / 2)}" y="{_n(cy - side / 2)}" width="{_n(side)}" height="{_n(side)}" '
                f'fill="none" stroke="#666"/>{title}</g>' + _text(cx - side / 2 - 4, cy + 4, name, anchor="end")
            )
        legend, legend_width = self._network_legend(grads_scale, zeros)
        body = "".join(
            [
                self._network_captions(),
                '<g stroke-opacity="0.7">', *edges, "</g>",
                '<g stroke="#555" stroke-width="0.4">', *ports, "</g>",
                *units, *inputs, legend,
            ]
        )  # fmt: skip
        return _svg(max(layout.width, legend_width), layout.height + 64, body, "pg-network-picture")

    def _network_captions(self) -> str:
        parts = []
        for layer, count in enumerate(self.sizes):
            x = self.layout.centres[layer][0][0]
            if layer == 0:
                caption = "features"
            elif layer == len(self.sizes) - 1:
                caption = "output"
            else:
                caption = f"{count} {self.settings.activation}"
            parts.append(_text(x, 14, caption))
        return "".join(parts)

    def _network_legend(self, scale: GradScale, zeros: int) -> tuple[str, float]:
        """The legend under the network, and the width it needs."""
        y = self.layout.height + 4
        low = format_number(10.0**scale.low, 2)
        high = format_number(10.0**scale.high, 2)
        middle = 10.0 ** ((scale.low + scale.high) / 2)  # a middle shade shows the hue best
        exactly = f", dashed = exactly 0 ({zeros} of {self.weight_count})" if zeros else ""
        lines = [
            (raster.POSITIVE, raster.NEGATIVE, "line", f"weights: blue > 0, red < 0, wider = larger |w|{exactly}"),
            (scale.fill(middle), scale.fill(-middle), "box", f"gradients: green > 0, purple < 0, |g| {low} … {high}"),
            (raster.POSITIVE, raster.NEGATIVE, "unit", "units: output over the plane; corner: bias"),
        ]
        parts = []
        for row, (first, second, kind, text) in enumerate(lines):
            ty = y + 14 + row * 17
            for k, colour in enumerate((first, second)):
                x = MARGIN_LEFT + k * 14
                if kind == "line":
                    parts.append(f'<line x1="{x}" y1="{ty - 4}" x2="{x + 10}" y2="{ty - 4}" stroke="{colour}" stroke-width="3"/>')
                else:
                    parts.append(f'<rect x="{x}" y="{ty - 9}" width="10" height="10" fill="{colour}" stroke="#555" stroke-width="0.4"/>')
            parts.append(_text(MARGIN_LEFT + 32, ty, text, anchor="start"))
        width = MARGIN_LEFT + 32 + max(text_width(text) for *_, text in lines) + 6
        return "".join(parts), math.ceil(width)


# ---- the loss curves ---------------------------------------------------------------------


def loss_svg(
    history: RunHistory,
    *,
    upto: int | None = None,
    cursor: int | None = None,
    y_max: float | None = None,
) -> str:
    """Train and test loss per epoch (mean per point, without L1 and L2); ``upto`` cuts the
    curves, ``cursor`` marks an epoch, ``y_max`` fixes the scale (the saved page fixes both axes)."""
    run = history
    last = run.epochs if upto is None else min(upto, run.epochs)
    epochs = max(1, run.epochs if cursor is not None else last)
    finite = [v for v in (*run.train_loss[: last + 1], *run.test_loss[: last + 1]) if math.isfinite(v)]
    top_value = y_max if y_max is not None else max([*finite, 1e-12]) * 1.05
    ticks = (0.0, top_value / 2, top_value)
    width, height = 342.0, 190.0
    # The loss numbers end 4 px left of the plot; the epoch count is centred under its right end.
    left = math.ceil(max(44.0, 8.0 + max(text_width(_number(value)) for value in ticks)))
    right = math.ceil(max(10.0, 4.0 + text_width(str(epochs)) / 2))
    top, bottom = 12.0, 36.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(epoch: int) -> float:
        return left + epoch / epochs * plot_w

    def py(value: float) -> float:
        clipped = min(max(value, 0.0), top_value) if math.isfinite(value) else top_value
        return top + plot_h - clipped / top_value * plot_h

    stride = max(1, math.ceil((last + 1) / MAX_CURVE_POINTS))
    shown = list(range(0, last + 1, stride))
    if shown[-1] != last:
        shown.append(last)
    parts = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#999"/>']
    for value in ticks:
        parts.append(_text(left - 4, py(value) + 4, _number(value), anchor="end"))
    parts.append(_text(left, top + plot_h + 14, "0"))
    parts.append(_text(left + plot_w, top + plot_h + 14, str(epochs)))
    parts.append(_text(left + plot_w / 2, top + plot_h + 14, "epoch"))
    if cursor is not None:
        # The whole run faint, and solid up to the cursor: the page moves the clip with its slider.
        x = px(min(cursor, run.epochs))
        parts.append(
            f'<clipPath id="pg-loss-upto"><rect class="pg-upto" x="0" y="0" width="{_n(x)}" height="{height}"/></clipPath>'
        )
    for values, colour, dash in ((run.train_loss, TRAIN_COLOUR, ""), (run.test_loss, TEST_COLOUR, ' stroke-dasharray="5 3"')):
        points = " ".join(f"{_n(px(e))},{_n(py(values[e]))}" for e in shown)
        line = f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.8"{dash}'
        if cursor is None:
            parts.append(line + "/>")
        else:
            parts.append(line + ' stroke-opacity="0.25"/>')
            parts.append(line + ' clip-path="url(#pg-loss-upto)"/>')
    if cursor is not None:
        parts.append(
            f'<line class="pg-cursor" x1="{_n(x)}" y1="{top}" x2="{_n(x)}" y2="{top + plot_h}" '
            f'stroke="#777" stroke-width="1.2" data-left="{left}" data-scale="{plot_w / epochs:.6f}"/>'
        )
    legend_y = height - 6
    second = 8.0 + 27.0 + text_width("train loss") + 14.0
    parts.append(
        f'<line x1="8" y1="{legend_y - 4}" x2="30" y2="{legend_y - 4}" stroke="{TRAIN_COLOUR}" stroke-width="2"/>'
        + _text(35, legend_y, "train loss", anchor="start")
        + f'<line x1="{_n(second)}" y1="{legend_y - 4}" x2="{_n(second + 22)}" y2="{legend_y - 4}" stroke="{TEST_COLOUR}" '
        f'stroke-width="2" stroke-dasharray="5 3"/>'
        + _text(second + 27, legend_y, "test loss (mean per point)", anchor="start")
    )
    return _svg(width, height, "".join(parts), "pg-loss-picture")


def accuracy_note(accuracy: float | None) -> str:
    """' (93% right)', or nothing for a regression set."""
    return "" if accuracy is None else f" ({accuracy:.0%} right)"


def status_text(state: PlaygroundState) -> str:
    """One line: epoch, updates, learning rate, and train and test loss (and accuracy)."""
    run = state.history
    lr = run.lr[-1]
    rate = "" if lr is None else f" · lr {_number(lr)}"
    return (
        f"epoch {run.epochs} · {run.updates[-1]} updates{rate} · train loss {_number(run.train_loss[-1])}"
        f"{accuracy_note(run.train_accuracy[-1])} · test loss {_number(run.test_loss[-1])}{accuracy_note(run.test_accuracy[-1])}"
    )
