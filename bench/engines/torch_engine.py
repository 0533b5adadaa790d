"""PyTorch with 0-d float64 tensors on one thread: the same scalar graph micrograd builds
(``sum(w_i * x_i, b)`` per neuron), each number its own tensor, ``loss.backward()`` in C++.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import torch

from bench.workloads import Network, Training

torch.set_num_threads(1)

Tensor = torch.Tensor
ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "linear": lambda t: t,
}


def _scalar(x: float, grad: bool = False) -> Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


def _model(network: Network) -> tuple[Callable[[Sequence[Tensor]], Tensor], list[Tensor]]:
    """The network as a function of one input row, and its parameters."""
    layers = [
        [([_scalar(w, True) for w in row], _scalar(bias, True)) for row, bias in zip(rows, biases, strict=True)]
        for rows, biases in zip(network.weights, network.biases, strict=True)
    ]

    def forward(x: Sequence[Tensor]) -> Tensor:
        for index, layer in enumerate(layers):
            act = ACTIVATIONS[network.activation(index)]
            x = [act(sum((wi * xi for wi, xi in zip(w, x, strict=True)), b)) for w, b in layer]
        return x[0]

    return forward, [p for layer in layers for w, b in layer for p in (*w, b)]


def train_step(training: Training) -> Callable[[int], float]:
    """A function that runs update ``k`` (forward, backward, SGD) and returns the loss before it."""
    model, params = _model(training.network)
    inputs = [[_scalar(x) for x in row] for row in training.X]
    n, alpha, momentum = len(training.X), training.l2, training.momentum
    deltas = [0.0] * len(params)

    def step(k: int) -> float:
        scores = [model(x) for x in inputs]
        pairs = list(zip(training.Y, scores, strict=True))
        if training.loss == "hinge":
            total = cast(Tensor, sum(torch.relu(1 - y * s) for y, s in pairs)) * (1.0 / n)
        elif training.loss == "mse":
            total = cast(Tensor, sum((s - y) ** 2 for y, s in pairs)) * (1.0 / n)
        else:
            total = 0.5 * cast(Tensor, sum((s - y) ** 2 for y, s in pairs))
        if alpha:
            total = total + alpha * cast(Tensor, sum(p * p for p in params))
        for p in params:
            p.grad = None
        total.backward()  # type: ignore[no-untyped-call]  # torch leaves backward() unannotated
        lr = training.lr(k)
        with torch.no_grad():
            for index, p in enumerate(params):
                assert p.grad is not None
                deltas[index] = -lr * p.grad.item() + momentum * deltas[index]
                p += deltas[index]
        return total.item()

    return step


def chain(steps: int) -> tuple[float, float]:
    """y = y * 0.999 + 0.001 from a leaf y0 = 0.5, then backward: (y, dy/dy0)."""
    x = _scalar(0.5, True)
    y = x
    for _ in range(steps):
        y = y * 0.999 + 0.001
    y.backward()  # type: ignore[no-untyped-call]  # torch leaves backward() unannotated
    assert x.grad is not None
    return y.item(), x.grad.item()


def build_chain(steps: int) -> object:
    """The chain's graph, to be held while the process's memory is measured."""
    y = _scalar(0.5, True)
    for _ in range(steps):
        y = y * 0.999 + 0.001
    return y
