"""Training a playground's network by replay: every point's loss is recorded once as an
``autograd_lite.Tape`` when the run starts, and every update after that replays the tapes of
the points in its batch on flat floats, without building a single Value.

One tape per point (rather than one per batch) is what lets any batch size and any shuffle
replay exactly: a batch's gradient is the sum of its points' gradients, divided by the batch
size for a loss that averages (hinge, mse, binary cross-entropy) and not for sse, which sums;
the L2 term l2 * sum p**2 is one more tape. The numbers are those of ``nn.train_batch`` on the
same batch, up to the order in which the per-point gradients are added.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from operator import add

from autograd_lite import Tape, Value

from ..layers import MLP
from ..losses import LOSSES
from ..losses import l2 as l2_penalty
from ..optim import SGD, Adam, AdamW, Optimizer
from ..schedules import Constant, InverseTime, LinearDecay, Schedule, StepDecay
from .data import Data, Points, targets_for
from .history import Snapshot
from .settings import Settings


def make_model(settings: Settings) -> MLP:
    """The network of a run: 2 inputs, the hidden layers, one linear output, weights drawn from the seed."""
    return MLP(2, [*settings.hidden, 1], activation=settings.activation, rng=settings.seed)


def make_schedule(settings: Settings) -> Schedule:
    """The learning-rate schedule the settings name, starting at ``settings.lr``."""
    lr = settings.lr
    if settings.schedule == "linear":
        return LinearDecay(lr, lr / 10, 1000)
    if settings.schedule == "inverse_time":
        # a / (b + m) with a = 100 lr and b = 100: lr at the first update, halved by update 101.
        return InverseTime(100 * lr, 99.0)
    if settings.schedule == "step":
        return StepDecay(lr, 0.5, 500)
    return Constant(lr)


def make_optimizer(settings: Settings, parameters: Sequence[Value]) -> Optimizer:
    """The optimiser the settings name, with the schedule."""
    schedule = make_schedule(settings)
    if settings.optimizer == "momentum":
        return SGD(parameters, lr=schedule, momentum=0.9)
    if settings.optimizer == "adam":
        return Adam(parameters, lr=schedule)
    if settings.optimizer == "adamw":
        return AdamW(parameters, lr=schedule)
    return SGD(parameters, lr=schedule)


class PointTapes:
    """One recorded tape per point: its loss, with the network's output watched."""

    def __init__(self, model: MLP, loss: str, X: Points, classes: Sequence[int]) -> None:
        rule = LOSSES[loss]
        parameters = model.parameters()
        self.tapes: list[Tape] = []
        for row, target in zip(X, targets_for(loss, classes), strict=True):
            score = model(row)
            assert isinstance(score, Value)  # one output unit
            self.tapes.append(Tape(rule(score, target), parameters, watch=[score]))
        self.classes = list(classes)

    def evaluate(self, weights: list[float]) -> tuple[float, float]:
        """(mean loss per point, fraction classified right) at these weights: forward passes only."""
        total, right = 0.0, 0
        for tape, label in zip(self.tapes, self.classes, strict=True):
            total += tape.forward(weights)
            (score,) = tape.watched()
            right += (score > 0.0) == (label > 0)
        return total / len(self.tapes), right / len(self.tapes)

    def gradient(self, weights: list[float], batch: Sequence[int]) -> list[float]:
        """The sum over the points of ``batch`` of d loss / d parameter at these weights."""
        total = [0.0] * len(weights)
        for index in batch:
            _, grads = self.tapes[index].value_and_grad(weights)
            total = list(map(add, total, grads))
        return total


class Trainer:
    """A run in progress: the model, its optimiser, and the tapes of every point."""

    def __init__(self, settings: Settings, data: Data) -> None:
        self.settings = settings
        self.model = make_model(settings)
        self.parameters = self.model.parameters()
        self.train = PointTapes(self.model, settings.loss, data.train_X, data.train_y)
        self.test = PointTapes(self.model, settings.loss, data.test_X, data.test_y)
        self.penalty = Tape(l2_penalty(self.parameters), self.parameters)
        self.summed = LOSSES[settings.loss].reduction == "sum"
        self.optimizer = make_optimizer(settings, self.parameters)
        self.shuffler = random.Random(settings.seed)
        self.order = list(range(len(data.train_X)))
        self.updates = 0

    def retune(self, settings: Settings) -> None:
        """Take the training controls of ``settings`` from the next update on, keeping the weights."""
        if settings.optimizer != self.settings.optimizer:
            self.optimizer = make_optimizer(settings, self.parameters)
        elif (settings.lr, settings.schedule) != (self.settings.lr, self.settings.schedule):
            # A new schedule, but the optimiser keeps its running state (momentum, moments).
            self.optimizer.schedule = make_schedule(settings)
        self.settings = settings

    def weights(self) -> list[float]:
        """The parameters' current values, in ``model.parameters()`` order."""
        return [p.data for p in self.parameters]

    def epoch(self) -> float | None:
        """One pass over the training points in batches, an update after each; the last lr used."""
        n = len(self.order)
        size = n if self.settings.batch_size is None else min(n, self.settings.batch_size)
        if size < n:
            self.shuffler.shuffle(self.order)
        lr: float | None = None
        for start in range(0, n, size):
            batch = self.order[start : start + size]
            weights = self.weights()
            grads = self.train.gradient(weights, batch)
            scale = 1.0 if self.summed else 1.0 / len(batch)
            l2 = self.settings.l2
            penalty = self.penalty.value_and_grad(weights)[1] if l2 else [0.0] * len(weights)
            for parameter, g, p in zip(self.parameters, grads, penalty, strict=True):
                parameter.grad = g * scale + l2 * p
            lr = self.optimizer.step()
            self.updates += 1
        return lr

    def snapshot(self, epoch: int) -> Snapshot:
        """The weights now and the gradient of the last update."""
        return Snapshot(epoch, tuple(self.weights()), tuple(p.grad for p in self.parameters))

    def evaluate(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((train loss, test loss), (train accuracy, test accuracy)) at the current weights."""
        weights = self.weights()
        train_loss, train_accuracy = self.train.evaluate(weights)
        test_loss, test_accuracy = self.test.evaluate(weights)
        return (train_loss, test_loss), (train_accuracy, test_accuracy)
