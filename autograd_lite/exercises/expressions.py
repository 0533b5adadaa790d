"""Small expressions for checking a student's engine: the operations a micrograd-style Value may
have, recipes that combine them (made at random, or shrunk to the smallest that still shows a
fault), and each recipe written as the Python a student can paste and run.

A recipe is data, not Values: its inputs, then steps that each apply one operation to earlier
entries of the pool (inputs first, then the steps' results). The same recipe builds a graph of
autograd-lite Values (the reference) and one of the student's Values.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

# Inputs are multiples of 1/4 away from 0, so the expression a report prints is exact.
INPUT_GRID = tuple(k / 4 for k in range(-10, 11) if k)
# The values a shrunk recipe prefers, simplest first.
NICE_INPUTS = (1.0, 2.0, -1.0, 0.5, 1.5, -2.0, 3.0, -0.5)
NUMBER = 2.0
"""The plain number of the mixed operations (x + 2, 2 * x, ...)."""
# Far from overflow and from the kinks, so both engines compute the same smooth function.
LARGEST = 1e6
_NEAREST_POLE = 0.1
_NEAREST_KINK = 1e-6


class Operation(NamedTuple):
    """One thing a student's Value may do: ``apply`` it to Values (one, or two for a binary op),
    found through ``method`` on the class, written with ``spelling`` ('{0} + {1}'); ``defined``
    tells whether the reference takes it at these operand values without a pole or a kink."""

    key: str
    name: str
    arity: int
    method: str
    apply: Callable[..., Any]
    spelling: str
    rule: str
    defined: Callable[..., bool]
    number: bool = False


def _anywhere(*data: float) -> bool:
    return True


def _away_from_zero(*data: float) -> bool:
    return abs(data[-1]) >= _NEAREST_POLE


def _base_away_from_zero(*data: float) -> bool:
    return abs(data[0]) >= _NEAREST_POLE


def _not_at_kink(*data: float) -> bool:
    return abs(data[0]) >= _NEAREST_KINK


def _no_overflow(*data: float) -> bool:
    return data[0] <= math.log(LARGEST)


OPERATIONS: tuple[Operation, ...] = (
    Operation("+", "+", 2, "__add__", lambda a, b: a + b, "{0} + {1}", "a + b; d/da = 1, d/db = 1", _anywhere),
    Operation("*", "*", 2, "__mul__", lambda a, b: a * b, "{0} * {1}", "a * b; d/da = b, d/db = a", _anywhere),
    Operation("neg", "-x", 1, "__neg__", lambda a: -a, "-{0}", "-a; d/da = -1", _anywhere),
    Operation("-", "-", 2, "__sub__", lambda a, b: a - b, "{0} - {1}", "a - b; d/da = 1, d/db = -1", _anywhere),
    Operation("**2", "**", 1, "__pow__", lambda a: a**2, "{0}**2", "a**k; d/da = k a**(k-1)", _anywhere),
    Operation("**3", "**", 1, "__pow__", lambda a: a**3, "{0}**3", "a**k; d/da = k a**(k-1)", _anywhere),
    Operation("**-1", "**", 1, "__pow__", lambda a: a**-1, "{0}**-1", "a**k; d/da = k a**(k-1)", _base_away_from_zero),
    Operation("/", "/", 2, "__truediv__", lambda a, b: a / b, "{0} / {1}", "a / b; d/da = 1/b, d/db = -a/b**2", _away_from_zero),
    Operation("tanh", "tanh", 1, "tanh", lambda a: a.tanh(), "{0}.tanh()", "tanh(a); d/da = 1 - tanh(a)**2", _anywhere),
    Operation("exp", "exp", 1, "exp", lambda a: a.exp(), "{0}.exp()", "e**a; d/da = e**a", _no_overflow),
    Operation("relu", "relu", 1, "relu", lambda a: a.relu(), "{0}.relu()", "max(0, a); d/da = 1 for a > 0, 0 for a < 0", _not_at_kink),
    Operation("+n", "+ number", 1, "__add__", lambda a: a + NUMBER, "{0} + 2", "a + 2; d/da = 1", _anywhere, True),
    Operation("n+", "number +", 1, "__radd__", lambda a: NUMBER + a, "2 + {0}", "2 + a; d/da = 1", _anywhere, True),
    Operation("*n", "* number", 1, "__mul__", lambda a: a * NUMBER, "{0} * 2", "a * 2; d/da = 2", _anywhere, True),
    Operation("n*", "number *", 1, "__rmul__", lambda a: NUMBER * a, "2 * {0}", "2 * a; d/da = 2", _anywhere, True),
    Operation("-n", "- number", 1, "__sub__", lambda a: a - NUMBER, "{0} - 2", "a - 2; d/da = 1", _anywhere, True),
    Operation("n-", "number -", 1, "__rsub__", lambda a: NUMBER - a, "2 - {0}", "2 - a; d/da = -1", _anywhere, True),
    Operation("/n", "/ number", 1, "__truediv__", lambda a: a / NUMBER, "{0} / 2", "a / 2; d/da = 1/2", _anywhere, True),
    Operation("n/", "number /", 1, "__rtruediv__", lambda a: NUMBER / a, "2 / {0}", "2 / a; d/da = -2/a**2", _away_from_zero, True),
)
"""In the order a student usually writes them; a report names the first one found wrong."""

BY_KEY = {operation.key: operation for operation in OPERATIONS}


@dataclass(frozen=True)
class Recipe:
    """Inputs, then steps (operation key, indices into the pool of inputs and earlier results);
    the last step is the output."""

    inputs: tuple[float, ...]
    steps: tuple[tuple[str, tuple[int, ...]], ...]

    def build(self, leaf: Callable[[float], Any]) -> tuple[list[Any], list[Any]]:
        """The leaves (made by ``leaf``) and every step's result, in order."""
        leaves = [leaf(x) for x in self.inputs]
        pool = list(leaves)
        for key, args in self.steps:
            pool.append(BY_KEY[key].apply(*(pool[i] for i in args)))
        return leaves, pool[len(leaves) :]

    def uses(self) -> list[int]:
        """How many times each pool entry is an operand."""
        counts = [0] * (len(self.inputs) + len(self.steps))
        for _, args in self.steps:
            for index in args:
                counts[index] += 1
        return counts

    def reuses(self) -> bool:
        """True when some input or result is an operand more than once (x + x, fan-out)."""
        return any(count > 1 for count in self.uses())

    def size(self) -> tuple[int, int, int, int]:
        """What shrinking makes smaller: steps, inputs, the operations' ranks, the inputs' plainness."""
        ranks = sum(_RANK[key] for key, _ in self.steps)
        plain = sum(NICE_INPUTS.index(x) if x in NICE_INPUTS else len(NICE_INPUTS) for x in self.inputs)
        return (len(self.steps), len(self.inputs), ranks, plain)


_RANK = {operation.key: rank for rank, operation in enumerate(OPERATIONS)}


def single(operation: Operation, inputs: Sequence[float], repeated: bool = False) -> Recipe:
    """The recipe that applies one operation: to distinct inputs, or (``repeated``) to x twice."""
    if operation.arity == 1:
        return Recipe((inputs[0],), ((operation.key, (0,)),))
    if repeated:
        return Recipe((inputs[0],), ((operation.key, (0, 0)),))
    return Recipe((inputs[0], inputs[1]), ((operation.key, (0, 1)),))


def random_recipe(rng: random.Random, operations: Sequence[Operation], reuse: bool, max_steps: int = 6) -> Recipe:
    """A random recipe of the given operations: a graph with reused entries, or (``reuse`` False)
    a tree in which every input and result is used once."""
    if not reuse:
        return _random_tree(rng, operations, max_steps)
    n_inputs = rng.randint(1, 3)
    steps: list[tuple[str, tuple[int, ...]]] = []
    for _ in range(rng.randint(2, max_steps)):
        pool = n_inputs + len(steps)
        operation = rng.choice(operations)
        # Mostly recent entries, so graphs grow deep; any earlier one sometimes, so they branch.
        args = tuple(rng.randrange(max(0, pool - 3), pool) if rng.random() < 0.7 else rng.randrange(pool)
                     for _ in range(operation.arity))  # fmt: skip
        steps.append((operation.key, args))
    return prune(Recipe(tuple(rng.sample(INPUT_GRID, n_inputs)), tuple(steps)))


def _random_tree(rng: random.Random, operations: Sequence[Operation], max_steps: int) -> Recipe:
    inputs: list[float] = []
    steps: list[tuple[str, tuple[int, ...]]] = []
    # Steps and inputs are numbered apart while the tree grows, then joined into one pool.
    step_args: list[tuple[str, list[tuple[str, int]]]] = []

    def grow(budget: int) -> tuple[str, int]:
        if budget <= 0 or (step_args and rng.random() < 0.3) or len(inputs) >= len(INPUT_GRID) // 2:
            inputs.append(0.0)
            return ("input", len(inputs) - 1)
        operation = rng.choice(operations)
        children = [grow(budget - 1 - operation.arity) for _ in range(operation.arity)]
        step_args.append((operation.key, children))
        return ("step", len(step_args) - 1)

    grow(max_steps)
    values = rng.sample(INPUT_GRID, len(inputs))
    for key, children in step_args:
        steps.append((key, tuple(i if kind == "input" else len(inputs) + i for kind, i in children)))
    return prune(Recipe(tuple(values), tuple(steps)))


def prune(recipe: Recipe) -> Recipe:
    """The recipe without the steps and inputs its output does not depend on."""
    n = len(recipe.inputs)
    needed = {n + len(recipe.steps) - 1}
    for position in range(len(recipe.steps) - 1, -1, -1):
        if n + position in needed:
            needed.update(recipe.steps[position][1])
    kept_inputs = [i for i in range(n) if i in needed]
    kept_steps = [p for p in range(len(recipe.steps)) if n + p in needed]
    new_index = {old: new for new, old in enumerate(kept_inputs)}
    new_index.update({n + old: len(kept_inputs) + new for new, old in enumerate(kept_steps)})
    steps = tuple((recipe.steps[p][0], tuple(new_index[i] for i in recipe.steps[p][1])) for p in kept_steps)
    return Recipe(tuple(recipe.inputs[i] for i in kept_inputs), steps)


def simpler(recipe: Recipe, operations: Sequence[Operation], reuse: bool) -> Iterator[Recipe]:
    """Recipes a little smaller than ``recipe``, the biggest cuts first: an earlier step as the
    output, an operand replaced by one of its own operands or by an input, a plainer operation,
    plainer input values. None of them reuses an entry unless ``reuse``."""
    n = len(recipe.inputs)
    steps = list(recipe.steps)
    candidates: list[Recipe] = []
    for last in range(len(steps) - 1):
        candidates.append(Recipe(recipe.inputs, tuple(steps[: last + 1])))
    for position, (key, args) in enumerate(steps):
        for slot, index in enumerate(args):
            replacements = list(steps[index - n][1]) if index >= n else []
            replacements += [i for i in range(n) if i != index]
            for replacement in replacements:
                changed = list(args)
                changed[slot] = replacement
                candidates.append(Recipe(recipe.inputs, (*steps[:position], (key, tuple(changed)), *steps[position + 1 :])))
    for position, (key, args) in enumerate(steps):
        for operation in operations:
            if operation.arity == len(args) and _RANK[operation.key] < _RANK[key]:
                candidates.append(Recipe(recipe.inputs, (*steps[:position], (operation.key, args), *steps[position + 1 :])))
    for position, value in enumerate(recipe.inputs):
        for nice in NICE_INPUTS:
            if nice != value and nice not in recipe.inputs:
                values = list(recipe.inputs)
                values[position] = nice
                candidates.append(Recipe(tuple(values), recipe.steps))
    for candidate in candidates:
        smaller = prune(candidate)
        if smaller.size() < recipe.size() and (reuse or not smaller.reuses()):
            yield smaller


INPUT_NAMES = ("x", "y", "z", "w", "u", "v", "s", "t")
SHARED_NAMES = ("a", "b", "c", "d", "e", "g", "h", "k", "m", "n", "p", "q", "r")


def as_code(recipe: Recipe, class_name: str, backward: bool = True) -> list[str]:
    """The recipe as the lines of Python a student can run: inputs, each shared result named
    once, the output ``f`` and (``backward``) ``f.backward()``."""
    lines = _program(recipe, class_name)[0]
    if backward:
        lines.append("f.backward()")
    return lines


def entry_texts(recipe: Recipe) -> list[str]:
    """How the program of ``as_code`` writes each input and result: its name ('x', 'a', 'f') or,
    for a result used once, its formula ('x * y')."""
    return _program(recipe, "Value")[1]


def step_formulas(recipe: Recipe) -> list[str]:
    """Each step's formula as the program of ``as_code`` writes it ('x + y', 'a * (-a)')."""
    return _program(recipe, "Value")[2]


def _program(recipe: Recipe, class_name: str) -> tuple[list[str], list[str], list[str]]:
    n = len(recipe.inputs)
    uses = recipe.uses()
    lines = [f"{INPUT_NAMES[i]} = {class_name}({recipe.inputs[i]!r})" for i in range(n)]
    # Each entry as written so far, and whether it can stand as an operand without brackets.
    text: dict[int, tuple[str, bool]] = {i: (INPUT_NAMES[i], True) for i in range(n)}
    shared = iter(SHARED_NAMES)
    last = n + len(recipe.steps) - 1
    formulas: list[str] = []
    for position, (key, args) in enumerate(recipe.steps):
        index = n + position
        spelling = BY_KEY[key].spelling
        written = spelling.format(*(part if atomic else f"({part})" for part, atomic in (text[i] for i in args)))
        formulas.append(written)
        if index == last:
            lines.append(f"f = {written}")
            text[index] = ("f", True)
        elif uses[index] > 1:
            name = next(shared)
            lines.append(f"{name} = {written}")
            text[index] = (name, True)
        else:
            # A method call binds tighter than any operator; anything else is bracketed when used.
            text[index] = (written, spelling.startswith("{0}.") and spelling.endswith("()"))
    return lines, [text[i][0] for i in range(last + 1)], formulas
