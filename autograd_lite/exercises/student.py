"""Run one recipe on a student's Value class and on autograd-lite, and say how they differ.

The student's class is used the way micrograd's is: ``Value(number)``, operators and methods,
``.data``, ``.grad``, and ``backward()``. Before a student has written ``backward()``, each
node's ``_backward()`` is run in a correct order (found through ``_prev``), as micrograd's
lecture does by hand; that order can also tell a fault in ``backward()`` from one in an op.
Every run of the student's code has a time limit, so a loop that never ends is reported as one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..engine import grad
from ..value import Value
from .expressions import BY_KEY, LARGEST, Recipe, step_formulas
from .placeholders import is_unwritten
from .time_limit import Deadline, OutOfTime

BACKWARD = "backward()"
BY_HAND = "_backward()"
NO_GRADIENTS = "none"
TIME_LIMIT = 2.0
"""Seconds one expression of a student's class may run (its values and its backward pass)."""


@dataclass(frozen=True)
class Fault:
    """Where a student's run differs from autograd-lite's.

    ``kind`` is 'raised' (an exception, ``step`` None when backward raised it), 'value' (the
    result of ``step``), 'grad' (the gradient of input ``input``), 'no grad' (no number there) or
    'timeout' (``step``, or backward when None, did not finish in time).
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


def gradient_style(value_class: type, seconds: float = TIME_LIMIT) -> str:
    """How the student's gradients are run: their ``backward()``, each node's ``_backward()`` in a
    correct order (also while ``backward()`` is a stub: ``...``, ``pass`` or a NotImplementedError),
    or not at all."""
    try:
        with Deadline(seconds):
            node = value_class(1.0)
    except (Exception, OutOfTime):
        return NO_GRADIENTS
    by_hand = BY_HAND if hasattr(node, "_backward") else NO_GRADIENTS
    backward = getattr(value_class, "backward", None)
    if not callable(backward):
        return by_hand
    if is_unwritten(backward):
        return by_hand
    try:
        with Deadline(seconds):
            node.backward()
    except NotImplementedError:
        # A stub the student has not filled in yet, as in a lesson's scaffold.
        return by_hand
    except (Exception, OutOfTime):
        pass  # a broken backward() is checked, and reported with an expression
    return BACKWARD


def has_backward_steps(value_class: type, seconds: float = TIME_LIMIT) -> bool:
    """True when the class's Values have micrograd's ``_backward``, so each operation's backward
    step can be run on its own and in an order of our own."""
    try:
        with Deadline(seconds):
            return callable(getattr(value_class(1.0), "_backward", None))
    except (Exception, OutOfTime):
        return False


def run(
    recipe: Recipe, value_class: type, style: str, expected: Reference, seconds: float = TIME_LIMIT
) -> Fault | None:
    """Build the recipe from the student's class, run its gradients in ``style``, and return the
    first difference from ``expected`` (None when there is none); each run has ``seconds``."""
    progress = _Progress()
    try:
        with Deadline(seconds):
            return _run(recipe, value_class, style, expected, progress)
    except OutOfTime:
        if progress.step is None:
            what = "f.backward()" if style == BACKWARD else "the _backward() calls"
        elif progress.step < 0:
            what = f"{value_class.__name__}(...)"
        else:
            what = step_formulas(recipe)[progress.step]
        return Fault("timeout", progress.step, error=f"{what} did not finish within {format_seconds(seconds)}")


@dataclass
class _Progress:
    """Where a timed run has got to: -1 making the inputs, a step's index, None the backward pass."""

    step: int | None = -1


def _run(recipe: Recipe, value_class: type, style: str, expected: Reference, progress: _Progress) -> Fault | None:
    try:
        leaves = [value_class(x) for x in recipe.inputs]
    except Exception as error:
        return Fault("raised", 0, error=_said(f"{value_class.__name__}(...)", error))
    pool: list[Any] = list(leaves)
    for position, (key, args) in enumerate(recipe.steps):
        progress.step = position
        operation = BY_KEY[key]
        spelled = operation.spelling.format("a", "b")
        try:
            result = operation.apply(*(pool[i] for i in args))
            if result is None:
                return Fault("raised", position, error=f"{spelled} returned None: the method must end with `return out`")
            data = float(result.data)
        except Exception as error:
            return Fault("raised", position, error=_said(spelled, error))
        if not same(data, expected.values[position]):
            return Fault("value", position, yours=data, expected=expected.values[position])
        pool.append(result)
    if style == NO_GRADIENTS:
        return None
    progress.step = None
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
        if not same(yours, expected.grads[index]):
            return Fault("grad", input=index, yours=yours, expected=expected.grads[index])
    return None


def run_by_hand(output: Any, results: Sequence[Any], seed: float = 1.0) -> None:
    """Seed ``output.grad`` (1, or the gradient arriving from above) and call every node's
    ``_backward()`` once, each after all of its users: the order comes from ``_prev`` when nodes
    have it, else from the recipe's own steps."""
    output.grad = seed
    order = nodes_below(output) if hasattr(output, "_prev") else list(reversed(results))
    for node in order:
        node._backward()


def nodes_below(output: Any) -> list[Any]:
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


def format_seconds(seconds: float) -> str:
    """'2 s', '0.5 s': a time limit for people."""
    return f"{seconds:g} s"


def same(yours: float, expected: float) -> bool:
    """True when a student's number is autograd-lite's, to rounding."""
    return math.isclose(yours, expected, rel_tol=1e-6, abs_tol=1e-9)


def _said(where: str, error: Exception) -> str:
    return f"{where} raised {type(error).__name__}: {error}"
