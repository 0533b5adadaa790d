"""What every unit computes over the input plane, with numpy: the playground's network run on
a whole grid of points at once (each point's chosen features, then the layers) from a flat list
of its weights (a snapshot or the live model).

This is the one place the network's forward pass is written again, on arrays, because drawing a
heat map per unit ten times a second needs thousands of points per picture; the tests check it
against the engine's own forward pass. Row 0 of every grid is the top of the plane (the largest
x1), as in an image.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import check_int_in
from .features import feature_columns

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .state import PlaygroundState

Extent = tuple[float, float, float, float]


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    # 1 / (1 + e**-z) as (1 + tanh(z/2)) / 2, which never overflows.
    return 0.5 * (1.0 + np.tanh(0.5 * z))


ACTIVATIONS: dict[str, Callable[[NDArray[np.float64]], NDArray[np.float64]]] = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": _sigmoid,
    "leaky_relu": lambda z: np.where(z > 0.0, z, 0.01 * z),
    "linear": lambda z: z,
}
"""Each activation the playground offers, on arrays, as ``nn.activations`` computes it on Values."""


def plane(extent: Extent, resolution: int) -> NDArray[np.float64]:
    """The centres of a resolution x resolution grid over ``extent``, row by row from the top: shape (n*n, 2)."""
    x_min, x_max, y_min, y_max = extent
    xs = x_min + (np.arange(resolution) + 0.5) * (x_max - x_min) / resolution
    ys = y_max - (np.arange(resolution) + 0.5) * (y_max - y_min) / resolution
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def layer_matrices(
    weights: Sequence[float], sizes: Sequence[int]
) -> list[tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """(W, b) per layer from the flat parameters of an MLP (neuron by neuron: its weights, then its bias)."""
    flat = np.asarray(weights, dtype=np.float64)
    matrices = []
    position = 0
    for fan_in, width in pairwise(sizes):
        block = flat[position : position + width * (fan_in + 1)].reshape(width, fan_in + 1)
        matrices.append((block[:, :fan_in], block[:, fan_in]))
        position += width * (fan_in + 1)
    if position != len(flat):
        raise ValueError(f"layer_matrices: {len(flat)} parameters do not fit layer sizes {list(sizes)}")
    return matrices


def forward(
    points: NDArray[np.float64], weights: Sequence[float], sizes: Sequence[int], activation: str
) -> list[NDArray[np.float64]]:
    """Every layer's outputs for every point: one (points, width) array per layer; the last is linear."""
    act = ACTIVATIONS[activation]
    outputs = []
    values = points
    matrices = layer_matrices(weights, sizes)
    for index, (W, b) in enumerate(matrices):
        total = values @ W.T + b
        values = total if index == len(matrices) - 1 else act(total)
        outputs.append(values)
    return outputs


def _as_grids(layer: NDArray[np.float64], resolution: int) -> NDArray[np.float64]:
    """(points, width) values over the plane as (width, resolution, resolution) pictures."""
    pictures: NDArray[np.float64] = layer.T.reshape(layer.shape[1], resolution, resolution)
    return pictures


def plane_inputs(features: Sequence[str], extent: Extent, resolution: int) -> NDArray[np.float64]:
    """The network's inputs at every point of the grid: its chosen features, shape (n*n, features).
    They stay the same while a run trains, so the views compute them once."""
    return feature_columns(plane(extent, resolution), features)


def feature_grids(features: Sequence[str], extent: Extent, resolution: int) -> NDArray[np.float64]:
    """Every chosen feature over the plane: an array (features, resolution, resolution)."""
    return _as_grids(plane_inputs(features, extent, resolution), resolution)


def scaled_feature_grids(inputs: NDArray[np.float64], resolution: int) -> list[NDArray[np.float64]]:
    """Each feature over the plane from its ``plane_inputs``, divided by its largest size, so each
    map spans the palette (a feature that is 0 everywhere stays 0)."""
    scaled = []
    for values in _as_grids(inputs, resolution):
        largest = float(np.abs(values).max())
        scaled.append(values / largest if largest > 0.0 else values)
    return scaled


def grids(
    weights: Sequence[float], sizes: Sequence[int], activation: str, inputs: NDArray[np.float64], resolution: int
) -> list[NDArray[np.float64]]:
    """Every layer's outputs over the plane from its ``plane_inputs``: per layer an array (width, resolution, resolution)."""
    return [_as_grids(layer, resolution) for layer in forward(inputs, weights, sizes, activation)]


def unit_maps(state: PlaygroundState, resolution: int) -> dict[str, NDArray[Any]]:
    """Each unit's output over the playground's plane, by name ``L{layer}.N{unit}`` (the last is the output)."""
    resolution = check_int_in(resolution, "resolution", "Playground.unit_maps", 2, 1000)
    s = state.settings
    inputs = plane_inputs(s.features, state.data.extent, resolution)
    layers = grids(state.latest.weights, s.sizes, s.activation, inputs, resolution)
    return {f"L{i}.N{j}": layer[j] for i, layer in enumerate(layers) for j in range(layer.shape[0])}


def feature_maps(state: PlaygroundState, resolution: int) -> dict[str, NDArray[Any]]:
    """Each chosen feature over the playground's plane, by its name (``"x1"``, ``"sin(x2)"``)."""
    resolution = check_int_in(resolution, "resolution", "Playground.feature_maps", 2, 1000)
    maps = feature_grids(state.settings.features, state.data.extent, resolution)
    return dict(zip(state.settings.features, maps, strict=True))
