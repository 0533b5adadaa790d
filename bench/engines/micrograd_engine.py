"""micrograd 0.1.0 (PyPI), the way its demo notebook trains: ``micrograd.nn.MLP`` for the demo,
micrograd's Neuron arithmetic (``sum(w_i * x_i, b)``) for the other networks, and the update
``p.data -= lr * p.grad``.

micrograd 0.1.0 has no tanh, exp or sigmoid, so tanh and sigmoid are added here in micrograd's
own style (a closure that adds to the operand's grad), as its lecture adds tanh by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from micrograd.engine import Value  # type: ignore[import-untyped]  # micrograd ships no type hints
from micrograd.nn import MLP  # type: ignore[import-untyped]

from bench.engines import sum_of_products
from bench.workloads import Network, Training


def _tanh(v: Any) -> Any:
    t = math.tanh(v.data)
    out = Value(t, (v,), "tanh")

    def _backward() -> None:
        v.grad += (1.0 - t * t) * out.grad

    out._backward = _backward
    return out


def _sigmoid(v: Any) -> Any:
    x = v.data
    s = 1.0 / (1.0 + math.exp(-x)) if x >= 0.0 else math.exp(x) / (1.0 + math.exp(x))
    out = Value(s, (v,), "sigmoid")

    def _backward() -> None:
        v.grad += s * (1.0 - s) * out.grad

    out._backward = _backward
    return out


def _activate(kind: str, v: Any) -> Any:
    if kind == "relu":
        return v.relu()
    if kind == "tanh":
        return _tanh(v)
    if kind == "sigmoid":
        return _sigmoid(v)
    return v


def _model(network: Network) -> tuple[Callable[[Sequence[Any]], Any], list[Any]]:
    """The network as a function of one input row, and its parameters."""
    if network.hidden == "relu" and network.output == "linear":
        mlp = MLP(network.sizes[0], list(network.sizes[1:]))
        for layer, rows, biases in zip(mlp.layers, network.weights, network.biases, strict=True):
            for neuron, row, bias in zip(layer.neurons, rows, biases, strict=True):
                for weight, value in zip(neuron.w, row, strict=True):
                    weight.data = value
                neuron.b.data = bias
        return mlp, mlp.parameters()
    # micrograd's Value has only relu: tanh and sigmoid come from the functions above.
    return sum_of_products.model(network, Value, _activate)


def train_step(training: Training) -> Callable[[int], float]:
    """A function that runs update ``k`` (forward, backward, SGD) and returns the loss before it."""
    model, params = _model(training.network)
    inputs = [[Value(x) for x in row] for row in training.X]
    n, alpha, momentum = len(training.X), training.l2, training.momentum
    deltas = [0.0] * len(params)

    def step(k: int) -> float:
        scores = [model(x) for x in inputs]
        if training.loss == "hinge":
            total = sum((1 + -y * s).relu() for y, s in zip(training.Y, scores, strict=True)) * (1.0 / n)
        elif training.loss == "mse":
            total = sum((s - y) ** 2 for y, s in zip(training.Y, scores, strict=True)) * (1.0 / n)
        else:
            total = 0.5 * sum((s - y) ** 2 for y, s in zip(training.Y, scores, strict=True))
        if alpha:
            total = total + alpha * sum(p * p for p in params)
        for p in params:
            p.grad = 0
        total.backward()
        lr = training.lr(k)
        for index, p in enumerate(params):
            deltas[index] = -lr * p.grad + momentum * deltas[index]
            p.data += deltas[index]
        return float(total.data)

    return step


def chain(steps: int) -> tuple[float, float]:
    """y = y * 0.999 + 0.001 from a leaf y0 = 0.5, then backward (RecursionError past ~1000 steps)."""
    return sum_of_products.chain(Value, steps)


def build_chain(steps: int) -> object:
    """The chain's graph, to be held while the process's memory is measured."""
    return sum_of_products.grow_chain(Value(0.5), steps)
