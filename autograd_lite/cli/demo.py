"""``autograd-lite demo``: micrograd's demo from the command line. Train an MLP on a toy 2-D
dataset with hinge loss + L2 and SGD, then write the decision boundary, the loss curve and the
graph of one sample's loss into a directory.

The defaults are micrograd's: 100 moons with noise 0.1, MLP(2, [16, 16, 1]) with relu, hinge
loss + 1e-4 * sum p**2, 100 full-batch SGD steps with learning rate 1.0 - 0.9 * k / 100.
This module sits above ``nn`` and imports it, and matplotlib, only when the demo runs.

``DemoOptions`` refuses what exceeds the bounds below before anything is built: widths,
layers, parameters, steps, the batch size, the seed, and the run's whole work.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..mode import no_grad
from ..pictures import draw_graph, graphviz_available
from ..pictures.render import INSTALL_HINT
from ..text import describe
from ..value import Value

SAMPLES = 100
L2 = 1e-4
LR_START, LR_END = 1.0, 0.1

DATASETS = ("moons", "circles", "xor", "spirals")

# The bounds are far above anything the demo is for (micrograd's network has 337 parameters and
# trains for 100 steps) and keep any run within memory and minutes on a laptop. The time is
# counted in "parameter passes" (``training_work``); ``python -m bench.demo_cost`` measures what
# one costs and what the largest graph allowed holds, so the figures live there, measured anew.
MAX_WIDTH = 1024
"""The widest hidden layer."""
MAX_HIDDEN_LAYERS = 32
"""The most hidden layers: deeper and narrower, the per-neuron cost outgrows the parameters."""
MAX_PARAMETERS = 50_000
"""The most weights and biases: the largest full-batch graph (and decision-boundary picture) allowed."""
MAX_STEPS = 10_000
"""The most passes over the data (100 times micrograd's)."""
MAX_WORK = 1_000_000_000
"""The most parameter passes in all (``training_work``): a few minutes of training."""
NEURON_PASSES = 8
"""A neuron's share of one sample's forward and backward pass, in parameter passes (its three nodes)."""
UPDATE_PASSES = 4
"""Passes over the parameters per update: zeroing, the L2 term, the step, the gradient statistics."""
MAX_SEED = 10**18 - 1
"""Seeds of up to 18 digits, whatever their sign."""


@dataclass(frozen=True)
class DemoOptions:
    """What to train and where to put the pictures."""

    dataset: str = "moons"
    hidden: tuple[int, ...] = (16, 16)
    steps: int = 100
    batch_size: int | None = None
    seed: int = 1337
    out: Path = Path("autograd-lite-demo")
    progress: bool = True

    def __post_init__(self) -> None:
        """Refuse, naming the option, anything beyond the bounds, before any work is done."""
        if self.dataset not in DATASETS:
            raise ValueError(f"--dataset must be one of {', '.join(DATASETS)}, got {describe(self.dataset)}")
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"--hidden: at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(self.hidden):,}")
        for width in self.hidden:
            _check_whole(width, "--hidden: each width", 1, MAX_WIDTH)
        _check_whole(self.steps, "--steps", 1, MAX_STEPS)
        if self.batch_size is not None:
            _check_whole(self.batch_size, "--batch-size", 1, SAMPLES)
        _check_whole(self.seed, "--seed", -MAX_SEED, MAX_SEED)
        parameters = parameter_count(self.hidden)
        if parameters > MAX_PARAMETERS:
            raise ValueError(
                f"--hidden {_widths(self.hidden)}: the network would have {parameters:,} parameters; "
                f"the limit is {MAX_PARAMETERS:,}"
            )
        work = training_work(self.hidden, self.steps, self.batch_size)
        if work > MAX_WORK:
            raise ValueError(
                f"--steps {self.steps:,} of --hidden {_widths(self.hidden)} at batch size "
                f"{self.batch_size or SAMPLES} make {work:,} parameter passes; the limit is {MAX_WORK:,} "
                "(a few minutes): take fewer steps, a larger batch or a smaller network"
            )


@dataclass(frozen=True)
class DemoResult:
    """The trained model's loss (hinge + L2) and accuracy on the data, and the files written."""

    loss: float
    accuracy: float
    files: tuple[Path, ...]


def _check_whole(value: object, option: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{option} must be a whole number from {low:,} to {high:,}, got {describe(value)}")


def _widths(hidden: tuple[int, ...]) -> str:
    """The widths as the option is written, shortened when there are many layers."""
    text = ",".join(map(str, hidden[:4]))
    return text if len(hidden) <= 4 else f"{text},... ({len(hidden)} layers)"


def parameter_count(hidden: tuple[int, ...]) -> int:
    """The weights and biases of MLP(2, [*hidden, 1]): (inputs + 1) * units per layer."""
    return sum((fan_in + 1) * units for fan_in, units in pairwise((2, *hidden, 1)))


def updates_per_step(batch_size: int | None) -> int:
    """How many updates one step (an epoch over the ``SAMPLES`` points) makes: ceil(SAMPLES / batch)."""
    return math.ceil(SAMPLES / (batch_size or SAMPLES))


def training_work(hidden: tuple[int, ...], steps: int, batch_size: int | None) -> int:
    """A run's training in parameter passes: steps * (SAMPLES * (parameters + NEURON_PASSES *
    neurons) + updates per step * UPDATE_PASSES * parameters)."""
    parameters, neurons = parameter_count(hidden), sum(hidden) + 1
    updates = updates_per_step(batch_size)
    return steps * (SAMPLES * (parameters + NEURON_PASSES * neurons) + updates * UPDATE_PASSES * parameters)


def make_dataset(name: str, seed: int) -> tuple[list[list[float]], list[int]]:
    """The named dataset with ``SAMPLES`` points labelled -1/+1."""
    import nn

    makers: dict[str, Callable[[], Any]] = {
        "moons": lambda: nn.make_moons(SAMPLES, noise=0.1, seed=seed),
        "circles": lambda: nn.make_circles(SAMPLES, noise=0.05, seed=seed),
        "xor": lambda: nn.make_xor(SAMPLES, noise=0.1, seed=seed),
        "spirals": lambda: nn.make_spirals(SAMPLES, noise=0.0, seed=seed),
    }
    if name not in makers:
        raise ValueError(f"demo: dataset must be one of {', '.join(DATASETS)}, got {name!r}")
    X, y = makers[name]()
    return [list(row) for row in X], list(y)


def run(options: DemoOptions) -> DemoResult:
    """Train, report the final loss and accuracy on stdout, and write the three pictures."""
    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window, and work without a display
    import nn
    from nn import plots

    # Fail on an unwritable directory now, not after the training.
    options.out.mkdir(parents=True, exist_ok=True)
    X, y = make_dataset(options.dataset, options.seed)
    model = nn.MLP(2, [*options.hidden, 1], activation="relu", rng=options.seed)
    batch = options.batch_size or SAMPLES
    updates = options.steps * updates_per_step(options.batch_size)
    optimizer = nn.SGD(model.parameters(), lr=nn.LinearDecay(LR_START, LR_END, updates))
    print(
        f"training MLP(2, {[*options.hidden, 1]}) relu on {SAMPLES} {options.dataset} points: "
        f"{options.steps} steps of SGD, batch {batch}, lr {LR_START} -> {LR_END}, hinge + {L2:g} L2"
    )
    history = nn.fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=optimizer,
        epochs=options.steps,
        batch_size=options.batch_size,
        seed=options.seed,
        progress=options.progress,
        l2=L2,
    )
    with no_grad():
        final = (nn.hinge([model(x) for x in X], y) + nn.l2(model.parameters(), L2)).data
    accuracy = nn.accuracy(model, X, y)
    print(f"final loss {final:.4f}, accuracy {accuracy:.0%}")
    files = (
        _save_plot(options.out / "decision_boundary.png", lambda: plots.plot_decision_boundary(model, X, y)),
        _save_plot(options.out / "loss.png", lambda: _legend_below(plots.plot_history(history))),
        _save_sample_graph(options.out / "graph.svg", model, *_closest_call(model, X, y)),
    )
    for path in files:
        print(f"wrote {path}", file=sys.stderr)
    return DemoResult(final, accuracy, files)


def _save_plot(path: Path, draw: Callable[[], Any]) -> Path:
    import matplotlib.pyplot as plt

    axes = draw()
    figure = axes.figure
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def _legend_below(axes: Any) -> Any:
    """The loss plot with its legend under the axes: inside them, the legend of the loss axis is
    placed without regard to the accuracy curve on the twin axis, and can cover it."""
    legend = axes.get_legend()
    if legend is not None:
        handles, labels = legend.legend_handles, [text.get_text() for text in legend.get_texts()]
        legend.remove()
        axes.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=len(labels), frameon=False)
    return axes


def _closest_call(model: Any, X: list[list[float]], y: list[int]) -> tuple[list[float], int]:
    """The sample with the smallest margin y * score: its hinge loss is the one most likely to be
    non-zero, so its picture shows gradients flowing rather than a graph of zeros."""
    with no_grad():
        margins = [label * float(model(x)) for x, label in zip(X, y, strict=True)]
    index = min(range(len(margins)), key=margins.__getitem__)
    return X[index], y[index]


def _save_sample_graph(path: Path, model: Any, x: list[float], label: int) -> Path:
    """One sample's hinge loss after backward, each neuron drawn as one node with its gradient norm,
    the layers' many edges bundled and the loss's ops folded into its box (legible at 1000 px)."""
    import nn

    inputs = [Value(v, f"x{i}") for i, v in enumerate(x)]
    loss = nn.hinge([model(inputs)], [label])
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    graph = draw_graph(loss, cluster=model, collapse="neuron")
    if graphviz_available():
        return graph.save(path)
    # Without Graphviz the DOT text is still a faithful picture description; say how to render it.
    fallback = graph.save(path.with_suffix(".dot"))
    print(f"autograd-lite: note: wrote {fallback} instead of {path.name}; {INSTALL_HINT}", file=sys.stderr)
    return fallback
