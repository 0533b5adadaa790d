"""One sample's graph, recorded once, standing for every sample: the model and one of nn's losses
on input and target leaves, recorded inside ``autograd_lite.recording()`` and replayed over
arrays of rows with numpy (``autograd_lite.batched``).

A recording stands for other samples only if the graph's shape cannot depend on the numbers.
The recording proves it: Python read no number of a Value while the graph was built (no
``x.data > 0``, no ``max(a, b)``, no ``float(x)``), so every sample builds the same operations
and only the numbers differ. When Python did read one, ``CannotReplay`` names the line. As a
second guard against what no recording sees (Python state such as a random number drawn in
``forward``), a few samples are evaluated eagerly and must give the replay's loss and gradients.
Setup therefore costs one graph and a few checks, whatever the number of samples.

numpy is needed here; ``nn`` imports this module only when asked to replay.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from autograd_lite import Value, grad, recording
from autograd_lite.batched import BatchedTape
from autograd_lite.recording import why_not_replayable
from autograd_lite.text import describe

from .losses import Loss
from .module import Module
from .sample_losses import SampleLoss

Array = NDArray[np.float64]

SPOT_CHECKS = 4
"""How many samples (besides the recorded one) are also evaluated eagerly to check the replay."""
AGREEMENT = 1e-9
"""How close the replay of a checked sample must come to eager evaluation (relative to its scale)."""


class CannotReplay(Exception):
    """Why a recording cannot stand for every sample; ``branches``: Python read a number (or the
    replay disagreed with eager evaluation), so no replay of any kind would be safe."""

    def __init__(self, reason: str, *, branches: bool = False) -> None:
        super().__init__(reason)
        self.branches = branches


def input_rows(X: Sequence[Sequence[Any]], where: str = "fit") -> Array:
    """The rows of X as a (samples x inputs) float64 array; rows of different lengths are refused."""
    width = len(X[0])
    for index, row in enumerate(X):
        if len(row) != width:
            raise ValueError(f"{where}: row {index} of X has {len(row)} numbers where row 0 has {width}")
    try:
        rows = np.array(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise CannotReplay(f"the rows of X are not all plain numbers ({describe(error)})") from None
    return rows.reshape(len(X), width)


class SampleReplay:
    """``model`` and ``form``'s loss recorded on one sample's leaves; ``replay`` runs any rows."""

    def __init__(self, model: Module, form: SampleLoss, example: Sequence[float]) -> None:
        self.model = model
        self.form = form
        self.parameters = model.parameters()
        with recording() as seen:
            inputs = [Value(float(number)) for number in example]
            output = model(inputs)
            outputs = [output] if isinstance(output, Value) else list(output)
            if not outputs or not all(isinstance(out, Value) for out in outputs):
                raise CannotReplay(f"the model returned {describe(output)}, not a Value or a list of Values")
            self.width: int | None = None if isinstance(output, Value) else len(outputs)
            targets = [Value(0.0) for _ in outputs]
            loss = form.graph(outputs, targets)
        if seen.read:
            raise CannotReplay(why_not_replayable(seen), branches=True)
        self.n_inputs = len(inputs)
        self.tape = BatchedTape(loss, inputs + targets, self.parameters, watch=outputs, input_grads=False)
        self.uses = self.tape.uses

    def columns(self, X: Sequence[Sequence[Any]], y: Sequence[Any], where: str = "fit") -> Array:
        """Each sample's numbers, inputs then targets: the rows a replay takes."""
        rows = input_rows(X, where)
        if rows.shape[1] != self.n_inputs:
            raise ValueError(f"{where}: X has rows of {rows.shape[1]} numbers, the model takes {self.n_inputs}")
        targets = np.array([self.form.targets(target, self.width, index) for index, target in enumerate(y)])
        return np.hstack([rows, targets.reshape(len(y), -1)])

    def replay(self, weights: Array, rows: Array, weight: float) -> tuple[Array, Array, Array]:
        """(each sample's loss, d (weight * sum of the losses) / d parameter, each sample's outputs)."""
        losses, grads = self.tape.value_and_grad(rows, weights, weight)
        return losses, grads, np.stack(self.tape.watched(), axis=1)

    def evaluate(self, weights: Array, rows: Array) -> tuple[Array, Array]:
        """(each sample's loss, each sample's outputs) without a backward pass."""
        losses = self.tape.forward(rows, weights)
        return losses, np.stack(self.tape.watched(), axis=1)

    def check_against_eager(self, X: Sequence[Sequence[float]], y: Sequence[Any], columns: Array, loss: Loss) -> None:
        """Evaluate a few samples eagerly (a fresh graph each) and require the replay's numbers."""
        weights = np.array([p.data for p in self.parameters])
        for index in _spot_samples(y):
            output = self.model(X[index])
            value = loss([output], [y[index]])
            eager = grad(value, self.parameters)
            weight = self.form.weight(1, self.width)
            losses, replayed, _ = self.replay(weights, columns[index : index + 1], weight)
            finite = [v for v in (value.data, *eager) if math.isfinite(v)]
            scale = max(1.0, *(abs(v) for v in finite))
            worst = max(
                [_gap(float(losses[0]) * weight, value.data)]
                + [_gap(a, b) for a, b in zip(replayed.tolist(), eager, strict=True)]
            )
            if not worst <= AGREEMENT * scale:  # also catches NaN
                raise CannotReplay(
                    f"replaying sample {index} gives other numbers than evaluating it eagerly (off by "
                    f"{worst:.3g}), so the model's graph changes between calls for a reason no recording "
                    "sees (Python state such as a random number, or a counter)",
                    branches=True,
                )


def _gap(replayed: float, eager: float) -> float:
    """How far apart two numbers are, where NaN meets NaN and an infinity the same infinity (NaN data
    give NaN in both, which is agreement, not a difference)."""
    if replayed == eager or (math.isnan(replayed) and math.isnan(eager)):
        return 0.0
    return abs(replayed - eager)


def _spot_samples(y: Sequence[Any]) -> list[int]:
    """A few samples to check: the last, the middle one, and the first of each of a few targets."""
    chosen = {len(y) - 1, len(y) // 2}
    seen: set[str] = set()
    for index, target in enumerate(y):
        if len(chosen) >= SPOT_CHECKS:
            break
        key = repr(target)
        if key not in seen:
            seen.add(key)
            chosen.add(index)
    return sorted(chosen)
