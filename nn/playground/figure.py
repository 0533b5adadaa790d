"""A static picture of a playground with matplotlib: the output over the plane with the
points, the network with its input features and a heat map per unit, and the loss curves, side
by side in one figure, in the same colours and layout as the live views. It is what a notebook
keeps when there is no kernel to run the widget, and what ``Playground.figure()`` returns for
lessons and scripts.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_lite.pictures.legibility import CELL_PX, MIN_TEXT_PX, PNG_TEXT
from autograd_lite.pictures.style import GradScale

from ..plots import pyplot, smallest_text_pt
from . import raster
from .grid import grids, plane_inputs, scaled_feature_grids
from .layout import network_layout
from .views import BOUNDARY_RESOLUTION, TEST_COLOUR, TRAIN_COLOUR, UNIT_RESOLUTION, ZERO_WEIGHT, accuracy_note

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

    from .state import PlaygroundState


def _rgb(values: NDArray[np.float64], palette: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return palette[raster.indices(values)]


DPI = 100.0


def text_pt(width_in: float) -> float:
    """The font size, in pt, that keeps a figure's text at MIN_TEXT_PX or more once a figure
    ``width_in`` inches wide, drawn at DPI, is scaled to fit a CELL_PX-wide cell (10 pt at least)."""
    needed = MIN_TEXT_PX * 72.0 / DPI * max(1.0, width_in * DPI / CELL_PX)
    return max(10.0, math.ceil(needed * 2.0) / 2.0)


def draw_boundary(state: PlaygroundState, ax: Axes, size: float = 10.0) -> None:
    """The output over the plane (light colours), its zero line for two classes, and the train
    and test points (test points only when shown)."""
    from matplotlib.lines import Line2D

    s = state.settings
    extent = state.data.extent
    inputs = plane_inputs(s.features, extent, BOUNDARY_RESOLUTION)
    (output,) = grids(state.latest.weights, s.sizes, s.activation, inputs, BOUNDARY_RESOLUTION)[-1]
    if s.discretize:
        output = np.sign(output)
    x_min, x_max, y_min, y_max = extent
    ax.imshow(_rgb(output, raster.FULL if s.regression else raster.LIGHT), extent=(x_min, x_max, y_min, y_max), interpolation="bilinear", aspect="auto")
    if not s.regression and output.min() < 0.0 < output.max():
        xs = np.linspace(x_min, x_max, BOUNDARY_RESOLUTION)
        ys = np.linspace(y_max, y_min, BOUNDARY_RESOLUTION)
        ax.contour(xs, ys, output, levels=[0.0], colors=raster.LINE, linewidths=1.5)
    sets = [(state.data.train_X, state.data.train_y, "white", 0.9)]
    if s.show_test_data:
        sets.append((state.data.test_X, state.data.test_y, "#111111", 1.2))
    for X, y, edge, width in sets:
        if s.regression:
            colours = [raster.value_colour(label) for label in y]
        else:
            colours = [raster.POSITIVE if label > 0 else raster.NEGATIVE for label in y]
        ax.scatter([p[0] for p in X], [p[1] for p in X], s=22, c=colours, edgecolors=edge, linewidths=width, zorder=3)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    if s.regression:
        keys = [
            Line2D([], [], marker="o", linestyle="", markerfacecolor=raster.NEGATIVE, markeredgecolor="white", label="target -1"),
            Line2D([], [], marker="o", linestyle="", markerfacecolor=raster.POSITIVE, markeredgecolor="white", label="target +1"),
        ]
    else:
        names = state.data.class_names
        keys = [
            Line2D([], [], marker="o", linestyle="", markerfacecolor=raster.NEGATIVE, markeredgecolor="white", label=f"class {names[0]}"),
            Line2D([], [], marker="o", linestyle="", markerfacecolor=raster.POSITIVE, markeredgecolor="white", label=f"class {names[1]}"),
        ]
    keys.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="#999999", markeredgecolor="white", label="train"))
    if s.show_test_data:
        keys.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="#999999", markeredgecolor="#111111", label="test"))
    ax.legend(handles=keys, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=size, frameon=False,
              handletextpad=0.2, columnspacing=0.9)
    ax.tick_params(labelsize=size)
    ax.set_xlabel("x1", fontsize=size)
    ax.set_ylabel("x2", fontsize=size)
    ax.set_title(f"{'Output' if s.regression else 'Decision boundary'}, epoch {state.epoch}", fontsize=size + 2)


def draw_network(state: PlaygroundState, ax: Axes, size: float = 10.0) -> None:
    """Inputs and units as heat maps, weights as lines (blue > 0, red < 0, width |w|, dashed grey
    at exactly 0), gradients as squares."""
    from matplotlib.patches import Rectangle

    s = state.settings
    snapshot = state.latest
    sizes = s.sizes
    layout = network_layout(sizes, top=24.0, left=40.0)
    inputs = plane_inputs(s.features, state.data.extent, UNIT_RESOLUTION)
    unit_grids = grids(snapshot.weights, sizes, s.activation, inputs, UNIT_RESOLUTION)
    scale = GradScale.fit(snapshot.grads)
    side = layout.unit
    position = 0
    for layer in range(1, len(sizes)):
        fan_in = sizes[layer - 1]
        for unit in range(sizes[layer]):
            weights = snapshot.weights[position : position + fan_in]
            grads = snapshot.grads[position : position + fan_in]
            for source, (w, g) in enumerate(zip(weights, grads, strict=True)):
                (x1, y1), (x2, y2) = layout.exit(layer - 1, source), layout.port(layer, unit, source)
                if w == 0.0:
                    ax.plot([x1, x2], [y1, y2], color=ZERO_WEIGHT, linewidth=0.8, linestyle=(0, (2, 2)), zorder=1)
                else:
                    width = min(6.0, 0.4 + 1.6 * abs(w)) if math.isfinite(w) else 6.0
                    ax.plot([x1, x2], [y1, y2], color=raster.POSITIVE if w > 0 else raster.NEGATIVE,
                            linewidth=width * 0.6, alpha=0.7, zorder=1)
                ax.add_patch(Rectangle((x2 - 6, y2 - 2.5), 6, 5, facecolor=scale.fill(g), edgecolor="#555555",
                                       linewidth=0.3, zorder=3))
            cx, cy = layout.centres[layer][unit]
            box = (cx - side / 2, cx + side / 2, cy + side / 2, cy - side / 2)
            ax.imshow(_rgb(unit_grids[layer - 1][unit], raster.FULL), extent=box, zorder=2, interpolation="bilinear")
            ax.add_patch(Rectangle((cx - side / 2, cy - side / 2), side, side, fill=False, edgecolor="#666666",
                                   linewidth=0.8, zorder=3))
            position += fan_in + 1
    for source, (name, values) in enumerate(zip(s.features, scaled_feature_grids(inputs, UNIT_RESOLUTION), strict=True)):
        cx, cy = layout.centres[0][source]
        box = (cx - side / 2, cx + side / 2, cy + side / 2, cy - side / 2)
        ax.imshow(_rgb(values, raster.FULL), extent=box, zorder=2, interpolation="bilinear")
        ax.add_patch(Rectangle((cx - side / 2, cy - side / 2), side, side, fill=False, edgecolor="#666666", linewidth=0.8, zorder=3))
        ax.text(cx - side / 2 - 3, cy, name, ha="right", va="center", fontsize=size, zorder=3)
    for layer, count in enumerate(sizes):
        caption = "features" if layer == 0 else "output" if layer == len(sizes) - 1 else f"{count} {s.activation}"
        ax.text(layout.centres[layer][0][0], 10, caption, ha="center", va="center", fontsize=size)
    ax.set_xlim(0, layout.width)
    ax.set_ylim(layout.height, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    low, high = (f"{10.0**e:.2g}" for e in (scale.low, scale.high))
    ax.set_title(
        "weights: blue > 0, red < 0, wider = larger |w|, dashed = exactly 0\n"
        "squares: last gradient, green > 0, purple < 0\n"
        f"(darker = larger |g|, {low} to {high})",
        fontsize=size,
    )


def draw_losses(state: PlaygroundState, ax: Axes, size: float = 10.0) -> None:
    """Train and test loss (mean per point, without L1 and L2) per epoch."""
    run = state.history
    epochs = list(range(run.epochs + 1))
    ax.plot(epochs, run.train_loss, color=TRAIN_COLOUR, label=f"train{accuracy_note(run.train_accuracy[-1])}")
    ax.plot(epochs, run.test_loss, color=TEST_COLOUR, linestyle="--", label=f"test{accuracy_note(run.test_accuracy[-1])}")
    ax.set_xlabel("epoch", fontsize=size)
    ax.set_ylabel("loss per point", fontsize=size)
    ax.set_ylim(bottom=0.0)
    ax.tick_params(labelsize=size)
    ax.legend(fontsize=size)
    ax.set_title(f"{state.settings.loss} loss", fontsize=size + 2)


def state_figure(state: PlaygroundState) -> Figure:
    """The three views side by side in one matplotlib figure."""
    plt = pyplot("Playground.figure")
    layout = network_layout(state.settings.sizes, top=24.0, left=40.0)
    ratio = layout.width / layout.height
    width = 4.4 + 5.0 * ratio + 4.2
    size = text_pt(width)
    figure: Figure
    figure, axes = plt.subplots(
        1, 3, figsize=(width, 4.8), dpi=DPI, gridspec_kw={"width_ratios": [1.0, 1.2 * ratio, 0.95]}
    )
    draw_boundary(state, axes[0], size)
    draw_network(state, axes[1], size)
    draw_losses(state, axes[2], size)
    figure.tight_layout()
    return figure


def figure_png(state: PlaygroundState) -> tuple[bytes, dict[str, Any]]:
    """``state_figure`` as a PNG of at most 256 colours (a third of the bytes of the full-colour
    one), and the notebook output metadata that records its dpi and smallest font."""
    from PIL import Image

    plt = pyplot("Playground.figure")
    figure = state_figure(state)
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=DPI)
        smallest = smallest_text_pt(figure)
    finally:
        plt.close(figure)
    picture = Image.open(buffer).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    packed = io.BytesIO()
    picture.save(packed, format="PNG", optimize=True)
    record = {} if smallest is None else {PNG_TEXT: {"dpi": DPI, "smallest_pt": smallest}}
    return packed.getvalue(), {"image/png": record}
