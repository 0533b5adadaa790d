"""Name the mistake behind a wrong gradient, in words and with the student's own numbers.

``recognise`` tries the mistakes students make most, in this order, and returns the first whose
number is the one the student wrote: taking a factor's own value instead of the other factor's
at a product; writing the local derivative without the gradient arriving from above; counting
only some of the ways the node reaches the output (one use of a value used twice, or one of the
units a hidden unit feeds, found by walking up through the nodes nobody labelled); a sign error.
``fan_out`` and ``split_line`` are that walk on its own, for a report that shows where the
gradient splits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from ..value import Value
from .chain_rule import Use, Uses, chain_rule_total, partner
from .naming import bracketed_number, derivative, node_name, partial, show, spelled

# Above this many terms the sums of every subset are too many to try, and too many to read.
_MOST_TERMS = 6


@dataclass(frozen=True)
class Mistake:
    """A recognised mistake: a short clause for the answer's own line, and the full words."""

    short: str
    words: str


@dataclass(frozen=True)
class Term:
    """One of the ways a node's gradient arrives: through ``use`` of the node where the gradient
    splits, up to ``top`` (the first labelled node on the way, or the output); ``factor`` is
    d top / d node along that way, ``upstream`` is d root / d top (the student's number, or the
    engine's when ``from_engine``)."""

    use: Use
    top: Value
    factor: float
    upstream: float
    from_engine: bool

    @property
    def value(self) -> float:
        """This way's share of d root / d node."""
        return self.upstream * self.factor


@dataclass(frozen=True)
class FanOut:
    """Where a node's gradient splits: ``split`` (the node itself, or the first node above it
    on a chain of single uses), and one term per use of ``split``."""

    split: Value
    terms: tuple[Term, ...]


def fan_out(
    root: Value, node: Value, uses_by_node: Uses, answered: Mapping[Value, float], expected: Mapping[Value, float]
) -> FanOut | None:
    """The first split at or above ``node``: walk up while each node has one use and no answer of
    the student's, then take one term per use, each walked up through unlabelled nodes with one
    use to the first labelled one. None when the gradient never splits (or splits too widely)."""
    factor = 1.0
    current = node
    while True:
        uses = uses_by_node.get(current, ())
        if len(uses) != 1:
            break
        if uses[0].user in answered:
            return None  # the student answered the node above: the step to check is the local one
        factor *= uses[0].local
        current = uses[0].user
    if len(uses) < 2 or len(uses) > _MOST_TERMS:
        return None
    terms = []
    for use in uses:
        way, top = factor * use.local, use.user
        while not top.label and top is not root:
            above = uses_by_node.get(top, ())
            if len(above) != 1:
                break
            way *= above[0].local
            top = above[0].user
        number = answered.get(top, expected[top])
        terms.append(Term(use, top, way, number, top not in answered))
    return FanOut(current, tuple(terms))


def recognise(
    root: Value,
    node: Value,
    given: float,
    uses_by_node: Uses,
    answered: Mapping[Value, float],
    expected: Mapping[Value, float],
    agrees: Callable[[float, float], bool],
) -> Mistake | None:
    """The known mistake whose number is ``given``, or None. The right number is the chain rule
    with the student's own upstream answers (the engine's where they gave none), so a mistake
    is named at the step where it was made."""
    if node is root:
        return None
    uses = uses_by_node.get(node, ())
    upstream = {u.user: answered.get(u.user, expected[u.user]) for u in uses}
    right = chain_rule_total(uses, upstream)
    if agrees(given, right):
        return None
    top = node_name(root)
    # Where the student's own upstream answers differ from the engine's, the right number here
    # is the one that follows from theirs, and the words say so.
    theirs = [u.user for u in uses if u.user in answered and not agrees(answered[u.user], expected[u.user])]
    basis = ", from your " + " and ".join(
        f"{derivative(top, node_name(user))} = {show(answered[user])}" for user in dict.fromkeys(theirs)
    ) if theirs else ""
    for attempt in (_own_value, _local_alone):
        found = attempt(root, node, given, uses, upstream, right, agrees, basis)
        if found is not None:
            return Mistake(found.short + basis, found.words)
    found = _missing_terms(root, node, given, uses_by_node, answered, expected, agrees)
    if found is not None:
        return found
    if not agrees(right, 0.0) and agrees(given, -right):
        name = derivative(top, node_name(node))
        return Mistake(
            "the sign is wrong" + basis,
            f"Your {show(given)} has the right size and the wrong sign: {name} = {show(right)}{basis}. Look for a minus "
            "on the way: a local derivative of -1 (by b in a - b), or a negative gradient from above.",
        )
    return None


def _own_value(
    root: Value,
    node: Value,
    given: float,
    uses: Sequence[Use],
    upstream: Mapping[Value, float],
    right: float,
    agrees: Callable[[float, float], bool],
    basis: str,
) -> Mistake | None:
    """At a product, the factor's own value taken as its local derivative."""
    products = [u for u in uses if isinstance(partner(u.user, u.slot), (Value, float))]
    if not products:
        return None
    wrong = math.fsum(upstream[u.user] * (node.data if u in products else u.local) for u in uses)
    if agrees(wrong, right) or not agrees(given, wrong):
        return None
    use = products[0]
    other = partner(use.user, use.slot)
    other_name = node_name(other) if isinstance(other, Value) else show(float(other or 0.0))
    name, user = node_name(node), node_name(use.user)
    return Mistake(
        f"{name}'s own value where {other_name} belongs",
        f"At {user} = {spelled(use.user)} you took {name}'s own value, {show(node.data)}, as the local derivative "
        f"{partial(user, name)}; for a product it is the other factor, {other_name} = {show(use.local)}, so "
        f"{derivative(node_name(root), name)} = {show(right)}{basis}.",
    )


def _local_alone(
    root: Value,
    node: Value,
    given: float,
    uses: Sequence[Use],
    upstream: Mapping[Value, float],
    right: float,
    agrees: Callable[[float, float], bool],
    basis: str,
) -> Mistake | None:
    """The local derivative written without the gradient that arrives from above."""
    local = math.fsum(u.local for u in uses)
    if agrees(local, right) or not agrees(given, local):
        return None
    top, name = node_name(root), node_name(node)
    users = list(dict.fromkeys(u.user for u in uses))
    if len(uses) == 1:
        user = node_name(uses[0].user)
        return Mistake(
            f"the local {partial(user, name)} without {derivative(top, user)}",
            f"Your {show(given)} is the local derivative {partial(user, name)} alone. The chain rule multiplies it by "
            f"the gradient arriving from above, {derivative(top, user)} = {show(upstream[uses[0].user])}: "
            f"{derivative(top, name)} = {bracketed_number(upstream[uses[0].user])} × {bracketed_number(uses[0].local)} = {show(right)}{basis}.",
        )
    above = " and ".join(derivative(top, node_name(user)) for user in users)
    return Mistake(
        "the local derivatives without the gradients from above",
        f"Your {show(given)} is the sum of the local derivatives alone. Each must be multiplied by the gradient "
        f"arriving from above ({above}) before they are added: {derivative(top, name)} = {show(right)}{basis}.",
    )


def _missing_terms(
    root: Value,
    node: Value,
    given: float,
    uses_by_node: Uses,
    answered: Mapping[Value, float],
    expected: Mapping[Value, float],
    agrees: Callable[[float, float], bool],
) -> Mistake | None:
    """Some of the ways the node reaches the output left out of the sum."""
    split = fan_out(root, node, uses_by_node, answered, expected)
    if split is None:
        return None
    terms = split.terms
    total = math.fsum(t.value for t in terms)
    for size in range(len(terms) - 1, 0, -1):
        for kept in combinations(range(len(terms)), size):
            counted = math.fsum(terms[i].value for i in kept)
            if agrees(given, counted) and not agrees(counted, total):
                missing = [t for i, t in enumerate(terms) if i not in kept]
                return _missing_words(root, node, given, split, [terms[i] for i in kept], missing)
    return None


def _missing_words(root: Value, node: Value, given: float, split: FanOut, kept: list[Term], missing: list[Term]) -> Mistake:
    phrases = _phrases(split.terms)
    kept_phrase = " and ".join(phrases[t] for t in kept)
    missing_phrase = " and ".join(phrases[t] for t in missing)
    are = "is" if len(missing) == 1 else "are"
    shares = ", ".join(show(t.value) for t in missing)
    counted = f"your {show(given)} counts only {kept_phrase}; {missing_phrase} ({shares}) {are} missing."
    if split.split is node:
        # The chain-rule line above already says the node is used more than once.
        return Mistake(f"{missing_phrase} {are} missing", counted[0].upper() + counted[1:])
    return Mistake(f"{missing_phrase} {are} missing", f"{split_line(root, node, split)}: {counted}")


def split_line(root: Value, node: Value, split: FanOut) -> str:
    """'x_h2 reaches E through h2, which is used 2 times, so dE/dx_h2 = dE/dx_o2 × ∂x_o2/∂x_h2 +
    ... = 0.5136': the sum over the ways up, with the student's numbers (* the engine's)."""
    top, name = node_name(root), node_name(node)
    line = " + ".join(f"{derivative(top, node_name(t.top))} × {partial(node_name(t.top), name)}" for t in split.terms)
    numbers = " + ".join(f"{bracketed_number(t.upstream)}{'*' if t.from_engine else ''} × {bracketed_number(t.factor)}" for t in split.terms)
    total = math.fsum(t.value for t in split.terms)
    return (
        f"{name} reaches {top} through {node_name(split.split)}, which is used {len(split.terms)} times, so "
        f"{derivative(top, name)} = {line} = {numbers} = {show(total)}"
    )


def _phrases(terms: Sequence[Term]) -> dict[Term, str]:
    """Each term by the node it goes through ('the term through p'), or by the operand's place
    when one node takes the split node twice ('the term for operand 2 of b', as in a * a)."""
    tops = [node_name(t.top) for t in terms]
    return {
        term: f"the term for operand {term.use.slot + 1} of {top}" if tops.count(top) > 1 else f"the term through {top}"
        for term, top in zip(terms, tops, strict=True)
    }
