"""backward and its rules: worked examples, micrograd's published checks against PyTorch, reuse,
depth, accumulation, no_grad, detach, pickling, freeing, and anomaly detection."""

from __future__ import annotations

import copy
import gc
import math
import pickle
import sys
import threading
import weakref

import pytest

from autograd_lite import (
    AnomalyError,
    Value,
    detect_anomaly,
    grad,
    no_grad,
    topological_order,
)


def test_worked_example_from_the_classic_texts() -> None:
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    f = q * z
    f.backward()
    assert (q.data, f.data) == (3.0, -12.0)
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == (-4.0, -4.0, 3.0, -4.0, 1.0)


def micrograd_readme_expression(a: Value, b: Value) -> tuple[Value, Value]:
    """The expression in micrograd's README, written exactly as micrograd users write it."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g, f


def micrograd_sanity_expression(x: Value) -> Value:
    """micrograd's test_sanity_check expression."""
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def test_micrograd_readme_numbers() -> None:
    a, b = Value(-4.0), Value(2.0)
    g, _ = micrograd_readme_expression(a, b)
    g.backward()
    assert round(g.data, 4) == 24.7041
    assert round(a.grad, 4) == 138.8338
    assert round(b.grad, 4) == 645.5773


def test_micrograd_readme_expression_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    a, b = Value(-4.0), Value(2.0)
    g, _ = micrograd_readme_expression(a, b)
    g.backward()
    ta = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tg, _ = micrograd_readme_expression(ta, tb)  # type: ignore[arg-type]
    tg.backward()  # type: ignore[union-attr]
    assert math.isclose(g.data, tg.item(), rel_tol=1e-12)  # type: ignore[union-attr]
    assert math.isclose(a.grad, ta.grad.item(), rel_tol=1e-12)
    assert math.isclose(b.grad, tb.grad.item(), rel_tol=1e-12)


def test_micrograd_sanity_check_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = Value(-4.0)
    y = micrograd_sanity_expression(x)
    y.backward()
    tx = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    ty = micrograd_sanity_expression(tx)  # type: ignore[arg-type]
    ty.backward()
    assert y.data == ty.item()
    assert x.grad == tx.grad.item()


def test_reuse_square_and_double() -> None:
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    b = Value(3.0)
    (b + b).backward()
    assert b.grad == 2.0


def test_diamond() -> None:
    x = Value(2.0)
    left, right = x * 3, x.exp()
    out = left * right
    out.backward()
    expected = 3 * math.exp(2.0) + 6.0 * math.exp(2.0)
    assert math.isclose(x.grad, expected, rel_tol=1e-15)


def test_node_reused_at_many_depths() -> None:
    x = Value(0.5)
    y = x
    for _ in range(50):
        y = y * x + x  # x enters at every depth
    y.backward()
    h = 1e-6

    def f(v: float) -> float:
        acc = v
        for _ in range(50):
            acc = acc * v + v
        return acc

    numerical = (f(0.5 + h) - f(0.5 - h)) / (2 * h)
    assert math.isclose(x.grad, numerical, rel_tol=1e-6)


@pytest.mark.slow
def test_million_step_chain_under_the_default_recursion_limit() -> None:
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 0.999999 + 0.000001
    y.backward()
    assert math.isclose(x.grad, 0.999999**1_000_000, rel_tol=1e-9)
    del y
    gc.collect()


def test_backward_twice_doubles_leaf_grads_and_recomputes_intermediates() -> None:
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    f.backward()
    assert (x.grad, y.grad, z.grad) == (-8.0, -8.0, 6.0)
    assert q.grad == -4.0 and f.grad == 1.0


def test_per_sample_backward_sums_to_the_batch_gradient() -> None:
    w = Value(0.7)
    samples = [(1.0, 2.0), (-0.5, 0.1), (3.0, 2.5)]
    for x, target in samples:
        (0.5 * (w * x - target) ** 2).backward()
    expected = sum((0.7 * x - t) * x for x, t in samples)
    assert math.isclose(w.grad, expected, rel_tol=1e-14)


def test_backward_seed_scales_gradients() -> None:
    x = Value(3.0)
    (x * x).backward(grad=0.5)
    assert x.grad == 3.0


def test_constants_are_leaves_and_do_not_break_backward() -> None:
    x = Value(2.0)
    y = 3 * x + 1
    y.backward()
    assert x.grad == 3.0
    assert all(p.is_constant for p in y.parents[1:])


def test_grad_leaves_dot_grad_untouched_and_zero_for_unrelated_inputs() -> None:
    x, y, unrelated = Value(2.0), Value(3.0), Value(9.0)
    out = x * y
    assert grad(out, [x, y, unrelated]) == [3.0, 2.0, 0.0]
    assert not x.grad_reached and not y.grad_reached
    (u,) = grad(out, [unrelated], create_graph=True)
    assert isinstance(u, Value) and u.data == 0.0


def test_no_grad_makes_leaves_and_detach_cuts_history() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * x + 1
    assert y.parents == () and y.op == "" and y.data == 5.0
    z = (x * x).detach()
    assert z.is_leaf and z.data == 4.0 and z is not x
    (z * x).backward()
    assert x.grad == 4.0


def test_no_grad_in_one_thread_does_not_affect_another() -> None:
    recorded: list[bool] = []
    entered = threading.Event()
    release = threading.Event()

    def inside_no_grad() -> None:
        with no_grad():
            entered.set()
            release.wait(5)

    worker = threading.Thread(target=inside_no_grad)
    worker.start()
    entered.wait(5)
    x = Value(1.0)
    recorded.append(bool((x * 2).parents))
    release.set()
    worker.join()
    assert recorded == [True]


def test_no_grad_in_one_asyncio_task_does_not_affect_another() -> None:
    import asyncio

    async def inside_no_grad(entered: asyncio.Event, release: asyncio.Event) -> bool:
        with no_grad():
            entered.set()
            await release.wait()
            return bool((Value(1.0) * 2).parents)

    async def recording(entered: asyncio.Event, release: asyncio.Event) -> bool:
        await entered.wait()
        recorded = bool((Value(1.0) * 2).parents)
        release.set()
        return recorded

    async def main() -> list[bool]:
        entered, release = asyncio.Event(), asyncio.Event()
        return list(await asyncio.gather(inside_no_grad(entered, release), recording(entered, release)))

    assert asyncio.run(main()) == [False, True]


def test_graph_pickles_and_round_trips() -> None:
    x, y = Value(2.0, "x"), Value(3.0, "y")
    f = (x * y).tanh()
    copy = pickle.loads(pickle.dumps(f))
    copy.backward()
    f.backward()
    leaves = [n for n in topological_order(copy) if n.is_leaf]
    assert sorted(n.grad for n in leaves) == sorted([x.grad, y.grad])
    assert {n.label for n in leaves} == {"x", "y"}


def test_a_deep_graph_pickles_without_recursion_and_keeps_leaves_shared() -> None:
    x, w = Value(1.0, "x"), Value(0.999999, "w")
    y = x
    for _ in range(200_000):
        y = y * w + 0.000001
    copy_y, copy_w = pickle.loads(pickle.dumps([y, w]))
    copy_y.backward()
    y.backward()
    assert copy_w.grad == w.grad and copy_y.data == y.data
    assert any(p is copy_w for p in copy_y.parents[0].parents)  # the leaf in the pickle is the same object
    assert copy.deepcopy(y).data == y.data


def test_graph_is_freed_when_the_last_reference_goes() -> None:
    gc.disable()
    try:
        x = Value(1.0)
        y = x
        for _ in range(1000):
            y = y.tanh() * 1.5
        y.backward()
        probe = weakref.ref(y.parents[0])
        del y
        assert probe() is None  # freed by reference counting alone: no cycles
    finally:
        gc.enable()


def test_topological_order_is_kahn_order_root_first() -> None:
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    order = topological_order(f)
    assert order[0] is f
    assert order.index(q) < order.index(x)
    assert set(order) == {f, q, x, y, z}


def test_detect_anomaly_names_the_op_forward() -> None:
    x = Value(1e308, label="big")
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"\*.*big"):
        x * 10
    assert math.isinf((x * 10).data)  # outside the block, inf is allowed


def test_detect_anomaly_names_the_op_backward() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt()  # d/dx is infinite at 0
    with detect_anomaly(), pytest.raises(AnomalyError, match="sqrt"):
        y.backward()


@pytest.mark.parametrize(
    ("make", "error", "pattern"),
    [
        (lambda: Value(-1.0).log(), ValueError, r"log: input must be > 0, got -1\.0"),
        (lambda: Value(0.0).log(), ValueError, "log"),
        (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt.*-1\.0"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"/.*0"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, "/"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"\*\*"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, r"\*\*.*-8\.0"),
        (lambda: Value(-2.0) ** Value(2.0), ValueError, r"\*\*.*-2\.0"),
        (lambda: (-2) ** Value(2.0), ValueError, r"\*\*"),
        (lambda: Value(1000.0).exp(), OverflowError, r"exp.*1000\.0"),
        (lambda: Value(10.0) ** 400, OverflowError, r"\*\*"),
    ],
)
def test_domain_errors_name_the_op_and_the_value(make, error, pattern) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=pattern):
        make()


def test_sigmoid_and_tanh_are_stable_at_extremes() -> None:
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).tanh().data == -1.0
    s = Value(-1000.0)
    s.sigmoid().backward()
    assert s.grad == 0.0


def test_relu_and_abs_derivative_at_zero_is_zero() -> None:
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0
    y = Value(0.0)
    abs(y).backward()
    assert y.grad == 0.0
