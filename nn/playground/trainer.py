"""Training a playground's network with ``fit(compiled=True)``'s own machinery: the network and
the loss are recorded once, as one point's graph, when the run starts (``nn.sample_replay``),
and every update replays it over the batch's points with the weights in numpy arrays
(``nn.array_training``), the same code ``fit`` runs, L1's proximal step included. The network
takes the chosen features of each point, computed as columns of the data
(``nn.playground.features``). The training controls a teacher changes while the run plays
(learning rate, schedule, batch size, L1, L2, optimiser) take effect at the next update; the
Values of the model are brought up to date after every epoch, for the pictures.

The numbers are those of ``nn.train_batch`` on the same batches, up to the order in which the
batch's gradients are added (1e-12 relative).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

from autograd_lite import Value

from ..layers import MLP
from ..optim import SGD, Adam, AdamW, Optimizer
from ..sample_losses import SAMPLE_LOSSES
from ..schedules import Constant, InverseTime, LinearDecay, Schedule, StepDecay
from .data import Data, Points, targets_for
from .features import feature_rows
from .history import Snapshot
from .settings import PlaygroundSettings

if TYPE_CHECKING:
    from ..array_training import ArrayTraining
    from ..sample_replay import SampleReplay


def make_model(settings: PlaygroundSettings) -> MLP:
    """The network of a run: an input per feature, the hidden layers, one linear output, weights drawn from the seed."""
    return MLP(len(settings.features), [*settings.hidden, 1], activation=settings.activation, rng=settings.seed)


def make_schedule(settings: PlaygroundSettings) -> Schedule:
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


def make_optimizer(settings: PlaygroundSettings, parameters: Sequence[Value]) -> Optimizer:
    """The optimiser the settings name, with the schedule."""
    schedule = make_schedule(settings)
    if settings.optimizer == "momentum":
        return SGD(parameters, lr=schedule, momentum=0.9)
    if settings.optimizer == "adam":
        return Adam(parameters, lr=schedule)
    if settings.optimizer == "adamw":
        return AdamW(parameters, lr=schedule)
    return SGD(parameters, lr=schedule)


class Trainer:
    """A run in progress: the model, its optimiser, and its recorded replay over the points."""

    def __init__(self, settings: PlaygroundSettings, data: Data) -> None:
        # numpy (the playground extra) is needed from here on; importing nn does not need it.
        from ..array_training import ArrayTraining
        from ..sample_replay import SampleReplay

        self.settings = settings
        self.model = make_model(settings)
        self.parameters = self.model.parameters()
        self.names = [p.label for p in self.parameters]
        train_rows = feature_rows(data.train_X, settings.features)
        self.replay = SampleReplay(self.model, SAMPLE_LOSSES[settings.loss], train_rows[0])
        self.train = _Points(self.replay, settings, train_rows, data.train_y)
        self.test = _Points(self.replay, settings, feature_rows(data.test_X, settings.features), data.test_y)
        self.optimizer = make_optimizer(settings, self.parameters)
        self.training = ArrayTraining(
            self.replay, self.train.columns, self.train.targets, self.optimizer, l2=settings.l2, l1=settings.l1
        )
        self.shuffler = random.Random(settings.seed)
        self.order = list(range(len(data.train_X)))
        self.updates = 0

    def retune(self, settings: PlaygroundSettings) -> None:
        """Take the training controls of ``settings`` from the next update on, keeping the weights."""
        if settings.optimizer != self.settings.optimizer:
            self.optimizer = make_optimizer(settings, self.parameters)
            self.training.optimizer = self.optimizer
        elif (settings.lr, settings.schedule) != (self.settings.lr, self.settings.schedule):
            # A new schedule, but the optimiser keeps its running state (momentum, moments).
            self.optimizer.schedule = make_schedule(settings)
        self.training.l2 = settings.l2
        self.training.l1 = settings.l1
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
        training = self.training
        training.begin()
        lr: float | None = None
        try:
            for start in range(0, n, size):
                lr = training.update(None if size == n else self.order[start : start + size]).lr
                self.updates += 1
        finally:
            training.sync()
        return lr

    def snapshot(self, epoch: int) -> Snapshot:
        """The weights now and the gradient of the last update."""
        return Snapshot(epoch, tuple(self.weights()), tuple(p.grad for p in self.parameters))

    def set_weight(self, name: str, value: float) -> None:
        """Give the parameter labelled ``name`` (such as 'L0.N3.w1') the value ``value``, from the next update on."""
        self.parameters[self.names.index(name)].data = value

    def evaluate(self) -> tuple[tuple[float, float], tuple[float | None, float | None]]:
        """((train loss, test loss), (train accuracy, test accuracy)) at the current weights;
        the accuracies are None for a regression set."""
        self.training.begin()
        train_loss, train_accuracy = self.train.evaluate(self.training)
        test_loss, test_accuracy = self.test.evaluate(self.training)
        return (train_loss, test_loss), (train_accuracy, test_accuracy)


class _Points:
    """One set of points (training or test) as the replay's rows (their features, then their
    targets), with their classes."""

    def __init__(self, replay: SampleReplay, settings: PlaygroundSettings, rows: Points, labels: Sequence[float]) -> None:
        self.targets = targets_for(settings.loss, labels)
        self.columns = replay.columns(rows, self.targets, "Playground")
        self.positive = None if settings.regression else [label > 0 for label in labels]

    def evaluate(self, training: ArrayTraining) -> tuple[float, float | None]:
        """(mean loss per point, fraction classified right or None for regression): forward passes only."""
        losses, outputs = training.evaluate(self.columns)
        if self.positive is None:
            return float(losses.mean()), None
        right = sum((score > 0.0) == positive for score, positive in zip(outputs[:, 0].tolist(), self.positive, strict=True))
        return float(losses.mean()), right / len(self.positive)
