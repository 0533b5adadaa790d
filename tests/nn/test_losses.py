"""Losses against their formulas and PyTorch float64, their gradients, their stability at
extreme logits, and their errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value, grad, logsumexp
from nn import LOSSES, binary_cross_entropy, cross_entropy, hinge, l2, mse, sse
from nn.losses import resolve_loss

finite = st.floats(-30, 30, allow_nan=False)


def values(xs: list[float]) -> list[Value]:
    return [Value(x) for x in xs]


@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=8))
def test_sse_and_mse_are_their_formulas_with_their_gradients(pairs: list[tuple[float, float]]) -> None:
    outs = values([o for o, _ in pairs])
    targets = [t for _, t in pairs]
    e = sse(outs, targets)
    assert e.data == pytest.approx(0.5 * sum((o - t) ** 2 for o, t in pairs), rel=1e-12, abs=1e-12)
    assert grad(e, outs) == pytest.approx([o - t for o, t in pairs], rel=1e-12, abs=1e-12)
    m = mse(outs, targets)
    assert m.data == pytest.approx(sum((o - t) ** 2 for o, t in pairs) / len(pairs), rel=1e-12, abs=1e-12)
    assert grad(m, outs) == pytest.approx([2 * (o - t) / len(pairs) for o, t in pairs], rel=1e-12, abs=1e-12)


def test_losses_take_a_value_a_list_or_a_list_of_lists() -> None:
    a, b, c, d = values([1.0, 2.0, 3.0, 4.0])
    assert sse(a, 0.0).data == 0.5
    assert sse([[a, b], [c, d]], [[0.0, 0.0], [0.0, 0.0]]).data == 0.5 * 30
    assert mse([[a, b], [c, d]], [[1.0, 2.0], [3.0, 0.0]]).data == 16 / 4


@given(st.lists(st.tuples(finite, st.sampled_from([-1, 1])), min_size=1, max_size=8))
def test_hinge_is_micrograds_max_margin(pairs: list[tuple[float, int]]) -> None:
    scores = values([s for s, _ in pairs])
    loss = hinge(scores, [y for _, y in pairs])
    expected = sum(max(0.0, 1 - y * s) for s, y in pairs) / len(pairs)
    assert loss.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    slopes = [(-y / len(pairs) if 1 - y * s > 0 else 0.0) for s, y in pairs]
    assert grad(loss, scores) == pytest.approx(slopes, rel=1e-12, abs=1e-15)


@given(st.lists(st.tuples(st.floats(-40, 40), st.floats(0, 1)), min_size=1, max_size=6))
def test_binary_cross_entropy_matches_pytorch(pairs: list[tuple[float, float]]) -> None:
    torch = pytest.importorskip("torch")
    logits = values([z for z, _ in pairs])
    loss = binary_cross_entropy(logits, [y for _, y in pairs])
    z = torch.tensor([z for z, _ in pairs], dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor([y for _, y in pairs], dtype=torch.float64))
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-14)
    assert grad(loss, logits) == pytest.approx(z.grad.tolist(), rel=1e-9, abs=1e-15)


def test_binary_cross_entropy_at_zero_has_gradient_one_half_minus_y() -> None:
    z = Value(0.0)
    loss = binary_cross_entropy(z, 1.0)
    assert loss.data == pytest.approx(math.log(2))
    assert grad(loss, [z]) == pytest.approx([0.5 - 1.0])


@pytest.mark.parametrize("z", [-1000.0, -50.0, 0.0, 50.0, 1000.0])
def test_softplus_is_stable_at_extreme_logits(z: float) -> None:
    x = Value(z)
    out = x.softplus()
    # The value is exact to about 1e-16 absolute (there is no log1p op); the slope is exact relative.
    assert out.data == pytest.approx(max(z, 0.0) + math.log1p(math.exp(-abs(z))), rel=1e-15, abs=2e-16)
    slope = math.exp(z) / (1 + math.exp(z)) if z < 0 else 1 / (1 + math.exp(-z))
    assert grad(out, [x]) == pytest.approx([slope], rel=1e-14, abs=0.0)


@given(st.lists(st.lists(st.floats(-50, 50), min_size=2, max_size=5), min_size=1, max_size=4), st.data())
def test_cross_entropy_matches_pytorch(rows: list[list[float]], data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    width = len(rows[0])
    rows = [(row * width)[:width] for row in rows]
    labels = [data.draw(st.integers(0, width - 1)) for _ in rows]
    logits = [values(row) for row in rows]
    loss = cross_entropy(logits, labels)
    z = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(z, torch.tensor(labels))
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-13)
    flat = [v for row in logits for v in row]
    assert grad(loss, flat) == pytest.approx(z.grad.flatten().tolist(), rel=1e-9, abs=1e-14)


def test_cross_entropy_is_stable_for_huge_logits_and_takes_one_sample() -> None:
    logits = values([1000.0, 0.0, -1000.0])
    assert cross_entropy(logits, 0).data == pytest.approx(0.0, abs=1e-300)
    assert cross_entropy(logits, 1).data == pytest.approx(1000.0)
    assert logsumexp(values([1e4, 1e4])).data == pytest.approx(1e4 + math.log(2))


@given(st.lists(st.floats(-10, 10), min_size=1, max_size=10), st.floats(0, 2))
def test_l2_is_alpha_times_the_sum_of_squares(ps: list[float], alpha: float) -> None:
    params = values(ps)
    penalty = l2(params, alpha)
    assert penalty.data == pytest.approx(alpha * sum(p * p for p in ps), rel=1e-12, abs=1e-12)
    assert grad(penalty, params) == pytest.approx([2 * alpha * p for p in ps], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: sse([Value(1.0)], [1.0, 2.0]), ValueError, "sse: 1 outputs but 2 targets"),
        (lambda: sse([Value(1.0)], [float("nan")]), ValueError, "sse: target 0 must be finite, got nan"),
        (lambda: sse([Value(1.0)], ["1"]), TypeError, "sse: target 0 must be a number, got str"),
        (lambda: sse([1.0], [1.0]), TypeError, "sse: outputs must be Values"),
        (lambda: mse([], []), ValueError, "mse: no outputs"),
        (lambda: hinge([Value(1.0), Value(2.0)], [1, 0]), ValueError, "hinge: targets must be -1 or \\+1, got 0.0 at index 1"),
        (lambda: binary_cross_entropy([Value(1.0)], [2.0]), ValueError, "in \\[0, 1\\], got 2.0 at index 0"),
        (lambda: cross_entropy([[Value(1.0), Value(2.0)]], [2]), ValueError, "target 0 must be in 0..1, got 2"),
        (lambda: cross_entropy([[Value(1.0), Value(2.0)]], [0.5]), TypeError, "must be a class index, got 0.5"),
        (lambda: cross_entropy(Value(1.0), 0), TypeError, "a list of logits per sample"),
        (lambda: cross_entropy([Value(1.0)], [0]), TypeError, "at least 2 logit Values"),
        (lambda: l2([]), ValueError, "l2: no parameters"),
        (lambda: l2([Value(1.0)], -1.0), ValueError, "l2: alpha must be a finite number >= 0, got -1.0"),
        (lambda: resolve_loss("huber"), ValueError, "unknown loss 'huber'"),
        (lambda: resolve_loss(3), TypeError, "loss must be a name"),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_name_the_loss_and_the_value(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]


def test_losses_tell_fit_how_they_reduce_and_score() -> None:
    assert {name: (loss.reduction, loss.accuracy) for name, loss in LOSSES.items()} == {
        "sse": ("sum", "auto"),
        "mse": ("mean", "auto"),
        "hinge": ("mean", "sign"),
        "binary_cross_entropy": ("mean", "logit"),
        "cross_entropy": ("mean", "argmax"),
    }
    assert resolve_loss("sse") is sse
    custom = resolve_loss(lambda o, t: sse(o, t))
    assert custom.reduction == "mean" and custom(Value(2.0), 0.0).data == 2.0
