"""autograd-lite's batched replay: one sample's graph (nn's, or micrograd's for a "micrograd"
workload) recorded from every sample by ``record_batch``, then each step is one forward and one
backward over the whole batch with numpy, the L2 penalty and the SGD update (nn.SGD's formula)
on the parameter array. The digits run is ``nn.fit(..., compiled=True)``.
"""

from __future__ import annotations

import os

# One thread, as PyTorch is given: must be said before numpy loads its BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite import Value
from autograd_lite.batched import record_batch
from bench.engines import sum_of_products
from bench.engines.lite import LOSSES, fit_digits, make_model
from bench.workloads import Digits, Training


def _samples(training: Training) -> tuple[list[Value], list[Value], float]:
    """Every sample's own loss graph, the parameters, and the weight of the sum over samples."""
    if training.style == "micrograd":
        forward, params = sum_of_products.model(training.network, Value)
        samples = [
            sum_of_products.sample_loss(training, forward([Value(x) for x in row]), y)
            for row, y in zip(training.X, training.Y, strict=True)
        ]
        return samples, params, sum_of_products.batch_weight(training)
    model = make_model(training.network)
    loss = LOSSES[training.loss]
    samples = [loss([model(x)], [y]) for x, y in zip(training.X, training.Y, strict=True)]
    return samples, model.parameters(), 1.0 if loss.reduction == "sum" else 1.0 / len(training.X)


def train_step(training: Training) -> Callable[[int], float]:
    """A function that runs update ``k`` (forward, backward, SGD) and returns the loss before it."""
    samples, params, weight = _samples(training)
    tape, batch = record_batch(samples, params)
    values = np.array([p.data for p in params])
    deltas = np.zeros_like(values)
    alpha, momentum = training.l2, training.momentum

    def step(k: int) -> float:
        losses, grads = tape.value_and_grad(batch, values, weight)
        loss = float(losses.sum()) * weight
        if alpha:
            loss += alpha * float(values @ values)
            grads += 2.0 * alpha * values
        lr = training.lr(k)
        deltas[:] = -lr * grads + momentum * deltas
        values[:] += deltas
        return loss

    return step


def train_digits(recipe: Digits) -> dict[str, Any]:
    """The digits run with nn.fit(compiled=True)."""
    return fit_digits(recipe, compiled=True)

