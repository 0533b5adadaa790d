"""Graphs shared between threads: ``backward()`` in one thread and ``grad()`` in another, at the
same time, on the same graph, both give the right answers, and ``grad()`` touches no ``.grad``."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from autograd_lite import Value, grad


@pytest.fixture
def switch_often() -> Iterator[None]:
    """Make the interpreter switch threads every few microseconds, so the passes interleave."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def test_backward_and_grad_on_one_graph_from_two_threads(switch_often: None) -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(1000):
        y = 2.0 - y  # dy/dx = (-1)**1000 = 1, and every node lies on the one path
    z = y * x  # dz/dx = y + x * dy/dx
    expected = y.data + x.data
    rounds = 60
    answers: list[float] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run_backward() -> None:
        try:
            start.wait()
            for _ in range(rounds):
                z.backward()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    def run_grad() -> None:
        try:
            start.wait()
            for _ in range(rounds):
                answers.extend(grad(z, [x, y]))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run_backward), threading.Thread(target=run_grad)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert answers == [expected, x.data] * rounds
    assert x.grad == expected * rounds  # backward's sums alone: grad() added nothing
    assert y.grad == x.data  # an intermediate gradient is that of one pass


def test_two_backward_passes_on_shared_leaves_add_up(switch_often: None) -> None:
    w = Value(1.5, "w")
    graphs = [(w * float(k)).tanh() * 2.0 for k in range(1, 3)]
    start = threading.Barrier(2)

    def run(graph: Value) -> None:
        start.wait()
        for _ in range(200):
            graph.backward()

    threads = [threading.Thread(target=run, args=(g,)) for g in graphs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    one_each = sum(grad(g, [w])[0] for g in graphs)
    assert w.grad == pytest.approx(200 * one_each, rel=1e-12)
