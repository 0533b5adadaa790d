"""Every control of the playground, checked in one place: ``Settings`` holds the data set, the
network, the loss and how it is trained, and ``Settings.changed(**controls)`` makes a new one,
refusing a bad value with an error that names the control and the value.

Controls fall in two kinds. Changing what the run *is* (data, network, loss, seed) starts it
again from the seed's initial weights; changing how it is *trained* (learning rate, schedule,
batch size, L2, optimiser) takes effect at the next update and keeps the weights.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

from autograd_lite.text import describe

from ..checks import check_count, check_positive, check_range

DATASETS = ("moons", "circles", "xor", "spirals")
"""The built-in data sets; a run on the user's own points has dataset ``"custom"``."""
CUSTOM = "custom"
ACTIVATIONS = ("tanh", "relu", "sigmoid", "leaky_relu", "linear")
LOSSES = ("hinge", "mse", "sse", "binary_cross_entropy")
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")
SCHEDULES = ("constant", "linear", "inverse_time", "step")
BATCH_NAMES = {"online": 1, "full": None}
"""``batch_size`` by name: one sample per update, or every training point."""

MAX_LAYERS = 6
MAX_WIDTH = 16
MAX_POINTS = 2000
MAX_LR = 10.0
MAX_SEED = 2**53
"""Seeds a browser's number field holds exactly (JavaScript numbers are doubles)."""

RESTART_CONTROLS = frozenset({"dataset", "n_points", "noise", "test_fraction", "hidden", "activation", "loss", "seed"})
"""Controls that define the run: changing one starts again from the seed's initial weights."""
TRAINING_CONTROLS = frozenset({"lr", "schedule", "batch_size", "l2", "optimizer"})
"""Controls that change how the next updates are made, keeping the weights."""

WHERE = "Playground"


def _choice(value: object, name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{WHERE}: {name} must be one of {listed}, got {describe(value)}")
    return value


def parse_hidden(value: object) -> tuple[int, ...]:
    """Hidden layer widths from a list of ints or text such as ``"8, 8"`` (empty: no hidden layer)."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]
        try:
            value = [int(part) for part in parts]
        except ValueError:
            raise ValueError(f"{WHERE}: hidden must be layer widths such as '8, 8', got {describe(value)}") from None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, (bytes, bytearray)) or not isinstance(value, Sequence):
        raise TypeError(f"{WHERE}: hidden must be a list of layer widths, got {type(value).__name__}")
    if len(value) > MAX_LAYERS:
        raise ValueError(f"{WHERE}: hidden may have at most {MAX_LAYERS} layers, got {len(value)}")
    widths = tuple(check_count(width, "hidden (every layer width)", WHERE) for width in value)
    for width in widths:
        if width > MAX_WIDTH:
            raise ValueError(f"{WHERE}: hidden layers may be at most {MAX_WIDTH} units wide, got {describe(width)}")
    return widths


def parse_batch_size(value: object) -> int | None:
    """An int from 1 to ``MAX_POINTS``, None or ``"full"`` for full batch, ``"online"`` for 1."""
    if value is None:
        return None
    if isinstance(value, str):
        if value not in BATCH_NAMES:
            raise ValueError(f"{WHERE}: batch_size must be a positive int, 'online', 'full' or None, got {describe(value)}")
        return BATCH_NAMES[value]
    size = check_count(value, "batch_size", WHERE)
    if size > MAX_POINTS:
        # No data set is larger, so no batch need be (the control stops there too).
        raise ValueError(f"{WHERE}: batch_size must be at most {MAX_POINTS} or 'full', got {describe(size)}")
    return size


@dataclass(frozen=True)
class Settings:
    """One playground run: what it learns, with which network, and how it is trained."""

    dataset: str = "moons"
    n_points: int = 200
    noise: float = 0.1
    test_fraction: float = 0.25
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    loss: str = "hinge"
    lr: float = 0.1
    schedule: str = "constant"
    batch_size: int | None = 10
    l2: float = 0.0
    optimizer: str = "sgd"
    seed: int = 0

    def __post_init__(self) -> None:
        fix = object.__setattr__
        fix(self, "dataset", _choice(self.dataset, "dataset", (*DATASETS, CUSTOM)))
        count = check_count(self.n_points, "n_points", WHERE)
        if not 4 <= count <= MAX_POINTS:
            raise ValueError(f"{WHERE}: n_points must be from 4 to {MAX_POINTS}, got {describe(count)}")
        fix(self, "n_points", count)
        fix(self, "noise", check_range(self.noise, "noise", WHERE, 0.0, 1.0, high_open=False))
        fix(self, "test_fraction", check_range(self.test_fraction, "test_fraction", WHERE, 0.1, 0.9, high_open=False))
        fix(self, "hidden", parse_hidden(self.hidden))
        fix(self, "activation", _choice(self.activation, "activation", ACTIVATIONS))
        if self.loss == "cross_entropy":
            raise ValueError(
                f"{WHERE}: loss 'cross_entropy' needs one output per class; the playground's network has one "
                "output, so use 'binary_cross_entropy'"
            )
        fix(self, "loss", _choice(self.loss, "loss", LOSSES))
        lr = check_positive(self.lr, "lr", WHERE)
        if lr > MAX_LR:
            raise ValueError(f"{WHERE}: lr must be at most {MAX_LR}, got {describe(self.lr)}")
        fix(self, "lr", lr)
        fix(self, "schedule", _choice(self.schedule, "schedule", SCHEDULES))
        fix(self, "batch_size", parse_batch_size(self.batch_size))
        fix(self, "l2", check_positive(self.l2, "l2", WHERE, allow_zero=True))
        fix(self, "optimizer", _choice(self.optimizer, "optimizer", OPTIMIZERS))
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise TypeError(f"{WHERE}: seed must be an int, got {type(self.seed).__name__} {describe(self.seed)}")
        if abs(self.seed) > MAX_SEED:
            raise ValueError(f"{WHERE}: seed must be an int from {-MAX_SEED} to {MAX_SEED}, got {describe(self.seed)}")
        fix(self, "seed", int(self.seed))

    def changed(self, **controls: object) -> Settings:
        """These settings with some controls changed; an unknown control name is an error."""
        known = {f.name for f in dataclasses.fields(self)}
        for name in controls:
            if name not in known:
                raise TypeError(f"{WHERE}: unknown control {describe(name)}; the controls are {', '.join(sorted(known))}")
        return dataclasses.replace(self, **controls)  # type: ignore[arg-type]  # each field checks its own type

    def restarts_for(self, new: Settings) -> bool:
        """Whether going from these settings to ``new`` changes the run itself (so it starts again)."""
        return any(getattr(self, name) != getattr(new, name) for name in RESTART_CONTROLS)


def learning_rate_note(settings: Settings) -> str:
    """The schedule in words, for the status line and the saved page."""
    lr = settings.lr
    notes = {
        "constant": f"lr {lr:g}",
        "linear": f"lr {lr:g} falling to {lr / 10:g} over 1000 updates",
        "inverse_time": f"lr {lr:g}·100/(100 + m) at update m",
        "step": f"lr {lr:g} halved every 500 updates",
    }
    return notes[settings.schedule]

