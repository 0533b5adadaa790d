"""Check a student's own engine: ``check_engine(value_class)`` runs a micrograd-style Value class
(whatever it has of ``+ - * / ** tanh exp relu``, unary minus and plain-number operands) on every
operation alone and on random expressions, against autograd-lite, and reports the first
operation whose value or gradient is wrong with the smallest expression that shows it.

Operations are checked in the order a student writes them, each alone at a few points (and, with
``reuse``, with one operand used twice: ``x + x``); then random expressions combine them. A
failing expression is shrunk while it still fails, so the report shows a small program the
student can paste and run.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..checked_io import format_number
from .expressions import (
    BY_KEY,
    INPUT_NAMES,
    OPERATIONS,
    Operation,
    Recipe,
    as_code,
    random_recipe,
    simpler,
    single,
)
from .student import BACKWARD, BY_HAND, NO_GRADIENTS, Fault, Reference, gradient_style, reference, run

_UNARY_POINTS = ((1.5,), (-0.5,), (2.5,), (-1.75,))
_BINARY_POINTS = ((1.5, -0.5), (-2.0, 2.5), (0.75, 3.0), (-1.25, -0.5))
# A smaller expression must fail this many runs in a row to be taken, each with the student's
# nodes at other addresses (a set of children is ordered by address).
_RUNS = 6
# Shrinking stops after this many tries, so even a pathological class gets its report quickly.
_SHRINK_BUDGET = 600

ACCUMULATE = (
    "A node used more than once gets one contribution per use, and they must add up: in every "
    "_backward write `operand.grad += ...`, never `operand.grad = ...`."
)
ORDER = (
    "Every operation's _backward is right: run once each, every node after all of the nodes that "
    "use it, they give autograd-lite's gradients. So the fault is in backward(): it must call each "
    "node's _backward exactly once, after all of that node's users (a topological sort that keeps "
    "a set of the nodes it has visited)."
)


@dataclass(frozen=True)
class EngineReport:
    """What ``check_engine`` found: ``ok``; the first wrong ``operation`` ('+', 'tanh', or
    'backward()' when every operation is right alone; None when the class has no operation to
    check yet), ``problem`` (what differs), ``expression``
    (the smallest program that shows it, as lines), ``yours`` and ``expected`` (the two numbers
    that differ, when numbers differ), ``hint``; the operations found ``right`` and those
    ``missing`` (not written yet); ``tried``, how many random expressions were run."""

    class_name: str
    ok: bool
    operation: str | None
    problem: str
    expression: tuple[str, ...]
    hint: str
    right: tuple[str, ...]
    missing: tuple[str, ...]
    gradients: str
    tried: int
    yours: float | None = None
    expected: float | None = None

    def __str__(self) -> str:
        if self.ok:
            verdict = "all right"
        elif self.operation is None:
            verdict = "nothing to check yet"
        else:
            verdict = f"{self.operation} is wrong"
        lines = [f"check_engine({self.class_name}): {verdict}"]
        if self.ok:
            lines.append(self.problem)
        else:
            if self.expression:
                lines.append("The smallest expression that shows it:")
                lines.extend(f"    {line}" for line in self.expression)
            lines.append(self.problem)
            if self.hint:
                lines.append(self.hint)
        if self.gradients == NO_GRADIENTS:
            lines.append("Gradients not checked yet: the class has neither backward() nor _backward.")
        elif self.gradients == BY_HAND:
            lines.append("No backward() yet: each node's _backward() was run in a correct order.")
        if self.right:
            lines.append(f"{'Right' if self.ok else 'Right on their own'}: {_listed(_grouped(self.right))}.")
        if self.missing:
            lines.append(f"Not written yet: {', '.join(self.missing)}.")
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython shows the report as its text, so a cell may end with ``report``."""
        printer.text(str(self))


def check_engine(value_class: type, *, reuse: bool = True, trials: int = 200, seed: int = 0) -> EngineReport:
    """Run ``value_class`` (micrograd-style: ``Value(x)``, operators, ``.data``, ``.grad``,
    ``backward()``) against autograd-lite and report the first wrong operation.

    ``reuse=False`` keeps every expression a tree (no ``x + x``, no node used twice), for a class
    whose gradients do not accumulate yet. ``trials`` random expressions follow the checks of
    each operation alone; ``seed`` fixes them.
    """
    if not isinstance(value_class, type):
        raise TypeError(f"check_engine: give the class itself, got {type(value_class).__name__}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 0:
        raise ValueError(f"check_engine: trials must be an int >= 0, got {trials!r}")
    name = value_class.__name__
    style = gradient_style(value_class)
    broken = _construction_fault(value_class)
    present, missing = _survey(value_class)
    context = _Context(value_class, name, style, reuse, missing)
    if broken:
        return context.report(False, f"{name}(...)", broken)
    if not present:
        return context.report(False, None, "The class has none of + * - / ** tanh exp relu yet.")
    right: list[str] = []
    for operation in present:
        for recipe in _alone(operation, reuse):
            expected = reference(recipe)
            fault = None if expected is None else run(recipe, value_class, style, expected)
            if fault is not None:
                return context.wrong_alone(operation, recipe, fault, right)
        if operation.name not in right:
            right.append(operation.name)
    rng = random.Random(seed)
    tried = 0
    for _ in range(trials):
        recipe = random_recipe(rng, present, reuse)
        expected = reference(recipe)
        if expected is None:
            continue
        tried += 1
        fault = run(recipe, value_class, style, expected)
        if fault is not None:
            return context.wrong_together(recipe, fault, present, right, tried)
    together = "with nodes used more than once" if reuse else "as trees, each node used once"
    summary = (
        f"{_listed(_grouped(right))} give autograd-lite's values"
        + ("" if style == NO_GRADIENTS else " and gradients")
        + f", each alone and in {tried} random expressions {together}."
    )
    return context.report(True, None, summary, right=right, tried=tried)


@dataclass(frozen=True)
class _Context:
    """What every report of one check shares, and how each kind of failure is reported."""

    value_class: type
    name: str
    style: str
    reuse: bool
    missing: list[str]

    def report(
        self,
        ok: bool,
        operation: str | None,
        problem: str,
        *,
        expression: Sequence[str] = (),
        hint: str = "",
        right: Sequence[str] = (),
        tried: int = 0,
        fault: Fault | None = None,
    ) -> EngineReport:
        yours, expected = (fault.yours, fault.expected) if fault is not None else (None, None)
        return EngineReport(self.name, ok, operation, problem, tuple(expression), hint, tuple(right),
                            tuple(self.missing), self.style, tried, yours, expected)  # fmt: skip

    def wrong_alone(self, operation: Operation, recipe: Recipe, fault: Fault, right: list[str]) -> EngineReport:
        """An operation wrong on its own (or with its operand twice)."""
        recipe, fault, _, varies = self.shrink(recipe, fault, [operation])
        if fault.kind == "grad" and recipe.reuses():
            hint = f"{INPUT_NAMES[0]} is used twice. " + ACCUMULATE
        elif fault.kind == "raised":
            hint = ""
        else:
            hint = f"autograd-lite's rule: {operation.rule}"
        return self.report(False, operation.name, _problem(fault, varies), expression=self.code(recipe, fault),
                           hint=hint, right=right, fault=fault)  # fmt: skip

    def wrong_together(
        self, recipe: Recipe, fault: Fault, present: list[Operation], right: list[str], tried: int
    ) -> EngineReport:
        """Every operation right alone, but a random expression wrong: shrink it and say why."""
        recipe, fault, expected, varies = self.shrink(recipe, fault, present)
        operation, hint = "backward()", ""
        if fault.step is not None and fault.kind in ("value", "raised"):
            step = BY_KEY[recipe.steps[fault.step][0]]
            operation = step.name
            hint = f"autograd-lite's rule: {step.rule}" if fault.kind == "value" else ""
        elif fault.kind == "grad":
            operation, hint = self.why_gradients_differ(recipe, expected)
        return self.report(False, operation, _problem(fault, varies), expression=self.code(recipe, fault),
                           hint=hint, right=right, tried=tried, fault=fault)  # fmt: skip

    def why_gradients_differ(self, recipe: Recipe, expected: Reference) -> tuple[str, str]:
        """'backward()' and the order hint when the student's _backwards, run in a correct order,
        are right; otherwise the operation whose _backward overwrites a gradient, if one does."""
        by_hand = self.style == BACKWARD and _has_backward_steps(self.value_class)
        if by_hand and run(recipe, self.value_class, BY_HAND, expected) is None:
            return "backward()", ORDER
        for key in dict.fromkeys(key for key, _ in recipe.steps):
            if _overwrites(BY_KEY[key], self.value_class):
                culprit = BY_KEY[key].name
                return culprit, f"The _backward of {culprit} replaces the gradient its operand already holds. " + ACCUMULATE
        return "backward()", ACCUMULATE

    def shrink(
        self, recipe: Recipe, fault: Fault, operations: Sequence[Operation]
    ) -> tuple[Recipe, Fault, Reference, bool]:
        """The smallest recipe reached by taking ``simpler`` steps that fail in every run, its
        fault, autograd-lite's numbers, and whether the student's numbers change between runs."""
        expected = reference(recipe)
        assert expected is not None
        settled = self.always_fails(recipe, expected)
        fault, varies = settled if settled is not None else (fault, True)
        budget = _SHRINK_BUDGET
        improved = True
        while improved and budget > 0:
            improved = False
            for candidate in simpler(recipe, operations, self.reuse):
                budget -= 1
                candidate_expected = reference(candidate)
                found = None if candidate_expected is None else self.always_fails(candidate, candidate_expected)
                if found is not None and candidate_expected is not None:
                    recipe, expected, improved = candidate, candidate_expected, True
                    fault, varies = found
                    break
                if budget <= 0:
                    break
        return recipe, fault, expected, varies

    def always_fails(self, recipe: Recipe, expected: Reference) -> tuple[Fault, bool] | None:
        """The fault when every one of a few runs shows it, and whether the runs disagree on the
        numbers. A student's node keeps its children in a set, ordered by the nodes' addresses,
        so the order of a backward pass can change from run to run; a program that shows a fault
        only sometimes would puzzle rather than help."""
        padding: list[list[int]] = []
        faults: list[Fault] = []
        for attempt in range(_RUNS):
            # Objects kept alive between runs move the next run's nodes to other addresses.
            padding.append(list(range(attempt * 7 + 1)))
            found = run(recipe, self.value_class, self.style, expected)
            if found is None:
                return None
            faults.append(found)
        first = faults[0]
        return first, any((f.kind, f.input, f.yours) != (first.kind, first.input, first.yours) for f in faults)

    def code(self, recipe: Recipe, fault: Fault) -> list[str]:
        # A fault in the forward pass shows without backward(); the student's _backward-only
        # class has no backward() to call, so the program says what the check did instead.
        if fault.kind in ("value", "raised") and fault.step is not None:
            return as_code(recipe, self.name, backward=False)
        lines = as_code(recipe, self.name, backward=self.style == BACKWARD)
        if self.style == BY_HAND:
            lines.append("# then f.grad = 1 and each node's _backward() in a correct order")
        return lines


def _construction_fault(value_class: type) -> str:
    """Why ``value_class(1.5)`` is not a Value holding 1.5, or '' when it is."""
    try:
        made = value_class(1.5)
        data = float(made.data)
    except Exception as error:
        return f"{value_class.__name__}(1.5) must make a Value with .data 1.5; it raised {type(error).__name__}: {error}"
    if data != 1.5:
        return f"{value_class.__name__}(1.5).data must be 1.5, got {format_number(data, 6)}"
    return ""


def _survey(value_class: type) -> tuple[list[Operation], list[str]]:
    """The operations the class has, and the names of those it has not written yet."""
    present: list[Operation] = []
    absent: list[Operation] = []
    for operation in OPERATIONS:
        if getattr(value_class, operation.method, None) is None:
            absent.append(operation)
            continue
        try:
            operation.apply(*(value_class(x) for x in (1.5, -0.5)[: operation.arity]))
        except NotImplementedError:
            absent.append(operation)
            continue
        except (TypeError, AttributeError):
            # A method written for Values only: plain numbers are an optional extra, not a fault.
            if operation.number:
                absent.append(operation)
                continue
        except Exception:
            pass  # the checks report it, with the expression
        present.append(operation)
    names = list(dict.fromkeys(o.name for o in absent if not o.number and o.name not in {p.name for p in present}))
    numbers = [o for o in OPERATIONS if o.number]
    if all(o in absent for o in numbers):
        names.append("numbers as operands (x + 2, 2 * x, ...)")
    else:
        names.extend(o.name for o in numbers if o in absent)
    return present, names


def _alone(operation: Operation, reuse: bool) -> list[Recipe]:
    """The recipes that apply ``operation`` once: at each point, and with x twice when ``reuse``."""
    if operation.arity == 1:
        return [single(operation, point) for point in _UNARY_POINTS]
    recipes = [single(operation, point) for point in _BINARY_POINTS]
    if reuse:
        recipes += [single(operation, point, repeated=True) for point in _BINARY_POINTS]
    return recipes


def _has_backward_steps(value_class: type) -> bool:
    try:
        return hasattr(value_class(1.0) + value_class(2.0), "_backward")
    except Exception:
        return False


def _overwrites(operation: Operation, value_class: type) -> bool:
    """True when the operation's _backward replaces the gradient its operands already hold."""
    recipe = single(operation, (1.5, -0.5))
    expected = reference(recipe)
    try:
        leaves = [value_class(x) for x in recipe.inputs]
        out = operation.apply(*leaves)
        for leaf in leaves:
            leaf.grad = 10.0
        out.grad = 1.0
        out._backward()
        yours = [float(leaf.grad) for leaf in leaves]
    except Exception:
        return False
    assert expected is not None
    return any(abs(y - (10.0 + g)) > 1e-6 * (1.0 + abs(g)) for y, g in zip(yours, expected.grads, strict=True))


def _problem(fault: Fault, varies: bool) -> str:
    """One line saying what differs (and, when it does, that the student's number changes)."""
    if fault.kind == "raised" or fault.kind == "no grad":
        return fault.error
    yours, expected = _pair(fault.yours, fault.expected)
    if varies:
        yours += " in one run (another may give another number: your nodes keep their children in a set, whose order changes)"
    if fault.kind == "value":
        return f"f.data: yours {yours}, autograd-lite {expected}"
    assert fault.input is not None
    return f"{INPUT_NAMES[fault.input]}.grad: yours {yours}, autograd-lite {expected}"


def _pair(yours: float | None, expected: float | None) -> tuple[str, str]:
    """Both numbers short, unless that would make two different numbers look the same."""
    assert yours is not None and expected is not None
    short = format_number(yours, 6), format_number(expected, 6)
    return short if short[0] != short[1] else (repr(yours), repr(expected))


def _grouped(names: Sequence[str]) -> list[str]:
    """The names, with the plain-number variants as one entry when all of them are there."""
    numbers = [o.name for o in OPERATIONS if o.number]
    if all(name in names for name in numbers):
        return [name for name in names if name not in numbers] + ["numbers on either side"]
    return list(names)


def _listed(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
