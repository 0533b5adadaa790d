"""L1 regularisation by the proximal step: ``soft_threshold`` is PyTorch's softshrink and the
plain-float formula sign(w) * max(|w| - t, 0), its array copy gives the same bits, fit's eager,
array and float-Tape training agree with l1 (1e-12 relative), and a full-batch run is PyTorch's
proximal gradient descent, exact zeros included."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value
from nn import MLP, SGD, Adam, AdamW, Loss, fit, make_moons, mse, train_batch
from nn.compiled import ReplayFallback
from nn.losses import l1_penalty, soft_threshold
from tests.nn.eager_oracle import close, eager_then_compiled
from tests.nn.torch_reference import mlp_forward

np = pytest.importorskip("numpy")

from nn.array_training import soft_threshold as soft_threshold_arrays  # noqa: E402  (needs numpy)

weights = st.floats(allow_nan=False, allow_infinity=False, width=64)
thresholds = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)


def plain_soft_threshold(w: float, t: float) -> float:
    """The textbook formula, with nothing shared with the code under test."""
    return math.copysign(max(abs(w) - t, 0.0), w)


@given(w=weights, t=thresholds)
def test_soft_threshold_is_the_textbook_formula(w: float, t: float) -> None:
    got = soft_threshold(w, t)
    assert got == plain_soft_threshold(w, t)
    if abs(w) <= t:
        assert got == 0.0  # exactly zero, not a rounding residue


@given(values=st.lists(weights, min_size=1, max_size=20), t=thresholds)
def test_soft_threshold_is_pytorchs_softshrink_and_the_array_copy_gives_the_same_bits(values: list[float], t: float) -> None:
    torch = pytest.importorskip("torch")
    floats = [soft_threshold(w, t) for w in values]
    shrunk = torch.nn.functional.softshrink(torch.tensor(values, dtype=torch.float64), t).tolist()
    arrays = soft_threshold_arrays(np.array(values), t).tolist()
    assert floats == shrunk == arrays


def test_the_l1_penalty_is_alpha_times_the_sum_of_magnitudes() -> None:
    assert l1_penalty([0.5, -1.25, 0.0, 2.0], 0.1) == pytest.approx(0.1 * 3.75, rel=1e-15)


def test_train_batch_with_l1_steps_then_shrinks_and_reports_the_penalised_loss() -> None:
    model = MLP(2, [1], activation="linear", rng=0)
    before = [p.data for p in model.parameters()]
    X, y, lr, l1 = [[1.0, -2.0], [0.5, 0.25]], [1.0, -1.0], 0.1, 0.3
    with_l1 = train_batch(model, X, y, mse, SGD(model.parameters(), lr=lr), l1=l1)
    # By hand: the mse gradient of a linear unit, an SGD step, then the soft threshold lr * l1.
    w0, w1, b = before
    scores = [w0 * a + w1 * c + b for a, c in X]
    errors = [s - t for s, t in zip(scores, y, strict=True)]
    grads = [sum(2 * e * row[k] for e, row in zip(errors, X, strict=True)) / 2 for k in (0, 1)] + [sum(errors)]
    expected = [plain_soft_threshold(w - lr * g, lr * l1) for w, g in zip(before, grads, strict=True)]
    assert [p.data for p in model.parameters()] == pytest.approx(expected, rel=1e-14)
    squares = sum(e * e for e in errors) / 2
    assert with_l1.loss == pytest.approx(squares + l1 * sum(abs(w) for w in before), rel=1e-14)


OPTIMISERS: dict[str, Callable[[Any], Any]] = {
    "sgd": lambda p: SGD(p, lr=0.2),
    "momentum": lambda p: SGD(p, lr=0.03, momentum=0.8),
    "adam": lambda p: Adam(p, lr=0.05),
    "adamw": lambda p: AdamW(p, lr=0.05),
}


@pytest.mark.parametrize(("optimiser", "batch_size", "loss"), list(itertools.product(OPTIMISERS, [None, 4, 1], ["hinge", "mse"])))
def test_compiled_training_with_l1_equals_eager_training(optimiser: str, batch_size: int | None, loss: str) -> None:
    X, y = make_moons(14, noise=0.25, seed=3)

    def train(compiled: bool) -> tuple[list[float], list[float]]:
        model = MLP(2, [5, 1], activation="tanh", rng=4)
        history = fit(model, X, y, loss=loss, optimizer=OPTIMISERS[optimiser](model.parameters()), epochs=6,
                      batch_size=batch_size, l1=0.02, l2=1e-3, seed=2, progress=False, compiled=compiled)  # fmt: skip
        return [p.data for p in model.parameters()], history.loss

    (eager, eager_loss), (compiled, compiled_loss) = eager_then_compiled(train)
    assert all(map(close, compiled, eager)), [(a, b) for a, b in zip(compiled, eager, strict=True) if not close(a, b)][:3]
    assert all(map(close, compiled_loss, eager_loss))
    # L1 made weights exactly zero, the same ones both ways.
    assert [w == 0.0 for w in compiled] == [w == 0.0 for w in eager]


def test_the_float_tape_applies_l1_as_eager_training_does() -> None:
    X, y = make_moons(12, noise=0.2, seed=1)
    own = Loss("own", lambda outputs, targets: sum(((o - t) ** 2 for o, t in zip(outputs, targets, strict=True)), Value(0.0)),
               reduction="sum", accuracy=None)  # fmt: skip

    def train(compiled: bool) -> list[float]:
        model = MLP(2, [4, 1], rng=9)
        fit(model, X, y, loss=own, optimizer=SGD(model.parameters(), lr=0.01), epochs=8, l1=0.5,
            progress=False, compiled=compiled)  # fmt: skip
        return [p.data for p in model.parameters()]

    eager = train(False)
    with pytest.warns(ReplayFallback, match="replaying the full batch with the float Tape"):
        taped = train(True)
    assert taped == eager  # the Tape replays eager's own float operations
    assert 0.0 in taped


def test_full_batch_l1_training_is_pytorchs_proximal_gradient_descent() -> None:
    torch = pytest.importorskip("torch")
    X, y = make_moons(30, noise=0.2, seed=5)
    sizes, lr, l1, steps = [2, 6, 1], 0.3, 0.05, 40
    model = MLP(2, sizes[1:], activation="tanh", rng=6)
    flat = torch.tensor([p.data for p in model.parameters()], dtype=torch.float64)
    fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=lr), epochs=steps, l1=l1, progress=False,
        compiled=True)  # fmt: skip
    inputs = torch.tensor(X, dtype=torch.float64)
    targets = torch.tensor(y, dtype=torch.float64)
    for _ in range(steps):
        w = flat.clone().requires_grad_(True)
        values = mlp_forward(torch, w, inputs, sizes)
        torch.relu(1 - targets * values[:, 0]).mean().backward()
        assert w.grad is not None
        flat = torch.nn.functional.softshrink(flat - lr * w.grad, lr * l1)
    ours = [p.data for p in model.parameters()]
    assert ours == pytest.approx(flat.tolist(), rel=1e-12, abs=1e-14)
    zeros = [w == 0.0 for w in ours]
    assert zeros == [w == 0.0 for w in flat.tolist()] and sum(zeros) >= 3


def test_a_bad_l1_is_refused_by_name() -> None:
    model = MLP(2, [1], rng=0)
    for bad in (-0.1, math.nan, math.inf, "0.1"):
        with pytest.raises(ValueError, match="fit: l1 must be a finite number >= 0"):
            fit(model, [[0.0, 1.0]], [1.0], loss="mse", optimizer=SGD(model.parameters(), lr=0.1), epochs=1, l1=bad,  # type: ignore[arg-type]
                progress=False)  # fmt: skip
