"""A reference: about the tightest pure-Python engine with autograd-lite's semantics, to show
how close the real engine comes to the limit of plain Python.

Semantics kept: every node in ``__slots__``; its parents as a tuple in operand order (``a*a``
has two entries) with the local derivatives beside them, computed in the forward pass; no
closures, so no reference cycles; plain numbers take no node; an iterative Kahn backward
(no recursion limit) in which intermediate gradients start from zero on every pass and leaf
gradients accumulate. Left out: labels, no_grad and detect_anomaly, domain checks, pictures,
pickling, ``create_graph``: what makes the real engine a library rather than a loop.

It builds the same graphs as the real engine: micrograd's for a "micrograd" workload, nn's
neurons (one dot node, a +, an activation) and losses for a "dot" one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import mul
from typing import Any, cast

from bench.engines import sum_of_products
from bench.workloads import Network, Training


class Node:
    """A scalar, its gradient, and its parents with the local derivative for each."""

    __slots__ = ("data", "grad", "parents", "local", "pending", "mark")

    data: float
    grad: float
    parents: tuple[Node, ...]
    local: tuple[float, ...]
    pending: int
    mark: object

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad = 0.0
        self.parents = ()
        self.local = ()
        self.mark = None

    def __add__(self, other: Node | float) -> Node:
        if type(other) is Node:
            return _node(self.data + other.data, (self, other), (1.0, 1.0))
        return _node(self.data + cast(float, other), (self,), (1.0,))

    __radd__ = __add__

    def __mul__(self, other: Node | float) -> Node:
        if type(other) is Node:
            b = other.data
            return _node(self.data * b, (self, other), (b, self.data))
        number = cast(float, other)
        return _node(self.data * number, (self,), (number,))

    __rmul__ = __mul__

    def __neg__(self) -> Node:
        return _node(-self.data, (self,), (-1.0,))

    def __rsub__(self, other: float) -> Node:
        return _node(other - self.data, (self,), (-1.0,))

    def __sub__(self, other: Node | float) -> Node:
        return self + -other

    def __pow__(self, exponent: float) -> Node:
        return _node(self.data**exponent, (self,), (exponent * self.data ** (exponent - 1.0),))

    def relu(self) -> Node:
        x = self.data
        return _node(x, (self,), (1.0,)) if x > 0.0 else _node(0.0, (self,), (0.0,))

    def backward(self) -> None:
        """Kahn's order from this node: count every node's uses, then hand each its gradient."""
        mark = object()  # a node whose mark is this one has been met in this pass
        self.pending = 0
        self.mark = mark
        stack = [self]
        while stack:
            for parent in stack.pop().parents:
                if parent.mark is mark:
                    parent.pending += 1
                else:
                    parent.mark = mark
                    parent.pending = 1
                    if parent.parents:
                        parent.grad = 0.0
                    stack.append(parent)
        self.grad = 1.0
        ready = [self]
        while ready:
            node = ready.pop()
            upstream = node.grad
            for parent, local in zip(node.parents, node.local):
                parent.grad += upstream * local
                parent.pending -= 1
                if not parent.pending:
                    ready.append(parent)


_new = object.__new__


def _node(data: float, parents: tuple[Node, ...], local: tuple[float, ...]) -> Node:
    """A computed node, its slots filled without a call to __init__."""
    out: Node = _new(Node)
    out.data = data
    out.grad = 0.0
    out.parents = parents
    out.local = local
    out.mark = None
    return out


def dot(weights: Sequence[Node], inputs: Sequence[Node | float]) -> Node:
    """One node for w . x; the data rows of a first layer are plain floats, which take no parent slot."""
    wd = [w.data for w in weights]
    if type(inputs[0]) is Node:
        xd = [x.data for x in inputs]  # type: ignore[union-attr]
        return _node(sum(map(mul, wd, xd), 0.0), (*weights, *inputs), (*xd, *wd))  # type: ignore[arg-type]
    return _node(sum(map(mul, wd, inputs), 0.0), tuple(weights), tuple(inputs))  # type: ignore[arg-type]


def total(terms: Sequence[Node]) -> Node:
    """One node for the sum of ``terms``."""
    return _node(sum([t.data for t in terms], 0.0), tuple(terms), (1.0,) * len(terms))


def _dot_model(network: Network) -> tuple[Callable[[Sequence[Any]], Node], list[Node]]:
    """nn's MLP: act(dot(w, x) + b) per neuron."""
    layers = [
        [([Node(w) for w in row], Node(bias)) for row, bias in zip(rows, biases, strict=True)]
        for rows, biases in zip(network.weights, network.biases, strict=True)
    ]

    def forward(x: Sequence[Any]) -> Node:
        for index, layer in enumerate(layers):
            kind = network.activation(index)
            x = [sum_of_products.activate(kind, dot(w, x) + b) for w, b in layer]
        return x[0]  # type: ignore[no-any-return]

    return forward, [p for layer in layers for w, b in layer for p in (*w, b)]


def _dot_loss(training: Training, scores: list[Node], params: list[Node]) -> Node:
    """nn.hinge (or mse) and nn.l2, node for node."""
    n = len(scores)
    if training.loss == "hinge":
        data = total([(1.0 - y * s).relu() for s, y in zip(scores, training.Y, strict=True)]) * (1.0 / n)
    else:
        errors = [s - y for s, y in zip(scores, training.Y, strict=True)]
        data = dot(errors, errors) * (0.5 if training.loss == "sse" else 1.0 / n)
    return data + dot(params, params) * training.l2 if training.l2 else data


def train_step(training: Training) -> Callable[[int], float]:
    """A function that runs update ``k`` (forward, backward, SGD) and returns the loss before it."""
    if training.style == "micrograd":
        return sum_of_products.demo_loop(training, Node)
    forward, params = _dot_model(training.network)

    def loss() -> Node:
        return _dot_loss(training, [forward(x) for x in training.X], params)

    momentum = training.momentum
    deltas = [0.0] * len(params)

    def step(k: int) -> float:
        result = loss()
        for p in params:
            p.grad = 0.0
        result.backward()
        lr = training.lr(k)
        for index, p in enumerate(params):
            deltas[index] = -lr * p.grad + momentum * deltas[index]
            p.data += deltas[index]
        return result.data

    return step


def chain(steps: int) -> tuple[float, float]:
    """y = y * 0.999 + 0.001 from a leaf y0 = 0.5, then backward: (y, dy/dy0)."""
    return sum_of_products.chain(Node, steps)


def build_chain(steps: int) -> object:
    """The chain's graph, to be held while the process's memory is measured."""
    return sum_of_products.grow_chain(Node(0.5), steps)
