"""Each of nn's losses for one sample, with the sample's targets as leaves of the graph, so that
one recorded graph stands for every sample (``fit(compiled=True)`` records the model this way).

The losses of ``nn.losses`` take the targets as numbers, and cross-entropy picks the target's
logit with a Python index, so each sample (each class) would need a recording of its own. Here
the targets are Values the replay sets per sample, and cross-entropy takes the target's logit as
a dot product with a one-hot row: ``logsumexp(z) - onehot . z``, which is ``z[y]`` exactly for
finite logits (the other terms add 0.0), with the same gradient.

These are the replay's copies of the losses, so each names the loss it mirrors; the batch loss
is ``weight * sum over samples`` of the sample losses, where ``weight`` is 1 for a summed loss
(sse) and 1 / (the batch's number of terms) for a mean. tests/nn/test_sample_losses.py checks
every copy against its loss, value and gradients, on random outputs and targets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from autograd_lite import Value, dot, logsumexp, value_sum
from autograd_lite.text import describe

from .losses import (
    Loss,
    binary_cross_entropy,
    check_probability,
    check_sign_label,
    class_index,
    cross_entropy,
    hinge,
    mse,
    sse,
    target_number,
)

TargetRule = Callable[[Any, "int | None", int], list[float]]
"""(one sample's target, the model's number of outputs (None for one Value, not a list), the
sample's index) -> the target's numbers."""
GraphRule = Callable[[list[Value], list[Value]], Value]
"""(one sample's outputs, its target leaves) -> the sample's loss, unweighted."""


class SampleLoss(NamedTuple):
    """One loss for one sample: ``targets`` turns a target into numbers (refusing what the loss
    refuses), ``graph`` builds the loss from the outputs and the target leaves, and ``terms`` is
    how many terms of the batch mean one sample adds (0 for a summed loss)."""

    loss: Loss
    targets: TargetRule
    graph: GraphRule
    terms: Callable[[int], int]

    def weight(self, samples: int, width: int | None) -> float:
        """The factor on the sum of ``samples`` sample losses that gives the batch loss."""
        terms = self.terms(1 if width is None else width)
        return 1.0 if terms == 0 else 1.0 / (samples * terms)


def _elementwise_targets(where: str, check: Callable[[float, int], None] | None = None) -> TargetRule:
    """One number per output: a number for a single output, a list as long as the outputs else."""

    def targets(target: Any, width: int | None, index: int) -> list[float]:
        listed = isinstance(target, Sequence) and not isinstance(target, str)
        if width is None:
            numbers = [target_number(target, where, index)]
        elif listed and len(target) == width:
            numbers = [target_number(t, where, index) for t in target]
        else:
            raise ValueError(f"{where}: sample {index} has {width} outputs but the target is {describe(target)}")
        if check is not None:
            for number in numbers:
                check(number, index)
        return numbers

    return targets


def _one_hot(target: Any, width: int | None, index: int) -> list[float]:
    """cross_entropy's class index as a one-hot row of the model's width."""
    if width is None or width < 2:
        raise TypeError(f"cross_entropy: sample {index} must be a list of at least 2 logit Values")
    row = [0.0] * width
    row[class_index(target, width, index)] = 1.0
    return row


def _sse(outputs: list[Value], targets: list[Value]) -> Value:
    """mirrors nn.losses._sse: 1/2 * sum (y_hat - y)**2"""
    errors = [out - target for out, target in zip(outputs, targets, strict=True)]
    return 0.5 * dot(errors, errors)


def _squares(outputs: list[Value], targets: list[Value]) -> Value:
    """mirrors nn.losses._mse without its 1/n, which the batch weight carries: sum (y_hat - y)**2"""
    errors = [out - target for out, target in zip(outputs, targets, strict=True)]
    return dot(errors, errors)


def _hinge(outputs: list[Value], targets: list[Value]) -> Value:
    """mirrors nn.losses._hinge without its 1/n: sum relu(1 - y * score)"""
    return value_sum([(1.0 - label * score).relu() for score, label in zip(outputs, targets, strict=True)])


def _binary_cross_entropy(outputs: list[Value], targets: list[Value]) -> Value:
    """mirrors nn.losses._binary_cross_entropy without its 1/n: sum softplus(z) - y z"""
    # Where nn.losses writes softplus(z) alone for y = 0, here y * z is 0 (or -0.0): the same number.
    return value_sum([z.softplus() - y * z for z, y in zip(outputs, targets, strict=True)])


def _cross_entropy(outputs: list[Value], targets: list[Value]) -> Value:
    """mirrors nn.losses._cross_entropy without its 1/n: log sum_i e**z_i - onehot . z"""
    return logsumexp(outputs) - dot(targets, outputs)


SAMPLE_LOSSES: dict[str, SampleLoss] = {
    "sse": SampleLoss(sse, _elementwise_targets("sse"), _sse, lambda outputs: 0),
    "mse": SampleLoss(mse, _elementwise_targets("mse"), _squares, lambda outputs: outputs),
    "hinge": SampleLoss(hinge, _elementwise_targets("hinge", check_sign_label), _hinge, lambda outputs: outputs),
    "binary_cross_entropy": SampleLoss(
        binary_cross_entropy, _elementwise_targets("binary_cross_entropy", check_probability), _binary_cross_entropy,
        lambda outputs: outputs,
    ),
    "cross_entropy": SampleLoss(cross_entropy, _one_hot, _cross_entropy, lambda outputs: 1),
}
"""The one-sample form of every loss in ``nn.losses.LOSSES``, by name."""


def sample_loss(loss: Loss) -> SampleLoss | None:
    """The one-sample form of ``loss`` when it is one of nn's own, else None."""
    form = SAMPLE_LOSSES.get(loss.name)
    return form if form is not None and form.loss is loss else None
