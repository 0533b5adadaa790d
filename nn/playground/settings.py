"""Every control of the playground, checked in one place: ``PlaygroundSettings`` holds the data
set, the input features, the network, the loss, how it is trained and how it is shown, and
``PlaygroundSettings.changed(**controls)`` makes a new one, refusing a bad value with an error
that names the control and the value.

Controls fall in three kinds. Changing what the run *is* (data, features, network, loss, seed)
starts it again from the seed's initial weights; changing how it is *trained* (learning rate,
schedule, batch size, L1, L2, optimiser) takes effect at the next update and keeps the weights;
changing how it is *shown* (test points, discretised output) only redraws it.

The data sets are classification (two classes, -1 and +1) or regression (a number per point,
learned with a squared error): a regression set needs the loss 'mse' or 'sse', and choosing
one without naming a loss picks 'mse' (and a classification set 'hinge', when the loss in use
does not fit it).
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

from autograd_lite.text import describe

from ..checks import check_count, check_positive, check_range
from .features import FEATURES

CLASSIFICATION_SETS = ("moons", "circles", "xor", "spirals", "gaussian")
REGRESSION_SETS = ("plane", "multi_gaussian")
DATASETS = CLASSIFICATION_SETS + REGRESSION_SETS
"""The built-in data sets; a run on the user's own points has dataset ``"custom"``."""
CUSTOM = "custom"
ACTIVATIONS = ("tanh", "relu", "sigmoid", "leaky_relu", "linear")
LOSSES = ("hinge", "mse", "sse", "binary_cross_entropy")
REGRESSION_LOSSES = ("mse", "sse")
"""The losses a regression set takes: squared errors."""
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

RESTART_CONTROLS = frozenset(
    {"dataset", "n_points", "noise", "test_fraction", "features", "hidden", "activation", "loss", "seed"}
)
"""Controls that define the run: changing one starts again from the seed's initial weights."""
TRAINING_CONTROLS = frozenset({"lr", "schedule", "batch_size", "l1", "l2", "optimizer"})
"""Controls that change how the next updates are made, keeping the weights."""

WHERE = "Playground"


def _choice(value: object, name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{WHERE}: {name} must be one of {listed}, got {describe(value)}")
    return value


def is_regression(dataset: str) -> bool:
    """Whether the data set asks for a number per point (else it asks for one of two classes)."""
    return dataset in REGRESSION_SETS


def default_loss(dataset: str) -> str:
    """The loss a data set starts with: 'mse' for regression, 'hinge' for two classes."""
    return "mse" if is_regression(dataset) else "hinge"


def parse_features(value: object) -> tuple[str, ...]:
    """Input features from a list of names or text such as ``"x1, x2, sin(x1)"``, in the order of ``FEATURES``."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (bytes, bytearray)) or not isinstance(value, Sequence):
        raise TypeError(f"{WHERE}: features must be a list of feature names, got {type(value).__name__}")
    if len(value) > len(FEATURES):
        raise ValueError(f"{WHERE}: features may name at most {len(FEATURES)} features, got {len(value)}")
    for name in value:
        if not isinstance(name, str) or name not in FEATURES:
            listed = ", ".join(repr(feature) for feature in FEATURES)
            raise ValueError(f"{WHERE}: features must be chosen from {listed}, got {describe(name)}")
    if len(set(value)) != len(value):
        raise ValueError(f"{WHERE}: features names a feature twice: {describe(list(value))}")
    if not value:
        raise ValueError(f"{WHERE}: features must name at least one input, got none")
    return tuple(name for name in FEATURES if name in value)


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{WHERE}: {name} must be True or False, got {type(value).__name__} {describe(value)}")
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
class PlaygroundSettings:
    """One playground run: what it learns, from which features, with which network, how it is
    trained and how it is shown."""

    dataset: str = "moons"
    n_points: int = 200
    noise: float = 0.1
    test_fraction: float = 0.25
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    loss: str = "hinge"
    lr: float = 0.1
    schedule: str = "constant"
    batch_size: int | None = 10
    l1: float = 0.0
    l2: float = 0.0
    optimizer: str = "sgd"
    seed: int = 0
    show_test_data: bool = True
    discretize: bool = False

    def __post_init__(self) -> None:
        fix = object.__setattr__
        fix(self, "dataset", _choice(self.dataset, "dataset", (*DATASETS, CUSTOM)))
        count = check_count(self.n_points, "n_points", WHERE)
        if not 4 <= count <= MAX_POINTS:
            raise ValueError(f"{WHERE}: n_points must be from 4 to {MAX_POINTS}, got {describe(count)}")
        fix(self, "n_points", count)
        fix(self, "noise", check_range(self.noise, "noise", WHERE, 0.0, 1.0, high_open=False))
        fix(self, "test_fraction", check_range(self.test_fraction, "test_fraction", WHERE, 0.1, 0.9, high_open=False))
        fix(self, "features", parse_features(self.features))
        fix(self, "hidden", parse_hidden(self.hidden))
        fix(self, "activation", _choice(self.activation, "activation", ACTIVATIONS))
        if self.loss == "cross_entropy":
            raise ValueError(
                f"{WHERE}: loss 'cross_entropy' needs one output per class; the playground's network has one "
                "output, so use 'binary_cross_entropy'"
            )
        fix(self, "loss", _choice(self.loss, "loss", LOSSES))
        if is_regression(self.dataset) and self.loss not in REGRESSION_LOSSES:
            raise ValueError(
                f"{WHERE}: loss {self.loss!r} is for two classes; the regression data set {self.dataset!r} "
                "takes 'mse' or 'sse'"
            )
        lr = check_positive(self.lr, "lr", WHERE)
        if lr > MAX_LR:
            raise ValueError(f"{WHERE}: lr must be at most {MAX_LR}, got {describe(self.lr)}")
        fix(self, "lr", lr)
        fix(self, "schedule", _choice(self.schedule, "schedule", SCHEDULES))
        fix(self, "batch_size", parse_batch_size(self.batch_size))
        fix(self, "l1", check_positive(self.l1, "l1", WHERE, allow_zero=True))
        fix(self, "l2", check_positive(self.l2, "l2", WHERE, allow_zero=True))
        fix(self, "optimizer", _choice(self.optimizer, "optimizer", OPTIMIZERS))
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise TypeError(f"{WHERE}: seed must be an int, got {type(self.seed).__name__} {describe(self.seed)}")
        if abs(int(self.seed)) > MAX_SEED:
            raise ValueError(f"{WHERE}: seed must be an int from {-MAX_SEED} to {MAX_SEED}, got {describe(self.seed)}")
        fix(self, "seed", int(self.seed))
        fix(self, "show_test_data", _flag(self.show_test_data, "show_test_data"))
        fix(self, "discretize", _flag(self.discretize, "discretize"))

    @property
    def regression(self) -> bool:
        """Whether the run learns a number per point (its loss a squared error) rather than two classes."""
        return is_regression(self.dataset)

    @property
    def sizes(self) -> tuple[int, ...]:
        """The network's layer sizes, inputs first: (features, *hidden, 1)."""
        return (len(self.features), *self.hidden, 1)

    def changed(self, **controls: object) -> PlaygroundSettings:
        """These settings with some controls changed; an unknown control name is an error. A new
        data set given without a loss keeps the loss if it fits the set, else takes the set's own
        (as ``loss=None`` does)."""
        known = {f.name for f in dataclasses.fields(self)}
        for name in controls:
            if name not in known:
                raise TypeError(f"{WHERE}: unknown control {describe(name)}; the controls are {', '.join(sorted(known))}")
        dataset = controls.get("dataset")
        if "loss" in controls and controls["loss"] is None:  # the data set's own loss
            controls["loss"] = default_loss(dataset if isinstance(dataset, str) else self.dataset)
        elif "loss" not in controls and isinstance(dataset, str) and dataset != self.dataset:
            fits = self.loss in REGRESSION_LOSSES or not is_regression(dataset)
            controls["loss"] = self.loss if fits else default_loss(dataset)
        return dataclasses.replace(self, **controls)  # type: ignore[arg-type]  # each field checks its own type

    def restarts_for(self, new: PlaygroundSettings) -> bool:
        """Whether going from these settings to ``new`` changes the run itself (so it starts again)."""
        return any(getattr(self, name) != getattr(new, name) for name in RESTART_CONTROLS)


def learning_rate_note(settings: PlaygroundSettings) -> str:
    """The schedule in words, for the status line and the saved page."""
    lr = settings.lr
    notes = {
        "constant": f"lr {lr:g}",
        "linear": f"lr {lr:g} falling to {lr / 10:g} over 1000 updates",
        "inverse_time": f"lr {lr:g}·100/(100 + m) at update m",
        "step": f"lr {lr:g} halved every 500 updates",
    }
    return notes[settings.schedule]

