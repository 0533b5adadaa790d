"""Full-batch training by replay: record the batch's graph once as an ``autograd_lite.Tape``,
then run every later update on flat floats without building a single Value.

This is ``fit(..., compiled=True)``. It gives the same numbers as eager training, bit for bit,
as long as the graph's shape does not depend on the values: the model, the loss and the data
are fixed, and no Python code branches on ``.data`` (every activation in ``nn`` is an engine
op, so relu's and leaky_relu's kinks are decided again on each replay).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd_lite import Tape, Value

from .losses import Loss
from .losses import l2 as l2_penalty
from .metrics import FloatOutput
from .module import Module
from .optim import Optimizer


class CompiledBatch:
    """One full batch, recorded once; ``step`` replays forward and backward, then updates."""

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
        watched = [v for out in outputs for v in ([out] if isinstance(out, Value) else out)]
        self.tape = Tape(total, model.parameters(), watch=watched)

    def step(self, optimizer: Optimizer) -> tuple[float, list[FloatOutput], float]:
        """Replay the batch at the current weights, update them; (loss before, outputs, lr)."""
        self.model.zero_grad()
        optimizer.zero_grad()
        loss = self.tape.replay()
        flat = self.tape.watched()
        outputs: list[FloatOutput] = []
        position = 0
        for width in self.widths:
            if width is None:
                outputs.append(flat[position])
                position += 1
            else:
                outputs.append(flat[position : position + width])
                position += width
        lr = optimizer.step()
        return loss, outputs, lr
