"""Check a student's own engine: ``check_engine(value_class)`` runs a micrograd-style Value class
(whatever it has of ``+ - * / ** tanh exp relu``, unary minus and plain-number operands) against
autograd-lite and reports the first mistake where it lives, with the smallest expression that
shows it.

The checks go from the small to the large, so each family of mistakes is named in the code that
has it: each operation's value alone; each operation's backward step alone, run by hand with a
gradient from above that is not 1 and operands that already hold gradient (a step that forgets
``out.grad``, adds a constant, writes ``=`` for ``+=``, has a wrong local derivative or does not
record its children is named there); random expressions run by hand in a correct order; and
last ``backward()`` itself, whose run is watched (a missing seed, an order not reversed, a sort
without a visited set). A failing expression is shrunk while it still fails, so the report shows
a small program the student can paste and run. Every run of the student's code has a time limit.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..text import describe, format_number
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
    step_formulas,
)
from .naming import shown_pair
from .placeholders import is_placeholder, is_unwritten
from .rules import ACCUMULATE, RuleFault, check_rule
from .student import (
    BACKWARD,
    BY_HAND,
    NO_GRADIENTS,
    TIME_LIMIT,
    Fault,
    Reference,
    format_seconds,
    gradient_style,
    has_backward_steps,
    reference,
    run,
)
from .time_limit import Deadline, OutOfTime
from .traversal import diagnose_backward

_UNARY_POINTS = ((1.5,), (-0.5,), (2.5,), (-1.75,))
_BINARY_POINTS = ((1.5, -0.5), (-2.0, 2.5), (0.75, 3.0), (-1.25, -0.5))
# A smaller expression must fail this many runs in a row to be taken, each with the student's
# nodes at other addresses (a set of children is ordered by address).
_RUNS = 6
# Shrinking stops after this many tries, so even a pathological class gets its report quickly.
_SHRINK_BUDGET = 600

NEVER_ENDS = (
    "backward() never returned: look for a loop whose condition never turns false, such as a "
    "`while stack:` that keeps pushing nodes it has already seen, or a node that is its own child."
)
UNSEEN = (
    "Every operation is right on its own, but not in this expression. Without a _backward to run on "
    "its own the check cannot tell where: either an operation's backward replaces the gradient an "
    "operand already holds (write `+=`), or backward() does not run each node's step exactly once, "
    "after all of the nodes that use it."
)
TOGETHER = (
    "Every operation's _backward is right on its own, yet run by hand in a correct order from "
    "f.grad = 1 they give other gradients together: look for a _backward that reads a number that "
    "changes later (another node's data or grad) instead of the one it had when the node was made."
)


@dataclass(frozen=True)
class EngineReport:
    """What ``check_engine`` found: ``ok``; the ``operation`` whose code is wrong ('+', 'tanh', or
    'backward()' when the fault is in the traversal or the seed; None when the class has no
    operation to check yet), ``problem`` (what differs), ``expression`` (the smallest program
    that shows it, as lines), ``yours`` and ``expected`` (the two numbers that differ, when
    numbers differ), ``hint`` (the mistake, in words); the operations found ``right`` and those
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


def check_engine(
    value_class: type,
    *,
    reuse: bool = True,
    trials: int = 200,
    seed: int = 0,
    time_limit: float = TIME_LIMIT,
) -> EngineReport:
    """Run ``value_class`` (micrograd-style: ``Value(x)``, operators, ``.data``, ``.grad``,
    ``backward()``) against autograd-lite and report the first mistake, where it lives.

    ``reuse=False`` keeps every expression a tree (no ``x + x``, no node used twice, no gradient
    already held), for a class whose gradients do not accumulate yet. ``trials`` random
    expressions follow the checks of each operation alone; ``seed`` fixes them. Each expression
    may run for ``time_limit`` seconds; one that runs longer is reported as not finishing.
    ``check_engine(...)``, the placeholder of an unanswered cell, reports that there is no class yet.
    """
    if is_placeholder(value_class):
        return EngineReport("...", False, None, "No class yet: put your Value class in place of the ... .",
                            (), "", (), (), "", 0)  # fmt: skip
    if not isinstance(value_class, type):
        raise TypeError(f"check_engine: give the class itself, got {type(value_class).__name__}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 0:
        raise ValueError(f"check_engine: trials must be an int >= 0, got {describe(trials)}")
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not 0 < time_limit < math.inf:
        raise ValueError(f"check_engine: time_limit must be a number of seconds > 0, got {describe(time_limit)}")
    seconds = float(time_limit)
    name = value_class.__name__
    style = gradient_style(value_class, seconds)
    by_hand = style != NO_GRADIENTS and has_backward_steps(value_class, seconds)
    broken = _construction_fault(value_class, seconds)
    present, missing = _survey(value_class, seconds)
    context = _Context(value_class, name, style, reuse, missing, seconds)
    if broken:
        return context.report(False, f"{name}(...)", broken)
    if not present:
        return context.report(False, None, "The class has none of + * - / ** tanh exp relu yet.")
    right: list[str] = []
    for operation in present:
        report = context.check_alone(operation, by_hand, right)
        if report is not None:
            return report
        if operation.name not in right:
            right.append(operation.name)
    rng = random.Random(seed)
    together: list[tuple[Recipe, Reference]] = []
    for _ in range(trials):
        recipe = random_recipe(rng, present, reuse)
        expected = reference(recipe)
        if expected is not None:
            together.append((recipe, expected))
    tried = len(together)
    if by_hand:
        found = context.first_fault(together, BY_HAND)
        if found is not None:
            return context.wrong_together(*found, present, right, tried, BY_HAND)
    if style == BACKWARD:
        alone = [(r, reference(r)) for operation in present for r in _alone(operation, reuse)] if by_hand else []
        found = context.first_fault([*alone, *together], BACKWARD)
        if found is not None:
            if by_hand:
                return context.wrong_backward(*found, present, right, tried)
            return context.wrong_together(*found, present, right, tried, BACKWARD)
    kind = "with nodes used more than once" if reuse else "as trees, each node used once"
    summary = (
        f"{_listed(_grouped(right))} give autograd-lite's values"
        + ("" if style == NO_GRADIENTS else " and gradients")
        + f", each alone and in {tried} random expressions {kind}."
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
    seconds: float

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

    def check_alone(self, operation: Operation, by_hand: bool, right: list[str]) -> EngineReport | None:
        """The report of ``operation``'s first fault on its own (its values, then its backward
        step), or None when it has none."""
        recipes = [(recipe, reference(recipe)) for recipe in _alone(operation, self.reuse)]
        found = self.first_fault(recipes, NO_GRADIENTS)
        if found is not None:
            return self.wrong_alone(operation, *found, right, NO_GRADIENTS)
        if by_hand:
            points = _UNARY_POINTS if operation.arity == 1 else _BINARY_POINTS
            rule_fault = check_rule(operation, points, self.value_class, self.reuse, self.seconds)
            return None if rule_fault is None else self.wrong_rule(operation, rule_fault, right)
        if self.style == BACKWARD:
            # No _backward to run on its own: the operation alone through the student's backward().
            found = self.first_fault(recipes, BACKWARD)
            if found is not None:
                return self.wrong_alone(operation, *found, right, BACKWARD)
        return None

    def first_fault(self, recipes: Sequence[tuple[Recipe, Reference | None]], style: str) -> tuple[Recipe, Fault] | None:
        """The first of ``recipes`` (each with autograd-lite's numbers, None where it is undefined)
        that the student's class gets wrong run as ``style`` says, and its fault; or None."""
        for recipe, expected in recipes:
            fault = None if expected is None else run(recipe, self.value_class, style, expected, self.seconds)
            if fault is not None:
                return recipe, fault
        return None

    def wrong_alone(
        self, operation: Operation, recipe: Recipe, fault: Fault, right: list[str], style: str
    ) -> EngineReport:
        """An operation wrong on its own (or with its operand twice)."""
        recipe, fault, _, varies = self.shrink(recipe, fault, [operation], style)
        if fault.kind == "grad" and recipe.reuses():
            hint = f"{INPUT_NAMES[0]} is used twice. " + ACCUMULATE
        elif fault.kind in ("raised", "timeout"):
            hint = ""
        elif fault.kind == "value":
            hint = _forward_hint(operation, recipe, fault)
        else:
            hint = f"autograd-lite's rule: {operation.rule}"
        return self.report(False, operation.name, _problem(fault, varies), expression=self.code(recipe, fault, style),
                           hint=hint, right=right, fault=fault)  # fmt: skip

    def wrong_rule(self, operation: Operation, found: RuleFault, right: list[str]) -> EngineReport:
        """An operation whose backward step is wrong on its own, with the program that shows it:
        the student's own ``f.backward()`` (shrunk to plainer inputs) when that shows the same
        number, else the step by hand."""
        trial = found.trial
        if trial is None or found.input is None:
            return self.report(False, operation.name, found.problem, expression=found.program, hint=found.hint,
                               right=right)  # fmt: skip
        fault = Fault("grad", input=found.input, yours=trial.yours[found.input], expected=trial.expected(found.input))
        if self.style == BACKWARD and trial.upstream == 1.0 and not trial.held:
            expected = reference(trial.recipe)
            natural = None if expected is None else run(trial.recipe, self.value_class, BACKWARD, expected, self.seconds)
            if natural is not None and (natural.kind, natural.input, natural.yours) == ("grad", fault.input, fault.yours):
                recipe, natural, _, varies = self.shrink(trial.recipe, natural, [operation], BACKWARD)
                return self.report(False, operation.name, _problem(natural, varies),
                                   expression=as_code(recipe, self.name, backward=True), hint=found.hint, right=right,
                                   fault=natural)  # fmt: skip
        return self.report(False, operation.name, found.problem, expression=found.program, hint=found.hint, right=right,
                           fault=fault)  # fmt: skip

    def wrong_together(
        self, recipe: Recipe, fault: Fault, present: list[Operation], right: list[str], tried: int, style: str
    ) -> EngineReport:
        """Every operation right alone, but a random expression wrong: shrink it and say why."""
        recipe, fault, _, varies = self.shrink(recipe, fault, present, style)
        operation, hint = "backward()", ""
        if fault.step is not None and fault.kind in ("value", "raised", "timeout"):
            step = BY_KEY[recipe.steps[fault.step][0]]
            operation = step.name
            hint = f"autograd-lite's rule: {step.rule}" if fault.kind == "value" else ""
        elif fault.kind == "grad" and style == BY_HAND:
            operation, hint = BY_KEY[recipe.steps[-1][0]].name, TOGETHER
        elif fault.kind == "grad":
            hint = UNSEEN
        return self.report(False, operation, _problem(fault, varies), expression=self.code(recipe, fault, style),
                           hint=hint, right=right, tried=tried, fault=fault)  # fmt: skip

    def wrong_backward(
        self, recipe: Recipe, fault: Fault, present: list[Operation], right: list[str], tried: int
    ) -> EngineReport:
        """Every operation's backward step right, alone and together, but ``backward()`` wrong:
        watch it run on the smallest expression and say what it does wrong."""
        if fault.kind == "timeout":
            hint, varies = NEVER_ENDS, False
        else:
            recipe, fault, _, varies = self.shrink(recipe, fault, present, BACKWARD)
            hint = "" if fault.kind == "raised" else diagnose_backward(recipe, self.value_class, self.seconds)
        return self.report(False, "backward()", _problem(fault, varies), expression=self.code(recipe, fault, BACKWARD),
                           hint=hint, right=right, tried=tried, fault=fault)  # fmt: skip

    def shrink(
        self, recipe: Recipe, fault: Fault, operations: Sequence[Operation], style: str
    ) -> tuple[Recipe, Fault, Reference, bool]:
        """The smallest recipe reached by taking ``simpler`` steps that fail in every run, its
        fault, autograd-lite's numbers, and whether the student's numbers change between runs.
        A run that did not finish is not shrunk: each try would cost the whole time limit."""
        expected = reference(recipe)
        assert expected is not None
        if fault.kind == "timeout":
            return recipe, fault, expected, False
        settled = self.always_fails(recipe, expected, style)
        fault, varies = settled if settled is not None else (fault, True)
        budget = _SHRINK_BUDGET
        improved = True
        while improved and budget > 0:
            improved = False
            for candidate in simpler(recipe, operations, self.reuse):
                budget -= 1
                candidate_expected = reference(candidate)
                found = None if candidate_expected is None else self.always_fails(candidate, candidate_expected, style)
                if found is not None and candidate_expected is not None:
                    recipe, expected, improved = candidate, candidate_expected, True
                    fault, varies = found
                    break
                if budget <= 0:
                    break
        return recipe, fault, expected, varies

    def always_fails(self, recipe: Recipe, expected: Reference, style: str) -> tuple[Fault, bool] | None:
        """The fault when every one of a few runs shows it, and whether the runs disagree on the
        numbers. A student's node keeps its children in a set, ordered by the nodes' addresses,
        so the order of a backward pass can change from run to run; a program that shows a fault
        only sometimes would puzzle rather than help."""
        padding: list[list[int]] = []
        faults: list[Fault] = []
        for attempt in range(_RUNS):
            # Objects kept alive between runs move the next run's nodes to other addresses.
            padding.append(list(range(attempt * 7 + 1)))
            found = run(recipe, self.value_class, style, expected, self.seconds)
            if found is None or found.kind == "timeout":
                return None
            faults.append(found)
        first = faults[0]
        return first, any((f.kind, f.input, f.yours) != (first.kind, first.input, first.yours) for f in faults)

    def code(self, recipe: Recipe, fault: Fault, style: str) -> list[str]:
        # A fault in the forward pass shows without backward(); the student's _backward-only
        # class has no backward() to call, so the program says what the check did instead.
        if fault.kind in ("value", "raised", "timeout") and fault.step is not None:
            return as_code(recipe, self.name, backward=False)
        lines = as_code(recipe, self.name, backward=style == BACKWARD)
        if style == BY_HAND:
            lines.append("# then f.grad = 1 and each node's _backward() in a correct order")
        return lines


def _forward_hint(operation: Operation, recipe: Recipe, fault: Fault) -> str:
    """What a wrong value says: the operands taken the wrong way round, or the rule."""
    assert fault.yours is not None
    swapped = _SWAPPED.get(operation.key)
    if swapped is not None and len(recipe.steps) == 1:
        inputs = recipe.inputs
        mirrored = Recipe(inputs[::-1], ((swapped, recipe.steps[0][1]),)) if operation.arity == 2 else Recipe(
            inputs, ((swapped, recipe.steps[0][1]),)
        )
        other = reference(mirrored)
        if other is not None and math.isclose(fault.yours, other.values[0], rel_tol=1e-9, abs_tol=1e-12):
            wrote = step_formulas(recipe)[0]
            gives = BY_KEY[swapped].spelling.format(*(("y", "x") if operation.arity == 2 else ("x",)))
            return (
                f"Your {wrote} computes {gives}: the operands are the wrong way round "
                f"(self is the left operand, other the right). autograd-lite's rule: {operation.rule}"
            )
    return f"autograd-lite's rule: {operation.rule}"


# The operation whose value a student gets by taking the operands the wrong way round.
_SWAPPED = {"-": "-", "/": "/", "-n": "n-", "n-": "-n", "/n": "n/", "n/": "/n"}


def _construction_fault(value_class: type, seconds: float) -> str:
    """Why ``value_class(1.5)`` is not a Value holding 1.5, or '' when it is."""
    try:
        with Deadline(seconds):
            made = value_class(1.5)
            data = float(made.data)
    except OutOfTime:
        return f"{value_class.__name__}(1.5) did not finish within {format_seconds(seconds)}"
    except Exception as error:
        return f"{value_class.__name__}(1.5) must make a Value with .data 1.5; it raised {type(error).__name__}: {error}"
    if data != 1.5:
        return f"{value_class.__name__}(1.5).data must be 1.5, got {format_number(data, 6)}"
    return ""


def _survey(value_class: type, seconds: float) -> tuple[list[Operation], list[str]]:
    """The operations the class has, and the names of those it has not written yet (a stub that
    raises NotImplementedError, or whose body is ``...`` or ``pass``)."""
    present: list[Operation] = []
    absent: list[Operation] = []
    for operation in OPERATIONS:
        method = getattr(value_class, operation.method, None)
        if method is None or is_unwritten(method):
            absent.append(operation)
            continue
        try:
            with Deadline(seconds):
                operation.apply(*(value_class(x) for x in (1.5, -0.5)[: operation.arity]))
        except NotImplementedError:
            absent.append(operation)
            continue
        except (TypeError, AttributeError):
            # A method written for Values only: plain numbers are an optional extra, not a fault.
            if operation.number:
                absent.append(operation)
                continue
        except (Exception, OutOfTime):
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


def _problem(fault: Fault, varies: bool) -> str:
    """One line saying what differs (and, when it does, that the student's number changes)."""
    if fault.kind in ("raised", "no grad", "timeout"):
        return fault.error
    assert fault.yours is not None and fault.expected is not None
    yours, expected = shown_pair(fault.yours, fault.expected)
    if varies:
        yours += " in one run (another may give another number: your nodes keep their children in a set, whose order changes)"
    if fault.kind == "value":
        return f"f.data: yours {yours}, autograd-lite {expected}"
    assert fault.input is not None
    return f"{INPUT_NAMES[fault.input]}.grad: yours {yours}, autograd-lite {expected}"


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
