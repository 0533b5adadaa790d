"""Check a student's gradients: ``check_gradients(root, answers)`` compares their d root / d node
for any nodes they chose with the engine's, and its report points at the node nearest the output
where their chain rule first went wrong, explaining it with their own upstream numbers and, when
the wrong number is a known mistake (a factor's own value at a product, a local derivative
without the gradient from above, a term of the sum over the uses left out, a sign), naming it.
An answer left as ``...`` is not answered yet: the report lists it and is not ``ok``.

>>> from autograd_lite import Value
>>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
>>> q = x + y; q.label = "q"
>>> f = q * z; f.label = "f"
>>> report = check_gradients(f, {"f": 1, "q": 3, "x": -4})
>>> report.ok, report.first_wrong is q
(False, True)
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..engine import grad
from ..graph import topological_order
from ..pictures import draw_graph
from ..real_numbers import to_float
from ..text import describe, quote, shorten
from ..value import Value
from .chain_rule import Uses, all_uses, chain_rule_total, explain
from .mistakes import Mistake, fan_out, recognise, split_line
from .naming import derivative, node_name, show
from .placeholders import is_placeholder
from .tolerance import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE, agrees


@dataclass(frozen=True)
class Answer:
    """One answer: the node, the student's d root / d node, the engine's, and whether they agree."""

    node: Value
    given: float
    expected: float
    right: bool


# An unknown label is answered with every label up to this many, else with the closest few.
_LABELS_LISTED = 12
_CLOSEST = 5
# The summary line names this many unanswered nodes (each has its own line above it).
_LISTED_UNANSWERED = 10


class GradientReport:
    """What ``check_gradients`` found: ``ok``, ``wrong``, ``first_wrong``, every ``answers`` entry
    in backward order, the nodes whose answer is still ``...`` (``missing``); ``str()`` marks
    each answer and explains the first wrong one; ``draw()`` is the graph with the wrong nodes
    marked."""

    def __init__(
        self,
        root: Value,
        answers: list[Answer],
        lines: list[str],
        marks: dict[Value, str],
        missing: list[Value] | None = None,
    ) -> None:
        self.root = root
        self.answers = tuple(answers)
        self.missing = tuple(missing or ())
        self._lines = lines
        self._marks = marks

    @property
    def ok(self) -> bool:
        """True when every answer is given and agrees with the engine."""
        return not self.missing and all(answer.right for answer in self.answers)

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
        unanswered = f", {len(self.missing)} not answered yet" if self.missing else ""
        return f"<GradientReport: {len(self.answers)} answers, {verdict}{unanswered}>"

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
    node with the student's own numbers for the nodes that use it, and the mistake when it is a
    known one. An answer given as ``...`` is not answered yet.
    """
    if not isinstance(root, Value):
        raise TypeError(f"check_gradients: root must be a Value, got {type(root).__name__}")
    if not isinstance(answers, Mapping):
        raise TypeError(f"check_gradients: answers must map nodes or labels to numbers, got {type(answers).__name__}")
    order = topological_order(root)
    given, missing = _read_answers(answers, order)
    expected = dict(zip(order, grad(root, order), strict=True))
    checked = [
        Answer(node, given[node], expected[node], agrees(given[node], expected[node], rel_tol, abs_tol))
        for node in order
        if node in given
    ]
    unanswered = [node for node in order if node in missing]
    lines, marks = _describe(root, order, checked, unanswered, expected, rel_tol, abs_tol)
    return GradientReport(root, checked, lines, marks, unanswered)


def _read_answers(answers: Mapping[Value | str, Any], order: list[Value]) -> tuple[dict[Value, float], set[Value]]:
    """The answers keyed by node, each a float, and the nodes whose answer is still ``...``;
    labels are looked up among the graph's nodes."""
    in_graph = set(order)
    by_label: dict[str, list[Value]] = {}
    for node in order:
        if node.label:
            by_label.setdefault(node.label, []).append(node)
    given: dict[Value, float] = {}
    missing: set[Value] = set()
    for key, number in answers.items():
        if isinstance(key, Value):
            if key not in in_graph:
                raise ValueError(f"check_gradients: {node_name(key)} is not a node of the graph of {node_name(order[0])}")
            node = key
        elif isinstance(key, str):
            named = by_label.get(key, [])
            if not named:
                raise ValueError(f"check_gradients: no node of the graph is labelled {quote(key)}; {_labels_near(key, by_label)}")
            if len(named) > 1:
                raise ValueError(
                    f"check_gradients: the label {quote(key)} names {len(named)} nodes of the graph; key that answer by the Value"
                )
            node = named[0]
        else:
            raise TypeError(f"check_gradients: answers must be keyed by Values or labels, got {describe(key)}")
        if node in given or node in missing:
            raise ValueError(f"check_gradients: two answers for {node_name(node)}")
        if is_placeholder(number):
            missing.add(node)
            continue
        try:
            given[node] = to_float(number, f"check_gradients: the answer for {node_name(node)}")
        except TypeError:
            raise TypeError(
                f"check_gradients: the answer for {node_name(node)} must be a number, got {describe(number)}"
            ) from None
    return given, missing


def _labels_near(key: str, by_label: Mapping[str, list[Value]]) -> str:
    """The labels a mistyped one may have meant: all of them in a small graph, else the closest
    few and how many there are, so a typo in a big network gives a short message."""
    labels = sorted(by_label)
    if not labels:
        return "no node of it has a label: key the answers by the Values"
    if len(labels) <= _LABELS_LISTED:
        return "the labels are: " + ", ".join(shorten(label) for label in labels)
    close = _closest(key, labels)
    if close:
        return f"the closest of its {len(labels):,} labels are: " + ", ".join(shorten(label) for label in close)
    first = ", ".join(shorten(label) for label in labels[:_CLOSEST])
    return f"none of its {len(labels):,} labels is close to it (they begin {first}, ...)"


def _closest(key: str, labels: list[str]) -> list[str]:
    """The few labels nearest ``key``: difflib's close matches, ranked by how many characters
    differ (a letter typed wrong counts one, as a letter left out does), then by difflib's ratio."""
    candidates = difflib.get_close_matches(key, labels, n=_CLOSEST * 5, cutoff=0.6)

    def distance(label: str) -> tuple[int, float, str]:
        matcher = difflib.SequenceMatcher(None, key, label)
        changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
        return changed, -matcher.ratio(), label

    return sorted(candidates, key=distance)[:_CLOSEST]


def _describe(
    root: Value,
    order: list[Value],
    checked: list[Answer],
    unanswered: list[Value],
    expected: dict[Value, float],
    rel_tol: float,
    abs_tol: float,
) -> tuple[list[str], dict[Value, str]]:
    """The report's lines (one per answer, the answers still to give, then the explanation) and
    the picture's marks."""
    top = node_name(root)
    given = {answer.node: answer.given for answer in checked}
    wrong = [answer for answer in checked if not answer.right]
    wrong_nodes = {answer.node for answer in wrong}
    if not checked and not unanswered:
        return [f"no answers to check for {top}"], {}
    lines = [f"check_gradients({top}): {_head(len(checked), len(wrong), len(unanswered))}"]
    # Unanswered nodes stay unmarked: a picture's mark means wrong (a red border and a cross).
    marks: dict[Value, str] = {}

    def within(a: float, b: float) -> bool:
        return agrees(a, b, rel_tol, abs_tol)

    uses_by_node = all_uses(order)
    answers_by_node = {answer.node: answer for answer in checked}
    still_to_give = set(unanswered)
    mistakes: dict[Value, Mistake] = {}
    for node in order:
        name = derivative(top, node_name(node))
        if node in still_to_give:
            lines.append(f"  ...    {name}: not answered yet")
            continue
        if node not in given:
            continue
        answer = answers_by_node[node]
        if answer.right:
            lines.append(f"  right  {name} = {show(answer.given)}")
            continue
        uses = uses_by_node.get(node, [])
        # The user's numbers as the student wrote them, the engine's where they wrote none.
        upstream = {use.user: given.get(use.user, expected[use.user]) for use in uses}
        misled_by = [use.user for use in uses if use.user in wrong_nodes]
        follows = bool(misled_by) and within(answer.given, chain_rule_total(uses, upstream))
        mistake = None if follows else recognise(root, node, answer.given, uses_by_node, given, expected, within)
        if follows:
            note = f"; it follows from your {_names(top, misled_by)}: fix that first"
        elif mistake is not None:
            mistakes[node] = mistake
            note = f" ({mistake.short})"
        else:
            note = ""
        lines.append(f"  WRONG  {name} = {show(answer.given)}: the engine gives {show(answer.expected)}{note}")
        marks[node] = f"you wrote {show(answer.given)}, not {show(answer.expected)}"
    if unanswered:
        names = ", ".join(derivative(top, node_name(node)) for node in unanswered[:_LISTED_UNANSWERED])
        more = len(unanswered) - _LISTED_UNANSWERED
        names += f" and {more:,} more" if more > 0 else ""
        lines.append(f"Not answered yet: {names} (put your number in place of each ...).")
    if wrong:
        first = wrong[0]
        uses = uses_by_node.get(first.node, [])
        from_engine = {use.user for use in uses if use.user not in given}
        upstream = {use.user: given.get(use.user, expected[use.user]) for use in uses}
        notes = [mistakes[first.node].words] if first.node in mistakes else _walk(root, first.node, uses_by_node, given, expected, from_engine)
        lines.append(f"The first wrong one, nearest the output, is {derivative(top, node_name(first.node))}:")
        lines.extend(f"  {line}" for line in explain(root, first.node, uses, upstream, from_engine, first.given, notes))
        marks[first.node] = "first wrong: " + marks[first.node]
    return lines, marks


def _head(answered: int, wrong: int, unanswered: int) -> str:
    """'all 5 answers right', '2 of 4 answers wrong', '3 of 5 answers right, 2 not answered yet'."""
    total = answered + unanswered
    if unanswered == total:
        return "not answered yet" if total == 1 else f"not answered yet ({total:,} answers to give)"
    if not unanswered:
        if total == 1:
            return "the answer is wrong" if wrong else "the answer is right"
        return f"{wrong} of {total} answers wrong" if wrong else f"all {total} answers right"
    counted = f"{wrong} of {total} answers wrong" if wrong else f"{answered} of {total} answers right"
    return f"{counted}, {unanswered} not answered yet"


def _walk(
    root: Value,
    node: Value,
    uses_by_node: Uses,
    given: Mapping[Value, float],
    expected: Mapping[Value, float],
    from_engine: set[Value],
) -> list[str]:
    """When the number above a wrong answer is the engine's and the gradient splits higher up,
    the line that walks up to where it splits, so the terms of the sum can be seen."""
    if not from_engine:
        return []
    split = fan_out(root, node, uses_by_node, given, expected)
    if split is None or split.split is node:
        return []
    return [split_line(root, node, split)]


def _names(top: str, nodes: list[Value]) -> str:
    """'df/dq', or 'df/dq and df/dr': the derivatives of root by these nodes."""
    return " and ".join(dict.fromkeys(derivative(top, node_name(node)) for node in nodes))
