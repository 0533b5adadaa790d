"""Compiled training against its oracle, eager training: how close two numbers must be, and one
way to run both in which the compiled run must replay (a ReplayFallback warning is an error)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import TypeVar

from nn.compiled import ReplayFallback

RELATIVE = 1e-12
"""Replayed sums are added in another order, so results agree to about this, not to the bit."""

Trained = TypeVar("Trained")


def close(got: float | None, want: float | None, abs_tol: float = 1e-14) -> bool:
    """Equal to RELATIVE (or ``abs_tol`` near 0); None only equals None."""
    if got is None or want is None:
        return got is want
    return math.isclose(got, want, rel_tol=RELATIVE, abs_tol=abs_tol)


def eager_then_compiled(train: Callable[[bool], Trained]) -> tuple[Trained, Trained]:
    """``train(False)``, then ``train(True)`` with any ReplayFallback raised: (eager, compiled)."""
    eager = train(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReplayFallback)
        compiled = train(True)
    return eager, compiled
