"""Check an op of your own, rule by rule: ``check_op(name, points)`` runs the three rules you gave
``define_op`` at each point and names the first one that is not written yet or is wrong, with
its numbers: the forward rule (against ``reference``, when you give one), the local derivative
on floats against the slope of your forward rule (central differences), the derivative built
from Values against the local one, and that derivative differentiated again against the slope
of your local derivative (what ``gradcheck(..., order=2)`` checks as a whole).

A rule that returns ``...`` or ``None`` (a body left as ``...``) is "not written yet", never an
error, so a lesson handed out unanswered runs from top to bottom.

>>> import math
>>> from autograd_lite import OPS, define_op
>>> cube = define_op("cube_demo", lambda a: a**3, lambda a, out: (2 * a * a,), lambda a, out: (3 * a * a,))
>>> check_op("cube_demo", [0.5]).wrong
'local_grads'
>>> del OPS["cube_demo"]
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import ops
from ..engine import grad
from ..functions import apply
from ..real_numbers import to_float
from ..text import describe, shorten
from ..value import Value
from .naming import show

# The rules in the order they are checked (each one is judged against the one before it), and
# how a report names them.
_WHAT = {
    "forward": "the forward rule (on floats)",
    "local_grads": "the local derivative (on floats)",
    "value_grads": "the local derivative built from Values",
    "second derivative": "the second derivative (the Values rule differentiated again)",
}
STEP = 1e-6
"""The relative step of the central differences, as in ``gradcheck``."""
RELATIVE_TOLERANCE = 1e-4
"""Two derivatives agree within 0.01 % (or ABSOLUTE_TOLERANCE near 0): central differences with
STEP are far closer than that for a smooth rule, and a wrong rule is far further off."""
ABSOLUTE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class RuleCheck:
    """One rule's verdict: 'right', 'wrong', 'not written yet' or 'not checked' (an earlier
    rule is not right yet), and the line that says why."""

    rule: str
    verdict: str
    detail: str


class OpReport:
    """What ``check_op`` found: ``ok``, ``wrong`` (the first rule that is wrong, or None),
    ``missing`` (the rules not written yet) and one ``checks`` entry per rule; ``str()`` gives
    one line per rule."""

    def __init__(self, name: str, checks: list[RuleCheck]) -> None:
        self.name = name
        self.checks = tuple(checks)

    @property
    def ok(self) -> bool:
        """True when every rule is written and agrees with the one before it."""
        return all(check.verdict == "right" for check in self.checks)

    @property
    def wrong(self) -> str | None:
        """The first rule that is wrong: 'forward', 'local_grads', 'value_grads' or 'second derivative'."""
        return next((check.rule for check in self.checks if check.verdict == "wrong"), None)

    @property
    def missing(self) -> list[str]:
        """The rules that still return ``...`` or ``None``."""
        return [check.rule for check in self.checks if check.verdict == "not written yet"]

    def __str__(self) -> str:
        if self.ok:
            head = "every rule agrees"
        elif self.wrong is not None:
            head = f"{_WHAT[self.wrong]} is wrong"
        else:
            head = "not written yet: " + ", ".join(self.missing)
        lines = [f"check_op({self.name}): {head}"]
        lines += [f"  {check.verdict:<16s}  {check.rule}: {check.detail}" for check in self.checks]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<OpReport {self.name}: {'ok' if self.ok else self.wrong or 'not written yet'}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython shows the report as its text."""
        printer.text(str(self))


class _Unwritten(Exception):
    """A rule returned ``...`` or ``None``."""


class _Wrong(Exception):
    """A rule's result is wrong; the message says how."""


def check_op(
    name: str,
    points: Sequence[float] = (-2.0, -0.5, 0.5, 2.0),
    *,
    reference: Callable[[float], float] | None = None,
) -> OpReport:
    """Check the one-operand op ``name`` (made with ``define_op``) at ``points``, rule by rule.

    ``reference(x)``, when given, is what the forward rule should compute. Points must be where
    the op is smooth: the slopes are central differences with a step of 1e-6 relative.
    """
    rule = ops.OPS.get(name) if isinstance(name, str) else None
    if rule is None:
        raise ValueError(f"check_op: no op named {describe(name)}; make it with define_op first")
    if rule.arity != 1:
        raise ValueError(f"check_op: {name} takes {rule.arity} operands; check_op checks ops of one operand")
    # The rules as written: define_op wraps them in checks of their results, which would turn a
    # rule that is not written yet into an error instead of a "not written yet".
    rule = dataclasses.replace(
        rule,
        forward=inspect.unwrap(rule.forward),
        local_grads=inspect.unwrap(rule.local_grads),
        value_grads=inspect.unwrap(rule.value_grads),
    )
    xs = [to_float(x, "check_op: a point") for x in points]
    if not xs or not all(math.isfinite(x) for x in xs):
        raise ValueError(f"check_op: points must be finite numbers, at least one, got {describe(points)}")
    steps: list[tuple[str, Callable[[float], str]]] = [
        ("forward", lambda x: _forward(rule, x, reference)),
        ("local_grads", lambda x: _local(rule, x)),
        ("value_grads", lambda x: _from_values(name, rule, x)),
        ("second derivative", lambda x: _second(name, rule, x)),
    ]
    checks: list[RuleCheck] = []
    for rule_name, run in steps:
        blocked = next((check.rule for check in checks if check.verdict != "right"), None)
        if blocked is not None:
            checks.append(_unchecked(rule, rule_name, blocked, xs[0]))
            continue
        try:
            details = [run(x) for x in xs]
        except _Unwritten as unwritten:
            checks.append(RuleCheck(rule_name, "not written yet", str(unwritten)))
        except _Wrong as wrong:
            checks.append(RuleCheck(rule_name, "wrong", str(wrong)))
        except Exception as error:  # the student's own code failed: say so, as a check does
            checks.append(RuleCheck(rule_name, "wrong", f"raises {type(error).__name__}: {shorten(str(error), 100)}"))
        else:
            checks.append(RuleCheck(rule_name, "right", details[-1]))
    return OpReport(name, checks)


def _unchecked(rule: ops.Op, rule_name: str, blocked: str, x: float) -> RuleCheck:
    """A rule after one that is not right yet: still 'not written yet' when it returns ``...``
    (so an unanswered exercise lists everything left to write), else 'not checked'."""
    probes: dict[str, Callable[[], object]] = {
        "local_grads": lambda: rule.local_grads(x, math.nan),
        "value_grads": lambda: rule.value_grads(Value(x), Value(math.nan)),
    }
    probe = probes.get(rule_name)
    try:
        result = probe() if probe is not None else 0.0
    except Exception:  # a written rule may well fail on the probe's nan: then it is written
        result = 0.0
    if result is Ellipsis or result is None:
        return RuleCheck(rule_name, "not written yet", f"returns {'...' if result is Ellipsis else 'None'}: write {_WHAT[rule_name]}")
    return RuleCheck(rule_name, "not checked", f"after {blocked} is right")


def _number(result: object, what: str, x: float) -> float:
    """The float a rule returned, or why not."""
    if result is Ellipsis or result is None:
        raise _Unwritten(f"returns {'...' if result is Ellipsis else 'None'}: write {what}")
    if isinstance(result, Value):
        result = result.data
    try:
        return to_float(result, what)
    except (TypeError, OverflowError):
        raise _Wrong(f"at x = {show(x)} returns {describe(result, 60)}, not a number") from None


def _one(results: object, what: str, x: float) -> object:
    """The single derivative a derivative rule returned for its one operand."""
    if results is Ellipsis or results is None:
        return results
    if not isinstance(results, (tuple, list)) or len(results) != 1:
        raise _Wrong(f"at x = {show(x)} returns {describe(results, 60)}: it must return a tuple with one derivative, ({what},)")
    return results[0]


def _close(mine: float, theirs: float) -> bool:
    return math.isclose(mine, theirs, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def _forward(rule: ops.Op, x: float, reference: Callable[[float], float] | None) -> str:
    out = _number(rule.forward(x), _WHAT["forward"], x)
    if reference is not None:
        wanted = float(reference(x))
        if not _close(out, wanted):
            raise _Wrong(f"at x = {show(x)} gives {show(out)}, the op should give {show(wanted)}")
        return "agrees with the formula at every point"
    return "returns a number at every point"


def _slope(function: Callable[[float], float], x: float) -> float:
    h = STEP * max(1.0, abs(x))
    return (function(x + h) - function(x - h)) / (2.0 * h)


def _local(rule: ops.Op, x: float) -> str:
    out = rule.forward(x)
    local = _number(_one(rule.local_grads(x, out), "d out / d x", x), _WHAT["local_grads"], x)
    slope = _slope(rule.forward, x)
    if not _close(local, slope):
        raise _Wrong(
            f"at x = {show(x)} gives {show(local)}, but the slope of the forward rule there is "
            f"{show(slope)} (central differences)"
        )
    return "matches the slope of the forward rule at every point"


def _from_values(name: str, rule: ops.Op, x: float) -> str:
    leaf = Value(x)
    out = apply(name, leaf)
    derivative = _number(_one(rule.value_grads(leaf, out), "d out / d x", x), _WHAT["value_grads"], x)
    local = _number(_one(rule.local_grads(x, out.data), "", x), "", x)
    if not _close(derivative, local):
        raise _Wrong(
            f"at x = {show(x)} gives {show(derivative)}, but the local derivative on floats gives "
            f"{show(local)}: the two must be the same derivative"
        )
    return "gives the local derivative's numbers at every point"


def _second(name: str, rule: ops.Op, x: float) -> str:
    leaf = Value(x)
    derivative = _one(rule.value_grads(leaf, apply(name, leaf)), "", x)
    if not isinstance(derivative, Value):
        # A constant derivative (a plain number) has second derivative 0.
        second = 0.0
    else:
        (second,) = grad(derivative, [leaf])

    def local(t: float) -> float:
        return to_float(rule.local_grads(t, rule.forward(t))[0])

    slope = _slope(local, x)
    if not _close(second, slope):
        raise _Wrong(
            f"at x = {show(x)} the derivative built from Values changes at the rate {show(second)}, but the "
            f"local derivative on floats changes at {show(slope)} (central differences): build it from the "
            "Values it is given, so that grad(create_graph=True) can follow it"
        )
    return "its slope matches the slope of the local derivative at every point"
