"""autograd-lite's batched replay. For nn's graphs (a "dot" workload), exactly what
``nn.fit(..., compiled=True)`` runs: the model recorded once, each step one update of its array
training (replay of the whole batch with numpy, the L2 term, ``nn.SGD``'s update on the weight
array). For micrograd's graphs (built by the user, one per sample), ``record_batch`` over every
sample's graph, then a forward and a backward over the batch and the same SGD update by hand.
The digits run is ``nn.fit(..., compiled=True)``.
"""

from __future__ import annotations

import os

# One thread, as PyTorch is given: must be said before numpy loads its BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from collections.abc import Callable
from typing import Any

import numpy as np

import nn
from autograd_lite import Value
from autograd_lite.batched import record_batch
from bench.engines import sum_of_products
from bench.engines.lite import LOSSES, fit_digits, make_model
from bench.workloads import Digits, Training
from nn.compiled import compile_training


def _micrograd_samples(training: Training) -> tuple[list[Value], list[Value], float]:
    """Every sample's own loss graph as micrograd builds it, the parameters, and the weight of the sum."""
    forward, params = sum_of_products.model(training.network, Value)
    samples = [
        sum_of_products.sample_loss(training, forward([Value(x) for x in row]), y)
        for row, y in zip(training.X, training.Y, strict=True)
    ]
    return samples, params, sum_of_products.batch_weight(training)


def _fit_step(training: Training) -> Callable[[int], float]:
    """fit(compiled=True)'s own update, full batch: the loss before each update."""
    model = make_model(training.network)
    schedule = nn.LinearDecay(training.lr_start, training.lr_end, training.lr_steps)
    optimizer = nn.SGD(model.parameters(), lr=schedule, momentum=training.momentum)
    updates = compile_training(model, training.X, training.Y, LOSSES[training.loss], optimizer, l2=training.l2,
                               rule=None, full_batch=True)  # fmt: skip
    assert updates is not None, "fit(compiled=True) fell back to eager training"
    updates.begin()
    return lambda k: updates.update(None).loss


def train_step(training: Training) -> Callable[[int], float]:
    """A function that runs update ``k`` (forward, backward, SGD) and returns the loss before it."""
    if training.style != "micrograd":
        return _fit_step(training)
    samples, params, weight = _micrograd_samples(training)
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

