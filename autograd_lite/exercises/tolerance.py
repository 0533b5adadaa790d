"""When a student's number counts as the right one: ``check_gradients`` and ``check_answers``
use the same rule."""

from __future__ import annotations

import math

RELATIVE_TOLERANCE = 1e-3
"""A number within 0.1 % of the answer counts as right: a student rounds to 3 or 4 digits."""
ABSOLUTE_TOLERANCE = 1e-6
"""Near 0 a number within this distance counts as right (0 for 1e-17 left by rounding)."""


def agrees(given: float, expected: float, rel_tol: float, abs_tol: float) -> bool:
    """``math.isclose(given, expected)`` within the tolerances, and NaN agrees with NaN only."""
    if math.isnan(expected) or math.isnan(given):
        return math.isnan(expected) and math.isnan(given)
    return math.isclose(given, expected, rel_tol=rel_tol, abs_tol=abs_tol)
