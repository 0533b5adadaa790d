"""Check one operation's backward step on its own, the way the chain rule uses it inside a
bigger graph: its result ``f`` receives a gradient from above that is not 1 (and is negative),
its operands may already hold gradient from their other uses, and its result must record its
operands as children so that a backward pass can reach them.

``check_rule`` runs the student's ``_backward`` by hand under those conditions and, when the
numbers differ from autograd-lite's, names the family of the mistake with the student's numbers:
the upstream gradient left out, a constant added instead of it, a gradient replaced instead of
added to (``=`` for ``+=``), a local derivative that is a known wrong formula, a wrong sign, or
any other wrong local derivative.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .expressions import INPUT_NAMES, Operation, Recipe, as_code, single, step_formulas
from .naming import bracketed_number, show, shown_pair
from .student import format_seconds, nodes_below, reference, run_by_hand, same
from .time_limit import Deadline, OutOfTime

UPSTREAM = (-2.5, 3.0)
"""The gradients ``f`` receives from above in the checks: neither is 1, and one is negative."""
HELD = 0.75
"""The gradient each operand already holds, from its other uses, in the accumulation check."""

ACCUMULATE = (
    "A node used more than once gets one contribution per use, and they must add up: in every "
    "_backward write `operand.grad += ...`, never `operand.grad = ...`."
)


@dataclass(frozen=True)
class Trial:
    """One run of an operation's backward step by hand: ``f.grad = upstream`` with every input's
    ``.grad`` at ``held``; ``local`` is autograd-lite's d f / d input, ``yours`` the inputs'
    ``.grad`` afterwards."""

    recipe: Recipe
    upstream: float
    held: float
    local: tuple[float, ...]
    yours: tuple[float, ...]
    composed: bool

    def expected(self, index: int) -> float:
        """What input ``index``'s ``.grad`` must be: held + upstream x local."""
        return self.held + self.upstream * self.local[index]

    def grown(self, index: int) -> float:
        """How much the student's step added to input ``index``'s ``.grad``."""
        return self.yours[index] - self.held

    def wrong(self) -> list[int]:
        """The inputs whose ``.grad`` is not autograd-lite's."""
        return [i for i in range(len(self.yours)) if not same(self.yours[i], self.expected(i))]

    def program(self, class_name: str) -> list[str]:
        """The run as lines of Python the student can paste and run."""
        lines = as_code(self.recipe, class_name, backward=False)
        if self.held:
            lines += [f"{INPUT_NAMES[i]}.grad = {self.held!r}  # from its other uses" for i in range(len(self.local))]
        lines.append(f"f.grad = {self.upstream!r}  # the gradient arriving from above")
        if self.composed:
            lines.append("# then f._backward() and the _backward() of each node below f, users first")
        else:
            lines.append("f._backward()")
        return lines


@dataclass(frozen=True)
class RuleFault:
    """An operation whose backward step is wrong on its own. ``trial`` is the run that shows it
    (None when the step raised, timed out or lost its children, described by ``problem``);
    ``input`` the input whose gradient differs; ``hint`` names the mistake."""

    program: tuple[str, ...]
    problem: str
    hint: str
    trial: Trial | None = None
    input: int | None = None


class _Mistake(NamedTuple):
    """A wrong local derivative students write: its value at the inputs, and the words for it."""

    local: Callable[[Sequence[float]], tuple[float, ...]]
    words: str


def _power_mistakes(k: int) -> tuple[_Mistake, ...]:
    return (
        _Mistake(lambda v: (k * v[0] ** k,), f"{k} * a**{k}: the power must drop by one, {k} * a**{k - 1}"),
        _Mistake(lambda v: (v[0] ** (k - 1),), f"a**{k - 1} without the factor {k}: the rule is {k} * a**{k - 1}"),
    )


_KNOWN_MISTAKES: dict[str, tuple[_Mistake, ...]] = {
    "*": (
        _Mistake(
            lambda v: (v[0], v[1]),
            "each operand's own value where the rule takes the other operand's: "
            "d(a * b)/da = b and d(a * b)/db = a (self.grad += other.data * out.grad)",
        ),
    ),
    "tanh": (
        _Mistake(lambda v: (1 - math.tanh(v[0]),), "1 - t: the square is missing, the rule is 1 - t**2 with t = tanh(a)"),
        _Mistake(lambda v: (1 - v[0] ** 2,), "1 - a**2: it squares the input a, where the rule squares t = tanh(a)"),
    ),
    "**2": _power_mistakes(2),
    "**3": _power_mistakes(3),
    "**-1": _power_mistakes(-1),
    "relu": (
        _Mistake(
            lambda v: (1.0 if v[0] < 0 else 0.0,),
            "taken on the wrong side: 1 where a < 0 and 0 where a > 0; relu passes the gradient where "
            "a > 0 (the test must be self.data > 0)",
        ),
        _Mistake(lambda v: (1.0,), "1 everywhere: relu passes the gradient only where a > 0, and 0 where a < 0"),
    ),
}


def check_rule(
    operation: Operation,
    points: Sequence[Sequence[float]],
    value_class: type,
    reuse: bool,
    seconds: float,
) -> RuleFault | None:
    """The first fault of ``operation``'s backward step on its own, or None: first with upstream
    gradients other than 1 at each point, then (``reuse``) with its operand twice, then with
    gradient the operands already hold."""
    name = value_class.__name__
    trials: list[Trial] = []
    for point in points:
        for upstream in UPSTREAM:
            found = _try(single(operation, point), upstream, 0.0, value_class, seconds)
            if isinstance(found, RuleFault):
                return found
            trials.append(found)
    if any(t.wrong() for t in trials):
        return _local_fault(operation, trials, name)
    if not reuse:
        return None
    if operation.arity == 2:
        for point in points:
            found = _try(single(operation, point, repeated=True), 1.0, 0.0, value_class, seconds)
            if isinstance(found, RuleFault):
                return found
            if found.wrong():
                return _fault(found, name, f"{INPUT_NAMES[0]} is used twice. " + ACCUMULATE)
    for point in points:
        found = _try(single(operation, point), UPSTREAM[0], HELD, value_class, seconds)
        if isinstance(found, RuleFault):
            return found
        if found.wrong():
            return _fault(found, name, _replaced(operation, found))
    return None


def _try(recipe: Recipe, upstream: float, held: float, value_class: type, seconds: float) -> Trial | RuleFault:
    """Build the one-operation recipe, set the gradients, run its backward step by hand."""
    expected = reference(recipe)
    assert expected is not None, "the points of the checks are where every operation is defined"
    name = value_class.__name__
    program = as_code(recipe, name, backward=False)
    try:
        with Deadline(seconds):
            leaves, (out,) = recipe.build(value_class)
            if hasattr(out, "_prev"):
                below = nodes_below(out)
                lost = [INPUT_NAMES[i] for i, leaf in enumerate(leaves) if not any(node is leaf for node in below)]
                if lost:
                    return _lost_children(recipe, lost, program)
                composed = any(node is not out and len(node._prev) > 0 for node in below)
            else:
                composed = False
            for leaf in leaves:
                leaf.grad = held
            run_by_hand(out, [out], seed=upstream)
            yours = tuple(float(leaf.grad) for leaf in leaves)
    except OutOfTime:
        return RuleFault(tuple(program), f"f._backward() did not finish within {format_seconds(seconds)}", _LOOPS)
    except Exception as error:
        return RuleFault(tuple(program), f"f._backward() raised {type(error).__name__}: {error}", "")
    return Trial(recipe, upstream, held, tuple(expected.grads), yours, composed)


_LOOPS = "The backward step never ends: look for a loop whose condition never turns false."


def _lost_children(recipe: Recipe, lost: list[str], program: list[str]) -> RuleFault:
    written = step_formulas(recipe)[-1]
    names = " and ".join(lost)
    problem = f"f._prev does not lead to {names}: nothing below f is reached from it"
    hint = (
        f"{written} does not record its operands as the children of its result, so a backward pass "
        f"that walks _prev from f never reaches {names}. Make the result with its children: "
        "out = Value(..., (self, other))."
    )
    return RuleFault((*program, "print(f._prev)"), problem, hint)


def _fault(trial: Trial, class_name: str, hint: str) -> RuleFault:
    index = trial.wrong()[0]
    yours, expected = shown_pair(trial.yours[index], trial.expected(index))
    problem = f"{INPUT_NAMES[index]}.grad: yours {yours}, autograd-lite {expected}"
    return RuleFault(tuple(trial.program(class_name)), problem, hint, trial, index)


def _local_fault(operation: Operation, trials: list[Trial], class_name: str) -> RuleFault:
    """The first wrong trial, with the family of the mistake found across all of them."""
    shown = next(t for t in trials if t.wrong())
    index = shown.wrong()[0]
    leaf = INPUT_NAMES[index]
    upstream, grown, local = shown.upstream, shown.grown(index), shown.local[index]
    needed = f"{leaf}.grad must grow by f.grad × (local derivative) = {show(upstream)} × {bracketed_number(local)} = {show(upstream * local)}"
    step = f"The _backward of {operation.name}"
    if _everywhere(trials, lambda t, i: t.grown(i) == 0):
        hint = (
            f"{step} changes no gradient: {leaf}.grad stays {show(shown.held)} whatever f.grad is. "
            "Is its _backward attached to the result (out._backward = _backward before return out)?"
        )
    elif _everywhere(trials, lambda t, i: same(t.grown(i), trials[0].grown(0))):
        hint = (
            f"{step} adds the same number, {show(grown)}, whatever f.grad and the inputs are: a constant "
            f"where the gradient from above belongs. With f.grad = {show(upstream)}, {needed}. "
            "Add out.grad times the local derivative: operand.grad += <local derivative> * out.grad."
        )
    elif _everywhere(trials, lambda t, i: same(t.grown(i), t.local[i])):
        hint = (
            f"{step} forgets the gradient arriving from above (out.grad): it adds the local derivative "
            f"alone. With f.grad = {show(upstream)}, {needed}, not by {show(grown)}. The chain rule "
            "multiplies: operand.grad += <local derivative> * out.grad."
        )
    elif (mistake := _known(operation, trials)) is not None:
        hint = (
            f"{step} uses a wrong local derivative, {mistake.words}. Here at {_at(shown)} it gives "
            f"{show(grown / upstream)} where the rule gives {show(local)} ({operation.rule})."
        )
    elif _everywhere(trials, lambda t, i: same(t.grown(i), t.upstream * t.local[i]) or same(t.grown(i), -t.upstream * t.local[i])):
        hint = (
            f"{step} has the sign of its local derivative by {leaf} wrong: at {_at(shown)} it uses "
            f"{show(grown / upstream)} where the rule gives {show(local)} ({operation.rule})."
        )
    else:
        hint = (
            f"{step} uses a wrong local derivative: at {_at(shown)}, with f.grad = {show(upstream)}, "
            f"{leaf}.grad grew by {show(grown)}, a local derivative of {show(grown)} / {bracketed_number(upstream)} = "
            f"{show(grown / upstream)}; the rule gives {show(local)} ({operation.rule})."
        )
    return _fault(shown, class_name, hint)


def _everywhere(trials: list[Trial], holds: Callable[[Trial, int], bool]) -> bool:
    return all(holds(t, i) for t in trials for i in range(len(t.yours)))


def _known(operation: Operation, trials: list[Trial]) -> _Mistake | None:
    """The known wrong local derivative of this operation that every trial shows, if one does."""

    def shows(mistake: _Mistake) -> bool:
        return _everywhere(trials, lambda t, i: same(t.grown(i), t.upstream * mistake.local(t.recipe.inputs)[i]))

    return next((mistake for mistake in _KNOWN_MISTAKES.get(operation.key, ()) if shows(mistake)), None)


def _replaced(operation: Operation, trial: Trial) -> str:
    """The hint for a step that is right from scratch but wrong when its operands hold gradient."""
    index = trial.wrong()[0]
    leaf = INPUT_NAMES[index]
    share = trial.upstream * trial.local[index]
    if same(trial.yours[index], share):
        return (
            f"The _backward of {operation.name} replaces the gradient {leaf} already holds ({show(trial.held)}, "
            f"from its other uses) with its own share: {leaf}.grad must become {show(trial.held)} + "
            f"{bracketed_number(share)} = {show(trial.held + share)}, yours is {show(trial.yours[index])}. " + ACCUMULATE
        )
    return (
        f"The _backward of {operation.name} is right while {leaf}.grad starts at 0, and wrong when {leaf} "
        f"already holds gradient from its other uses ({show(trial.held)}). " + ACCUMULATE
    )


def _at(trial: Trial) -> str:
    return ", ".join(f"{INPUT_NAMES[i]} = {show(x)}" for i, x in enumerate(trial.recipe.inputs))
