"""Train a model with ``fit``: online, mini-batch or full-batch gradient descent, with early
stopping on a loss tolerance, random restarts, a progress bar and callbacks.

``fit`` returns a ``History`` of per-epoch loss, accuracy, learning rate and per-layer gradient
magnitudes (mean and max |grad|), which ``nn.plots`` turns into charts. One update is
``train_batch``: forward every sample of the batch, the loss, backward, one optimiser step.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_lite.collector import collector_relaxed

from .checks import check_count, check_positive
from .compiled import compile_training
from .losses import Loss, LossFn, resolve_loss
from .metrics import check_rule, infer_rule
from .module import Module
from .optim import Optimizer
from .updates import BatchResult, EagerUpdates, Updates, train_batch

__all__ = ["BatchResult", "Callback", "History", "fit", "train_batch"]


@dataclass
class History:
    """What happened in training, one entry per epoch.

    ``accuracy`` holds None entries when the targets are not class labels. ``grad_mean`` and
    ``grad_max`` map each layer (``layers.0``, or ``units.h`` in a Network) to the mean and max
    |grad| of its parameters: the mean over the epoch's updates, and the max over them.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    grad_mean: dict[str, list[float]] = field(default_factory=dict)
    grad_max: dict[str, list[float]] = field(default_factory=dict)
    stop_reason: str = "epochs"
    """'epochs' (all of them ran), 'tol' (the loss stopped changing) or 'callback'."""
    restart_losses: list[float] = field(default_factory=list)
    """The final loss of every restart; the model keeps the weights of the best one."""
    best_restart: int = 0
    epoch_seconds: list[float] = field(default_factory=list)
    """The wall-clock time of each epoch (its updates, not the callbacks after it)."""
    setup_seconds: float = 0.0
    """The time ``fit`` spent before the first epoch (recording the replay of ``compiled=True``)."""

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.loss)


Callback = Callable[[int, History], "bool | None"]
"""Called after every epoch with (epoch index, history so far); returning True stops training."""


class _GradientMeter:
    """Per-layer mean and max |grad| over the updates of one epoch."""

    def __init__(self, groups: list[str]) -> None:
        self.groups = groups
        self.start_epoch()

    def start_epoch(self) -> None:
        self.updates = 0
        self.mean_sum = dict.fromkeys(self.groups, 0.0)
        self.max = dict.fromkeys(self.groups, 0.0)

    def record(self, sizes: dict[str, tuple[float, float]]) -> None:
        self.updates += 1
        for name, (mean, largest) in sizes.items():
            self.mean_sum[name] += mean
            self.max[name] = max(self.max[name], largest)

    def finish_epoch(self, history: History) -> None:
        for name in self.groups:
            history.grad_mean.setdefault(name, []).append(self.mean_sum[name] / max(1, self.updates))
            history.grad_max.setdefault(name, []).append(self.max[name])


@dataclass
class _Settings:
    loss: Loss
    optimizer: Optimizer
    epochs: int
    batch_size: int
    shuffle: bool
    tol: float | None
    progress: bool
    callbacks: list[Callback]
    rule: str | None
    updates: Updates


def _check_data(X: Sequence[Sequence[float]], y: Sequence[Any]) -> int:
    for name, data in (("X", X), ("y", y)):
        if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
            raise TypeError(f"fit: {name} must be a list, got {type(data).__name__}")
    if not X or len(X) != len(y):
        raise ValueError(f"fit: X has {len(X)} rows and y has {len(y)} targets; they must match and not be empty")
    return len(X)


def _accuracy_rule(spec: str | None, loss: Loss, y: Sequence[Any]) -> str | None:
    if check_rule(spec, "fit") != "auto":
        return spec
    if loss.accuracy != "auto":
        return loss.accuracy
    return infer_rule(y)


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    *,
    loss: str | Loss | LossFn,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    tol: float | None = None,
    restarts: int = 1,
    progress: bool = True,
    callbacks: Iterable[Callback] = (),
    l2: float = 0.0,
    l1: float = 0.0,
    accuracy: str | None = "auto",
    compiled: bool = False,
) -> History:
    """Train ``model`` on (X, y) and return the History of the best run.

    ``batch_size=None`` is full batch, 1 is online (an update after every sample), k is
    mini-batch; the loss defines whether a batch's gradients are summed (sse) or averaged. The
    epoch loss is the sum of the batch losses for a summed loss and their size-weighted mean
    otherwise, each taken before its update. ``tol`` stops once |L_new - L_old| < tol.
    ``restarts=n`` trains n times, the first from the current weights and each later run from
    weights drawn again, and keeps the run with the lowest final loss. ``l2`` adds
    l2 * sum p**2 to every batch's loss. ``l1`` adds l1 * sum |p| to the loss reported and
    minimises it by the proximal step after every update: each parameter the optimiser updates
    moves lr * l1 toward 0 and stops at exactly 0 rather than cross it
    (``nn.losses.soft_threshold``), so L1 makes weights exactly zero. ``accuracy`` is a rule of
    ``nn.metrics``, None, or 'auto' (the loss's rule, or one inferred from the targets).
    ``seed`` fixes the shuffles and the re-draws.

    ``compiled=True`` records the model once and replays every update with numpy
    (``nn.compiled``): eager's numbers to about 1e-12 relative, many times faster. Meanwhile the
    weights live in numpy arrays: the model's Values receive the weights and gradients at the end
    of ``fit`` and before each callback (which may change them), and an error or
    KeyboardInterrupt leaves them at the last completed update. When a replay cannot be proved
    right it says why in a ``ReplayFallback`` warning and does the sure thing: Python read a
    number of a Value while the model was recorded (the warning names the line), so ``fit``
    trains eagerly; numpy is missing or the loss is one of your own, so the full batch replays
    with a float Tape (full batch only; eagerly otherwise).

    Training runs inside ``collector_relaxed()``: the graphs it builds hold no reference cycles,
    so Python's cyclic garbage collector is asked to run less often meanwhile.
    """
    n = _check_data(X, y)
    check_count(epochs, "epochs", "fit")
    size = n if batch_size is None else min(n, check_count(batch_size, "batch_size", "fit"))
    check_count(restarts, "restarts", "fit")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be an nn.optim Optimizer, got {type(optimizer).__name__}")
    loss_fn = resolve_loss(loss)
    l2 = check_positive(l2, "l2", "fit", allow_zero=True)
    l1 = check_positive(l1, "l1", "fit", allow_zero=True)
    tol = None if tol is None else check_positive(tol, "tol", "fit")
    rule = _accuracy_rule(accuracy, loss_fn, y)
    with collector_relaxed():
        started = time.perf_counter()
        updates = compile_training(model, X, y, loss_fn, optimizer, l2=l2, l1=l1, rule=rule, full_batch=size == n) if compiled else None
        setup_seconds = time.perf_counter() - started
        settings = _Settings(
            loss=loss_fn,
            optimizer=optimizer,
            epochs=epochs,
            batch_size=size,
            shuffle=bool(shuffle),
            tol=tol,
            progress=bool(progress),
            callbacks=list(callbacks),
            rule=rule,
            updates=updates or EagerUpdates(model, X, y, loss_fn, optimizer, l2=l2, l1=l1, rule=rule),
        )
        history = _best_of_restarts(model, n, settings, restarts, seed)
    history.setup_seconds = setup_seconds
    return history


def _best_of_restarts(
    model: Module, n: int, settings: _Settings, restarts: int, seed: int | None
) -> History:
    """Train ``restarts`` times (each later run from weights drawn again); keep the best run's weights."""
    optimizer = settings.optimizer
    rng = random.Random(seed)
    params = model.parameters()
    best: tuple[float, list[float], History] | None = None
    finals: list[float] = []
    for run in range(restarts):
        if run:
            model.reset_parameters(rng)
            optimizer.reset()
        history = _train_run(model, n, settings, rng, f"run {run + 1}/{restarts}" if restarts > 1 else "fit")
        history.best_restart = run
        final = history.loss[-1]
        finals.append(final)
        if best is None or final < best[0] or (math.isnan(best[0]) and not math.isnan(final)):
            best = (final, [p.data for p in params], history)
    assert best is not None
    _, weights, history = best
    for param, weight in zip(params, weights, strict=True):
        param.data = weight
    history.restart_losses = finals
    return history


def _open_bar(total: int, enabled: bool, description: str) -> Any:
    """A tqdm bar, or None when disabled or tqdm is not installed (it is in the 'plot' extra)."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=description, leave=True)


def _train_run(
    model: Module, n: int, settings: _Settings, rng: random.Random, name: str
) -> History:
    history = History()
    updates = settings.updates
    meter = _GradientMeter(list(model.parameter_groups()))
    order = list(range(n))
    summed = settings.loss.reduction == "sum"
    bar = _open_bar(settings.epochs, settings.progress, name)
    updates.begin()
    try:
        for epoch in range(settings.epochs):
            started = time.perf_counter()
            shuffled = settings.shuffle and settings.batch_size < n
            if shuffled:
                rng.shuffle(order)
            meter.start_epoch()
            epoch_loss, correct, lr = 0.0, 0, 0.0
            for start in range(0, n, settings.batch_size):
                batch = order[start : start + settings.batch_size]
                # The whole data in its own order is every sample: the updates need not pick rows.
                result = updates.update(None if len(batch) == n and not shuffled else batch)
                meter.record(result.grad_sizes)
                epoch_loss += result.loss if summed else result.loss * len(batch) / n
                lr = result.lr
                correct += result.correct
            history.epoch_seconds.append(time.perf_counter() - started)
            history.loss.append(epoch_loss)
            history.accuracy.append(None if settings.rule is None else correct / n)
            history.lr.append(lr)
            meter.finish_epoch(history)
            if bar is not None:
                shown = {"loss": f"{epoch_loss:.4g}"}
                if settings.rule is not None:
                    shown["acc"] = f"{correct / n:.1%}"
                bar.set_postfix(shown, refresh=False)
                bar.update()
            if settings.tol is not None and epoch and abs(history.loss[-1] - history.loss[-2]) < settings.tol:
                history.stop_reason = "tol"
                break
            if settings.callbacks:
                # A callback may read or change the Values (weights, gradients): bring them up to date first.
                updates.sync()
                verdicts = [callback(epoch, history) for callback in settings.callbacks]
                updates.begin()
                if any(verdicts):
                    history.stop_reason = "callback"
                    break
    finally:
        updates.sync()
        if bar is not None:
            bar.close()
    return history
