"""fit(..., compiled=True): full-batch training by replay gives exactly what eager training gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nn import MLP, SGD, Adam, History, LinearDecay, Network, Unit, fit, make_moons, make_spirals, make_xor


def _train(make_model: Callable[[], Any], compiled: bool, **options: Any) -> tuple[History, list[float]]:
    model = make_model()
    optimizer_factory = options.pop("optimizer")
    history = fit(
        model, options.pop("X"), options.pop("y"), optimizer=optimizer_factory(model),
        progress=False, compiled=compiled, **options,
    )
    return history, [p.data for p in model.parameters()]


def _assert_identical(make_model: Callable[[], Any], **options: Any) -> None:
    eager = _train(make_model, False, **dict(options))
    replayed = _train(make_model, True, **dict(options))
    assert replayed[1] == eager[1]  # every weight, to the last bit
    assert replayed[0].loss == eager[0].loss
    assert replayed[0].accuracy == eager[0].accuracy
    assert replayed[0].grad_mean == eager[0].grad_mean and replayed[0].grad_max == eager[0].grad_max


def test_micrograd_demo_replayed_matches_eager_bit_for_bit() -> None:
    X, y = make_moons(100, noise=0.1, seed=1337)
    _assert_identical(
        lambda: MLP(2, [16, 16, 1], rng=1337),
        X=X, y=y, loss="hinge", l2=1e-4, epochs=12,
        optimizer=lambda m: SGD(m.parameters(), lr=LinearDecay(1.0, 0.1, 12)),
    )


def test_leaky_relu_and_sse_replayed_match_eager() -> None:
    X, y = make_xor(labels=(0, 1))
    _assert_identical(
        lambda: MLP(2, [4, 1], activation="leaky_relu", output_activation="sigmoid", rng=5),
        X=X, y=y, loss="sse", epochs=40,
        optimizer=lambda m: SGD(m.parameters(), lr=0.5, momentum=0.9),
    )


def test_several_outputs_with_cross_entropy_replayed_match_eager() -> None:
    X, y = make_spirals(30, seed=2, labels=(0, 1))
    _assert_identical(
        lambda: MLP(2, [6, 2], activation="tanh", rng=3),
        X=X, y=y, loss="cross_entropy", epochs=15,
        optimizer=lambda m: Adam(m.parameters(), lr=0.05),
    )


def test_skip_connection_network_with_restarts_replayed_matches_eager() -> None:
    X, y = make_xor(labels=(0, 1))

    def network() -> Network:
        units = [Unit("h", ["x1", "x2"], "sigmoid"), Unit("y", ["x1", "x2", "h"], "sigmoid")]
        return Network(["x1", "x2"], units, rng=1)

    _assert_identical(
        network, X=X, y=y, loss="sse", epochs=30, restarts=3, seed=4,
        optimizer=lambda m: SGD(m.parameters(), lr=0.5),
    )


def test_compiled_needs_a_full_batch() -> None:
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], rng=0)
    with pytest.raises(ValueError, match=r"compiled=True.*batch_size"):
        fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), epochs=1,
            batch_size=5, compiled=True, progress=False)
