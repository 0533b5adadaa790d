"""Replays that are never silently wrong: a Tape and a BatchedTape shared by threads give each
thread its own answer; record_batch matches one graph to another one to one (a node used twice
never matches two nodes, a parameter never matches data), so whatever it accepts replays every
sample as eager evaluation computes it. The oracle is the eager engine on each sample's own graph."""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from autograd_lite import Tape, Value, grad
from tests.strategies import Expression, expressions, points

np = pytest.importorskip("numpy")

from autograd_lite.batched import BatchedTape, ShapeMismatch, record_batch  # noqa: E402

THREADS = 8
ROUNDS = 200


def _close(got: float, want: float) -> bool:
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12)


def _run_in_threads(work: Callable[[int], list[str]]) -> list[str]:
    """Run ``work(i)`` in THREADS threads released together, switching between them as often as
    Python allows (so that one thread's replay is interrupted by another's); every complaint."""
    barrier = threading.Barrier(THREADS)
    complaints: list[str] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            complaints.extend(work(i))
        except Exception as error:  # a thread's error is a complaint too, not a silent end
            complaints.append(f"thread {i}: {type(error).__name__}: {error}")

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    return complaints


def _function(x: Value, y: Value) -> Value:
    return (x * y + x.tanh()) * y - (x / (1.0 + y * y)).exp()


def _eager(point: tuple[float, float]) -> tuple[float, list[float]]:
    x, y = Value(point[0]), Value(point[1])
    out = _function(x, y)
    return out.data, grad(out, [x, y])


def test_threads_sharing_a_tape_each_get_their_own_numbers() -> None:
    x, y = Value(0.0), Value(0.0)
    tape = Tape(_function(x, y), [x, y])
    points = [(0.3 * i - 1.0, 1.0 - 0.2 * i) for i in range(THREADS)]
    expected = [_eager(p) for p in points]

    def work(i: int) -> list[str]:
        complaints = []
        for k in range(ROUNDS):
            if k % 2:  # forward and backward as two calls: another thread may replay in between
                value = tape.forward(points[i])
                grads = tape.backward()
            else:
                value, grads = tape.value_and_grad(points[i])
            want_value, want_grads = expected[i]
            if not (_close(value, want_value) and all(map(_close, grads, want_grads))):
                complaints.append(f"thread {i} round {k}: {value}, {grads} where eager gives {expected[i]}")
        return complaints

    complaints = _run_in_threads(work)
    assert not complaints, complaints[:3]


def test_threads_sharing_a_batched_tape_each_get_their_own_numbers() -> None:
    x, y, w = Value(0.0), Value(0.0), Value(0.7)
    tape = BatchedTape(_function(x * w, y), [x, y], [w])
    batches = [[[0.1 * i + 0.05 * k, 1.0 - 0.1 * k] for k in range(3 + i)] for i in range(THREADS)]

    def eager(batch: list[list[float]]) -> tuple[list[float], float]:
        values, total = [], 0.0
        for a, b in batch:
            out = _function(Value(a) * w, Value(b))
            values.append(out.data)
            total += grad(out, [w])[0]
        return values, total

    expected = [eager(batch) for batch in batches]

    def work(i: int) -> list[str]:
        complaints = []
        for k in range(ROUNDS // 4):
            outputs = tape.forward(batches[i]).tolist()
            (dw,) = tape.backward().tolist()
            watched_ok = all(map(_close, outputs, expected[i][0]))
            if not (watched_ok and _close(dw, expected[i][1])):
                complaints.append(f"thread {i} round {k}: {outputs}, {dw} where eager gives {expected[i]}")
        return complaints

    complaints = _run_in_threads(work)
    assert not complaints, complaints[:3]


# ---- record_batch's matching ---------------------------------------------------------------------


def test_a_node_used_twice_never_matches_two_nodes() -> None:
    # The example: sample 0 is h*h, sample 1 is exp(h)*h; they used to replay as 1.96.
    w = Value(0.7)
    h0, h1 = w * 1.0, w * -2.0
    with pytest.raises(ShapeMismatch, match=r"sample 1's graph .*operation 0 \('\*'\) reads one operation twice in one"):
        record_batch([h0 * h0, h1.exp() * h1], [w])


def test_a_parameter_never_matches_data() -> None:
    w, x = Value(2.0), Value(3.0)
    with pytest.raises(ShapeMismatch, match=r"reads a leaf in one and parameter 0 in the other"):
        record_batch([w * x, w * w], [w])
    with pytest.raises(ShapeMismatch, match=r"reads two different leaves in one and one leaf twice in the other"):
        record_batch([x * Value(1.0), x * x], [w])


@st.composite
def _sample_pairs(draw: st.DrawFn) -> tuple[Expression, Expression, int, list[float], list[float], list[float]]:
    first = draw(expressions(max_inputs=3, max_steps=6))
    second = first if draw(st.booleans()) else draw(expressions(max_inputs=3, max_steps=6))
    n = max(first.n_inputs, second.n_inputs)
    shared = draw(st.integers(0, n))  # the first `shared` leaves are parameters, the rest data
    return first, second, shared, draw(points(n)), draw(points(n)), draw(points(n))


@given(_sample_pairs())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
def test_whatever_record_batch_accepts_replays_every_sample_as_eager_evaluation(
    pair: tuple[Expression, Expression, int, list[float], list[float], list[float]],
) -> None:
    first, second, shared, params_at, data0, data1 = pair
    parameters = [Value(v) for v in params_at[:shared]]
    outputs = []
    for recipe, data in ((first, data0), (second, data1)):
        leaves = parameters + [Value(v) for v in data[shared:]]
        try:
            outputs.append(recipe.with_values(leaves))
        except (ValueError, ZeroDivisionError, OverflowError):
            reject()  # outside the recipe's domain at these points: draw another
    if not all(math.isfinite(out.data) and abs(out.data) < 1e6 for out in outputs):
        reject()
    try:
        tape, batch = record_batch(outputs, parameters)
    except ShapeMismatch:
        # Two graphs from one recipe never differ in shape: the recipes branch on nothing.
        assert first != second, "the same recipe was refused as another shape"
        return
    for index, out in enumerate(outputs):
        replayed = tape.forward(batch[index : index + 1]).tolist()[0]
        grads = tape.backward().tolist()
        assert _close(replayed, out.data), (index, replayed, out.data)
        assert all(map(_close, grads, grad(out, parameters))), (index, grads, grad(out, parameters))
