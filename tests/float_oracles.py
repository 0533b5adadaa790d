"""Comparing our floats with an oracle's: IEEE equality with a tolerance, and PyTorch's first and
second derivatives in float64 (the oracle of the NaN, infinity and zero-derivative tests)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest


def same_float(a: float, b: float, abs_tol: float = 1e-300) -> bool:
    """Equal as IEEE values: NaN matches NaN, infinities match by sign, finite numbers to 1e-12."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return a == pytest.approx(b, rel=1e-12, abs=abs_tol)


def torch_first_and_second(fn: Callable[[Any], Any], point: float) -> tuple[float, float]:
    """PyTorch's first and second derivative of ``fn`` at ``point``, in float64 (skips without torch)."""
    torch = pytest.importorskip("torch")
    z = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(fn(z), z, create_graph=True)
    if not first.requires_grad:  # a piecewise-linear op: the second derivative is 0
        return first.item(), 0.0
    (second,) = torch.autograd.grad(first, z)
    return first.item(), second.item()
