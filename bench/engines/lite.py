"""autograd-lite, eager: the training step as a user writes it.

For a "dot" workload, as a user of the ``nn`` package: ``nn.MLP`` (each neuron one ``dot`` node,
a ``+`` and an activation), ``nn``'s losses and ``l2`` penalty, ``nn.SGD``; inputs are the data
set's plain float rows, as ``nn.fit`` passes them. For a "micrograd" workload, as micrograd's demo
loop: micrograd's graph (``bench.engines.sum_of_products``) on autograd-lite Values, inputs
wrapped as Values, ``p.grad = 0``, ``backward()``, ``p.data -= lr * p.grad``. The digits run is
``nn.fit`` itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import nn
from autograd_lite import Value
from bench.engines import sum_of_products
from bench.workloads import Digits, Network, Training

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


def micrograd_loss(training: Training) -> tuple[Callable[[], Value], list[Value]]:
    """micrograd's graph on autograd-lite Values: a function building the loss, and the parameters."""
    return sum_of_products.loss_function(training, Value)


def train_step(training: Training) -> Callable[[int], float]:
    """A function that runs update ``k`` (forward, backward, SGD) and returns the loss before it."""
    if training.style == "micrograd":
        return _micrograd_step(training)
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


def _micrograd_step(training: Training) -> Callable[[int], float]:
    return sum_of_products.demo_loop(training, Value)


def fit_digits(recipe: Digits, compiled: bool) -> dict[str, Any]:
    """Train the digits MLP with ``nn.fit`` (eager, or ``compiled=True``); time it and score the test set."""
    model = nn.MLP(recipe.sizes[0], list(recipe.sizes[1:]), activation=recipe.activation, init="xavier", rng=recipe.seed)
    optimizer = nn.Adam(model.parameters(), lr=recipe.lr)
    started = time.perf_counter()
    history = nn.fit(model, recipe.X_train, recipe.y_train, loss="cross_entropy", optimizer=optimizer,
                     epochs=recipe.epochs, batch_size=recipe.batch_size, seed=recipe.seed, progress=False,
                     compiled=compiled)  # fmt: skip
    seconds = time.perf_counter() - started
    accuracy = nn.accuracy(model, recipe.X_test, recipe.y_test, rule="argmax")
    return {"value": seconds, "unit": "s", "check": history.loss[-1], "accuracy": accuracy,
            "train_accuracy": history.accuracy[-1], "epochs": history.epochs}  # fmt: skip


def train_digits(recipe: Digits) -> dict[str, Any]:
    """The digits run, eager."""
    return fit_digits(recipe, compiled=False)


def chain(steps: int) -> tuple[float, float]:
    """y = y * 0.999 + 0.001 from a leaf y0 = 0.5, then backward: (y, dy/dy0)."""
    return sum_of_products.chain(Value, steps)


def build_chain(steps: int) -> object:
    """The chain's graph, to be held while the process's memory is measured."""
    return sum_of_products.grow_chain(Value(0.5), steps)
