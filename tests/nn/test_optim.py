"""Optimisers against their update rules and PyTorch float64, and learning-rate schedules
against their formulas."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value
from nn import SGD, Adam, AdamW, Constant, InverseTime, LinearDecay, Reciprocal, StepDecay
from nn.optim import Optimizer

START = [0.5, -1.5, 2.0]


def quartic(params: list[Value]) -> Value:
    """A smooth non-quadratic loss, so successive gradients differ."""
    a, b, c = params
    return (a * b - 1.0) ** 2 + (b + c) ** 4 * 0.1 + (c - 0.5) ** 2 + a.sin()


def run_ours(optimizer: Optimizer, params: list[Value], steps: int) -> list[list[float]]:
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        quartic(params).backward()
        optimizer.step()
        trajectory.append([p.data for p in params])
    return trajectory


def run_torch(make: object, steps: int) -> list[list[float]]:
    torch = pytest.importorskip("torch")
    weights = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    optimizer = make([weights])  # type: ignore[operator]
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        a, b, c = weights
        ((a * b - 1.0) ** 2 + (b + c) ** 4 * 0.1 + (c - 0.5) ** 2 + torch.sin(a)).backward()
        optimizer.step()
        trajectory.append(weights.detach().tolist())
    return trajectory


def _close(ours: list[list[float]], theirs: list[list[float]]) -> None:
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == pytest.approx(b, rel=1e-10, abs=1e-12), f"step {step}"


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda p: SGD(p, lr=0.01), lambda p: __import__("torch").optim.SGD(p, lr=0.01)),
        (lambda p: SGD(p, lr=0.01, momentum=0.9), lambda p: __import__("torch").optim.SGD(p, lr=0.01, momentum=0.9)),
        (
            lambda p: SGD(p, lr=0.02, momentum=0.5, weight_decay=0.1),
            lambda p: __import__("torch").optim.SGD(p, lr=0.02, momentum=0.5, weight_decay=0.1),
        ),
        (lambda p: Adam(p, lr=0.05), lambda p: __import__("torch").optim.Adam(p, lr=0.05)),
        (
            lambda p: Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
            lambda p: __import__("torch").optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        ),
        (lambda p: AdamW(p, lr=0.05), lambda p: __import__("torch").optim.AdamW(p, lr=0.05)),
        (
            lambda p: AdamW(p, lr=0.05, weight_decay=0.3),
            lambda p: __import__("torch").optim.AdamW(p, lr=0.05, weight_decay=0.3),
        ),
        (
            lambda p: SGD(p, lr=0.02, momentum=0.8, nesterov=True),
            lambda p: __import__("torch").optim.SGD(p, lr=0.02, momentum=0.8, nesterov=True),
        ),
        (
            lambda p: SGD(p, lr=0.02, momentum=0.5, weight_decay=0.1, nesterov=True),
            lambda p: __import__("torch").optim.SGD(p, lr=0.02, momentum=0.5, weight_decay=0.1, nesterov=True),
        ),
    ],
    ids=["sgd", "momentum", "momentum-decay", "adam", "adam-l2", "adamw", "adamw-0.3", "nesterov", "nesterov-decay"],
)
def test_optimisers_follow_pytorch_for_forty_steps(ours: object, theirs: object) -> None:
    params = [Value(x) for x in START]
    _close(run_ours(ours(params), params, 40), run_torch(theirs, 40))  # type: ignore[operator]


def test_momentum_is_rumelharts_delta_rule_with_a_changing_rate() -> None:
    """Delta w(t) = -eta(t) g(t) + alpha Delta w(t-1), which differs from PyTorch's form once eta changes."""
    w = Value(1.0)
    optimizer = SGD([w], lr=LinearDecay(0.1, 0.01, 10), momentum=0.9)
    expected, delta = 1.0, 0.0
    for t in range(6):
        optimizer.zero_grad()
        (w * w).backward()
        eta = 0.1 + (0.01 - 0.1) * t / 10
        delta = -eta * 2 * expected + 0.9 * delta
        expected += delta
        assert optimizer.step() == pytest.approx(eta)
        assert w.data == pytest.approx(expected, rel=1e-14)


def test_reset_forgets_momentum_and_the_step_count() -> None:
    w = Value(1.0)
    optimizer = SGD([w], lr=0.1, momentum=0.9)
    for _ in range(3):
        optimizer.zero_grad()
        (w * w).backward()
        optimizer.step()
    optimizer.reset()
    assert optimizer.steps == 0 and optimizer.last_lr is None
    w.data = 1.0
    optimizer.zero_grad()
    (w * w).backward()
    optimizer.step()
    assert w.data == pytest.approx(1.0 - 0.1 * 2.0)


def test_a_nan_gradient_raises_before_any_parameter_moves() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    optimizer = Adam([a, b], lr=0.1)
    a.grad, b.grad = 1.0, float("nan")
    with pytest.raises(FloatingPointError, match=r"Adam.step: gradient of b is nan"):
        optimizer.step()
    assert (a.data, b.data, optimizer.steps) == (1.0, 2.0, 0)


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: SGD([], lr=0.1), ValueError, "SGD: no parameters to optimise"),
        (lambda: SGD([1.0], lr=0.1), TypeError, "SGD: parameter 0 must be a Value, got float"),  # type: ignore[list-item]
        (lambda: SGD([w := Value(1.0), w], lr=0.1), ValueError, "listed twice"),
        (lambda: SGD([Value(1.0)], lr=-0.1), ValueError, "SGD: lr must be a finite number > 0, got -0.1"),
        (lambda: SGD([Value(1.0)], lr="fast"), TypeError, "SGD: lr must be a number or a schedule"),  # type: ignore[arg-type]
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.0), ValueError, r"SGD: momentum must be a number in \[0.0, 1.0\), got 1.0"),
        (lambda: SGD([Value(1.0)], lr=0.1, weight_decay=-1), ValueError, "weight_decay must be a finite number >= 0"),
        (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, r"Adam: betas\[1\] must be a number in \[0.0, 1.0\)"),
        (lambda: Adam([Value(1.0)], eps=0.0), ValueError, "Adam: eps must be a finite number > 0"),
        (lambda: AdamW([Value(1.0)], betas=0.9), ValueError, "AdamW: betas must be a pair"),  # type: ignore[arg-type]
    ],
)
def test_bad_optimiser_arguments_are_named(build: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()  # type: ignore[operator]


def test_a_schedule_that_goes_negative_is_caught_at_the_step() -> None:
    w = Value(1.0)
    optimizer = SGD([w], lr=lambda step: 0.1 - step)
    optimizer.step()
    with pytest.raises(ValueError, match=r"SGD: the schedule gave lr -0.9 at step 1"):
        optimizer.step()


def test_micrograds_linear_decay() -> None:
    schedule = LinearDecay(1.0, 0.1, 100)
    for k in range(100):
        assert schedule(k) == pytest.approx(1.0 - 0.9 * k / 100, rel=1e-15)
    assert schedule(100) == schedule(5000) == pytest.approx(0.1)


@given(st.integers(0, 10_000), st.floats(0.01, 10), st.floats(0, 100))
def test_inverse_time_and_reciprocal(step: int, a: float, b: float) -> None:
    m = step + 1
    assert InverseTime(a, b)(step) == pytest.approx(a / (b + m), rel=1e-14)
    assert Reciprocal()(step) == pytest.approx(1 / m, rel=1e-14)


@given(st.integers(0, 10_000), st.floats(0.01, 1), st.integers(1, 500))
def test_step_decay_and_constant(step: int, factor: float, every: int) -> None:
    assert StepDecay(0.5, factor, every)(step) == pytest.approx(0.5 * factor ** math.floor(step / every), rel=1e-12)
    assert Constant(0.3)(step) == 0.3


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: LinearDecay(1.0, 0.1, 0), "LinearDecay: steps must be a positive int, got 0"),
        (lambda: LinearDecay(0.0, 0.1, 10), "LinearDecay: start must be a finite number > 0"),
        (lambda: InverseTime(1.0, -1.0), "InverseTime: b must be a finite number >= 0"),
        (lambda: StepDecay(0.1, factor=2.0), r"StepDecay: factor must be a number in \(0, 1\]"),
        (lambda: Constant(float("inf")), "Constant: lr must be a finite number > 0, got inf"),
    ],
)
def test_bad_schedules_are_named(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_schedules_drive_every_optimiser() -> None:
    for make in (SGD, Adam, AdamW):
        w = Value(1.0)
        optimizer = make([w], lr=StepDecay(0.1, 0.5, 2))
        rates = []
        for _ in range(5):
            optimizer.zero_grad()
            (w * w).backward()
            rates.append(optimizer.step())
        assert rates == [0.1, 0.1, 0.05, 0.05, 0.025]
        assert optimizer.lr == 0.025


# ---- each optimiser's array copy against its own update on Values ---------------------------------

ARRAY_COPIES = {
    "sgd": lambda p: SGD(p, lr=LinearDecay(0.1, 0.01, 5)),
    "momentum": lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
    "nesterov": lambda p: SGD(p, lr=0.05, momentum=0.7, nesterov=True, weight_decay=0.02),
    "adam": lambda p: Adam(p, lr=StepDecay(0.05, 0.5, 2), weight_decay=0.1),
    "adamw": lambda p: AdamW(p, lr=0.03, betas=(0.8, 0.95)),
}


@pytest.mark.parametrize("name", list(ARRAY_COPIES))
@given(
    start=st.lists(st.floats(-3.0, 3.0), min_size=1, max_size=5),
    grads=st.lists(st.lists(st.floats(-5.0, 5.0), min_size=5, max_size=5), min_size=1, max_size=6),
)
def test_the_array_copy_of_each_update_gives_the_same_bits(name: str, start: list[float], grads: list[list[float]]) -> None:
    np = pytest.importorskip("numpy")
    params = [Value(x) for x in start]
    optimizer = ARRAY_COPIES[name](params)
    mirror = ARRAY_COPIES[name]([Value(x) for x in start])
    weights = np.array(start)
    state = [np.array(part) for part in mirror.state()]
    for step, gradient in enumerate(grads):
        for param, g in zip(params, gradient, strict=False):
            param.grad = g
        lr = optimizer.step()
        array_lr, weights, state = mirror.array_step(weights, np.array(gradient[: len(start)]), state, step)
        assert array_lr == lr
        assert weights.tolist() == [p.data for p in params]
        assert [part.tolist() for part in state] == optimizer.state()
    assert mirror.steps == 0  # array_step changes nothing of the optimiser


def test_array_step_refuses_a_nan_gradient_naming_the_parameter() -> None:
    np = pytest.importorskip("numpy")
    params = [Value(1.0, "w0"), Value(2.0, "w1")]
    optimizer = SGD(params, lr=0.1)
    with pytest.raises(FloatingPointError, match=r"SGD.step: gradient of w1 is nan"):
        optimizer.array_step(np.array([1.0, 2.0]), np.array([0.5, math.nan]), [np.zeros(2)], 0)


def test_nesterov_needs_momentum() -> None:
    with pytest.raises(ValueError, match="nesterov=True needs a momentum > 0"):
        SGD([Value(1.0)], lr=0.1, nesterov=True)
