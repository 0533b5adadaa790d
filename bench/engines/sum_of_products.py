"""micrograd's graph, written once for every scalar engine that builds it here: a neuron is
``sum((wi * xi for wi, xi in zip(w, x)), b)`` (2n + 1 nodes) and the loss is written as
micrograd's demo notebook writes it, so autograd-lite, the tight reference engine and the
batched replay all build exactly micrograd's nodes from the same numbers.

``make`` turns a float into the engine's scalar type; activations are the methods of that type.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bench.workloads import Network, Training

Scalar = Any


def activate(kind: str, v: Scalar) -> Scalar:
    """The layer's activation as a method of the scalar type (micrograd's ``relu()``), or none."""
    if kind == "linear":
        return v
    return getattr(v, kind)()


def model(
    network: Network, make: Callable[[float], Scalar], act: Callable[[str, Scalar], Scalar] = activate
) -> tuple[Callable[[Sequence[Scalar]], Scalar], list[Scalar]]:
    """The network as a function of one input row (the first output), and its parameters in nn's
    order; ``act(kind, v)`` applies a layer's activation (the scalar type's method by default)."""
    layers = [
        [([make(w) for w in row], make(bias)) for row, bias in zip(rows, biases, strict=True)]
        for rows, biases in zip(network.weights, network.biases, strict=True)
    ]

    def forward(x: Sequence[Scalar]) -> Scalar:
        for index, layer in enumerate(layers):
            kind = network.activation(index)
            x = [act(kind, sum((wi * xi for wi, xi in zip(w, x, strict=True)), b)) for w, b in layer]
        return x[0]

    return forward, [p for layer in layers for w, b in layer for p in (*w, b)]


def sample_loss(training: Training, score: Scalar, target: float) -> Scalar:
    """One sample's term of the loss, before the batch weight: micrograd's max-margin term for hinge."""
    if training.loss == "hinge":
        return (1 + -target * score).relu()
    return (score - target) ** 2


def batch_weight(training: Training) -> float:
    """What the sum of the sample terms is multiplied by: 1/n for a mean, 1/2 for sse."""
    return 0.5 if training.loss == "sse" else 1.0 / len(training.X)


def total_loss(training: Training, scores: Sequence[Scalar], params: Sequence[Scalar]) -> Scalar:
    """micrograd's demo loss: sum of the sample terms times the batch weight, + alpha * sum p*p."""
    terms = [sample_loss(training, s, y) for s, y in zip(scores, training.Y, strict=True)]
    total = sum(terms) * batch_weight(training)
    if training.l2:
        total = total + training.l2 * sum(p * p for p in params)
    return total


def loss_function(training: Training, make: Callable[[float], Scalar]) -> tuple[Callable[[], Scalar], list[Scalar]]:
    """micrograd's graph on ``make``'s scalars: a function building the loss over the whole data
    set (inputs wrapped once, as micrograd's demo wraps them), and the parameters."""
    forward, params = model(training.network, make)
    inputs = [[make(x) for x in row] for row in training.X]

    def loss() -> Scalar:
        return total_loss(training, [forward(x) for x in inputs], params)

    return loss, params


def demo_loop(training: Training, make: Callable[[float], Scalar]) -> Callable[[int], float]:
    """micrograd's demo loop on ``make``'s scalars: a function running update ``k`` (forward,
    ``p.grad = 0``, backward, SGD with the workload's momentum) that returns the loss before it."""
    loss, params = loss_function(training, make)
    momentum = training.momentum
    deltas = [0.0] * len(params)

    def step(k: int) -> float:
        total = loss()
        for p in params:
            p.grad = 0
        total.backward()
        lr = training.lr(k)
        for index, p in enumerate(params):
            deltas[index] = -lr * p.grad + momentum * deltas[index]
            p.data += deltas[index]
        return float(total.data)

    return step


def grow_chain(y: Scalar, steps: int) -> Scalar:
    """y = y * 0.999 + 0.001, ``steps`` times: the chain workload's graph below ``y``."""
    for _ in range(steps):
        y = y * 0.999 + 0.001
    return y


def chain(make: Callable[[float], Scalar], steps: int) -> tuple[float, float]:
    """The chain from y0 = 0.5 built and backpropagated: (y, dy/dy0), the second 0.999 ** steps."""
    x = make(0.5)
    y = grow_chain(x, steps)
    y.backward()
    return float(y.data), float(x.grad)
