"""The replay tape against its oracle, the eager engine: for random graphs (every op, reused
nodes, dot and sum nodes, plain-number operands) and for a model trained step by step, a tape
replayed at new values gives the same output and gradients to the last bit as a graph built
afresh at those values. Also: what a tape freezes, what it re-evaluates, and how it refuses."""

from __future__ import annotations

import gc
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import nn
from autograd_lite import OPS, AnomalyError, Value, apply, detect_anomaly, dot, grad, value_sum
from autograd_lite.tape import Tape
from tests.strategies import (
    GRAPH_BINARY,
    GRAPH_UNARY,
    Expression,
    expressions,
    points,
    value_binary,
    value_unary,
)

DOMAIN_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


def same(a: float, b: float) -> bool:
    """Equal to the last bit, as far as Python can tell: equal values with equal signs, or both NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def eager(build: Callable[[list[Value]], Value], point: Sequence[float], chosen: Sequence[int]) -> tuple[float, list[float]]:
    """The oracle: build the graph afresh at ``point`` and backpropagate."""
    leaves = [Value(x) for x in point]
    out = build(leaves)
    out.backward()
    return out.data, [leaves[i].grad for i in chosen]


def check_replay(
    build: Callable[[list[Value]], Value], first: Sequence[float], second: Sequence[float], chosen: Sequence[int]
) -> None:
    """Record at ``first``; the tape replayed at ``second`` must equal eager at ``second``.

    Leaves that are not chosen keep their recorded values, so the oracle holds them at ``first``.
    """
    leaves = [Value(x) for x in first]
    try:
        out = build(leaves)
    except DOMAIN_ERRORS:
        event("no graph: domain error while recording")
        return
    tape = Tape(out, [leaves[i] for i in chosen])
    target = list(first)
    for i in chosen:
        target[i] = second[i]
    try:
        expected_value, expected_grads = eager(build, target, chosen)
    except DOMAIN_ERRORS:
        # No oracle here: the failing step may not even be part of the output's graph (the
        # recipe builds every step). Domain errors in a replay have their own tests below.
        event("no oracle: domain error at the replay point")
        return
    event("compared")
    value, grads = tape.value_and_grad([second[i] for i in chosen])
    assert same(value, expected_value), (value, expected_value)
    assert len(grads) == len(expected_grads)
    for got, want in zip(grads, expected_grads, strict=True):
        assert same(got, want), (grads, expected_grads)


# ---- random graphs ------------------------------------------------------------------------


@settings(max_examples=300)
@given(expressions(max_inputs=3, max_steps=10), points(3), points(3), st.lists(st.booleans(), min_size=3, max_size=3))
def test_random_expressions_replay_exactly(expression: Expression, first: list[float], second: list[float], mask: list[bool]) -> None:
    chosen = [i for i in range(expression.n_inputs) if mask[i]] or [0]
    check_replay(expression.with_values, first[: expression.n_inputs], second[: expression.n_inputs], chosen)


@dataclass(frozen=True)
class Recipe:
    """A graph that also uses dot, value_sum and plain-number operands on either side."""

    n_inputs: int
    steps: tuple[tuple[str, tuple[int, ...], float], ...]

    def build(self, leaves: list[Value]) -> Value:
        pool: list[Value] = list(leaves)
        for kind, args, number in self.steps:
            if kind.startswith("number"):
                pool.append(_with_number(args, [pool[args[0]]], number, left=kind == "number-left"))
                continue
            operands = [pool[i] for i in args]
            if kind == "dot":
                half = len(operands) // 2
                pool.append(dot(operands[:half], operands[half : 2 * half]))
            elif kind == "dot-numbers":
                pool.append(dot(operands, [number * (k + 1) for k in range(len(operands))]))
            elif kind == "sum":
                pool.append(value_sum(operands, start=number))
            elif kind in GRAPH_UNARY:
                pool.append(value_unary(kind, operands[0]))
            else:
                pool.append(value_binary(kind, operands[0], operands[1]))
        return pool[-1]


NUMBER_OPS = ("+", "-", "*", "/", "**")


def _with_number(args: tuple[int, ...], operands: list[Value], number: float, *, left: bool) -> Value:
    """x op number or number op x, for the op that args[1] picks (args[0] chose x)."""
    op = NUMBER_OPS[args[1] % len(NUMBER_OPS)]
    x = operands[0]
    if op == "**":
        return (abs(number) + 0.5) ** x if left else x ** round(number)
    if op == "+":
        return number + x if left else x + number
    if op == "-":
        return number - x if left else x - number
    if op == "*":
        return number * x if left else x * number
    return number / x if left else x / number


@st.composite
def recipes(draw: st.DrawFn, max_inputs: int = 4, max_steps: int = 10) -> Recipe:
    """Random graphs with reuse, every op, dot and sum nodes (repeats allowed) and number operands."""
    n_inputs = draw(st.integers(1, max_inputs))
    steps: list[tuple[str, tuple[int, ...], float]] = []
    kinds = (*GRAPH_UNARY, *GRAPH_BINARY, "dot", "dot-numbers", "sum", "number-left", "number-right")
    for _ in range(draw(st.integers(1, max_steps))):
        pool = st.integers(0, n_inputs + len(steps) - 1)
        kind = draw(st.sampled_from(kinds))
        number = draw(st.floats(0.01, 2.0) | st.floats(-2.0, -0.01))
        if kind in GRAPH_UNARY:
            args: tuple[int, ...] = (draw(pool),)
        elif kind in ("dot", "dot-numbers", "sum"):
            args = tuple(draw(st.lists(pool, min_size=1, max_size=6)))
            if kind == "dot" and len(args) < 2:
                args = (*args, *args)
        elif kind.startswith("number"):
            args = (draw(pool), draw(st.integers(0, len(NUMBER_OPS) - 1)))
        else:
            args = (draw(pool), draw(pool))
        steps.append((kind, args, number))
    return Recipe(n_inputs, tuple(steps))


@settings(max_examples=300)
@given(recipes(), points(4), points(4), st.lists(st.booleans(), min_size=4, max_size=4))
def test_random_graphs_with_dot_sum_and_numbers_replay_exactly(
    recipe: Recipe, first: list[float], second: list[float], mask: list[bool]
) -> None:
    chosen = [i for i in range(recipe.n_inputs) if mask[i]] or [recipe.n_inputs - 1]
    check_replay(recipe.build, first[: recipe.n_inputs], second[: recipe.n_inputs], chosen)


@settings(max_examples=100)
@given(recipes(), points(4))
def test_replay_accumulates_into_grads_as_backward_does(recipe: Recipe, point: list[float]) -> None:
    """replay() adds to existing .grad exactly as backward() does, and only for inputs in the graph."""
    point = point[: recipe.n_inputs]
    eager_leaves = [Value(x) for x in point]
    tape_leaves = [Value(x) for x in point]
    try:
        eager_out = recipe.build(eager_leaves)
        tape = Tape(recipe.build(tape_leaves), tape_leaves)
    except DOMAIN_ERRORS:
        return
    for a, b, start in zip(eager_leaves, tape_leaves, (0.3, -1.7, 2.5e-3, 11.0), strict=False):
        a.grad = b.grad = start
    eager_out.backward()
    eager_out.backward()
    assert same(tape.replay(), eager_out.data)
    tape.replay()
    for a, b in zip(eager_leaves, tape_leaves, strict=True):
        assert same(a.grad, b.grad) and a.grad_reached == b.grad_reached


@settings(max_examples=100)
@given(recipes(), points(4))
def test_expanding_constants_changes_no_gradient(recipe: Recipe, point: list[float]) -> None:
    """Plain-number operands become constant leaves on first look; backward is the same either way."""
    point = point[: recipe.n_inputs]
    lazy, looked_at = [Value(x) for x in point], [Value(x) for x in point]
    try:
        lazy_out, expanded_out = recipe.build(lazy), recipe.build(looked_at)
    except DOMAIN_ERRORS:
        return
    stack = [expanded_out]
    while stack:  # touching .parents everywhere makes every constant a real leaf
        stack.extend(p for p in stack.pop().parents if not p.is_leaf)
    lazy_out.backward()
    expanded_out.backward()
    for a, b in zip(lazy, looked_at, strict=True):
        assert same(a.grad, b.grad)


# ---- a model trained by eager steps and by replayed steps ----------------------------------


def test_a_model_trained_by_replay_matches_eager_training_bit_for_bit() -> None:
    X, y = nn.make_moons(40, noise=0.1, seed=3)
    eager_model = nn.MLP(2, [8, 8, 1], rng=5)
    replay_model = nn.MLP(2, [8, 8, 1], rng=5)
    params = replay_model.parameters()
    eager_opt = nn.SGD(eager_model.parameters(), lr=nn.LinearDecay(1.0, 0.1, 30))
    replay_opt = nn.SGD(params, lr=nn.LinearDecay(1.0, 0.1, 30))

    def loss_of(model: nn.MLP) -> Value:
        return nn.hinge([model(x) for x in X], y) + nn.l2(model.parameters(), 1e-4)

    tape = Tape(loss_of(replay_model), params)
    for _ in range(30):
        eager_loss = loss_of(eager_model)
        eager_opt.zero_grad()
        eager_loss.backward()
        eager_opt.step()
        replay_opt.zero_grad()
        assert same(tape.replay(), eager_loss.data)
        replay_opt.step()
    for a, b in zip(eager_model.parameters(), params, strict=True):
        assert same(a.data, b.data) and same(a.grad, b.grad)
    assert nn.accuracy(eager_model, X, y) == nn.accuracy(replay_model, X, y)


def test_a_deep_tanh_network_replays_exactly_at_new_weights() -> None:
    rng = random.Random(7)
    model = nn.MLP(4, [6] * 8 + [1], "tanh", rng=11)
    X = [[rng.uniform(-1, 1) for _ in range(4)] for _ in range(10)]
    targets = [rng.uniform(-1, 1) for _ in range(10)]
    params = model.parameters()
    tape = Tape(nn.mse([model(x) for x in X], targets), params)
    new_values = [p.data + rng.uniform(-0.2, 0.2) for p in params]
    value, grads = tape.value_and_grad(new_values)
    for p, v in zip(params, new_values, strict=True):
        p.data = v
    out = nn.mse([model(x) for x in X], targets)
    out.backward()
    assert same(value, out.data)
    assert all(same(g, p.grad) for g, p in zip(grads, params, strict=True))


def test_a_recorded_first_derivative_replays_the_second() -> None:
    """A tape of grad(..., create_graph=True) is a compiled derivative: its backward is d2f."""

    def first_derivative(v: list[Value]) -> Value:
        (d,) = grad((v[0] * v[0]).sin() * v[0].exp(), [v[0]], create_graph=True)
        assert isinstance(d, Value)
        return d

    x = Value(0.3)
    tape = Tape(first_derivative([x]), [x])
    for point in (0.3, -1.1, 2.0):
        assert tape.value_and_grad([point]) == eager(first_derivative, [point], [0])


# ---- what a tape re-evaluates and what it freezes ------------------------------------------


def test_watched_nodes_report_their_replayed_values() -> None:
    x = Value(1.0)
    scores = [x * 2.0, (x * 3.0).tanh()]
    tape = Tape(scores[0] + scores[1], [x], watch=scores)
    with pytest.raises(RuntimeError, match="forward"):
        tape.watched()
    tape.forward([0.5])
    assert tape.watched() == [1.0, math.tanh(1.5)]
    with pytest.raises(ValueError, match=r"watch\[0\]"):
        Tape(scores[0], [x], watch=[Value(3.0)])


def test_relu_and_abs_branches_are_re_evaluated_on_every_replay() -> None:
    x = Value(1.5)
    tape = Tape(x.relu() * 3.0 + abs(x - 0.5), [x])
    for point in (1.5, -2.0, 0.0, 0.25):
        assert tape.value_and_grad([point]) == eager(lambda v: v[0].relu() * 3.0 + abs(v[0] - 0.5), [point], [0])


def test_python_control_flow_is_frozen_as_recorded() -> None:
    """The documented limit: a branch taken in Python is replayed, not re-decided."""

    def absolute(v: list[Value]) -> Value:
        return v[0] if v[0].data > 0 else -v[0]

    x = Value(2.0)
    tape = Tape(absolute([x]), [x])
    assert tape.value_and_grad([-3.0]) == (-3.0, [1.0])  # the x > 0 branch, replayed
    assert eager(absolute, [-3.0], [0]) == (3.0, [-1.0])  # what define-by-run gives


def test_leaves_that_are_not_inputs_keep_their_recorded_values() -> None:
    x, data = Value(2.0), Value(10.0)
    tape = Tape(x * data, [x])
    data.data = 100.0
    assert tape.value_and_grad([3.0]) == (30.0, [10.0])


def test_an_input_the_output_does_not_use_gets_zero_and_keeps_its_grad() -> None:
    x, unused = Value(2.0), Value(5.0)
    tape = Tape(x * x, [x, unused])
    assert tape.value_and_grad([3.0, 7.0]) == (9.0, [6.0, 0.0])
    tape.replay()
    assert x.grad == 4.0 and not unused.grad_reached


def test_the_output_may_be_an_input_itself() -> None:
    x = Value(2.0)
    tape = Tape(x, [x])
    assert tape.value_and_grad([5.0], grad=3.0) == (5.0, [3.0])


def test_replay_creates_no_values() -> None:
    model = nn.MLP(2, [4, 1], rng=1)
    tape = Tape(nn.mse([model([0.5, -0.5]), model([1.0, 2.0])], [1.0, 0.0]), model.parameters())
    tape.replay()
    gc.collect()
    before = sum(isinstance(o, Value) for o in gc.get_objects())
    for _ in range(3):
        tape.replay()
    assert sum(isinstance(o, Value) for o in gc.get_objects()) == before


def test_a_long_chain_replays_without_recursion() -> None:
    x = Value(0.5)
    y = x
    for _ in range(20_000):
        y = y * 0.999 + 0.001
    tape = Tape(y, [x])
    value, (slope,) = tape.value_and_grad([0.25])
    expected_value, (expected_slope,) = eager(lambda v: _chain(v[0], 20_000), [0.25], [0])
    assert same(value, expected_value) and same(slope, expected_slope)


def _chain(x: Value, steps: int) -> Value:
    for _ in range(steps):
        x = x * 0.999 + 0.001
    return x


# ---- refusals and anomaly detection ------------------------------------------------------


def test_inputs_must_be_distinct_leaf_values() -> None:
    x, y = Value(1.0), Value(2.0)
    out = x * y
    with pytest.raises(ValueError, match=r"inputs\[0\].*'\*'"):
        Tape(out, [out])
    with pytest.raises(ValueError, match=r"inputs\[1\] is listed twice"):
        Tape(out, [x, x])
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value, got float"):
        Tape(out, [x, 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="output must be a Value"):
        Tape(3.0, [x])  # type: ignore[arg-type]


def test_forward_checks_its_values_and_backward_needs_a_forward() -> None:
    x, y = Value(1.0), Value(2.0)
    tape = Tape(x * y, [x, y])
    with pytest.raises(RuntimeError, match="forward"):
        tape.backward()
    with pytest.raises(ValueError, match="expected 2 values, got 1"):
        tape.forward([1.0])
    with pytest.raises(TypeError, match="str"):
        tape.forward([1.0, "2"])  # type: ignore[list-item]
    assert tape.forward([3, 4]) == 12.0  # ints are real numbers


def test_domain_errors_are_raised_as_the_eager_engine_raises_them() -> None:
    x = Value(2.0)
    tape = Tape(x.log() + 2.0**x, [x])
    with pytest.raises(ValueError, match=r"log: input must be > 0, got -1\.0"):
        tape.forward([-1.0])
    base, exponent = Value(2.0), Value(3.0)
    power = Tape(base**exponent, [base])
    with pytest.raises(ValueError, match=r"\*\*: the base must be >= 0"):
        power.forward([-2.0])


def test_detect_anomaly_names_the_op_in_a_replay() -> None:
    x = Value(1.0, label="x")
    tape = Tape((x * 10.0).exp(), [x])
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"\*.*x"):
        tape.forward([1e308])
    root = Value(4.0, label="r")
    sqrt_tape = Tape(root.sqrt(), [root])
    sqrt_tape.forward([0.0])
    with detect_anomaly(), pytest.raises(AnomalyError, match="sqrt"):
        sqrt_tape.backward()
    assert math.isinf(sqrt_tape.backward()[0])  # outside the block, inf is allowed


# ---- the inline opcodes against the blocks of ops.py they copy -----------------------------------

INLINE = {"+": 2, "-": 2, "*": 2, "neg": 1, "relu": 1, "sum": 3, "dot": 4}
SPECIAL = st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, -1e300, math.inf, -math.inf, math.nan])


@pytest.mark.parametrize("name", sorted(INLINE))
@given(data=st.data())
@settings(max_examples=80, deadline=None)
def test_each_inline_opcode_gives_its_blocks_bits(name: str, data: st.DataObject) -> None:
    points = data.draw(st.lists(st.floats(allow_nan=True, allow_infinity=True) | SPECIAL, min_size=INLINE[name], max_size=INLINE[name]))
    leaves = [Value(p) for p in points]
    rule = OPS[name]
    node = dot(leaves[:2], leaves[2:]) if name == "dot" else apply(name, *leaves)
    value, grads = Tape(node, leaves).value_and_grad(points)
    want_value = rule.forward(*points)
    # A gradient starts at 0.0 and adds upstream x local (1.0 x local here), as in eager backward.
    want_grads = [0.0 + 1.0 * local for local in rule.local_grads(*points, want_value)]
    assert _same_bits(value, want_value), (name, points, value, want_value)
    assert all(_same_bits(g, w) for g, w in zip(grads, want_grads, strict=True)), (name, points, grads, want_grads)


def _same_bits(a: float, b: float) -> bool:
    """The same float: NaN meets NaN, and a zero's sign counts."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)

