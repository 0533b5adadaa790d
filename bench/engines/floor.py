"""The floor: the same networks' backpropagation written by hand on plain Python floats.

No graph, no objects per number: a forward pass that keeps each layer's activations, the
textbook backward pass (output delta, hidden deltas through the transposed weights, weight
gradient = delta x activation) and the SGD update. Every sample does the full work, as the
engines do: no skipping of samples whose hinge margin or relu is inactive. This is about as
fast as a pure-Python step of these networks gets, so the other engines are measured against it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import repeat
from operator import add, mul

from bench.workloads import Training

Vector = list[float]


def _activate(kind: str, z: Vector) -> Vector:
    if kind == "relu":
        return [v if v > 0.0 else 0.0 for v in z]
    if kind == "tanh":
        return [math.tanh(v) for v in z]
    if kind == "sigmoid":
        return [1.0 / (1.0 + math.exp(-v)) if v >= 0.0 else math.exp(v) / (1.0 + math.exp(v)) for v in z]
    return z


def _slope(kind: str, z: Vector, a: Vector) -> Vector:
    """d activation / d z, from the pre-activation z and the activation a."""
    if kind == "relu":
        return [1.0 if v > 0.0 else 0.0 for v in z]
    if kind == "tanh":
        return [1.0 - v * v for v in a]
    if kind == "sigmoid":
        return [v * (1.0 - v) for v in a]
    return [1.0] * len(z)


def _loss_and_slope(kind: str, score: float, target: float, n: int) -> tuple[float, float]:
    """The loss of one sample and d loss / d score."""
    if kind == "hinge":
        margin = 1.0 - target * score
        return (margin / n, -target / n) if margin > 0.0 else (0.0, 0.0)
    error = score - target
    if kind == "mse":
        return error * error / n, 2.0 * error / n
    return 0.5 * error * error, error  # sse


def train_step(training: Training) -> Callable[[int], float]:
    """A function that runs update ``k`` (forward, backward, SGD) and returns the loss before it."""
    net = training.network
    weights = [[list(row) for row in rows] for rows in net.weights]
    biases = [list(b) for b in net.biases]
    kinds = [net.activation(i) for i in range(len(weights))]
    deltas_w = [[[0.0] * len(row) for row in rows] for rows in weights]
    deltas_b = [[0.0] * len(b) for b in biases]
    X, Y, n = training.X, training.Y, len(training.X)
    alpha, momentum = training.l2, training.momentum

    def step(k: int) -> float:
        grads_w = [[[0.0] * len(row) for row in rows] for rows in weights]
        grads_b = [[0.0] * len(b) for b in biases]
        # The transposed weights carry the deltas back; they change once per step, not per sample.
        columns = [[list(col) for col in zip(*rows, strict=True)] for rows in weights]
        total = 0.0
        for x, target in zip(X, Y, strict=True):
            inputs, pre, post = [], [], []
            a: Vector = x
            for rows, b, kind in zip(weights, biases, kinds, strict=True):
                z = [sum(map(mul, row, a), 0.0) + bias for row, bias in zip(rows, b, strict=True)]
                inputs.append(a)
                pre.append(z)
                a = _activate(kind, z)
                post.append(a)
            loss, d_score = _loss_and_slope(training.loss, a[0], target, n)
            total += loss
            delta = [d_score * s for s in _slope(kinds[-1], pre[-1], post[-1])]
            for layer in range(len(weights) - 1, -1, -1):
                seen = inputs[layer]
                gw, gb = grads_w[layer], grads_b[layer]
                for j, d in enumerate(delta):
                    gw[j] = list(map(add, gw[j], map(mul, repeat(d), seen)))
                    gb[j] += d
                if layer:
                    back = [sum(map(mul, col, delta), 0.0) for col in columns[layer]]
                    delta = list(map(mul, back, _slope(kinds[layer - 1], pre[layer - 1], post[layer - 1])))
        if alpha:
            total += alpha * sum(w * w for rows in weights for row in rows for w in row)
            total += alpha * sum(v * v for b in biases for v in b)
        lr = training.lr(k)
        for layer, rows in enumerate(weights):
            for j, row in enumerate(rows):
                grad_row = grads_w[layer][j]
                if alpha:
                    grad_row = [g + 2.0 * alpha * w for g, w in zip(grad_row, row, strict=True)]
                old = deltas_w[layer][j]
                new = [momentum * d - lr * g for d, g in zip(old, grad_row, strict=True)]
                deltas_w[layer][j] = new
                rows[j] = list(map(add, row, new))
                g_b = grads_b[layer][j] + (2.0 * alpha * biases[layer][j] if alpha else 0.0)
                deltas_b[layer][j] = momentum * deltas_b[layer][j] - lr * g_b
                biases[layer][j] += deltas_b[layer][j]
        return total

    return step


def chain(steps: int) -> tuple[float, float]:
    """y = y * 0.999 + 0.001 from y = 0.5, and dy/dy0 by the chain rule on floats."""
    y = 0.5
    for _ in range(steps):
        y = y * 0.999 + 0.001
    slope = 1.0
    for _ in range(steps):
        slope *= 0.999
    return y, slope
