"""Student engines for the check_engine tests: a correct micrograd-style Value class, written here
from the rules (not from autograd-lite), and deliberately broken copies of it, each with one
mistake students make. Every operation builds nodes of the class it was called on, so a broken
subclass stays broken all the way through a graph."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any


class Correct:
    """micrograd's design: data, grad, a set of children, and a closure per node."""

    def __init__(self, data: float, children: Iterable[Any] = ()) -> None:
        self.data = data
        self.grad = 0.0
        self._backward: Callable[[], None] = lambda: None
        self._prev = set(children)

    def _lift(self, other: Any) -> Any:
        return other if isinstance(other, Correct) else type(self)(other)

    def __add__(self, other: Any) -> Any:
        other = self._lift(other)
        out = type(self)(self.data + other.data, (self, other))

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Any) -> Any:
        other = self._lift(other)
        out = type(self)(self.data * other.data, (self, other))

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k: float) -> Any:
        out = type(self)(self.data**k, (self,))

        def _backward() -> None:
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> Any:
        t = math.tanh(self.data)
        out = type(self)(t, (self,))

        def _backward() -> None:
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Any:
        e = math.exp(self.data)
        out = type(self)(e, (self,))

        def _backward() -> None:
            self.grad += e * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Any:
        out = type(self)(max(0.0, self.data), (self,))

        def _backward() -> None:
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> Any:
        return self * -1

    def __radd__(self, other: Any) -> Any:
        return self + other

    def __sub__(self, other: Any) -> Any:
        return self + (-self._lift(other))

    def __rsub__(self, other: Any) -> Any:
        return self._lift(other) + (-self)

    def __rmul__(self, other: Any) -> Any:
        return self * other

    def __truediv__(self, other: Any) -> Any:
        return self * self._lift(other) ** -1

    def __rtruediv__(self, other: Any) -> Any:
        return self._lift(other) * self**-1

    def backward(self) -> None:
        order: list[Any] = []
        visited: set[Any] = set()
        stack: list[tuple[Any, bool]] = [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


class MulSwapsNothing(Correct):
    """``*`` whose backward gives each operand its own data instead of the other one's."""

    def __mul__(self, other: Any) -> Any:
        other = self._lift(other)
        out = type(self)(self.data * other.data, (self, other))

        def _backward() -> None:
            self.grad += self.data * out.grad
            other.grad += other.data * out.grad

        out._backward = _backward
        return out


class AddOverwrites(Correct):
    """``+`` whose backward sets its operands' gradients instead of adding to them: a + a is wrong."""

    def __add__(self, other: Any) -> Any:
        other = self._lift(other)
        out = type(self)(self.data + other.data, (self, other))

        def _backward() -> None:
            self.grad = out.grad
            other.grad = out.grad

        out._backward = _backward
        return out


class TanhOverwrites(Correct):
    """tanh whose backward sets its operand's gradient: right alone, wrong when x has other uses."""

    def tanh(self) -> Any:
        t = math.tanh(self.data)
        out = type(self)(t, (self,))

        def _backward() -> None:
            self.grad = (1 - t * t) * out.grad

        out._backward = _backward
        return out


class RevisitingSort(Correct):
    """backward() with a recursive topological sort that forgets which nodes it has visited, so a
    node reached along two paths has its _backward run twice."""

    def backward(self) -> None:
        order: list[Any] = []

        def visit(node: Any) -> None:
            for child in node._prev:
                visit(child)
            order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


class TanhValueWrong(Correct):
    """tanh computed as a sigmoid: the forward value itself is wrong."""

    def tanh(self) -> Any:
        s = 1 / (1 + math.exp(-self.data))
        out = type(self)(s, (self,))

        def _backward() -> None:
            self.grad += (1 - s * s) * out.grad

        out._backward = _backward
        return out


class ReluWrongBelowZero(Correct):
    """relu whose derivative is 1 everywhere: right for positive inputs only."""

    def relu(self) -> Any:
        out = type(self)(max(0.0, self.data), (self,))

        def _backward() -> None:
            self.grad += out.grad

        out._backward = _backward
        return out


class AddAndMulOnly:
    """The lesson's second step: + and * with _backward closures and no backward() yet; tanh is
    a stub for a later step."""

    def __init__(self, data: float, children: Iterable[Any] = ()) -> None:
        self.data = data
        self.grad = 0.0
        self._backward: Callable[[], None] = lambda: None
        self._prev = set(children)

    def __add__(self, other: Any) -> Any:
        out = AddAndMulOnly(self.data + other.data, (self, other))

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Any) -> Any:
        out = AddAndMulOnly(self.data * other.data, (self, other))

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> Any:
        raise NotImplementedError("step 5")


class BackwardStub(AddAndMulOnly):
    """The lesson's scaffold for step 3: backward() is still a stub."""

    def backward(self) -> None:
        raise NotImplementedError("step 3")


class NothingYet:
    """The lesson's scaffold for step 2: the operations are still stubs."""

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad = 0.0

    def __add__(self, other: Any) -> Any:
        raise NotImplementedError("step 2")


class ExpRaises(Correct):
    """exp that fails with an error of its own."""

    def exp(self) -> Any:
        raise ValueError("forgot to import math")


class ForwardOnly:
    """Values with + and nothing for gradients."""

    def __init__(self, data: float) -> None:
        self.data = data

    def __add__(self, other: Any) -> Any:
        return ForwardOnly(self.data + other.data)


# The battery: one broken class per family of mistakes check_engine must name where it lives.


class MulForgetsUpstream(Correct):
    """``*`` whose backward adds the local derivative alone, without ``out.grad``: the commonest
    bug, right whenever the gradient from above is 1."""

    def __mul__(self, other: Any) -> Any:
        other = self._lift(other)
        out = type(self)(self.data * other.data, (self, other))

        def _backward() -> None:
            self.grad += other.data
            other.grad += self.data

        out._backward = _backward
        return out


class AddAddsOne(Correct):
    """``+`` whose backward adds the constant 1 instead of ``out.grad``."""

    def __add__(self, other: Any) -> Any:
        other = self._lift(other)
        out = type(self)(self.data + other.data, (self, other))

        def _backward() -> None:
            self.grad += 1.0
            other.grad += 1.0

        out._backward = _backward
        return out


class TanhOneMinusT(Correct):
    """tanh whose local derivative is ``1 - t``: the square forgotten."""

    def tanh(self) -> Any:
        t = math.tanh(self.data)
        out = type(self)(t, (self,))

        def _backward() -> None:
            self.grad += (1 - t) * out.grad

        out._backward = _backward
        return out


class PowKTimesXToK(Correct):
    """``**`` whose local derivative is ``k * x**k``: the power not lowered by one."""

    def __pow__(self, k: float) -> Any:
        out = type(self)(self.data**k, (self,))

        def _backward() -> None:
            self.grad += k * self.data**k * out.grad

        out._backward = _backward
        return out


class AddForgetsChildren(Correct):
    """``+`` whose result does not record its operands, so backward() cannot reach them."""

    def __add__(self, other: Any) -> Any:
        other = self._lift(other)
        out = type(self)(self.data + other.data)

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out


class SubSwapped(Correct):
    """``a - b`` computed as ``b - a``."""

    def __sub__(self, other: Any) -> Any:
        return self._lift(other) + (-self)


class ReluWrongSide(Correct):
    """relu whose derivative is taken on the wrong side: ``self.data < 0``."""

    def relu(self) -> Any:
        out = type(self)(max(0.0, self.data), (self,))

        def _backward() -> None:
            self.grad += (1.0 if self.data < 0 else 0.0) * out.grad

        out._backward = _backward
        return out


def _topological(root: Any) -> list[Any]:
    """micrograd's topological order (children first), with its visited set."""
    order: list[Any] = []
    visited: set[Any] = set()

    def visit(node: Any) -> None:
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)

    visit(root)
    return order


class BackwardWithoutSeed(Correct):
    """backward() that never sets ``self.grad = 1``."""

    def backward(self) -> None:
        for node in reversed(_topological(self)):
            node._backward()


class BackwardNotReversed(Correct):
    """backward() that walks the topological order from the inputs up."""

    def backward(self) -> None:
        self.grad = 1.0
        for node in _topological(self):
            node._backward()


class BackwardNeverReturns(Correct):
    """backward() whose loop never ends."""

    def backward(self) -> None:
        self.grad = 1.0
        while True: pass  # noqa: E701  # one line on purpose: a loop that sends no line events


class ForgotReturn(Correct):
    """exp whose method builds the result and forgets ``return out``."""

    def exp(self) -> Any:  # type: ignore[return]
        e = math.exp(self.data)
        out = type(self)(e, (self,))
        out._backward = lambda: None


class PlaceholdersLeft(AddAndMulOnly):
    """A scaffold with ``...`` where the student's code goes: tanh (inherited stub aside), exp and
    backward() are not written yet."""

    def exp(self) -> Any:
        """e ** self."""
        ...

    def relu(self) -> Any:
        pass

    def backward(self) -> None:
        ...
