"""Toy data sets in pure Python, seeded, with nothing to download.

Each returns ``(X, y)``: X a list of rows of floats, y a list of int labels.

- ``make_moons``, ``make_circles``, ``make_xor``, ``make_spirals``: two classes in the plane,
  labelled -1 and +1 by default, like micrograd's demo (which turns sklearn's 0/1 moons labels
  into ``y*2 - 1``) for the hinge loss; pass ``labels=(0, 1)`` for sse, mse or cross-entropy.
  ``labels[0]`` is the first class (the outer moon or circle, the first spiral arm).
- ``symmetry(n_bits)``: all 2**n bit patterns, target 1 when the pattern is a palindrome (the
  mirror-symmetry task of Rumelhart, Hinton & Williams 1986); ``parity(n_bits)``: target 1 when
  the number of ones is odd. Both use 0/1 targets, as the paper does.
"""

from __future__ import annotations

import itertools
import math
import random

from autograd_lite.text import describe

from .checks import check_count, check_positive

Dataset = tuple[list[list[float]], list[int]]
MAX_BITS = 20
"""2**20 patterns is already a million rows of Python floats."""


def _labels(labels: tuple[int, int], where: str) -> tuple[int, int]:
    valid = isinstance(labels, tuple) and len(labels) == 2
    valid = valid and all(isinstance(v, int) and not isinstance(v, bool) for v in labels)
    if not valid or labels[0] == labels[1]:
        raise ValueError(f"{where}: labels must be two different ints such as (-1, 1) or (0, 1), got {describe(labels)}")
    return labels


def _samples(n_samples: int, where: str) -> int:
    count = check_count(n_samples, "n_samples", where)
    if count < 2:
        raise ValueError(f"{where}: n_samples must be at least 2 (one per class), got {count}")
    return count


def _finish(points: list[tuple[float, float, int]], noise: float, rng: random.Random, shuffle: bool) -> Dataset:
    """Add Gaussian noise of standard deviation ``noise`` and optionally shuffle the rows."""
    if shuffle:
        rng.shuffle(points)
    X = [[x + rng.gauss(0.0, noise) if noise else x, y + rng.gauss(0.0, noise) if noise else y] for x, y, _ in points]
    return X, [label for _, _, label in points]


def _spaced(count: int, stop: float, endpoint: bool) -> list[float]:
    """``count`` evenly spaced angles from 0 to ``stop`` (included when ``endpoint``)."""
    steps = (count - 1 if endpoint else count) or 1
    return [stop * i / steps for i in range(count)]


def make_moons(
    n_samples: int = 100,
    *,
    noise: float = 0.1,
    shuffle: bool = True,
    seed: int | None = None,
    labels: tuple[int, int] = (-1, 1),
) -> Dataset:
    """Two interleaving half circles, as sklearn's make_moons: the outer moon is labels[0]."""
    n = _samples(n_samples, "make_moons")
    noise = check_positive(noise, "noise", "make_moons", allow_zero=True)
    negative, positive = _labels(labels, "make_moons")
    n_outer = n // 2
    outer = [(math.cos(t), math.sin(t), negative) for t in _spaced(n_outer, math.pi, True)]
    inner = [(1.0 - math.cos(t), 0.5 - math.sin(t), positive) for t in _spaced(n - n_outer, math.pi, True)]
    return _finish(outer + inner, noise, random.Random(seed), shuffle)


def make_circles(
    n_samples: int = 100,
    *,
    noise: float = 0.05,
    factor: float = 0.5,
    shuffle: bool = True,
    seed: int | None = None,
    labels: tuple[int, int] = (-1, 1),
) -> Dataset:
    """A unit circle (labels[0]) around a circle of radius ``factor`` (labels[1])."""
    n = _samples(n_samples, "make_circles")
    noise = check_positive(noise, "noise", "make_circles", allow_zero=True)
    factor = check_positive(factor, "factor", "make_circles")
    if factor >= 1.0:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {describe(factor)}")
    negative, positive = _labels(labels, "make_circles")
    n_outer = n // 2
    outer = [(math.cos(t), math.sin(t), negative) for t in _spaced(n_outer, 2 * math.pi, False)]
    inner = [
        (factor * math.cos(t), factor * math.sin(t), positive) for t in _spaced(n - n_outer, 2 * math.pi, False)
    ]
    return _finish(outer + inner, noise, random.Random(seed), shuffle)


def make_xor(
    n_samples: int = 4,
    *,
    noise: float = 0.0,
    seed: int | None = None,
    labels: tuple[int, int] = (-1, 1),
) -> Dataset:
    """XOR: sample i sits at corner i % 4 of (0,0), (0,1), (1,0), (1,1), labelled by x1 xor x2."""
    n = _samples(n_samples, "make_xor")
    noise = check_positive(noise, "noise", "make_xor", allow_zero=True)
    classes = _labels(labels, "make_xor")
    corners = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    points = [(a, b, classes[int(a) ^ int(b)]) for a, b in (corners[i % 4] for i in range(n))]
    return _finish(points, noise, random.Random(seed), shuffle=False)


def make_spirals(
    n_samples: int = 100,
    *,
    noise: float = 0.0,
    turns: float = 1.0,
    shuffle: bool = True,
    seed: int | None = None,
    labels: tuple[int, int] = (-1, 1),
) -> Dataset:
    """Two interleaved spiral arms: radius r in (0, 1], angle 2 pi turns r, the second arm turned by pi."""
    n = _samples(n_samples, "make_spirals")
    noise = check_positive(noise, "noise", "make_spirals", allow_zero=True)
    turns = check_positive(turns, "turns", "make_spirals")
    classes = _labels(labels, "make_spirals")
    points: list[tuple[float, float, int]] = []
    for arm, count in enumerate((n // 2, n - n // 2)):
        for i in range(1, count + 1):
            # Start at r = 1/count, not 0: both arms start at the origin, where they would coincide.
            r = i / count
            angle = 2.0 * math.pi * turns * r + arm * math.pi
            points.append((r * math.cos(angle), r * math.sin(angle), classes[arm]))
    return _finish(points, noise, random.Random(seed), shuffle)


def _bit_patterns(n_bits: int, where: str) -> list[tuple[int, ...]]:
    check_count(n_bits, "n_bits", where)
    if n_bits > MAX_BITS:
        raise ValueError(f"{where}: n_bits must be at most {MAX_BITS} (2**n_bits patterns), got {describe(n_bits)}")
    return list(itertools.product((0, 1), repeat=n_bits))


def symmetry(n_bits: int = 6, *, labels: tuple[int, int] = (0, 1)) -> Dataset:
    """Every n-bit pattern in counting order; target labels[1] when it reads the same reversed."""
    patterns = _bit_patterns(n_bits, "symmetry")
    classes = _labels(labels, "symmetry")
    return [[float(b) for b in bits] for bits in patterns], [classes[bits == bits[::-1]] for bits in patterns]


def parity(n_bits: int, *, labels: tuple[int, int] = (0, 1)) -> Dataset:
    """Every n-bit pattern in counting order; target labels[1] when the number of ones is odd."""
    patterns = _bit_patterns(n_bits, "parity")
    classes = _labels(labels, "parity")
    return [[float(b) for b in bits] for bits in patterns], [classes[sum(bits) % 2] for bits in patterns]
