"""The benchmark workloads, defined once in plain Python so that every engine trains exactly the
same network from exactly the same numbers.

A ``Training`` is a network (layer sizes, activations, initial weights), a data set, a loss and
an SGD schedule; each engine turns it into a step function (forward, backward, update). Its
``style`` says which graph a scalar engine builds: "dot" is nn's neuron (one dot node, a + and
an activation); "micrograd" is micrograd's neuron, ``sum((wi * xi for wi, xi in zip(w, x)), b)``
(2n + 1 nodes), with micrograd's demo loss written as its notebook writes it. The chain
workloads are sizes only; ``digits`` is a recipe for a whole training run. Nothing here imports
an engine, so a worker process loads only the engine it measures.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field

Matrix = list[list[float]]


@dataclass(frozen=True)
class Network:
    """A layered perceptron: ``weights[layer][neuron]`` is a row of fan-in weights."""

    sizes: tuple[int, ...]
    hidden: str  # "relu", "tanh" or "sigmoid"
    output: str  # "linear" or "sigmoid"
    weights: list[Matrix]
    biases: list[list[float]]

    def activation(self, layer: int) -> str:
        """The activation of ``layer`` (0-based): ``hidden`` except on the last layer."""
        return self.output if layer == len(self.weights) - 1 else self.hidden

    def flat_parameters(self) -> list[float]:
        """Every weight and bias, neuron by neuron: w_1..w_n then b (nn's parameter order)."""
        flat: list[float] = []
        for rows, biases in zip(self.weights, self.biases, strict=True):
            for row, bias in zip(rows, biases, strict=True):
                flat.extend(row)
                flat.append(bias)
        return flat


@dataclass(frozen=True)
class Training:
    """One full-batch training step: forward over every sample, loss, backward, SGD update."""

    name: str
    network: Network
    X: Matrix
    Y: list[float]
    loss: str  # "hinge" (mean relu(1 - y s)), "mse" (mean (s - y)**2) or "sse" (1/2 sum (s - y)**2)
    l2: float  # alpha in + alpha * sum p**2; 0 for none
    lr_start: float
    lr_end: float
    lr_steps: int
    momentum: float
    description: str = field(default="")
    style: str = "dot"  # "dot" (nn's neurons) or "micrograd" (sum of products, as micrograd builds it)

    def lr(self, step: int) -> float:
        """The learning rate of update ``step``: a straight line from lr_start to lr_end, then flat."""
        return self.lr_start + (self.lr_end - self.lr_start) * min(step, self.lr_steps) / self.lr_steps


def _uniform_network(
    sizes: tuple[int, ...], hidden: str, output: str, rng: random.Random, scale: float, bias_scale: float
) -> Network:
    weights: list[Matrix] = []
    biases: list[list[float]] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        weights.append([[rng.uniform(-scale, scale) for _ in range(fan_in)] for _ in range(fan_out)])
        biases.append([rng.uniform(-bias_scale, bias_scale) if bias_scale else 0.0 for _ in range(fan_out)])
    return Network(sizes, hidden, output, weights, biases)


def moons(n: int, noise: float, seed: int) -> tuple[Matrix, list[float]]:
    """sklearn's two moons with Gaussian noise, labels -1 (outer) and +1 (inner), as micrograd's demo."""
    rng = random.Random(seed)
    outer = n // 2
    points: list[tuple[float, float, float]] = []
    for i in range(outer):
        t = math.pi * i / (outer - 1)
        points.append((math.cos(t), math.sin(t), -1.0))
    for i in range(n - outer):
        t = math.pi * i / (n - outer - 1)
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1.0))
    rng.shuffle(points)
    X = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] for x, y, _ in points]
    return X, [label for _, _, label in points]


def mirror_symmetry(bits: int) -> tuple[Matrix, list[float]]:
    """Every bit pattern, target 1.0 when it reads the same reversed (Rumelhart et al. 1986)."""
    patterns = [[float((k >> (bits - 1 - i)) & 1) for i in range(bits)] for k in range(2**bits)]
    return patterns, [1.0 if p == p[::-1] else 0.0 for p in patterns]


def demo() -> Training:
    """micrograd's demo step: MLP(2, [16, 16, 1]), 100 moons points, hinge + 1e-4 L2, SGD."""
    X, Y = moons(100, 0.1, seed=1)
    network = _uniform_network((2, 16, 16, 1), "relu", "linear", random.Random(0), 1.0, 0.0)
    return Training("demo", network, X, Y, "hinge", 1e-4, 1.0, 0.1, 100, 0.0,
                    "micrograd's demo step: MLP(2, [16, 16, 1]) relu, 100 moons points, hinge + 1e-4 L2, SGD")


def demo_micrograd() -> Training:
    """micrograd's demo step as micrograd builds it: the same network, data and loss, 2n+1 nodes per neuron."""
    training = demo()
    return Training("demo-mg", training.network, training.X, training.Y, training.loss, training.l2,
                    training.lr_start, training.lr_end, training.lr_steps, training.momentum,
                    "micrograd's demo step, built as micrograd builds it: sum(wi * xi) + b per neuron",
                    style="micrograd")  # fmt: skip


def deep() -> Training:
    """A deep narrow network: 20 tanh layers of width 8 and a linear output, 32 samples, MSE."""
    rng = random.Random(2)
    X = [[rng.uniform(-1.0, 1.0) for _ in range(8)] for _ in range(32)]
    Y = [math.sin(sum(row)) for row in X]
    network = _uniform_network((8, *([8] * 20), 1), "tanh", "linear", random.Random(3), 0.5, 0.1)
    return Training("deep", network, X, Y, "mse", 0.0, 0.05, 0.05, 1, 0.0,
                    "20 tanh layers of width 8 + linear output, 32 samples, MSE, SGD")


def symmetry() -> Training:
    """The mirror-symmetry task: 6-2-1 sigmoid network, all 64 patterns, sse, eta 0.1, alpha 0.9."""
    X, Y = mirror_symmetry(6)
    network = _uniform_network((6, 2, 1), "sigmoid", "sigmoid", random.Random(4), 0.3, 0.3)
    return Training("symmetry", network, X, Y, "sse", 0.0, 0.1, 0.1, 1, 0.9,
                    "mirror symmetry (Rumelhart et al. 1986): 6-2-1 sigmoid, 64 patterns, sse, momentum 0.9")


TRAININGS = {"demo-mg": demo_micrograd, "demo": demo, "deep": deep, "symmetry": symmetry}
"""Every training workload by name."""


@dataclass(frozen=True)
class Digits:
    """A whole training run on scikit-learn's 8x8 digits: a 64-32-10 MLP (Xavier-initialised),
    cross-entropy, Adam, shuffled mini-batches."""

    X_train: Matrix
    y_train: list[int]
    X_test: Matrix
    y_test: list[int]
    sizes: tuple[int, ...]
    activation: str
    epochs: int
    batch_size: int
    lr: float
    seed: int


def digits(quick: bool = False) -> Digits:
    """The 1,797 digits (shipped inside scikit-learn, no download), pixels scaled to [0, 1],
    shuffled with a fixed seed and split 80/20 into training and test sets."""
    from sklearn.datasets import load_digits  # type: ignore[import-untyped]  # bench-only, no type hints

    data = load_digits()
    rows = [[pixel / 16.0 for pixel in row] for row in data.data.tolist()]
    labels = [int(label) for label in data.target.tolist()]
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    cut = len(rows) * 4 // 5
    # A quick run trains on 300 samples for one epoch: a smoke test of the whole path.
    train, test = order[: 300 if quick else cut], order[cut:]
    return Digits(
        [rows[i] for i in train], [labels[i] for i in train], [rows[i] for i in test], [labels[i] for i in test],
        (64, 32, 10), "tanh", epochs=1 if quick else DIGITS_EPOCHS, batch_size=64, lr=0.02, seed=0,
    )


DIGITS_EPOCHS = 8
"""Epochs of the digits run: enough for at least 95% test accuracy (96.4% with these settings)."""

CHAIN_STEPS = 100_000
"""y = y * 0.999 + 0.001, this many times, then backward."""

MEMORY_STEPS = 200_000
"""The chain held in memory while the process's resident size is measured."""

BIG_CHAIN_STEPS = 1_000_000
"""The chain that must backpropagate under the default recursion limit."""
