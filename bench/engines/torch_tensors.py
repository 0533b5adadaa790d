"""PyTorch on tensors: the same network, data, loss and update as every other engine, but as a
tensor program (a matrix product per layer over the whole batch) in float64 on one thread.

Not the same work as the scalar engines, which build one node per number: this is the speed a
tensor library reaches on the task, and the mark the batched replay is held to.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from bench.workloads import Training

torch.set_num_threads(1)

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "linear": lambda t: t,
}


def train_step(training: Training) -> Callable[[int], float]:
    """A function that runs update ``k`` (forward, backward, SGD) and returns the loss before it."""
    net = training.network
    weights = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in net.weights]
    biases = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in net.biases]
    params = [p for pair in zip(weights, biases, strict=True) for p in pair]
    X = torch.tensor(training.X, dtype=torch.float64)
    Y = torch.tensor(training.Y, dtype=torch.float64)
    activations = [ACTIVATIONS[net.activation(i)] for i in range(len(weights))]
    deltas = [torch.zeros_like(p) for p in params]
    momentum = training.momentum

    def step(k: int) -> float:
        h = X
        for w, b, act in zip(weights, biases, activations, strict=True):
            h = act(h @ w.T + b)
        score = h[:, 0]
        if training.loss == "hinge":
            loss = torch.relu(1.0 - Y * score).mean()
        elif training.loss == "mse":
            loss = ((score - Y) ** 2).mean()
        else:
            loss = 0.5 * ((score - Y) ** 2).sum()
        if training.l2:
            loss = loss + training.l2 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()  # type: ignore[no-untyped-call]  # torch leaves backward() unannotated
        lr = training.lr(k)
        with torch.no_grad():
            for p, delta in zip(params, deltas, strict=True):
                assert p.grad is not None
                delta.mul_(momentum).add_(p.grad, alpha=-lr)
                p.add_(delta)
        return loss.item()

    return step
