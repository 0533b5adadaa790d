"""Every optimiser x schedule x loss x batching: fit(compiled=True), with the weights in numpy
arrays, trains to eager fit's weights, losses, accuracies and gradient statistics (1e-12
relative), without falling back.

The data avoid gradients whose exact value is 0 as a sum of terms that cancel (balanced classes
under the hinge loss give that for the output bias): added in another order such a sum is a few
1e-17 instead of 0, and Adam, which divides a gradient by its own size, turns that into a step
of 1e-10. That is rounding, not a wrong rule: the gradients themselves agree to 1e-12."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import pytest

from nn import (
    MLP,
    SGD,
    Adam,
    AdamW,
    Constant,
    InverseTime,
    LinearDecay,
    StepDecay,
    fit,
    make_moons,
)
from tests.nn.eager_oracle import close, eager_then_compiled

pytest.importorskip("numpy")

OPTIMISERS: dict[str, Callable[[Any, Any], Any]] = {
    "sgd": lambda p, lr: SGD(p, lr=lr),
    "momentum": lambda p, lr: SGD(p, lr=lr, momentum=0.7, weight_decay=0.01),
    "nesterov": lambda p, lr: SGD(p, lr=lr, momentum=0.6, nesterov=True),
    "adam": lambda p, lr: Adam(p, lr=lr, weight_decay=0.01),
    "adamw": lambda p, lr: AdamW(p, lr=lr),
}
SCHEDULES: dict[str, Callable[[], Any]] = {
    "constant": lambda: Constant(0.05),
    "linear": lambda: LinearDecay(0.08, 0.01, 5),
    "inverse_time": lambda: InverseTime(0.2, 3.0),
    "step": lambda: StepDecay(0.08, 0.5, 2),
}
LOSSES = ["sse", "mse", "hinge", "binary_cross_entropy", "cross_entropy"]
BATCHES = {"full": None, "mini": 5, "online": 1}


def _data(loss: str) -> tuple[list[list[float]], list[Any], int]:
    X, labels = make_moons(13, noise=0.25, seed=7, labels=(0, 1))
    if loss == "cross_entropy":
        return X, [int((a + 2 * b) * 2) % 3 for a, b in X], 3
    if loss == "hinge":
        return X, [2 * label - 1 for label in labels], 1
    if loss == "binary_cross_entropy":
        return X, labels, 1
    return X, [math.sin(a) - b for a, b in X], 1


@pytest.mark.parametrize(
    ("optimiser", "schedule", "loss", "batching"),
    list(itertools.product(OPTIMISERS, SCHEDULES, LOSSES, BATCHES)),
)
def test_compiled_training_equals_eager_training(optimiser: str, schedule: str, loss: str, batching: str) -> None:
    X, y, outputs = _data(loss)

    def train(compiled: bool) -> tuple[list[float], Any]:
        model = MLP(2, [4, outputs], activation="tanh", rng=11)
        optimizer = OPTIMISERS[optimiser](model.parameters(), SCHEDULES[schedule]())
        history = fit(model, X, y, loss=loss, optimizer=optimizer, epochs=3, batch_size=BATCHES[batching],
                      l2=1e-3, seed=5, progress=False, compiled=compiled)  # fmt: skip
        return [p.data for p in model.parameters()], history

    (eager, eager_history), (compiled, history) = eager_then_compiled(train)
    assert all(map(close, compiled, eager)), [(a, b) for a, b in zip(compiled, eager, strict=True) if not close(a, b)][:3]
    assert all(map(close, history.loss, eager_history.loss))
    assert history.accuracy == eager_history.accuracy and history.lr == eager_history.lr
    for name, means in eager_history.grad_mean.items():
        assert all(map(close, history.grad_mean[name], means)), name
        assert all(map(close, history.grad_max[name], eager_history.grad_max[name])), name
