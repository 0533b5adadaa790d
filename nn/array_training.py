"""Training with the weights in numpy arrays: every update of ``fit(compiled=True)`` (and of the
playground) replays one recorded sample graph over the batch's rows, adds the L2 term, lets
the optimiser update whole arrays (``Optimizer.array_step``) and, with L1, takes the proximal
step of the L1 term (``soft_threshold``), without touching a Value.

The Values are brought up to date (``sync``) whenever Python code may look at them: at the end
of training and before each callback; ``begin`` reads them back (a callback may change them).
An update is committed in one assignment, after everything it computes has succeeded, so an
error or a KeyboardInterrupt in the middle of one leaves the last completed update's weights in
force, and ``sync`` then gives the Values exactly those (with the gradients of the batch whose
update failed, as eager training leaves them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from autograd_lite import Value

from .metrics import correct_count, expected_classes
from .optim import Optimizer
from .sample_replay import Array, CannotReplay, SampleReplay
from .updates import Update


class _Committed(NamedTuple):
    """Everything an update changes, replaced as one."""

    weights: Array
    grads: Array
    state: list[Array]
    steps: int
    last_lr: float | None


class ArrayTraining:
    """Updates of ``replay``'s model on the rows ``columns``, with ``optimizer``, on arrays."""

    def __init__(
        self,
        replay: SampleReplay,
        columns: Array,
        targets: Sequence[Any],
        optimizer: Optimizer,
        *,
        l2: float = 0.0,
        l1: float = 0.0,
        rule: str | None = None,
        groups: dict[str, list[Value]] | None = None,
    ) -> None:
        self.replay = replay
        self.columns = columns
        self.parameters = replay.parameters
        self.l2 = l2
        self.l1 = l1
        self.rule = rule
        self._position = position = {param: j for j, param in enumerate(self.parameters)}
        self.groups = {name: np.array([position[p] for p in params], dtype=np.intp) for name, params in (groups or {}).items()}
        self.expected = None if rule is None else np.array(expected_classes(rule, targets, replay.width))
        self.used = list(replay.uses)
        self.optimizer = optimizer
        self.current = _Committed(np.empty(0), np.empty(0), [], 0, None)

    @property
    def optimizer(self) -> Optimizer:
        """The optimiser whose rule updates the arrays; replace it between updates at will."""
        return self._optimizer

    @optimizer.setter
    def optimizer(self, optimizer: Optimizer) -> None:
        if not optimizer.steps_arrays_as_values():
            raise CannotReplay(
                f"the optimiser {type(optimizer).__name__} changes step() or _update() without its array "
                f"twin _update_arrays(), so only its own step() trains as written"
            )
        position = self._position
        missing = [p for p in optimizer.params if p not in position]
        if missing:
            name = missing[0].label or "a Value"
            raise CannotReplay(f"the optimiser updates {name}, which is not a parameter of the model")
        index = np.array([position[p] for p in optimizer.params], dtype=np.intp)
        # The common case, every parameter in the model's order, updates the whole array at once.
        self._index: Any = None if np.array_equal(index, np.arange(len(self.parameters))) else index
        self._optimizer = optimizer

    def begin(self) -> None:
        """Read the weights and the optimiser's state from the Values and the optimiser."""
        optimizer = self._optimizer
        weights = np.array([p.data for p in self.parameters], dtype=np.float64)
        state = [np.array(part, dtype=np.float64) for part in optimizer.state()]
        grads = self.current.grads if self.current.grads.shape == weights.shape else np.zeros_like(weights)
        self.current = _Committed(weights, grads, state, optimizer.steps, optimizer.last_lr)

    def sync(self) -> None:
        """Give the Values the weights and gradients of the last completed update, and the
        optimiser its step count and running state."""
        current = self.current
        for param, weight, gradient, used in zip(
            self.parameters, current.weights.tolist(), current.grads.tolist(), self.used, strict=True
        ):
            param.data = weight
            if used:
                param.grad = gradient
            else:
                param.zero_grad()  # no sample's graph reaches it, as after eager backward()
        optimizer = self._optimizer
        optimizer.load_state([part.tolist() for part in current.state])
        optimizer.steps = current.steps
        optimizer.last_lr = current.last_lr

    def update(self, batch: Sequence[int] | None) -> Update:
        """One update on the samples ``batch`` (None: all of them, in order)."""
        current = self.current
        picked = None if batch is None else np.asarray(batch, dtype=np.intp)
        rows = self.columns if picked is None else self.columns[picked]
        count = len(rows)
        weight = self.replay.form.weight(count, self.replay.width)
        weights = current.weights
        losses, grads, outputs = self.replay.replay(weights, rows, weight)
        loss = float(losses.sum()) * weight
        if self.l2:
            # nn.losses.l2 is dot(p, p) * l2: each p is read twice, so its gradient is l2 p + l2 p.
            loss += float(weights @ weights) * self.l2
            grads = grads + (self.l2 * weights + self.l2 * weights)
        if self.l1:
            loss += self.l1 * float(np.abs(weights).sum())
        # As in eager training, the gradients are in place before the step, which may refuse them.
        self.current = current = current._replace(grads=grads)
        optimizer = self._optimizer
        index = self._index
        if index is None:
            lr, new_weights, state = optimizer.array_step(weights, grads, current.state, current.steps)
            if self.l1:
                new_weights = soft_threshold(new_weights, lr * self.l1)
        else:
            lr, moved, state = optimizer.array_step(weights[index], grads[index], current.state, current.steps)
            new_weights = weights.copy()
            new_weights[index] = soft_threshold(moved, lr * self.l1) if self.l1 else moved
        correct = 0
        if self.expected is not None and self.rule is not None:
            expected = self.expected if picked is None else self.expected[picked]
            correct = correct_count(self.rule, outputs, expected)
        sizes = {name: _sizes(grads[index_of]) for name, index_of in self.groups.items()}
        self.current = _Committed(new_weights, grads, state, current.steps + 1, lr)
        return Update(loss, correct, lr, sizes)

    def evaluate(self, columns: Array) -> tuple[Array, Array]:
        """(each sample's loss, each sample's outputs) at the current weights, without an update."""
        return self.replay.evaluate(self.current.weights, columns)


def soft_threshold(weights: Array, threshold: float) -> Array:
    """mirrors nn.losses.soft_threshold on an array: w - clip(w, -threshold, threshold)."""
    shrunk: Array = weights - np.clip(weights, -threshold, threshold)
    return shrunk


def _sizes(grads: Array) -> tuple[float, float]:
    """(mean, max) of |g| over one group's gradients."""
    sizes = np.abs(grads)
    return float(sizes.mean()), float(sizes.max())
