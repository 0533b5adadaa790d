"""Plots render to PNG: decision boundary, training curves, gradient flow, Hinton diagram.

Set NN_PLOTS_DIR to keep the pictures for a look."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from nn import MLP, SGD, Layer, fit, make_moons
from nn.plots import hinton, plot_decision_boundary, plot_gradient_flow, plot_history
from nn.train import History

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(scope="module")
def trained() -> tuple[MLP, list[list[float]], list[int], History]:
    X, y = make_moons(60, noise=0.1, seed=2)
    model = MLP(2, [8, 8, 1], rng=2)
    history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.2), epochs=30, l2=1e-4, progress=False)
    return model, X, y, history


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    keep = os.environ.get("NN_PLOTS_DIR")
    return Path(keep) if keep else tmp_path


def _save(ax: object, path: Path) -> None:
    figure = ax.figure  # type: ignore[attr-defined]
    figure.savefig(path, dpi=80)
    plt.close(figure)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5_000


def test_decision_boundary(trained: tuple[MLP, list[list[float]], list[int], History], out_dir: Path) -> None:
    model, X, y, _ = trained
    ax = plot_decision_boundary(model, X, y, resolution=40)
    assert len(ax.collections) >= 3  # filled contours, the decision line, the points
    _save(ax, out_dir / "decision_boundary.png")


def test_decision_boundary_of_a_multi_output_model(out_dir: Path) -> None:
    X, y = make_moons(30, seed=1, labels=(0, 1))
    model = MLP(2, [4, 2], rng=1)
    _save(plot_decision_boundary(model, X, y, resolution=20), out_dir / "decision_argmax.png")


def test_history_curves(trained: tuple[MLP, list[list[float]], list[int], History], out_dir: Path) -> None:
    *_, history = trained
    ax = plot_history(history)
    assert np.asarray(ax.lines[0].get_ydata()).tolist() == history.loss
    _save(ax, out_dir / "history.png")


def test_gradient_flow(trained: tuple[MLP, list[list[float]], list[int], History], out_dir: Path) -> None:
    *_, history = trained
    ax = plot_gradient_flow(history)
    assert ax.get_yscale() == "log" and len(ax.lines) == 2 * 3
    _save(ax, out_dir / "gradient_flow.png")


def test_hinton_diagram_of_a_layer(trained: tuple[MLP, list[list[float]], list[int], History], out_dir: Path) -> None:
    model, *_ = trained
    layer: Layer = model.layers[1]
    ax = hinton(layer)
    assert len(ax.patches) == 8 * (8 + 1)
    _save(ax, out_dir / "hinton.png")


def test_plots_draw_on_a_given_axes(trained: tuple[MLP, list[list[float]], list[int], History]) -> None:
    *_, history = trained
    figure, axes = plt.subplots(1, 2)
    assert plot_history(history, ax=axes[0]) is axes[0]
    assert hinton([[1.0, -0.5], [0.25, 0.0]], ax=axes[1]) is axes[1]
    plt.close(figure)


def test_bad_plot_input_is_named() -> None:
    with pytest.raises(ValueError, match="plot_history: the history has no epochs"):
        plot_history(History())
    with pytest.raises(ValueError, match="hinton: weights must be a non-empty rectangular matrix"):
        hinton([[1.0], [1.0, 2.0]])


def test_a_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install autograd-lite\[plot\]"):
        hinton([[1.0]])
