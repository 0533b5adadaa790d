"""Loss functions on Values: ``sse``, ``mse``, ``hinge``, ``binary_cross_entropy``,
``cross_entropy``, the ``l2`` penalty, and the L1 penalty with its proximal step
(``l1_penalty``, ``soft_threshold``).

Each loss takes the model's outputs and the targets for one sample or a batch and returns one
Value to call ``backward()`` on. A ``Loss`` also tells ``fit`` how it reduces a batch (summed
or averaged) and how to score accuracy, so a history can show both.

Outputs and targets may be a single Value and number, a list of them (a batch of single outputs,
or one sample's outputs: the elementwise losses treat both alike), or a list of lists.
``cross_entropy`` takes a list of logits per sample and a class index per sample.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd_lite import Value, dot, logsumexp, value_sum
from autograd_lite.real_numbers import to_float
from autograd_lite.text import describe

from .checks import check_positive, real_number

Outputs = Value | Sequence[Any]
Targets = float | Sequence[Any]
LossFn = Callable[[Outputs, Targets], Value]


class Loss:
    """A loss function plus what ``fit`` needs: 'sum' or 'mean' reduction and an accuracy rule."""

    def __init__(self, name: str, fn: LossFn, *, reduction: str, accuracy: str | None) -> None:
        self.name = name
        self.fn = fn
        self.reduction = reduction
        self.accuracy = accuracy
        self.__doc__ = fn.__doc__

    def __call__(self, outputs: Outputs, targets: Targets) -> Value:
        """The loss of these outputs against these targets."""
        return self.fn(outputs, targets)

    def __repr__(self) -> str:
        return f"Loss({self.name!r}, reduction={self.reduction!r})"


def target_number(value: object, where: str, index: int) -> float:
    """Target ``index`` of a loss as a float, or an error naming ``where`` and the target."""
    try:
        number = to_float(value, where)
    except (TypeError, OverflowError):
        raise TypeError(f"{where}: target {index} must be a number, got {type(value).__name__} {describe(value)}") from None
    if not math.isfinite(number):
        raise ValueError(f"{where}: target {index} must be finite, got {number!r}")
    return number


def _pairs(outputs: Outputs, targets: Targets, where: str) -> list[tuple[Value, float]]:
    """Match outputs with targets elementwise, through any nesting of lists."""
    pairs: list[tuple[Value, float]] = []
    stack: list[tuple[object, object]] = [(outputs, targets)]
    while stack:
        out, target = stack.pop()
        if isinstance(out, Value):
            pairs.append((out, target_number(target, where, len(pairs))))
        elif isinstance(out, Sequence) and not isinstance(out, str):
            if isinstance(target, str) or not isinstance(target, Sequence):
                raise ValueError(f"{where}: {len(out)} outputs but the target is {describe(target)}")
            if len(out) != len(target):
                raise ValueError(f"{where}: {len(out)} outputs but {len(target)} targets")
            stack.extend(reversed(list(zip(out, target, strict=True))))
        else:
            raise TypeError(f"{where}: outputs must be Values or lists of Values, got {type(out).__name__}")
    if not pairs:
        raise ValueError(f"{where}: no outputs")
    return pairs


def _sse(outputs: Outputs, targets: Targets) -> Value:
    """E = 1/2 * sum (y_hat - y)**2 over every sample and output; dE/dy_hat = y_hat - y"""
    errors = [out - target for out, target in _pairs(outputs, targets, "sse")]
    return 0.5 * dot(errors, errors)


def _mse(outputs: Outputs, targets: Targets) -> Value:
    """mean (y_hat - y)**2 over every element"""
    errors = [out - target for out, target in _pairs(outputs, targets, "mse")]
    return dot(errors, errors) * (1.0 / len(errors))


def _hinge(outputs: Outputs, targets: Targets) -> Value:
    """mean relu(1 - y * score) with labels y in {-1, +1} (micrograd's max-margin loss)"""
    pairs = _pairs(outputs, targets, "hinge")
    for index, (_, label) in enumerate(pairs):
        check_sign_label(label, index)
    margins = [(1.0 - label * score).relu() for score, label in pairs]
    return value_sum(margins) * (1.0 / len(margins))


def _binary_cross_entropy(outputs: Outputs, targets: Targets) -> Value:
    """mean of -y log s(z) - (1 - y) log(1 - s(z)) = softplus(z) - y z, from logits z, y in [0, 1]"""
    pairs = _pairs(outputs, targets, "binary_cross_entropy")
    for index, (_, y) in enumerate(pairs):
        check_probability(y, index)
    terms = [z.softplus() - y * z if y else z.softplus() for z, y in pairs]
    return value_sum(terms) * (1.0 / len(terms))


def check_sign_label(label: float, index: int) -> None:
    """hinge's target ``index`` is -1 or +1, or a ValueError naming it."""
    if label not in (-1.0, 1.0):
        raise ValueError(f"hinge: targets must be -1 or +1, got {label!r} at index {index}")


def check_probability(y: float, index: int) -> None:
    """binary_cross_entropy's target ``index`` is in [0, 1], or a ValueError naming it."""
    if not 0.0 <= y <= 1.0:
        raise ValueError(f"binary_cross_entropy: targets must be in [0, 1], got {y!r} at index {index}")


def class_index(target: object, classes: int, index: int) -> int:
    """cross_entropy's target ``index`` as a class in 0..classes-1, or an error naming it."""
    number = real_number(target)  # any real number the engine takes (numpy's too), never a bool
    if number is None or not number.is_integer():
        raise TypeError(f"cross_entropy: target {index} must be a class index, got {describe(target)}")
    label = int(number)
    if not 0 <= label < classes:
        raise ValueError(f"cross_entropy: target {index} must be in 0..{classes - 1}, got {describe(target)}")
    return label


def _cross_entropy(outputs: Outputs, targets: Targets) -> Value:
    """mean of -log softmax(z)_y = log sum_i e**z_i - z_y over samples; logits z, class index y"""
    if isinstance(outputs, Value):
        raise TypeError("cross_entropy: outputs must be a list of logits per sample, got one Value")
    if outputs and isinstance(outputs[0], Value):
        outputs, targets = [outputs], [targets]
    if not isinstance(targets, Sequence) or len(outputs) != len(targets):
        raise ValueError(f"cross_entropy: {len(outputs)} samples but targets {describe(targets)}")
    if not outputs:
        raise ValueError("cross_entropy: no outputs")
    terms = []
    for index, (logits, target) in enumerate(zip(outputs, targets, strict=True)):
        if isinstance(logits, Value) or not all(isinstance(z, Value) for z in logits) or len(logits) < 2:
            raise TypeError(f"cross_entropy: sample {index} must be a list of at least 2 logit Values")
        terms.append(logsumexp(logits) - logits[class_index(target, len(logits), index)])
    return value_sum(terms) * (1.0 / len(terms))


def l2(parameters: Iterable[Value], alpha: float = 1.0) -> Value:
    """alpha * sum p**2 (the penalty micrograd's demo adds with alpha = 1e-4); d/dp = 2 alpha p"""
    values = list(parameters)
    if not values:
        raise ValueError("l2: no parameters")
    alpha = check_positive(alpha, "alpha", "l2", allow_zero=True)
    # One dot node: d(p . p)/dp collects p from both slots, 2p in all.
    squares = dot(values, values)
    return squares if alpha == 1.0 else squares * float(alpha)


def l1_penalty(weights: Iterable[float], alpha: float) -> float:
    """alpha * sum |w|: the L1 term ``fit(l1=alpha)`` adds to the loss it reports for a batch."""
    return alpha * math.fsum(abs(w) for w in weights)


def soft_threshold(w: float, threshold: float) -> float:
    """The proximal step of threshold * |w|: sign(w) * max(|w| - threshold, 0), computed as
    w - clip(w, -threshold, threshold), so a weight within the threshold of 0 becomes exactly 0.0.

    L1 regularisation minimises L(w) + alpha * sum |w_i|. |w| has no gradient at 0, and a plain
    (sub)gradient step with alpha * sign(w) jumps over 0 and back forever, never landing on it.
    The proximal gradient step (ISTA) instead takes the step on L alone, v = w - lr * dL/dw, then
    solves argmin_u threshold * |u| + (u - v)**2 / 2 with threshold = lr * alpha: u moves
    ``threshold`` toward 0 and stops at 0 when it would cross it (0 is where the subgradient
    [-1, 1] of |u| can balance the pull of v). ``fit`` and the playground apply it to every
    parameter the optimiser updates, right after each update, with the lr that update used.
    """
    # w - w is exactly 0.0, so the weights inside the threshold are exactly zero, not 1e-17.
    return w - min(max(w, -threshold), threshold)


def shrink_toward_zero(parameters: Iterable[Value], threshold: float) -> None:
    """``soft_threshold`` every parameter's value in place (the proximal step of L1)."""
    for param in parameters:
        param.data = soft_threshold(param.data, threshold)


sse = Loss("sse", _sse, reduction="sum", accuracy="auto")
"""The classic E = 1/2 * sum (y_hat - y)**2 over every sample and output; dE/dy_hat = y_hat - y."""
mse = Loss("mse", _mse, reduction="mean", accuracy="auto")
"""mean (y_hat - y)**2 over every element."""
hinge = Loss("hinge", _hinge, reduction="mean", accuracy="sign")
"""mean relu(1 - y * score) with labels y in {-1, +1} (micrograd's max-margin loss)."""
binary_cross_entropy = Loss("binary_cross_entropy", _binary_cross_entropy, reduction="mean", accuracy="logit")
"""mean of -y log s(z) - (1 - y) log(1 - s(z)) = softplus(z) - y z, from logits z, labels y in [0, 1]."""
cross_entropy = Loss("cross_entropy", _cross_entropy, reduction="mean", accuracy="argmax")
"""mean of -log softmax(z)_y = log sum_i e**z_i - z_y over samples; logits z, class index y."""

LOSSES: dict[str, Loss] = {loss.name: loss for loss in (sse, mse, hinge, binary_cross_entropy, cross_entropy)}
"""Every built-in loss by name, so ``fit(loss="hinge")`` works."""


def resolve_loss(loss: str | Loss | LossFn) -> Loss:
    """A Loss from a name, a Loss, or any callable (outputs, targets) -> Value (treated as a mean)."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {describe(loss)}; choose from {', '.join(LOSSES)} or pass a callable")
        return LOSSES[loss]
    if callable(loss):
        return Loss(getattr(loss, "__name__", "loss"), loss, reduction="mean", accuracy="auto")
    raise TypeError(f"fit: loss must be a name, a Loss or a callable, got {type(loss).__name__}")
