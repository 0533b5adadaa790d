"""Run one recipe on a student's Value class and on autograd-lite, and say how they differ.

The student's class is used the way micrograd's is: ``Value(number)``, operators and methods,
``.data``, ``.grad``, and ``backward()``. Before a student has written ``backward()``, each
node's ``_backward()`` is run in a correct order (found through ``_prev``), as micrograd's
lecture does by hand; that order can also tell a fault in ``backward()`` from one in an op.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..engine import grad
from ..value import Value
from .expressions import BY_KEY, LARGEST, Recipe

BACKWARD = "backward()"
BY_HAND = "_backward()"
NO_GRADIENTS = "none"


@dataclass(frozen=True)
class Fault:
    """Where a student's run differs from autograd-lite's.

    ``kind`` is 'raised' (an exception, ``step`` None when backward raised it), 'value' (the
    result of ``step``), 'grad' (the gradient of input ``input``) or 'no grad' (no number there).
    """

    kind: str
    step: int | None = None
    input: int | None = None
    yours: float | None = None
    expected: float | None = None
    error: str = ""


@dataclass(frozen=True)
class Reference:
    """autograd-lite's results for a recipe: every step's value and every input's gradient."""

    values: list[float]
    grads: list[float]


def reference(recipe: Recipe) -> Reference | None:
    """autograd-lite's numbers, or None where the recipe meets a pole, a kink or overflow (points
    where two correct engines may disagree)."""
    leaves = [Value(x) for x in recipe.inputs]
    pool: list[Value] = list(leaves)
    try:
        for key, args in recipe.steps:
            operation = BY_KEY[key]
            operands = [pool[i] for i in args]
            if not operation.defined(*(p.data for p in operands)):
                return None
            result = operation.apply(*operands)
            if not _moderate(result.data):
                return None
            pool.append(result)
        grads = grad(pool[-1], leaves)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    if not all(_moderate(g) for g in grads):
        return None
    return Reference([v.data for v in pool[len(leaves) :]], grads)


def _moderate(x: float) -> bool:
    return math.isfinite(x) and abs(x) <= LARGEST


def gradient_style(value_class: type) -> str:
    """How the student's gradients are run: their ``backward()``, each node's ``_backward()`` in a
    correct order (also while ``backward()`` is a stub that raises NotImplementedError), or not
    at all."""
    try:
        node = value_class(1.0)
    except Exception:
        return NO_GRADIENTS
    if callable(getattr(value_class, "backward", None)):
        try:
            node.backward()
        except NotImplementedError:
            # A stub the student has not filled in yet, as in a lesson's scaffold.
            return BY_HAND if hasattr(node, "_backward") else NO_GRADIENTS
        except Exception:
            pass  # a broken backward() is checked, and reported with an expression
        return BACKWARD
    return BY_HAND if hasattr(node, "_backward") else NO_GRADIENTS


def run(recipe: Recipe, value_class: type, style: str, expected: Reference) -> Fault | None:
    """Build the recipe from the student's class, run its gradients in ``style``, and return the
    first difference from ``expected`` (None when there is none)."""
    try:
        leaves = [value_class(x) for x in recipe.inputs]
    except Exception as error:
        return Fault("raised", 0, error=_said(f"{value_class.__name__}(...)", error))
    pool: list[Any] = list(leaves)
    for position, (key, args) in enumerate(recipe.steps):
        operation = BY_KEY[key]
        try:
            result = operation.apply(*(pool[i] for i in args))
            data = float(result.data)
        except Exception as error:
            return Fault("raised", position, error=_said(operation.spelling.format("a", "b"), error))
        if not _same(data, expected.values[position]):
            return Fault("value", position, yours=data, expected=expected.values[position])
        pool.append(result)
    if style == NO_GRADIENTS:
        return None
    try:
        if style == BACKWARD:
            pool[-1].backward()
        else:
            run_by_hand(pool[-1], pool[len(leaves) :])
    except Exception as error:
        return Fault("raised", None, error=_said(style, error))
    for index, leaf in enumerate(leaves):
        try:
            yours = float(leaf.grad)
        except Exception as error:
            return Fault("no grad", input=index, error=_said(".grad", error))
        if not _same(yours, expected.grads[index]):
            return Fault("grad", input=index, yours=yours, expected=expected.grads[index])
    return None


def run_by_hand(output: Any, results: Sequence[Any]) -> None:
    """Seed ``output.grad = 1`` and call every node's ``_backward()`` once, each after all of its
    users: the order comes from ``_prev`` when nodes have it, else from the recipe's own steps."""
    output.grad = 1.0
    order = _order_by_prev(output) if hasattr(output, "_prev") else list(reversed(results))
    for node in order:
        node._backward()


def _order_by_prev(output: Any) -> list[Any]:
    """Every node below ``output`` through ``_prev``, users first (an iterative depth-first sort)."""
    seen: set[int] = set()
    finished: list[Any] = []
    stack: list[tuple[Any, bool]] = [(output, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            finished.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in node._prev if id(child) not in seen)
    return finished[::-1]


def _same(yours: float, expected: float) -> bool:
    return math.isclose(yours, expected, rel_tol=1e-6, abs_tol=1e-9)


def _said(where: str, error: Exception) -> str:
    return f"{where} raised {type(error).__name__}: {error}"
