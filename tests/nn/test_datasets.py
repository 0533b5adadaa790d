"""Toy data sets: shapes, labels, geometry against their definitions, seeding, and errors."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import make_circles, make_moons, make_spirals, make_xor, parity, symmetry


@given(st.integers(2, 300), st.integers(0, 10**6))
def test_moons_are_two_noiseless_half_circles(n: int, seed: int) -> None:
    X, y = make_moons(n, noise=0.0, seed=seed)
    assert len(X) == len(y) == n and all(len(row) == 2 for row in X)
    assert Counter(y) == {-1: n // 2, 1: n - n // 2}
    for (a, b), label in zip(X, y, strict=True):
        if label == -1:  # the outer moon: the upper unit half circle
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # the inner moon: the lower half circle of radius 1 around (1, 0.5)
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_moons_noise_has_the_requested_spread_and_the_seed_repeats() -> None:
    clean, _ = make_moons(2000, noise=0.0, shuffle=False)
    noisy, _ = make_moons(2000, noise=0.1, shuffle=False, seed=3)
    offsets = [n[i] - c[i] for n, c in zip(noisy, clean, strict=True) for i in (0, 1)]
    assert sum(o * o for o in offsets) / len(offsets) == pytest.approx(0.01, rel=0.1)
    assert make_moons(50, seed=4) == make_moons(50, seed=4)
    assert make_moons(50, seed=4) != make_moons(50, seed=5)


def test_zero_one_labels_are_an_option() -> None:
    for make in (make_moons, make_circles, make_xor, make_spirals):
        _, y = make(8, labels=(0, 1))
        assert set(y) == {0, 1}
        _, y = make(8)
        assert set(y) == {-1, 1}


def test_circles_have_their_radii() -> None:
    X, y = make_circles(40, noise=0.0, factor=0.3, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == -1 else 0.3)


def test_xor_is_the_truth_table() -> None:
    X, y = make_xor(labels=(0, 1))
    assert X == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert y == [0, 1, 1, 0]
    big, labels = make_xor(10, noise=0.1, seed=1)
    assert labels == [-1, 1, 1, -1, -1, 1, 1, -1, -1, 1]
    assert all(abs(v - round(v)) < 0.6 for row in big for v in row)


def test_spiral_arms_are_point_reflections_of_each_other() -> None:
    X, y = make_spirals(100, noise=0.0, shuffle=False, turns=1.5)
    first, second = X[:50], X[50:]
    assert y == [-1] * 50 + [1] * 50
    for (a, b), (c, d) in zip(first, second, strict=True):
        assert (c, d) == pytest.approx((-a, -b), abs=1e-12)
    radii = [math.hypot(a, b) for a, b in first]
    assert radii == pytest.approx([i / 50 for i in range(1, 51)])


def test_symmetry_is_all_patterns_with_palindromes_marked() -> None:
    X, y = symmetry(6)
    assert len(X) == 64 and len({tuple(row) for row in X}) == 64
    # A palindrome of 6 bits is fixed by its first 3 bits: 2**3 of them.
    assert sum(y) == 8
    for row, target in zip(X, y, strict=True):
        assert target == int(row == row[::-1])
    assert X[1] == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    _, odd = symmetry(5)
    assert sum(odd) == 2**3


@pytest.mark.parametrize("bits", [1, 2, 3, 4, 7])
def test_parity_marks_an_odd_number_of_ones(bits: int) -> None:
    X, y = parity(bits)
    assert len(X) == 2**bits and sum(y) == 2 ** (bits - 1)
    assert all(t == sum(row) % 2 for row, t in zip(X, y, strict=True))
    _, signs = parity(bits, labels=(-1, 1))
    assert set(signs) == {-1, 1}


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: make_moons(1), ValueError, "make_moons: n_samples must be at least 2"),
        (lambda: make_moons(10.0), TypeError, "make_moons: n_samples must be a positive int"),  # type: ignore[arg-type]
        (lambda: make_moons(10, noise=-0.1), ValueError, "make_moons: noise must be a finite number >= 0"),
        (lambda: make_moons(10, labels=(1, 1)), ValueError, "labels must be two different ints"),
        (lambda: make_circles(10, factor=1.5), ValueError, r"make_circles: factor must be in \(0, 1\)"),
        (lambda: make_spirals(10, turns=0), ValueError, "make_spirals: turns must be a finite number > 0"),
        (lambda: symmetry(0), ValueError, "symmetry: n_bits must be a positive int, got 0"),
        (lambda: parity(21), ValueError, "parity: n_bits must be at most 20"),
    ],
)
def test_bad_arguments_are_named(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]
