"""Argument checks shared by the package, so every bad argument gets an error that names it and
shows the value bounded (``describe``: a 5,000-digit int or a megabyte of text is never printed).
Numbers are read by the engine's own ``to_float``, so ``nn`` takes whatever the engine takes
(numpy scalars, Fractions, Decimals) and refuses what it refuses (bool, str, complex)."""

from __future__ import annotations

import math
import numbers

from autograd_lite.real_numbers import to_float
from autograd_lite.text import describe


def real_number(value: object) -> float | None:
    """The value as a float if it is a real number the engine takes, else None."""
    try:
        return to_float(value)
    except (TypeError, OverflowError):
        return None


def check_count(value: object, what: str, where: str) -> int:
    """A positive int, or an error naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {what} must be a positive int, got {type(value).__name__} {describe(value)}")
    if value < 1:
        raise ValueError(f"{where}: {what} must be a positive int, got {describe(value)}")
    return int(value)


def check_range(value: object, what: str, where: str, low: float, high: float, *, high_open: bool) -> float:
    """A finite number in [low, high] (or [low, high) when high_open), or an error naming it."""
    number = real_number(value)
    inside = number is not None and math.isfinite(number) and low <= number
    if inside and number is not None and (number < high or (number == high and not high_open)):
        return number
    bracket = ")" if high_open else "]"
    raise ValueError(f"{where}: {what} must be a number in [{low!r}, {high!r}{bracket}, got {describe(value)}")


def check_positive(value: object, what: str, where: str, *, allow_zero: bool = False) -> float:
    """A finite number > 0 (or >= 0 with allow_zero), or an error naming it."""
    number = real_number(value)
    if number is not None and math.isfinite(number) and (number > 0.0 or (allow_zero and number == 0.0)):
        return number
    bound = ">= 0" if allow_zero else "> 0"
    raise ValueError(f"{where}: {what} must be a finite number {bound}, got {describe(value)}")


def check_int_in(value: object, what: str, where: str, low: int, high: int) -> int:
    """An int (numpy's too, never a bool) from ``low`` to ``high``, or a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= int(value) <= high:
        raise ValueError(f"{where}: {what} must be an int from {low:,} to {high:,}, got {describe(value)}")
    return int(value)
