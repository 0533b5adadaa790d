"""Check a student's gradients: ``check_gradients(root, answers)`` compares their d root / d node
for any nodes they chose with the engine's, and its report points at the node nearest the output
where their chain rule first went wrong, explaining it with their own upstream numbers.

>>> from autograd_lite import Value
>>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
>>> q = x + y; q.label = "q"
>>> f = q * z; f.label = "f"
>>> report = check_gradients(f, {"f": 1, "q": 3, "x": -4})
>>> report.ok, report.first_wrong is q
(False, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..checked_io import describe, to_float
from ..engine import grad, topological_order
from ..pictures import draw_graph
from ..value import Value
from .chain_rule import chain_rule_total, explain, uses_of
from .naming import derivative, node_name, show

RELATIVE_TOLERANCE = 1e-3
"""An answer within 0.1 % of the engine's counts as right: a student rounds to 3 or 4 digits."""
ABSOLUTE_TOLERANCE = 1e-6
"""Near 0 an answer within this distance counts as right (0 for 1e-17 left by rounding)."""


@dataclass(frozen=True)
class Answer:
    """One answer: the node, the student's d root / d node, the engine's, and whether they agree."""

    node: Value
    given: float
    expected: float
    right: bool


class GradientReport:
    """What ``check_gradients`` found: ``ok``, ``wrong``, ``first_wrong``, every ``answers`` entry
    in backward order; ``str()`` marks each answer and explains the first wrong one; ``draw()``
    is the graph with the wrong nodes marked."""

    def __init__(self, root: Value, answers: list[Answer], lines: list[str], marks: dict[Value, str]) -> None:
        self.root = root
        self.answers = tuple(answers)
        self._lines = lines
        self._marks = marks

    @property
    def ok(self) -> bool:
        """True when every answer agrees with the engine."""
        return all(answer.right for answer in self.answers)

    @property
    def wrong(self) -> list[Value]:
        """The nodes answered wrongly, nearest the output first."""
        return [answer.node for answer in self.answers if not answer.right]

    @property
    def right(self) -> list[Value]:
        """The nodes answered rightly, nearest the output first."""
        return [answer.node for answer in self.answers if answer.right]

    @property
    def first_wrong(self) -> Value | None:
        """The wrong node nearest the output in backward order: where the chain rule first went wrong."""
        wrong = self.wrong
        return wrong[0] if wrong else None

    def __str__(self) -> str:
        return "\n".join(self._lines)

    def __repr__(self) -> str:
        verdict = "all right" if self.ok else f"{len(self.wrong)} wrong"
        return f"<GradientReport: {len(self.answers)} answers, {verdict}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython shows the report as its text, so a cell may end with ``report``."""
        printer.text(str(self))

    def draw(self, **options: Any) -> Any:
        """The graph of ``root`` (``draw_graph`` options) with each wrong node marked."""
        return draw_graph(self.root, marks=self._marks, **options)


def check_gradients(
    root: Value,
    answers: Mapping[Value | str, Any],
    *,
    rel_tol: float = RELATIVE_TOLERANCE,
    abs_tol: float = ABSOLUTE_TOLERANCE,
) -> GradientReport:
    """Compare the student's d root / d node (``answers``, keyed by node or label) with the engine's.

    The engine runs with ``grad`` (every ``.grad`` is left as it was). The report says which
    answers are right and, for the wrong one nearest the output, writes the chain rule at that
    node with the student's own numbers for the nodes that use it.
    """
    if not isinstance(root, Value):
        raise TypeError(f"check_gradients: root must be a Value, got {type(root).__name__}")
    if not isinstance(answers, Mapping):
        raise TypeError(f"check_gradients: answers must map nodes or labels to numbers, got {type(answers).__name__}")
    order = topological_order(root)
    given = _read_answers(answers, order)
    expected = dict(zip(order, grad(root, order), strict=True))
    checked = [
        Answer(node, given[node], expected[node], _agrees(given[node], expected[node], rel_tol, abs_tol))
        for node in order
        if node in given
    ]
    lines, marks = _describe(root, order, checked, expected, rel_tol, abs_tol)
    return GradientReport(root, checked, lines, marks)


def _read_answers(answers: Mapping[Value | str, Any], order: list[Value]) -> dict[Value, float]:
    """The answers keyed by node, each a float; labels are looked up among the graph's nodes."""
    in_graph = set(order)
    by_label: dict[str, list[Value]] = {}
    for node in order:
        if node.label:
            by_label.setdefault(node.label, []).append(node)
    given: dict[Value, float] = {}
    for key, number in answers.items():
        if isinstance(key, Value):
            if key not in in_graph:
                raise ValueError(f"check_gradients: {node_name(key)} is not a node of the graph of {node_name(order[0])}")
            node = key
        elif isinstance(key, str):
            named = by_label.get(key, [])
            if not named:
                known = ", ".join(sorted(by_label)) or "none"
                raise ValueError(f"check_gradients: no node of the graph is labelled {key!r}; the labels are: {known}")
            if len(named) > 1:
                raise ValueError(
                    f"check_gradients: the label {key!r} names {len(named)} nodes of the graph; key that answer by the Value"
                )
            node = named[0]
        else:
            raise TypeError(f"check_gradients: answers must be keyed by Values or labels, got {describe(key)}")
        if node in given:
            raise ValueError(f"check_gradients: two answers for {node_name(node)}")
        try:
            given[node] = to_float(number, f"check_gradients: the answer for {node_name(node)}")
        except TypeError:
            raise TypeError(
                f"check_gradients: the answer for {node_name(node)} must be a number, got {describe(number)}"
            ) from None
    return given


def _agrees(given: float, expected: float, rel_tol: float, abs_tol: float) -> bool:
    if math.isnan(expected) or math.isnan(given):
        return math.isnan(expected) and math.isnan(given)
    return math.isclose(given, expected, rel_tol=rel_tol, abs_tol=abs_tol)


def _describe(
    root: Value,
    order: list[Value],
    checked: list[Answer],
    expected: dict[Value, float],
    rel_tol: float,
    abs_tol: float,
) -> tuple[list[str], dict[Value, str]]:
    """The report's lines (one per answer, then the explanation) and the picture's marks."""
    top = node_name(root)
    given = {answer.node: answer.given for answer in checked}
    wrong = [answer for answer in checked if not answer.right]
    wrong_nodes = {answer.node for answer in wrong}
    if not checked:
        return [f"no answers to check for {top}"], {}
    if len(checked) == 1:
        head = "the answer is right" if not wrong else "the answer is wrong"
    else:
        head = f"all {len(checked)} answers right" if not wrong else f"{len(wrong)} of {len(checked)} answers wrong"
    lines = [f"check_gradients({top}): {head}"]
    marks: dict[Value, str] = {}
    for answer in checked:
        name = derivative(top, node_name(answer.node))
        if answer.right:
            lines.append(f"  right  {name} = {show(answer.given)}")
            continue
        uses = uses_of(answer.node, order)
        # The user's numbers as the student wrote them, the engine's where they wrote none.
        upstream = {use.user: given.get(use.user, expected[use.user]) for use in uses}
        misled_by = [use.user for use in uses if use.user in wrong_nodes]
        follows = bool(misled_by) and _agrees(answer.given, chain_rule_total(uses, upstream), rel_tol, abs_tol)
        note = f"; it follows from your {_names(top, misled_by)}: fix that first" if follows else ""
        lines.append(f"  WRONG  {name} = {show(answer.given)}: the engine gives {show(answer.expected)}{note}")
        marks[answer.node] = f"you wrote {show(answer.given)}, not {show(answer.expected)}"
    if wrong:
        first = wrong[0]
        uses = uses_of(first.node, order)
        from_engine = {use.user for use in uses if use.user not in given}
        upstream = {use.user: given.get(use.user, expected[use.user]) for use in uses}
        lines.append(f"The first wrong one, nearest the output, is {derivative(top, node_name(first.node))}:")
        lines.extend(f"  {line}" for line in explain(root, first.node, uses, upstream, from_engine, first.given))
        marks[first.node] = "first wrong: " + marks[first.node]
    return lines, marks


def _names(top: str, nodes: list[Value]) -> str:
    """'df/dq', or 'df/dq and df/dr': the derivatives of root by these nodes."""
    return " and ".join(dict.fromkeys(derivative(top, node_name(node)) for node in nodes))
