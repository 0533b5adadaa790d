"""The points a playground learns: a built-in data set or the user's own ``(X, y)``, split into
training and test points by the seed, with the part of the plane every picture shows.

Classes are kept as -1 and +1 whatever the user's labels were (the first label in sorted order
is -1), and each loss gets the targets it wants: -1/+1 for hinge, mse and sse, 0/1 for binary
cross-entropy. A point is classified +1 when the network's output is above 0 under every loss.

Besides ``nn.datasets``' four, the playground has TensorFlow Playground's other sets, drawn to
the same scale as ours (the plane about [-1, 1] on each axis): ``gaussian``, two round blobs
(class +1 around (0.5, 0.5), -1 around (-0.5, -0.5), standard deviation 0.15 + noise), and
two regression sets whose target is a number in [-1, 1]: ``plane``, (x1 + x2) / 2, and
``multi_gaussian``, six bumps of height +-1 and radius 1/3 in two rows. The regression points
are uniform over [-1, 1]^2; their noise moves the place where the target is read by a normal
step of standard deviation ``noise``, as noise moves the classification points.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autograd_lite.text import describe, shorten

from ..checks import real_number
from ..datasets import make_circles, make_moons, make_spirals, make_xor
from ..initializers import Sampler
from .settings import CUSTOM, MAX_POINTS, WHERE, PlaygroundSettings

Points = list[list[float]]


@dataclass(frozen=True)
class Data:
    """Training and test points (rows of two floats) with classes -1/+1 (or a regression
    set's numbers), and the plane shown."""

    train_X: Points
    train_y: list[float]
    test_X: Points
    test_y: list[float]
    extent: tuple[float, float, float, float]
    """(x1 min, x1 max, x2 min, x2 max): fixed for the run, so pictures never jump."""
    class_names: tuple[str, str]
    """How the user's labels read, for the legend: the class shown as -1, then +1."""


@dataclass(frozen=True)
class CustomPoints:
    """The user's own points, checked: rows of two finite floats and their classes as -1/+1."""

    X: Points
    y: list[int]
    class_names: tuple[str, str]


def check_custom(X: object, y: object) -> CustomPoints:
    """The user's ``X`` (rows of two numbers) and ``y`` (two distinct labels), or an error naming them."""
    for name, value in (("X", X), ("y", y)):
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise TypeError(f"{WHERE}: {name} must be a list, got {type(value).__name__}")
    assert isinstance(X, Sequence) and isinstance(y, Sequence)
    if len(X) != len(y):
        raise ValueError(f"{WHERE}: X has {len(X)} rows and y has {len(y)} labels; they must match")
    if not 4 <= len(X) <= MAX_POINTS:
        raise ValueError(f"{WHERE}: X must have from 4 to {MAX_POINTS} rows, got {len(X)}")
    rows: Points = []
    for index, row in enumerate(X):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or len(row) != 2:
            raise ValueError(f"{WHERE}: X[{index}] must be a point of two numbers, got {describe(row)}")
        point = []
        for number in row:
            coordinate = real_number(number)
            if coordinate is None or not math.isfinite(coordinate):
                raise ValueError(f"{WHERE}: X[{index}] must hold two finite numbers, got {describe(number)}")
            point.append(coordinate)
        rows.append(point)
    labels = _two_labels(y)
    sign = {labels[0]: -1, labels[1]: 1}
    return CustomPoints(rows, [sign[label] for label in y], (_class_name(labels[0]), _class_name(labels[1])))


def _two_labels(y: Sequence[object]) -> list[object]:
    """The two different labels in ``y``, smaller first (numbers by value, anything else by its repr, shortened)."""
    try:
        distinct = set(y)
    except TypeError:
        raise TypeError(f"{WHERE}: y must hold labels such as 0 and 1 or 'a' and 'b', got {describe(y)}") from None
    try:
        labels = sorted(distinct)  # type: ignore[type-var]  # mixed types fall back to repr below
    except TypeError:
        labels = sorted(distinct, key=describe)
    if len(labels) != 2:
        raise ValueError(f"{WHERE}: y must hold exactly two different labels, got {len(labels)}: {describe(labels)}")
    return labels


def _class_name(label: object) -> str:
    """How a class reads in the legend: its text, shortened (a 5,000-digit label by its length)."""
    try:
        return shorten(str(label))
    except ValueError:  # str() refuses an int of more than 4,300 digits
        return describe(label)


BUMPS = (
    (-2 / 3, 5 / 12, 1), (0.0, 5 / 12, -1), (2 / 3, 5 / 12, 1),
    (-2 / 3, -5 / 12, -1), (0.0, -5 / 12, 1), (2 / 3, -5 / 12, -1),
)  # fmt: skip
"""multi_gaussian's bumps: (centre x1, centre x2, sign), three in a row above the x1 axis, three below."""
BUMP_RADIUS = 1 / 3


def plane_target(x1: float, x2: float) -> float:
    """The plane set's target: (x1 + x2) / 2."""
    return (x1 + x2) / 2


def bumps_target(x1: float, x2: float) -> float:
    """The multi-gaussian set's target: of the six bumps sign * max(0, 1 - distance / radius), the largest in size."""
    heights = [sign * max(0.0, 1.0 - math.hypot(x1 - cx, x2 - cy) / BUMP_RADIUS) for cx, cy, sign in BUMPS]
    return max(heights, key=abs)


def make_gaussian(n: int, noise: float, seed: int) -> tuple[Points, list[int]]:
    """Two round blobs: class +1 around (0.5, 0.5) and -1 around (-0.5, -0.5), deviation 0.15 + noise."""
    sampler = random.Random(seed)
    spread = 0.15 + noise
    X: Points = []
    y: list[int] = []
    for index in range(n):
        label = 1 if index % 2 else -1
        X.append([label * 0.5 + sampler.gauss(0.0, spread), label * 0.5 + sampler.gauss(0.0, spread)])
        y.append(label)
    return X, y


def make_regression(n: int, noise: float, seed: int, target: Callable[[float, float], float]) -> tuple[Points, list[float]]:
    """Points uniform over [-1, 1]^2, each with the target read at a place moved by noise."""
    sampler = random.Random(seed)
    X: Points = []
    y: list[float] = []
    for _ in range(n):
        x1, x2 = sampler.uniform(-1.0, 1.0), sampler.uniform(-1.0, 1.0)
        shift = (sampler.gauss(0.0, noise), sampler.gauss(0.0, noise)) if noise else (0.0, 0.0)
        X.append([x1, x2])
        y.append(target(x1 + shift[0], x2 + shift[1]))
    return X, y


def generate(settings: PlaygroundSettings) -> tuple[Points, Sequence[float]]:
    """The built-in data set the settings name, with classes -1/+1 (or a regression set's numbers)."""
    n, noise, seed = settings.n_points, settings.noise, settings.seed
    if settings.dataset == "moons":
        return make_moons(n, noise=noise, seed=seed)
    if settings.dataset == "circles":
        return make_circles(n, noise=noise, seed=seed)
    if settings.dataset == "xor":
        return make_xor(n, noise=noise, seed=seed)
    if settings.dataset == "spirals":
        return make_spirals(n, noise=noise, seed=seed)
    if settings.dataset == "gaussian":
        return make_gaussian(n, noise, seed)
    if settings.dataset == "plane":
        return make_regression(n, noise, seed, plane_target)
    if settings.dataset == "multi_gaussian":
        return make_regression(n, noise, seed, bumps_target)
    raise ValueError(f"{WHERE}: dataset {settings.dataset!r} needs your own points: Playground(dataset=(X, y))")


def _extent(X: Points) -> tuple[float, float, float, float]:
    bounds: list[float] = []
    for axis in (0, 1):
        low = min(row[axis] for row in X)
        high = max(row[axis] for row in X)
        # A margin around the points, so the boundary can be seen bending past the outermost ones.
        pad = max(0.1 * (high - low), 0.25)
        bounds.extend((low - pad, high + pad))
    return bounds[0], bounds[1], bounds[2], bounds[3]


def make_data(settings: PlaygroundSettings, custom: CustomPoints | None) -> Data:
    """The run's points: generated (or the user's), shuffled by the seed, then split."""
    if settings.dataset == CUSTOM:
        if custom is None:
            raise ValueError(f"{WHERE}: dataset 'custom' needs your own points: Playground(dataset=(X, y))")
        X, names = custom.X, custom.class_names
        y: Sequence[float] = custom.y
    else:
        X, y = generate(settings)
        names = ("-1", "+1")
    order = list(range(len(X)))
    sampler: Sampler = random.Random(settings.seed)
    sampler.shuffle(order)
    n_test = min(len(X) - 1, max(1, round(len(X) * settings.test_fraction)))
    test, train = order[:n_test], order[n_test:]
    return Data(
        train_X=[X[i] for i in train],
        train_y=[y[i] for i in train],
        test_X=[X[i] for i in test],
        test_y=[y[i] for i in test],
        extent=_extent(X),
        class_names=names,
    )


def targets_for(loss: str, classes: Sequence[float]) -> list[float]:
    """What ``loss`` wants for classes -1/+1: 0/1 for binary cross-entropy, else the classes
    (and a regression set's numbers as they are)."""
    if loss == "binary_cross_entropy":
        return [1.0 if c > 0 else 0.0 for c in classes]
    return [float(c) for c in classes]
