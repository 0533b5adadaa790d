"""Training by replay, for ``fit(..., compiled=True)``: record the graphs once, then run every
update without building a single Value.

- ``BatchedTraining``: every sample's graph (the model and the sample's own loss) is recorded
  once and sorted by shape; each update replays a batch, full or mini, with numpy
  (``autograd_lite.batched``): one numpy call per group of like nodes for all the batch's
  samples of one shape. cross_entropy gives one shape per class (the target picks a logit);
  other losses one shape in all. Results equal eager training's to about 1e-12 relative (the
  batch's sums are added in another order).
- ``CompiledBatch``: the full batch recorded as one float ``autograd_lite.Tape``, bit for bit
  eager's numbers; used when numpy is missing or the loss is one of your own, whose batch loss
  cannot be split into per-sample losses.

``compile_training`` picks one, or none. When it cannot use the batched replay it says why in a
``ReplayFallback`` warning: numpy missing, a loss of your own, or samples whose graphs differ in
shape although their targets agree, which means Python code branched on values (``x if x.data
> 0 else ...``, a loop that stops on a value). Such a model trains eagerly, because a recording
would freeze the branch each sample took.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any

from autograd_lite import Tape, Value

from .losses import LOSSES, Loss
from .losses import l2 as l2_penalty
from .metrics import FloatOutput
from .module import Module, Output
from .optim import Optimizer

MAX_SHAPES = 64
"""The most graph shapes (one replay each per update) the batched replay takes on; beyond, eager."""

Step = tuple[float, list[FloatOutput], float]


class ReplayFallback(UserWarning):
    """fit(compiled=True) could not use the batched replay; the message says why and what it does instead."""


class _CannotBatch(Exception):
    """Why the batched replay cannot train this model on this data; ``branches``: because
    Python code branched on values, so no recording (batched or not) would give eager's numbers."""

    def __init__(self, reason: str, *, branches: bool = False) -> None:
        super().__init__(reason)
        self.branches = branches


def _flat(output: Output) -> list[Value]:
    return [output] if isinstance(output, Value) else list(output)


def _regroup(values: list[float], width: int | None) -> FloatOutput:
    return values[0] if width is None else values


class CompiledBatch:
    """One full batch, recorded once as a float Tape; ``step`` replays forward and backward, then updates."""

    def __init__(
        self,
        model: Module,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[Any],
        loss: Loss,
        l2: float = 0.0,
    ) -> None:
        self.model = model
        outputs = [model(x) for x in inputs]
        total: Value = loss(outputs, targets)
        if l2:
            total = total + l2_penalty(model.parameters(), l2)
        # Remember each sample's shape (one Value, or a list) to regroup the replayed outputs.
        self.widths = [None if isinstance(out, Value) else len(out) for out in outputs]
        watched = [v for out in outputs for v in _flat(out)]
        self.tape = Tape(total, model.parameters(), watch=watched)

    def step(self, batch: Sequence[int], optimizer: Optimizer) -> Step:
        """Replay the full batch at the current weights, update them; (loss before, outputs, lr)."""
        self.model.zero_grad()
        optimizer.zero_grad()
        loss = self.tape.replay()
        flat = self.tape.watched()
        outputs: list[FloatOutput] = []
        position = 0
        for width in self.widths:
            size = 1 if width is None else width
            outputs.append(_regroup(flat[position : position + size], width))
            position += size
        lr = optimizer.step()
        return loss, outputs, lr


class _ShapeReplay:
    """The samples of one graph shape: their tape, their numbers, and which samples they are."""

    def __init__(self, tape: Any, batch: Any, samples: list[int]) -> None:
        self.tape = tape
        self.batch = batch
        self.samples = samples


class BatchedTraining:
    """Every sample recorded once; ``step`` replays the samples of a batch with numpy, then updates."""

    def __init__(
        self, model: Module, inputs: Sequence[Sequence[float]], targets: Sequence[Any], loss: Loss, l2: float = 0.0
    ) -> None:
        from autograd_lite.batched import BatchRecorder  # numpy is imported only when asked for

        self.model = model
        self.parameters = model.parameters()
        self.summed = loss.reduction == "sum"
        recorder = BatchRecorder(self.parameters)
        shape_of_target: dict[Hashable, int] = {}
        first_with_target: dict[Hashable, int] = {}
        self.width: int | None = None
        for index, (x, target) in enumerate(zip(inputs, targets, strict=True)):
            output = model(x)
            self.width = None if isinstance(output, Value) else len(output)
            key = _target_key(target)
            shape = recorder.add(loss([output], [target]), _flat(output), likely=shape_of_target.get(key, 0))
            known = shape_of_target.setdefault(key, shape)
            if known != shape:
                raise _CannotBatch(
                    f"samples {first_with_target[key]} and {index} have the same target but graphs of different "
                    f"shapes ({recorder.difference(known, shape)}): Python code branched on values",
                    branches=True,
                )
            first_with_target.setdefault(key, index)
        if recorder.shapes > MAX_SHAPES:
            raise _CannotBatch(f"the samples' graphs have {recorder.shapes} shapes, more than {MAX_SHAPES}")
        self.shapes = [_ShapeReplay(tape, batch, samples) for tape, batch, samples in recorder.compile()]
        self.place = {
            sample: (number, row) for number, shape in enumerate(self.shapes) for row, sample in enumerate(shape.samples)
        }
        # A parameter no sample's graph uses keeps no gradient, as after eager backward().
        self.used = [any(flags) for flags in zip(*(shape.tape.uses for shape in self.shapes), strict=True)]
        self.l2_tape = Tape(l2_penalty(self.parameters, l2), self.parameters) if l2 else None

    def step(self, batch: Sequence[int], optimizer: Optimizer) -> Step:
        """Replay the samples ``batch`` at the current weights, update them; (loss before, outputs, lr)."""
        # As train_batch does: no gradient survives from an earlier batch (the model's own list,
        # rather than model.zero_grad(), which walks every parameter's dotted name).
        for param in self.parameters:
            param.zero_grad()
        optimizer.zero_grad()
        weight = 1.0 if self.summed else 1.0 / len(batch)
        values = [p.data for p in self.parameters]
        rows: dict[int, list[int]] = {}
        for sample in batch:
            number, row = self.place[sample]
            rows.setdefault(number, []).append(row)
        total = 0.0
        grads: Any = 0.0
        outputs: dict[int, FloatOutput] = {}
        for number, shape in enumerate(self.shapes):
            chosen = rows.get(number)
            if not chosen:
                continue
            losses = shape.tape.forward(shape.batch[chosen], values)
            total += float(losses.sum())
            grads = grads + shape.tape.backward(weight)
            watched = [column.tolist() for column in shape.tape.watched()]
            for position, row in enumerate(chosen):
                outputs[shape.samples[row]] = _regroup([column[position] for column in watched], self.width)
        for param, gradient, used in zip(self.parameters, list(grads), self.used, strict=True):
            if used:
                param.grad = float(gradient)
        loss = total if self.summed else total * weight
        if self.l2_tape is not None:
            loss += self.l2_tape.replay()
        lr = optimizer.step()
        return loss, [outputs[sample] for sample in batch], lr


def _target_key(target: Any) -> Hashable:
    """A target as a dictionary key: a number, or a tuple for a list of targets."""
    if isinstance(target, Sequence) and not isinstance(target, str):
        return tuple(_target_key(t) for t in target)
    return target if isinstance(target, Hashable) else repr(target)


def compile_training(
    model: Module,
    inputs: Sequence[Sequence[float]],
    targets: Sequence[Any],
    loss: Loss,
    l2: float,
    full_batch: bool,
) -> BatchedTraining | CompiledBatch | None:
    """The replay ``fit(compiled=True)`` trains with, or None to train eagerly (with a ReplayFallback warning)."""
    try:
        if not any(loss is known for known in LOSSES.values()):
            raise _CannotBatch(f"the loss {loss.name!r} is not one of nn's, so its batch cannot be split into samples")
        try:
            import autograd_lite.batched  # noqa: F401  # numpy is the 'batched' extra
        except ImportError:
            raise _CannotBatch('numpy is not installed (pip install "autograd-lite[batched]")') from None
        return BatchedTraining(model, inputs, targets, loss, l2)
    except _CannotBatch as reason:
        if full_batch and not reason.branches:
            _warn(f"{reason}; replaying the full batch with the float Tape instead")
            return CompiledBatch(model, inputs, targets, loss, l2)
        _warn(f"{reason}; training eagerly instead")
        return None


def _warn(message: str) -> None:
    warnings.warn(f"fit(compiled=True): {message}", ReplayFallback, stacklevel=4)
