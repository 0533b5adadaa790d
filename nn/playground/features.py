"""The input features a playground's network may take, as TensorFlow Playground offers them:
x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2), each computed from a point (x1, x2) of the plane.

They are columns of the data, computed before the network sees a point, never inside the
network: the recorded graph of one point is the same for every point (``nn.sample_replay``),
and Python reads no number while it is recorded. Each formula is written once and runs on
plain floats (the training points, one point's graph) and on numpy arrays (the heat maps).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
"""Every feature, in the order the network takes them."""

Formula = Callable[[Any, Any, Callable[[Any], Any]], Any]

FORMULAS: dict[str, Formula] = {
    "x1": lambda x1, x2, sin: x1,
    "x2": lambda x1, x2, sin: x2,
    "x1^2": lambda x1, x2, sin: x1 * x1,
    "x2^2": lambda x1, x2, sin: x2 * x2,
    "x1*x2": lambda x1, x2, sin: x1 * x2,
    "sin(x1)": lambda x1, x2, sin: sin(x1),
    "sin(x2)": lambda x1, x2, sin: sin(x2),
}
"""Each feature of (x1, x2), given the sine to use (``math.sin`` on floats, ``numpy.sin`` on arrays)."""


def feature_rows(points: Sequence[Sequence[float]], features: Sequence[str]) -> list[list[float]]:
    """Each point's chosen features, as the rows the network takes."""
    formulas = [FORMULAS[name] for name in features]
    return [[formula(x1, x2, math.sin) for formula in formulas] for x1, x2 in points]


def feature_columns(points: NDArray[np.float64], features: Sequence[str]) -> NDArray[np.float64]:
    """``feature_rows`` on a (points, 2) array: a (points, features) array."""
    import numpy as np

    x1, x2 = points[:, 0], points[:, 1]
    return np.column_stack([FORMULAS[name](x1, x2, np.sin) for name in features])
