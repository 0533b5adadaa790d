"""autograd-lite, replayed: the eager step's graph (nn's, or micrograd's for a "micrograd"
workload) recorded once as a ``Tape``, then each step is a forward and a backward replay on a
flat list of parameter values, and the SGD update (nn.SGD's formula) on that list. No Value is
created after the recording.
"""

from __future__ import annotations

from collections.abc import Callable

from autograd_lite.tape import Tape
from bench.engines.lite import make_loss, make_model, micrograd_loss
from bench.workloads import Training


def train_step(training: Training) -> Callable[[int], float]:
    """A function that runs update ``k`` (forward, backward, SGD) and returns the loss before it."""
    if training.style == "micrograd":
        loss, params = micrograd_loss(training)
        tape = Tape(loss(), params)
    else:
        model = make_model(training.network)
        params = model.parameters()
        tape = Tape(make_loss(training, model)(), params)
    values = [p.data for p in params]
    deltas = [0.0] * len(values)
    momentum = training.momentum

    def step(k: int) -> float:
        loss, grads = tape.value_and_grad(values)
        lr = training.lr(k)
        # nn.SGD with weight_decay 0: delta = -lr * (g + 0 * w) + momentum * delta; w = w + delta.
        deltas[:] = [-lr * (g + 0.0 * w) + momentum * d for g, w, d in zip(grads, values, deltas, strict=True)]
        values[:] = [w + d for w, d in zip(values, deltas, strict=True)]
        return loss

    return step
