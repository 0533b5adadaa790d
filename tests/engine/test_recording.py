"""recording(): every way Python can read a Value's number is noted, at the user's own line; reads
of constants, of Values outside the block and by other threads are not; a Tape, a BatchedTape
and record_batch given a recording that saw a read refuse, naming the line."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import pytest

from autograd_lite import ReplayRefused, Tape, Value, no_grad, recording
from autograd_lite.recording import Recording

READS: dict[str, Callable[[Value], Any]] = {
    "Value.data": lambda v: v.data,
    "float()": float,
    "int()": int,
    "bool()": bool,
    "round()": round,
    "math.floor()": math.floor,
    "math.ceil()": math.ceil,
    "math.trunc()": math.trunc,
    "format()": lambda v: f"{v:.3f}",
    "comparison <": lambda v: v < 1.0,
    "comparison <=": lambda v: v <= 1.0,
    "comparison >": lambda v: v > 1.0,
    "comparison >=": lambda v: v >= 1.0,
    "detach()": lambda v: v.detach(),
    "max()": lambda v: max(v, v * 2.0),
    "sorted()": lambda v: sorted([v, -v]),
}


def _read_inside(read: Callable[[Value], Any]) -> Recording:
    x = Value(1.5)
    with recording() as seen:
        y = x * 2.0
        read(y)  # the line every read below is named by
    return seen


@pytest.mark.parametrize("how", list(READS))
def test_every_way_of_reading_a_number_is_noted_at_the_users_line(how: str) -> None:
    seen = _read_inside(READS[how])
    assert seen.read and seen.first is not None
    # The line that read: the lambda above when it is Python code, else the call in _read_inside.
    assert seen.first.filename.endswith("test_recording.py")
    assert seen.first.code.startswith((f'"{how}": lambda', "read(y)")), seen.first
    expected = "comparison" if how in ("max()", "sorted()") else how
    assert seen.first.how.startswith(expected), seen.first


def test_the_numbers_read_are_the_numbers_held() -> None:
    v = Value(-2.5)
    with recording():
        assert (float(v), int(v), bool(v), round(v), math.floor(v), math.ceil(v), math.trunc(v)) == (
            -2.5, -2, True, -2, -3, -2, -2,
        )  # fmt: skip
        assert f"{v:.2f}" == "-2.50" and not bool(Value(0.0)) and round(Value(2.567), 2) == 2.57


def test_building_a_graph_reads_nothing() -> None:
    w, b = Value(0.3), Value(-0.1)
    with recording() as seen:
        x = Value(2.0)
        out = ((w * x + b).tanh() * 3.0 - x.relu() / 2.0 + (x ** 2).exp().log()).sigmoid()
        out.backward()
        _ = repr(out), out.grad, out.op, out.parents, f"{out}"
    assert not seen.read, seen.reads


def test_constants_outside_values_and_plain_numbers_are_not_reads() -> None:
    c = Value.constant(3.0)
    with recording() as seen:
        if c.data > 2 and float(c) < 4 and c > 1:
            pass
    assert not seen.read


def test_an_op_inside_no_grad_is_a_read_the_number_leaves_the_graph() -> None:
    x = Value(1.0)
    with recording() as seen:
        with no_grad():
            frozen = x * 2.0  # the line named
        _ = frozen + x
    assert seen.read and seen.first is not None and "frozen = x * 2.0" in seen.first.code
    assert "inside no_grad()" in seen.first.how


def test_reads_in_other_threads_are_not_noted() -> None:
    x = Value(1.0)
    done = threading.Event()

    def reader() -> None:
        for _ in range(1000):
            _ = x.data > 0
        done.set()

    with recording() as seen:
        thread = threading.Thread(target=reader)
        thread.start()
        thread.join()
    assert done.is_set() and not seen.read


def test_a_read_inside_a_library_call_is_named_by_the_users_line() -> None:
    import heapq

    values = [Value(1.0), Value(2.0)]
    with recording() as seen:
        heapq.nlargest(1, values)  # the standard library compares; this line is the user's
    assert seen.first is not None and seen.first.code.startswith("heapq.nlargest(1, values)")


def test_recordings_nest_and_count_every_read() -> None:
    x = Value(1.0)
    with recording() as outer:
        _ = x.data
        with recording() as inner:
            _ = float(x) + float(x)
    assert (outer.count, inner.count) == (3, 2)
    assert len(inner.reads) == 1  # one line, kept once


def test_a_tape_given_a_recording_with_a_read_refuses_naming_the_line() -> None:
    x = Value(0.5)
    with recording() as seen:
        y = x * 2.0 if x.data > 0 else -x
    with pytest.raises(ReplayRefused, match=r"^Tape: Python read a number .*test_recording.py, line \d+: y = x \* 2.0 if x.data > 0"):
        Tape(y, [x], recording=seen)
    with recording() as clean:
        z = x * 2.0
    assert Tape(z, [x], recording=clean).value_and_grad([3.0]) == (6.0, [2.0])


def test_batched_replays_refuse_a_recording_with_a_read() -> None:
    pytest.importorskip("numpy")
    from autograd_lite.batched import BatchedTape, record_batch

    w = Value(0.5)
    with recording() as seen:
        xs = [Value(float(k)) for k in range(3)]
        outs = [w * x if x.data > 0 else -w for x in xs]
    with pytest.raises(ReplayRefused, match=r"^record_batch: Python read a number"):
        record_batch(outs, [w], recording=seen)
    with pytest.raises(ReplayRefused, match=r"^BatchedTape: Python read a number"):
        BatchedTape(outs[1], [xs[1]], [w], recording=seen)


def test_a_block_can_be_entered_once() -> None:
    block = recording()
    with block, pytest.raises(RuntimeError, match="already open"), block:
        pass
