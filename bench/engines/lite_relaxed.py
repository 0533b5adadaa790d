"""autograd-lite eager with micrograd's demo loop inside ``collector_relaxed()``: what the one
line a micrograd-style program can add buys it (``with collector_relaxed(): for k in ...:``).

The graph and the loop are ``bench.engines.lite``'s, unchanged. A worker is a process of its
own, so the block is entered once, when the step function is made, and every step the worker
times runs inside it, as the steps of the user's loop would.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

from autograd_lite import collector_relaxed
from bench.engines import lite
from bench.workloads import Training

_inside = ExitStack()


def train_step(training: Training) -> Callable[[int], float]:
    """``lite.train_step``, with the rest of this process inside ``collector_relaxed()``."""
    _inside.enter_context(collector_relaxed())
    return lite.train_step(training)
