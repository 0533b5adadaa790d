"""Check a student's answers that are not gradients of a graph (numbers, True/False, a choice, a
shape, a list or array of numbers): ``check_answers({name: (yours, expected, why)})`` marks each
one right, wrong (with the right answer and why) or not answered yet, and ``check_answer(name,
yours, expected, why)`` checks one.

A placeholder ``...`` (Python's Ellipsis), on its own or anywhere inside a list, is "not answered
yet": the report names it and ``ok`` is False, but nothing is raised, so a lesson handed out
unanswered runs from top to bottom. A wrong answer of the wrong kind (a str for a number, three
numbers for four) is marked wrong and says why; only a badly written question (an expected value
of a kind that cannot be checked) raises.

>>> report = check_answers({"df/dz": (3, 3.0), "df/dq": (..., -4.0)})
>>> report.ok, report.right, report.missing
(False, ['df/dz'], ['df/dq'])
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..real_numbers import to_float
from ..text import describe, shorten
from .naming import show
from .tolerance import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE, agrees

Verdict = Literal["right", "wrong", "not answered yet"]


@dataclass(frozen=True)
class Checked:
    """One answer: its name, what was given, what was expected, the verdict and, when it is not
    right, why (in words, with the student's own value)."""

    name: str
    given: object
    expected: object
    verdict: Verdict
    reason: str


class AnswersReport:
    """What ``check_answers`` found: ``ok``, the names that are ``right``, ``wrong`` and
    ``missing`` (not answered yet), every ``answers`` entry in the order asked; ``str()`` gives
    one line per answer."""

    def __init__(self, answers: list[Checked]) -> None:
        self.answers = tuple(answers)

    def _named(self, verdict: Verdict) -> list[str]:
        return [answer.name for answer in self.answers if answer.verdict == verdict]

    @property
    def ok(self) -> bool:
        """True when every answer is given and right."""
        return all(answer.verdict == "right" for answer in self.answers)

    @property
    def right(self) -> list[str]:
        """The names of the answers that are right."""
        return self._named("right")

    @property
    def wrong(self) -> list[str]:
        """The names of the answers that are given and wrong."""
        return self._named("wrong")

    @property
    def missing(self) -> list[str]:
        """The names of the answers that still hold a placeholder ``...``."""
        return self._named("not answered yet")

    def __str__(self) -> str:
        return "\n".join([f"check_answers: {self._headline()}", *(_line(answer) for answer in self.answers)])

    def _headline(self) -> str:
        count, wrong, missing = len(self.answers), len(self.wrong), len(self.missing)
        if count == 0:
            return "no answers to check"
        if not wrong and not missing:
            return "the answer is right" if count == 1 else f"all {count} answers right"
        if missing == count:
            return "not answered yet" if count == 1 else f"not answered yet ({count} answers to give)"
        parts = [f"{len(self.right)} of {count} answers right"]
        if wrong:
            parts.append(f"{wrong} wrong")
        if missing:
            parts.append(f"{missing} not answered yet")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"<AnswersReport: {len(self.right)} right, {len(self.wrong)} wrong, {len(self.missing)} not answered yet>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython shows the report as its text, so a cell may end with ``report``."""
        printer.text(str(self))


def _line(answer: Checked) -> str:
    if answer.verdict == "right":
        return f"  right             {answer.name} = {_shown(answer.given)}"
    if answer.verdict == "wrong":
        return f"  WRONG             {answer.name} = {_shown(answer.given)}: {answer.reason}"
    return f"  not answered yet  {answer.name}: {answer.reason}"


def check_answer(
    name: str,
    yours: object,
    expected: object,
    why: str = "",
    *,
    rel_tol: float = RELATIVE_TOLERANCE,
    abs_tol: float = ABSOLUTE_TOLERANCE,
) -> AnswersReport:
    """Check one answer: ``yours`` against ``expected``; ``why`` explains the right answer when
    yours is wrong. Numbers agree within ``rel_tol`` (or ``abs_tol`` near 0)."""
    return check_answers({name: (yours, expected, why)}, rel_tol=rel_tol, abs_tol=abs_tol)


def check_answers(
    questions: Mapping[str, tuple[Any, ...]],
    *,
    rel_tol: float = RELATIVE_TOLERANCE,
    abs_tol: float = ABSOLUTE_TOLERANCE,
) -> AnswersReport:
    """Check answers given as ``{name: (yours, expected)}`` or ``{name: (yours, expected, why)}``.

    An expected value may be a number, a bool, a str, or a list, tuple or array (anything with
    ``tolist()``) of those; yours must then be the same kind and shape, numbers agreeing within
    ``rel_tol`` (or ``abs_tol`` near 0). ``...`` anywhere in yours is "not answered yet".
    """
    if not isinstance(questions, Mapping):
        raise TypeError(f"check_answers: questions must map names to (yours, expected, why), got {describe(questions)}")
    for tolerance, label in ((rel_tol, "rel_tol"), (abs_tol, "abs_tol")):
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance < math.inf:
            raise ValueError(f"check_answers: {label} must be a finite number >= 0, got {describe(tolerance)}")
    checked: list[Checked] = []
    for name, question in questions.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"check_answers: every question needs a name (a non-empty str), got {describe(name)}")
        if not isinstance(question, tuple) or len(question) not in (2, 3):
            raise TypeError(f"check_answers: {name!r} must be (yours, expected) or (yours, expected, why), got {describe(question)}")
        yours, expected, why = (*question, "") if len(question) == 2 else question
        if not isinstance(why, str):
            raise TypeError(f"check_answers: the why of {name!r} must be a str, got {describe(why)}")
        checked.append(_check(name, _plain(yours), _plain(expected), why, rel_tol, abs_tol))
    return AnswersReport(checked)


def _plain(value: object) -> object:
    """Arrays and numpy scalars as Python lists and numbers (``tolist()``), inside lists and tuples too."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and not isinstance(value, (list, tuple, str, bytes)):
        value = tolist()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value


def _placeholders(value: object) -> tuple[int, int]:
    """How many of the entries of ``value`` are ``...``, and how many entries it has."""
    if value is Ellipsis:
        return 1, 1
    if isinstance(value, (list, tuple)):
        counts = [_placeholders(item) for item in value]
        return sum(c[0] for c in counts), sum(c[1] for c in counts)
    return 0, 1


def _check(name: str, given: object, expected: object, why: str, rel_tol: float, abs_tol: float) -> Checked:
    _check_expected(name, expected)
    missing, entries = _placeholders(given)
    if missing:
        todo = "replace the ... with your answer" if entries == 1 else f"{missing} of {entries} entries are still ..."
        return Checked(name, given, expected, "not answered yet", todo)
    mistake = _mistake(given, expected, rel_tol, abs_tol, where="")
    if mistake is None:
        return Checked(name, given, expected, "right", "")
    reason = f"{mistake + '; ' if mistake else ''}the answer is {_shown(expected)}"
    return Checked(name, given, expected, "wrong", f"{reason}. {why}" if why else reason)


def _check_expected(name: str, expected: object) -> None:
    """The question itself must be checkable: a number, bool, str, or (nested) list of those."""
    if isinstance(expected, (list, tuple)):
        for item in expected:
            _check_expected(name, item)
    elif expected is Ellipsis or (not isinstance(expected, (bool, str)) and not _is_number(expected)):
        raise TypeError(f"check_answers: the expected answer to {name!r} must be a number, bool, str or list, got {describe(expected)}")


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    try:
        to_float(value, "check_answers")
    except (TypeError, OverflowError):
        return False
    return True


def _mistake(given: object, expected: object, rel_tol: float, abs_tol: float, where: str) -> str | None:
    """None when ``given`` matches ``expected``; else what is wrong in words ('' when a single
    value simply differs: the answer itself says enough)."""
    at = f"entry {where} " if where else ""
    if isinstance(expected, (list, tuple)):
        if not isinstance(given, (list, tuple)):
            return f"{at}should be {len(expected)} entries in brackets, not {_kind(given)}"
        if len(given) != len(expected):
            return f"{at}has {len(given)} entries where the answer has {len(expected)}"
        for index, (mine, theirs) in enumerate(zip(given, expected, strict=True)):
            mistake = _mistake(mine, theirs, rel_tol, abs_tol, f"{where}[{index}]")
            if mistake is not None:
                return mistake or f"entry {where}[{index}] is {_shown(mine)} where the answer has {_shown(theirs)}"
        return None
    if isinstance(expected, bool):
        if not isinstance(given, bool):
            return f"{at}should be True or False, not {_kind(given)}"
        return None if given == expected else ""
    if isinstance(expected, str):
        if not isinstance(given, str):
            return f"{at}should be a str, not {_kind(given)}"
        return None if given.strip() == expected.strip() else ""
    if not _is_number(given):
        if isinstance(given, int) and not isinstance(given, bool):
            return f"{at}is too large for a float"
        return f"{at}should be a number, not {_kind(given)}"
    return None if agrees(to_float(given), to_float(expected), rel_tol, abs_tol) else ""


def _kind(value: object) -> str:
    kind = type(value).__name__
    article = "an" if kind[:1] in "aeiou" else "a"
    if isinstance(value, (list, tuple)):
        return f"{article} {kind} of {len(value)}"
    return f"{article} {kind} ({describe(value, 40)})"


def _shown(value: object) -> str:
    """A value for people, short: numbers with up to 6 significant digits, lists in brackets."""
    if isinstance(value, (list, tuple)):
        inside = ", ".join(_shown(item) for item in value)
        bracketed = f"[{inside}]" if isinstance(value, list) else f"({inside}{',' if len(value) == 1 else ''})"
        return shorten(bracketed, 120)
    if value is Ellipsis:
        return "..."
    if isinstance(value, (bool, str)):
        return describe(value, 80)
    if _is_number(value):
        return show(to_float(value))
    return describe(value, 80)
