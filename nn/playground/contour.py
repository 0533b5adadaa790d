"""The decision line, where the network's output crosses zero, as line segments found by
marching squares on the grid of outputs: each grid cell whose corners differ in sign holds one
segment (two at a saddle) between the points where its edges cross zero, placed by linear
interpolation. Drawn as an SVG path it stays sharp at any size, unlike the pixels of a heat map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray


def _crossing(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Where between a (at 0) and b (at 1) the straight line through them is zero, for a, b of opposite sign."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = a / (a - b)
    return np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)


def zero_segments(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Segments of the zero line of a grid (row 0 at the top), in grid units where the centre of
    cell (i, j) is (j + 0.5, i + 0.5): an array of shape (segments, 2 points, (x, y))."""
    v = np.nan_to_num(values, nan=0.0)
    positive = v > 0.0
    rows, cols = v.shape
    if rows < 2 or cols < 2:
        return np.zeros((0, 2, 2))
    jj, ii = np.meshgrid(np.arange(cols - 1, dtype=np.float64), np.arange(rows - 1, dtype=np.float64))
    corners = (v[:-1, :-1], v[:-1, 1:], v[1:, :-1], v[1:, 1:])  # top-left, top-right, bottom-left, bottom-right
    signs = (positive[:-1, :-1], positive[:-1, 1:], positive[1:, :-1], positive[1:, 1:])
    top_left, top_right, bottom_left, bottom_right = corners
    # The four cell edges: top, bottom, left, right; each as (crosses?, x, y).
    edges = (
        (signs[0] != signs[1], jj + 0.5 + _crossing(top_left, top_right), ii + 0.5),
        (signs[2] != signs[3], jj + 0.5 + _crossing(bottom_left, bottom_right), ii + 1.5),
        (signs[0] != signs[2], jj + 0.5, ii + 0.5 + _crossing(top_left, bottom_left)),
        (signs[1] != signs[3], jj + 1.5, ii + 0.5 + _crossing(top_right, bottom_right)),
    )
    crosses = np.stack([e[0] for e in edges], axis=-1)
    points = np.stack([np.stack([e[1], e[2]], axis=-1) for e in edges], axis=-2)
    count = crosses.sum(axis=-1)
    two = count == 2
    # The two crossing edges of each such cell, in edge order.
    order = np.argsort(~crosses[two], axis=-1, kind="stable")[:, :2]
    pairs = np.take_along_axis(points[two], order[:, :, None], axis=1)
    # A saddle (all four edges cross): join top with left and bottom with right.
    four = count == 4
    saddles = points[four]
    extra = np.concatenate([saddles[:, [0, 2]], saddles[:, [1, 3]]], axis=0)
    return np.concatenate([pairs, extra], axis=0)


def svg_path(values: NDArray[np.float64], x0: float, y0: float, width: float, height: float) -> str:
    """The zero line of a grid drawn over the box (x0, y0, width, height), as SVG path data ('' if none)."""
    segments = zero_segments(values)
    if not len(segments):
        return ""
    rows, cols = values.shape
    xs = x0 + segments[:, :, 0] * (width / cols)
    ys = y0 + segments[:, :, 1] * (height / rows)
    return "".join(
        f"M{ax:.1f} {ay:.1f}L{bx:.1f} {by:.1f}" for (ax, bx), (ay, by) in zip(xs.tolist(), ys.tolist(), strict=True)
    )
