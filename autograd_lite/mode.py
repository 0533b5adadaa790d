"""Recording modes: ``no_grad()`` to compute without building a graph, and
``detect_anomaly()`` to stop at the first NaN or infinity, forward or backward.

The mode lives in a ContextVar, so a block in one thread or asyncio task never changes
what another one records.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

NO_GRAD = 1
ANOMALY = 2

MODE: ContextVar[int] = ContextVar("autograd_lite_mode", default=0)
"""Bit flags: NO_GRAD means ops make leaves; ANOMALY means every result is checked."""


class AnomalyError(FloatingPointError):
    """Raised inside ``detect_anomaly()`` by the first op that produces NaN or infinity."""


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block every result is a leaf without parents: nothing is recorded."""
    token = MODE.set(MODE.get() | NO_GRAD)
    try:
        yield
    finally:
        MODE.reset(token)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph again inside a ``no_grad()`` block."""
    token = MODE.set(MODE.get() & ~NO_GRAD)
    try:
        yield
    finally:
        MODE.reset(token)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise AnomalyError at the first op whose result or backward gradient is NaN or inf."""
    token = MODE.set(MODE.get() | ANOMALY)
    try:
        yield
    finally:
        MODE.reset(token)


def is_grad_enabled() -> bool:
    """True when operations record the graph (outside every ``no_grad()`` block)."""
    return not MODE.get() & NO_GRAD
