"""One update of training, and what ``fit`` asks of a way of training: ``update(batch)`` runs one
update and reports it, and ``begin``/``sync`` move the weights between the Values and wherever
the updates keep them.

``train_batch`` is one eager update: build the batch's graph, backward, step. Three ways of
training implement the protocol: ``EagerUpdates`` here (``train_batch`` after ``train_batch``:
the Values hold the weights all along), the full-batch float Tape and the array training of
``fit(compiled=True)`` (``nn.compiled``), which keep the weights elsewhere between syncs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

from autograd_lite import Value

from .losses import Loss, l1_penalty, shrink_toward_zero
from .losses import l2 as l2_penalty
from .metrics import FloatOutput, is_correct, to_floats
from .module import Module
from .optim import Optimizer


class BatchResult(NamedTuple):
    """One update: the batch loss before it, each sample's output, and the learning rate used."""

    loss: float
    outputs: list[FloatOutput]
    lr: float


def train_batch(
    model: Module,
    inputs: Sequence[Sequence[float]],
    targets: Sequence[Any],
    loss: Loss,
    optimizer: Optimizer,
    l2: float = 0.0,
    l1: float = 0.0,
) -> BatchResult:
    """One update: forward every sample, the batch loss (+ l2 * sum p**2), backward, one step;
    with ``l1``, the proximal step of l1 * sum |p| after it (``nn.losses.soft_threshold``)."""
    outputs = [model(x) for x in inputs]
    total: Value = loss(outputs, targets)
    if l2:
        total = total + l2_penalty(model.parameters(), l2)
    # The L1 term is reported with the loss but left out of the graph: its proximal step, not its
    # gradient, minimises it.
    penalty = l1_penalty((p.data for p in model.parameters()), l1) if l1 else 0.0
    # The model's too: a parameter the optimiser does not own (a frozen layer) would otherwise
    # accumulate gradients across batches and distort the gradient-flow statistics.
    model.zero_grad()
    optimizer.zero_grad()
    total.backward()
    lr = optimizer.step()
    if l1:
        shrink_toward_zero(optimizer.params, lr * l1)
    return BatchResult(total.data + penalty, [to_floats(out) for out in outputs], lr)


class Update(NamedTuple):
    """One update: the batch loss before it, how many samples it classified right (0 without an
    accuracy rule), the learning rate, and each parameter group's (mean, max) |gradient|."""

    loss: float
    correct: int
    lr: float
    grad_sizes: dict[str, tuple[float, float]]


class Updates(Protocol):
    """A way of training one model on one data set with one optimiser."""

    def begin(self) -> None:
        """Take the weights (and the optimiser's state) from the Values: a run starts or a callback ran."""

    def update(self, batch: Sequence[int] | None) -> Update:
        """One update on the samples ``batch`` (None: every sample, in order)."""

    def sync(self) -> None:
        """Give the Values the weights and gradients of the last completed update."""


def grad_sizes(groups: dict[str, list[Value]]) -> dict[str, tuple[float, float]]:
    """Each group's (mean, max) |grad|, read from the Values."""
    sizes: dict[str, tuple[float, float]] = {}
    for name, params in groups.items():
        magnitudes = [abs(p.grad) for p in params]
        sizes[name] = (sum(magnitudes) / len(magnitudes), max(magnitudes))
    return sizes


def count_correct(rule: str | None, outputs: Sequence[FloatOutput], targets: Sequence[Any]) -> int:
    """How many outputs get their targets right under ``rule`` (0 without a rule)."""
    if rule is None:
        return 0
    return sum(is_correct(rule, output, target) for output, target in zip(outputs, targets, strict=True))


class EagerUpdates:
    """Each update builds the batch's graph from the Values, runs backward and steps the optimiser."""

    def __init__(
        self,
        model: Module,
        X: Sequence[Sequence[float]],
        y: Sequence[Any],
        loss: Loss,
        optimizer: Optimizer,
        *,
        l2: float,
        rule: str | None,
        l1: float = 0.0,
    ) -> None:
        self.model, self.X, self.y = model, X, y
        self.loss, self.optimizer, self.l2, self.l1, self.rule = loss, optimizer, l2, l1, rule
        self.groups = model.parameter_groups()

    def begin(self) -> None:
        """Nothing to read: the Values are the weights."""

    def sync(self) -> None:
        """Nothing to write: the Values are the weights."""

    def update(self, batch: Sequence[int] | None) -> Update:
        """``train_batch`` on the samples ``batch``."""
        chosen = range(len(self.X)) if batch is None else batch
        targets = [self.y[i] for i in chosen]
        result = train_batch(self.model, [self.X[i] for i in chosen], targets, self.loss, self.optimizer, self.l2, self.l1)
        return Update(result.loss, count_correct(self.rule, result.outputs, targets), result.lr, grad_sizes(self.groups))
