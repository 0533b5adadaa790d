"""The benchmark's pure-Python reference engines compute real gradients: the ratios they set
beside autograd-lite's mean something only if they do the same work correctly.

Oracle: central differences of the loss, computed on plain floats through the same network.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.engines import bare, sum_of_products, tight
from bench.workloads import Network, Training, moons

ENGINES = {"bare": bare.Bare, "tight": tight.Node}


def _training(seed: int) -> Training:
    """A small micrograd-style hinge + L2 training on 12 moons points, MLP(2, [3, 1])."""
    rng = random.Random(seed)
    weights = [[[rng.uniform(-1, 1) for _ in range(2)] for _ in range(3)], [[rng.uniform(-1, 1) for _ in range(3)]]]
    biases = [[rng.uniform(-0.5, 0.5) for _ in range(3)], [rng.uniform(-0.5, 0.5)]]
    network = Network((2, 3, 1), "relu", "linear", weights, biases)
    X, Y = moons(12, 0.1, seed=seed)
    return Training("small", network, X, Y, "hinge", 1e-2, 0.1, 0.1, 1, 0.0, style="micrograd")


def _float_loss(training: Training, flat: list[float]) -> float:
    """The same loss on plain floats, parameters given flat in nn's order."""
    it = iter(flat)
    layers = [[([next(it) for _ in row], next(it)) for row in rows] for rows in training.network.weights]
    scores = []
    for x in training.X:
        h: list[float] = list(x)
        for index, layer in enumerate(layers):
            relu = training.network.activation(index) == "relu"
            z = [sum((w * v for w, v in zip(ws, h, strict=True)), b) for ws, b in layer]
            h = [max(v, 0.0) for v in z] if relu else z
        scores.append(h[0])
    data = sum(max(1.0 - y * s, 0.0) for s, y in zip(scores, training.Y, strict=True)) / len(scores)
    return data + training.l2 * sum(p * p for p in flat)


def _central_differences(training: Training, flat: list[float], h: float = 1e-6) -> list[float]:
    slopes = []
    for i in range(len(flat)):
        up, down = list(flat), list(flat)
        up[i] += h
        down[i] -= h
        slopes.append((_float_loss(training, up) - _float_loss(training, down)) / (2 * h))
    return slopes


@pytest.mark.parametrize("engine", sorted(ENGINES))
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_reference_engine_gradients_match_central_differences(engine: str, seed: int) -> None:
    training = _training(seed)
    forward, params = sum_of_products.model(training.network, ENGINES[engine])
    loss = sum_of_products.total_loss(training, [forward([ENGINES[engine](v) for v in x]) for x in training.X], params)
    loss.backward()
    flat = [p.data for p in params]
    assert math.isclose(loss.data, _float_loss(training, flat), rel_tol=1e-12)
    for p, slope in zip(params, _central_differences(training, flat), strict=True):
        assert p.grad == pytest.approx(slope, rel=1e-4, abs=1e-5)


def test_bare_chain_slope_is_the_closed_form() -> None:
    # y_n = 0.999 y_{n-1} + 0.001, so dy_n/dy_0 = 0.999 ** n.
    y, slope = bare.chain(5000)
    assert slope == pytest.approx(0.999**5000, rel=1e-12)
    assert y == pytest.approx(1.0 - 0.5 * 0.999**5000, rel=1e-12)
