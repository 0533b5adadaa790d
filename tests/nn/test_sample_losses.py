"""Each one-sample copy of a loss (nn.sample_losses, what fit(compiled=True) records) against the
loss it mirrors: the weighted sum of the copies over a batch gives the loss's value and its
gradient with respect to every output, with the targets as numbers there and as leaves here."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, grad
from nn import LOSSES
from nn.sample_losses import SAMPLE_LOSSES, sample_loss

scores = st.floats(-4.0, 4.0, allow_nan=False)


@st.composite
def _batches(draw: st.DrawFn, name: str) -> tuple[list[list[float]], list[Any], int | None]:
    samples = draw(st.integers(1, 6))
    width: int | None = draw(st.integers(2, 4)) if name == "cross_entropy" else draw(st.sampled_from([None, 1, 3]))
    size = 1 if width is None else width
    outputs = [draw(st.lists(scores, min_size=size, max_size=size)) for _ in range(samples)]
    targets: list[Any] = []
    for _ in range(samples):
        if name == "cross_entropy":
            targets.append(draw(st.integers(0, size - 1)))
            continue
        element = {"hinge": st.sampled_from([-1, 1]), "binary_cross_entropy": st.floats(0.0, 1.0)}.get(name, scores)
        values = [draw(element) for _ in range(size)]
        targets.append(values[0] if width is None else values)
    return outputs, targets, width


@pytest.mark.parametrize("name", list(SAMPLE_LOSSES))
@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_the_weighted_sum_of_sample_losses_is_the_loss(name: str, data: st.DataObject) -> None:
    rows, targets, width = data.draw(_batches(name))
    loss = LOSSES[name]
    form = sample_loss(loss)
    assert form is not None
    outputs = [[Value(v) for v in row] for row in rows]
    shaped = [out[0] if width is None else out for out in outputs]
    want = loss(shaped, targets)
    flat = [v for out in outputs for v in out]
    want_grads = grad(want, flat)
    copies = []
    for index, (out, target) in enumerate(zip(outputs, targets, strict=True)):
        leaves = [Value(t) for t in form.targets(target, width, index)]
        copies.append(form.graph(out, leaves))
    total = sum(copies[1:], copies[0]) * form.weight(len(rows), width)
    assert math.isclose(total.data, want.data, rel_tol=1e-12, abs_tol=1e-15)
    for got, expected in zip(grad(total, flat), want_grads, strict=True):
        assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize(
    ("name", "target", "width", "message"),
    [
        ("hinge", 0.5, None, r"hinge: targets must be -1 or \+1, got 0.5 at index 3"),
        ("binary_cross_entropy", 1.5, None, r"must be in \[0, 1\], got 1.5 at index 3"),
        ("cross_entropy", 3, 3, r"cross_entropy: target 3 must be in 0..2, got 3"),
        ("cross_entropy", 1.5, 3, r"cross_entropy: target 3 must be a class index, got 1.5"),
        ("mse", [1.0, 2.0], 3, r"mse: sample 3 has 3 outputs but the target is \[1.0, 2.0\]"),
        ("sse", True, None, r"sse: target 3 must be a number, got bool"),
        ("mse", math.inf, None, r"mse: target 3 must be finite, got inf"),
    ],
)
def test_targets_are_refused_as_the_losses_refuse_them(name: str, target: Any, width: int | None, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        SAMPLE_LOSSES[name].targets(target, width, 3)


def test_only_nns_own_losses_have_a_sample_form() -> None:
    from nn import Loss

    mine = Loss("sse", lambda outputs, targets: Value(0.0), reduction="sum", accuracy=None)
    assert sample_loss(mine) is None and all(sample_loss(LOSSES[name]) is not None for name in LOSSES)
