"""Scale and leaks: wide sums, repeated backward passes without memory growth, graphs freed
by reference counting."""

from __future__ import annotations

import gc
import math
import tracemalloc
import weakref

from autograd_lite import Value, value_sum


def test_hundred_thousand_wide_sum_both_ways() -> None:
    xs = [Value(i / 1000.0) for i in range(100_000)]
    chained = sum(xs)  # Python's sum: a 100,000-deep chain of +
    assert isinstance(chained, Value)
    chained.backward()
    assert all(x.grad == 1.0 for x in xs)
    one_node = value_sum(xs)
    one_node.backward()
    assert all(x.grad == 2.0 for x in xs)
    expected = math.fsum(i / 1000.0 for i in range(100_000))
    assert math.isclose(chained.data, expected, rel_tol=1e-12)
    assert math.isclose(one_node.data, expected, rel_tol=1e-12)


def test_a_thousand_backward_calls_do_not_grow_memory() -> None:
    w = [Value(0.1 * i) for i in range(20)]
    loss = value_sum((wi * wi).tanh() for wi in w)

    def steps(n: int) -> None:
        for _ in range(n):
            loss.backward()

    steps(10)  # warm caches, then measure
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    steps(1000)
    gc.collect()
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert after - before < 10_000, f"backward leaked {after - before} bytes over 1000 calls"
    assert math.isclose(w[3].grad, 1010 * (1 - math.tanh(0.09) ** 2) * 0.6, rel_tol=1e-9)


def test_rebuilding_a_graph_each_step_does_not_grow_memory() -> None:
    w = Value(0.5)

    def step() -> None:
        loss = (w * 3.0 - 1.0) ** 2
        loss.backward()
        w.data -= 0.01 * w.grad
        w.zero_grad()

    for _ in range(10):
        step()
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    gc.disable()  # prove it is reference counting, not the cycle collector, that frees graphs
    try:
        for _ in range(1000):
            step()
    finally:
        gc.enable()
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert after - before < 10_000


def test_dropping_the_root_frees_a_deep_graph() -> None:
    x = Value(1.0)
    y = x
    for _ in range(200_000):
        y = y * 1.0
    probe = weakref.ref(y.parents[0])
    del y
    assert probe() is None
