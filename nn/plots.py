"""Pictures of training: a 2-D classifier's decision boundary with its data, loss and accuracy
curves, a gradient-flow chart, and a Hinton diagram of a layer's weights; ``show_figure(fig)``
shows a figure in a notebook as a PNG whose output records the size of its smallest text, so
that the legibility tests can measure every committed figure.

matplotlib is an optional extra (``pip install autograd-lite[plot]``) imported only when a
function here runs. Every plotting function draws on the ``ax`` you give it, or on a new figure,
and returns the Axes.
"""

from __future__ import annotations

import importlib
import io
import math
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .checks import check_count
from .layers import Layer
from .metrics import predict
from .module import Module
from .train import History

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def pyplot(where: str = "nn.plots") -> ModuleType:
    """matplotlib.pyplot, imported only when a figure is drawn; an ImportError naming ``where`` without it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(f"{where} needs matplotlib: pip install autograd-lite[plot]") from error
    return plt


def smallest_text_pt(figure: Figure) -> float | None:
    """The font size, in pt, of the smallest text ``figure`` draws (None when it draws none):
    every title, label, tick label, legend entry and annotation that a drawing of it puts on the
    page, and nothing it leaves out (hidden texts, the tick labels of an axis turned off)."""
    from matplotlib.backends.backend_agg import RendererAgg

    sizes: list[float] = []

    class TextRecorder(RendererAgg):
        """Draws nothing but writes down the size of every text the figure asks it to draw."""

        def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False, mtext: Any = None) -> None:
            if s.strip():
                sizes.append(float(prop.get_size_in_points()))

    width, height = figure.bbox.size
    recorder: Any = TextRecorder  # its __init__ is RendererAgg's, which matplotlib leaves unannotated
    figure.draw(recorder(max(1, int(width)), max(1, int(height)), figure.dpi))
    return min(sizes, default=None)


def figure_png(figure: Figure) -> tuple[bytes, dict[str, Any]]:
    """The figure as a notebook shows it (a PNG at the figure's dpi, trimmed to what is drawn)
    and the output metadata that records its text: ``{"image/png": {PNG_TEXT: {"dpi": ...,
    "smallest_pt": ...}}}`` (``autograd_lite.pictures.legibility.png_text_px`` reads it)."""
    # Imported here, not at the top: `import nn` loads no pictures.
    from autograd_lite.pictures.legibility import PNG_TEXT

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi, bbox_inches="tight", facecolor=figure.get_facecolor())
    smallest = smallest_text_pt(figure)
    record = {} if smallest is None else {PNG_TEXT: {"dpi": float(figure.dpi), "smallest_pt": smallest}}
    return buffer.getvalue(), {"image/png": record}


def show_figure(figure: Figure | None = None) -> None:
    """Show ``figure`` (default: the current one) in a notebook as ``figure_png`` draws it, then
    close it; outside a notebook kernel this is ``pyplot.show()``."""
    plt = pyplot("show_figure")
    figure = figure if figure is not None else plt.gcf()
    try:
        ipython: Any = importlib.import_module("IPython")
    except ImportError:
        ipython = None
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "kernel"):
        plt.show()
        return
    png, metadata = figure_png(figure)
    plt.close(figure)
    display = importlib.import_module("IPython.display").display
    display({"image/png": png, "text/plain": repr(figure)}, raw=True, metadata=metadata)


def _axes(ax: Axes | None, size: tuple[float, float] = (5.0, 4.0)) -> Axes:
    if ax is not None:
        return ax
    _, new_ax = pyplot().subplots(figsize=size)
    axes: Axes = new_ax
    return axes


def plot_decision_boundary(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    *,
    ax: Axes | None = None,
    resolution: int = 60,
    threshold: float = 0.0,
    margin: float = 0.5,
) -> Axes:
    """The model's score over the plane (its decision line at ``threshold``) and the data points.

    A model with several outputs colours each region by the output that wins (argmax), in the
    colour of the points of that class index.
    """
    if not X or len(X) != len(y) or any(len(row) != 2 for row in X):
        raise ValueError("plot_decision_boundary: X must be a non-empty list of 2-D points with one label each")
    steps = check_count(resolution, "resolution", "plot_decision_boundary")
    ax = _axes(ax)
    xs = [row[0] for row in X]
    ys = [row[1] for row in X]
    grid_x = [min(xs) - margin + (max(xs) - min(xs) + 2 * margin) * i / (steps - 1 or 1) for i in range(steps)]
    grid_y = [min(ys) - margin + (max(ys) - min(ys) + 2 * margin) * j / (steps - 1 or 1) for j in range(steps)]
    outputs = predict(model, [[gx, gy] for gy in grid_y for gx in grid_x])
    colors = ["tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple"]
    if isinstance(outputs[0], list):
        from matplotlib.colors import ListedColormap

        flat = [float(max(range(len(o)), key=o.__getitem__)) for o in outputs if isinstance(o, list)]
        count = len(outputs[0])
        palette = ListedColormap([colors[c % len(colors)] for c in range(count)])
        levels = [c - 0.5 for c in range(count + 1)]
        ax.contourf(grid_x, grid_y, _rows(flat, steps), levels=levels, cmap=palette, alpha=0.3)
    else:
        flat = [o for o in outputs if isinstance(o, float)]
        norm = None
        if min(flat) < threshold < max(flat):
            # Centre the colours on the threshold, so the decision line runs through white.
            from matplotlib.colors import TwoSlopeNorm

            norm = TwoSlopeNorm(vcenter=threshold, vmin=min(flat), vmax=max(flat))
        filled = ax.contourf(grid_x, grid_y, _rows(flat, steps), levels=20, cmap="RdBu", norm=norm, alpha=0.6)
        ax.contour(grid_x, grid_y, _rows(flat, steps), levels=[threshold], colors="k", linewidths=1.5)
        ax.figure.colorbar(filled, ax=ax, label="model output")
    classes = sorted(set(y))
    for index, label in enumerate(classes):
        points = [row for row, target in zip(X, y, strict=True) if target == label]
        ax.scatter(
            [p[0] for p in points], [p[1] for p in points], color=colors[index % len(colors)],
            edgecolors="k", s=30, label=f"y = {label}",
        )
    ax.legend(loc="upper right", fontsize="small")
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_title("Decision boundary")
    return ax


def _rows(values: list[float], width: int) -> list[list[float]]:
    return [values[i : i + width] for i in range(0, len(values), width)]


def plot_history(history: History, *, ax: Axes | None = None, log_loss: bool = False) -> Axes:
    """The loss per epoch (left axis) and, for classification, the accuracy (right axis)."""
    if not history.loss:
        raise ValueError("plot_history: the history has no epochs")
    ax = _axes(ax)
    epochs = list(range(1, history.epochs + 1))
    (loss_line,) = ax.plot(epochs, history.loss, color="tab:blue", label="loss")
    if log_loss:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    lines = [loss_line]
    scores = [(e, a) for e, a in zip(epochs, history.accuracy, strict=False) if a is not None]
    if scores:
        right = ax.twinx()
        (accuracy_line,) = right.plot(
            [e for e, _ in scores], [a for _, a in scores], color="tab:orange", label="accuracy"
        )
        right.set_ylim(-0.02, 1.02)
        right.set_ylabel("accuracy")
        lines.append(accuracy_line)
    ax.legend(lines, [str(line.get_label()) for line in lines], loc="best")
    ax.set_title("Training")
    return ax


def plot_gradient_flow(history: History, *, ax: Axes | None = None) -> Axes:
    """Per layer, the mean (solid) and max (dashed) |grad| across epochs, on a log scale."""
    if not history.grad_mean:
        raise ValueError("plot_gradient_flow: the history holds no gradient statistics")
    ax = _axes(ax, (6.0, 4.0))
    colors = pyplot().rcParams["axes.prop_cycle"].by_key()["color"]
    for index, name in enumerate(history.grad_mean):
        color = colors[index % len(colors)]
        epochs = list(range(1, len(history.grad_mean[name]) + 1))
        ax.plot(epochs, history.grad_mean[name], color=color, label=f"{name} mean")
        ax.plot(epochs, history.grad_max[name], color=color, linestyle="--", label=f"{name} max")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("|grad|")
    ax.set_title("Gradient flow")
    ax.legend(fontsize="small")
    return ax


def hinton(weights: Layer | Sequence[Sequence[float]], *, ax: Axes | None = None) -> Axes:
    """A Hinton diagram: a square per weight, area ~ |w|, white for w > 0 and black for w < 0.

    A Layer shows one row per neuron and one column per input, then its bias.
    """
    if isinstance(weights, Layer):
        matrix = [[w.data for w in neuron.w] + [neuron.b.data] for neuron in weights.neurons]
        columns = [f"w{k}" for k in range(weights.nin)] + ["b"]
    else:
        matrix = [[float(w) for w in row] for row in weights]
        columns = [f"w{k}" for k in range(len(matrix[0]))] if matrix else []
    if not matrix or any(len(row) != len(matrix[0]) or not row for row in matrix):
        raise ValueError("hinton: weights must be a non-empty rectangular matrix or a Layer")
    largest = max(abs(w) for row in matrix for w in row) or 1.0
    plt = pyplot()
    ax = _axes(ax, (0.5 * len(columns) + 1.5, 0.5 * len(matrix) + 1.0))
    ax.set_facecolor("gray")
    for i, row in enumerate(matrix):
        for j, w in enumerate(row):
            side = math.sqrt(abs(w) / largest) * 0.9
            color = "white" if w > 0 else "black"
            ax.add_patch(plt.Rectangle((j - side / 2, i - side / 2), side, side, facecolor=color, edgecolor=color))
    ax.set_xlim(-0.5, len(columns) - 0.5)
    ax.set_ylim(len(matrix) - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks(range(len(columns)), columns)
    ax.set_yticks(range(len(matrix)), [f"N{i}" for i in range(len(matrix))])
    ax.set_title(f"Weights (largest |w| = {largest:.3g})")
    return ax
