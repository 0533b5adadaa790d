"""A reference: the least a pure-Python reverse-mode engine can do per node, to show where the
limit of plain Python lies on this machine and interpreter.

One object per node (everything in ``__slots__``: data, gradient, up to two operands and their
local derivatives, computed in the forward pass), an iterative Kahn backward, and nothing else:
no labels, no op names, no plain-number operands kept for the picture (``x * 2.0`` keeps only
``x``), no checks of any kind, no modes, no pickling, no tuple-operand ops. It is what the
targets of issue 16 are measured against: an engine that keeps autograd-lite's semantics cannot
be faster than this one, only as fast.

It builds micrograd's graph (``bench.engines.sum_of_products``) for the micrograd-style demo
step, and the chain.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.engines import sum_of_products
from bench.workloads import Training

_new = object.__new__


class Bare:
    """A scalar, its gradient, and at most two operands with the local derivative of each."""

    __slots__ = ("data", "grad", "a", "b", "da", "db", "pending", "mark")

    data: float
    grad: float
    a: Bare | None
    b: Bare | None
    da: float
    db: float
    pending: int
    mark: object

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad = 0.0
        self.a = self.b = None
        self.mark = None

    def __add__(self, other: Bare | float) -> Bare:
        out: Bare = _new(Bare)
        out.grad = 0.0
        out.mark = None
        out.a = self
        out.da = 1.0
        if type(other) is Bare:
            out.data = self.data + other.data
            out.b = other
            out.db = 1.0
        else:
            out.data = self.data + other  # type: ignore[assignment]  # a plain number (no cast(): a call)
            out.b = None
        return out

    __radd__ = __add__

    def __mul__(self, other: Bare | float) -> Bare:
        out: Bare = _new(Bare)
        out.grad = 0.0
        out.mark = None
        out.a = self
        if type(other) is Bare:
            out.data = self.data * other.data
            out.da = other.data
            out.b = other
            out.db = self.data
        else:
            out.data = self.data * other  # type: ignore[assignment]  # a plain number (no cast(): a call)
            out.da = other  # type: ignore[assignment]
            out.b = None
        return out

    __rmul__ = __mul__

    def relu(self) -> Bare:
        out: Bare = _new(Bare)
        out.grad = 0.0
        out.mark = None
        x = self.data
        positive = x > 0.0
        out.data = x if positive else 0.0
        out.a = self
        out.da = 1.0 if positive else 0.0
        out.b = None
        return out

    def backward(self) -> None:
        """Kahn's order from this node: count each node's uses, then hand each its gradient."""
        mark = object()  # a node whose mark is this one has been met in this pass
        self.mark = mark
        self.pending = 0
        stack = [self]
        pop, push = stack.pop, stack.append
        while stack:  # the same lines for both operand slots: a loop over them would build a tuple per node
            node = pop()
            a = node.a
            if a is None:
                continue
            if a.mark is mark:
                a.pending += 1
            else:
                a.mark = mark
                a.pending = 1
                if a.a is not None:  # intermediate gradients start from zero; leaves accumulate
                    a.grad = 0.0
                push(a)
            b = node.b
            if b is not None:
                if b.mark is mark:
                    b.pending += 1
                else:
                    b.mark = mark
                    b.pending = 1
                    if b.a is not None:
                        b.grad = 0.0
                    push(b)
        self.grad = 1.0
        ready = [self]
        pop, push = ready.pop, ready.append
        while ready:
            node = pop()
            upstream = node.grad
            a = node.a
            if a is None:
                continue
            a.grad += upstream * node.da
            a.pending -= 1
            if not a.pending:
                push(a)
            b = node.b
            if b is not None:
                b.grad += upstream * node.db
                b.pending -= 1
                if not b.pending:
                    push(b)


def train_step(training: Training) -> Callable[[int], float]:
    """micrograd's demo loop on Bare nodes: forward, zero the parameters, backward, SGD."""
    return sum_of_products.demo_loop(training, Bare)


def chain(steps: int) -> tuple[float, float]:
    """y = y * 0.999 + 0.001 from a leaf y0 = 0.5, then backward: (y, dy/dy0)."""
    return sum_of_products.chain(Bare, steps)


def build_chain(steps: int) -> object:
    """The chain's graph, to be held while the process's memory is measured."""
    return sum_of_products.grow_chain(Bare(0.5), steps)
