"""autograd-lite, eager: the training step as a user of the ``nn`` package writes it.

``nn.MLP`` (each neuron one ``dot`` node, a ``+`` and an activation), ``nn``'s losses and ``l2``
penalty, ``nn.SGD``; inputs are the data set's plain float rows, as ``nn.fit`` passes them.
"""

from __future__ import annotations

from collections.abc import Callable

import nn
from autograd_lite import Value
from bench.workloads import Network, Training

LOSSES = {"hinge": nn.hinge, "mse": nn.mse, "sse": nn.sse}


def make_model(network: Network) -> nn.MLP:
    """An ``nn.MLP`` holding exactly the workload's initial weights."""
    model = nn.MLP(network.sizes[0], list(network.sizes[1:]), network.hidden, network.output, rng=0)
    for layer, rows, biases in zip(model.layers, network.weights, network.biases, strict=True):
        for neuron, row, bias in zip(layer.neurons, rows, biases, strict=True):
            for weight, value in zip(neuron.w, row, strict=True):
                weight.data = value
            neuron.b.data = bias
    return model


def make_loss(training: Training, model: nn.MLP) -> Callable[[], Value]:
    """The forward pass: a function that builds the loss graph over the whole data set."""
    loss_fn = LOSSES[training.loss]
    params = model.parameters()
    X, Y, alpha = training.X, training.Y, training.l2

    def loss() -> Value:
        scores = [model(x) for x in X]
        total = loss_fn(scores, Y)
        return total + nn.l2(params, alpha) if alpha else total

    return loss


def train_step(training: Training) -> Callable[[int], float]:
    """A function that runs update ``k`` (forward, backward, SGD) and returns the loss before it."""
    model = make_model(training.network)
    loss = make_loss(training, model)
    optimizer = nn.SGD(model.parameters(), lr=training.lr, momentum=training.momentum)

    def step(k: int) -> float:
        total = loss()
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        return total.data

    return step


def chain(steps: int) -> tuple[float, float]:
    """y = y * 0.999 + 0.001 from a leaf y0 = 0.5, then backward: (y, dy/dy0)."""
    x = Value(0.5)
    y = x
    for _ in range(steps):
        y = y * 0.999 + 0.001
    y.backward()
    return y.data, x.grad


def build_chain(steps: int) -> object:
    """The chain's graph, to be held while the process's memory is measured."""
    y = Value(0.5)
    for _ in range(steps):
        y = y * 0.999 + 0.001
    return y
