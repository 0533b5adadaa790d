"""Training by replay, for ``fit(..., compiled=True)``: record the model once, then run every
update without building a single Value, or say why not and train eagerly.

- The array training (``nn.array_training``), whenever the loss is one of nn's and numpy is
  installed: one sample's graph, the model and the loss on input and target leaves, is recorded
  inside ``autograd_lite.recording()``; every update replays it over the batch's rows with
  numpy, and the optimiser updates the weights as arrays. Setup costs one recording, whatever
  the number of samples. Results equal eager training's to about 1e-12 relative (the batch's
  sums are added in another order).
- ``CompiledBatch``: the full batch recorded as one float ``autograd_lite.Tape``, bit for bit
  eager's numbers; used when numpy is missing or the loss is one of your own, whose batch loss
  cannot be split into samples.

A replay is never silently wrong. When Python read a number of a Value while the graph was
recorded (``x if x.data > 0 else ...``, ``max(a, b)``, a loop that stops on a value), a replay
would keep that branch for every sample and every later weight, so ``compile_training`` trains
eagerly instead and says so in a ``ReplayFallback`` warning naming the line that read; it warns
the same way for every other reason it cannot replay (numpy missing, a loss of its own with
mini-batches, a replay that disagrees with eager evaluation on the samples it checks).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any

from autograd_lite import Tape, Value, recording
from autograd_lite.recording import ReplayFallback, why_not_replayable

from .losses import Loss, l1_penalty, shrink_toward_zero
from .losses import l2 as l2_penalty
from .metrics import FloatOutput
from .module import Module
from .optim import Optimizer
from .updates import Update, Updates, count_correct, grad_sizes

__all__ = ["CompiledBatch", "ReplayFallback", "compile_training"]


class _CannotCompile(Exception):
    """Why no replay will do; ``branches``: a recording would freeze a Python branch, so not even
    the float Tape may be used."""

    def __init__(self, reason: str, *, branches: bool = False) -> None:
        super().__init__(reason)
        self.branches = branches


def _flat(output: Any) -> list[Value]:
    return [output] if isinstance(output, Value) else list(output)


class CompiledBatch:
    """One full batch, recorded once as a float Tape; each update replays forward and backward,
    then steps the optimiser on the Values (which hold the weights all along)."""

    def __init__(
        self,
        model: Module,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[Any],
        loss: Loss,
        optimizer: Optimizer,
        *,
        l2: float = 0.0,
        l1: float = 0.0,
        rule: str | None = None,
    ) -> None:
        self.model, self.targets, self.optimizer, self.rule, self.l1 = model, targets, optimizer, rule, l1
        self.groups = model.parameter_groups()
        with recording() as seen:
            outputs = [model(x) for x in inputs]
            total: Value = loss(outputs, targets)
            if l2:
                total = total + l2_penalty(model.parameters(), l2)
        if seen.read:
            raise _CannotCompile(why_not_replayable(seen), branches=True)
        # Remember each sample's shape (one Value, or a list) to regroup the replayed outputs.
        self.widths = [None if isinstance(out, Value) else len(out) for out in outputs]
        watched = [v for out in outputs for v in _flat(out)]
        self.tape = Tape(total, model.parameters(), watch=watched, recording=seen)

    def begin(self) -> None:
        """Nothing to read: the Values are the weights."""

    def sync(self) -> None:
        """Nothing to write: the Values are the weights."""

    def update(self, batch: Sequence[int] | None) -> Update:
        """Replay the full batch at the current weights and step (``batch`` is every sample)."""
        self.model.zero_grad()
        self.optimizer.zero_grad()
        # The L1 term, as in nn.train_batch: reported with the loss, minimised by the proximal step.
        penalty = l1_penalty((p.data for p in self.model.parameters()), self.l1) if self.l1 else 0.0
        loss = self.tape.replay() + penalty
        flat = self.tape.watched()
        outputs: list[FloatOutput] = []
        position = 0
        for width in self.widths:
            size = 1 if width is None else width
            outputs.append(flat[position] if width is None else flat[position : position + size])
            position += size
        lr = self.optimizer.step()
        if self.l1:
            shrink_toward_zero(self.optimizer.params, lr * self.l1)
        return Update(loss, count_correct(self.rule, outputs, self.targets), lr, grad_sizes(self.groups))


def _array_training(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: Loss,
    optimizer: Optimizer,
    l2: float,
    l1: float,
    rule: str | None,
) -> Updates:
    """The array training, or _CannotCompile saying why not."""
    try:
        import autograd_lite.batched  # noqa: F401  # numpy is the 'batched' extra: asked for here, first
    except ImportError:
        raise _CannotCompile(numpy_missing()) from None
    # Outside the try: with numpy present, an ImportError from these is a fault to see, not a fallback.
    from .array_training import ArrayTraining
    from .sample_losses import sample_loss
    from .sample_replay import CannotReplay, SampleReplay

    form = sample_loss(loss)
    if form is None:
        raise _CannotCompile(f"the loss {loss.name!r} is not one of nn's, so its batch cannot be split into samples")
    try:
        replay = SampleReplay(model, form, X[0])
        columns = replay.columns(X, y)
        replay.check_against_eager(X, y, columns, loss)
        return ArrayTraining(replay, columns, y, optimizer, l2=l2, l1=l1, rule=rule, groups=model.parameter_groups())
    except CannotReplay as reason:
        raise _CannotCompile(str(reason), branches=reason.branches) from None


def compile_training(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: Loss,
    optimizer: Optimizer,
    *,
    l2: float,
    rule: str | None,
    full_batch: bool,
    l1: float = 0.0,
) -> Updates | None:
    """The replay ``fit(compiled=True)`` trains with, or None to train eagerly (with a ReplayFallback warning)."""
    try:
        return _array_training(model, X, y, loss, optimizer, l2, l1, rule)
    except _CannotCompile as reason:
        if full_batch and not reason.branches:
            try:
                batch = CompiledBatch(model, X, y, loss, optimizer, l2=l2, l1=l1, rule=rule)
            except _CannotCompile as tape_reason:
                _warn(f"{reason}; and {tape_reason}; training eagerly instead")
                return None
            _warn(f"{reason}; replaying the full batch with the float Tape instead")
            return batch
        _warn(f"{reason}; training eagerly instead")
        return None


def numpy_missing() -> str:
    """Why the array training cannot run here, with the install that would fix it on this platform."""
    if sys.platform == "emscripten":
        # Pyodide (a browser tab): pip does not exist there; micropip loads Pyodide's own numpy build.
        return "numpy is not loaded in this Pyodide kernel (await micropip.install('numpy') loads it where the Pyodide distribution offers it)"
    return 'numpy is not installed (pip install "autograd-lite[batched]")'


def _warn(message: str) -> None:
    warnings.warn(f"fit(compiled=True): {message}", ReplayFallback, stacklevel=4)
