"""Let Python's cyclic garbage collector run less often while code builds graphs that we know
hold no cycles: ``with collector_relaxed(): ...`` around your own training loop (``nn.fit``
uses it around training).

Why: a node holds no reference to the nodes that use it, so a graph has no reference cycles and
reference counting alone frees it. Yet every node is an object the collector tracks, and a
training step allocates tens of thousands of them: the collector then runs about a hundred times
per step, walking graphs it can never free (``python -m bench.collector`` measures its share of
a training step).
Inside the block it runs once per ``RELAXED_THRESHOLD`` new objects instead of once per 700, so
cycles that user code makes are still collected, only later.

The collector's settings belong to the whole process, so the block counts how many threads are
inside it: the first one in relaxes the settings, the last one out restores exactly what it
found. Settings changed by someone else in the meantime are left as they were changed.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RELAXED_THRESHOLD = 100_000
"""Objects allocated (less those freed) between two young collections inside the block."""

_lock = threading.Lock()
_inside = 0
_saved: tuple[int, ...] | None = None
_relaxed: tuple[int, ...] | None = None


@contextmanager
def collector_relaxed() -> Iterator[None]:
    """Inside this block the cyclic collector runs about 140 times less often; restored after."""
    global _inside, _saved, _relaxed
    with _lock:
        if _inside == 0:
            _saved = gc.get_threshold()
            first, *older = _saved
            if first:  # a threshold of 0 means the collector is switched off: leave it so
                _relaxed = (max(first, RELAXED_THRESHOLD), *older)
                gc.set_threshold(*_relaxed)
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                if _saved is not None and gc.get_threshold() == _relaxed:
                    gc.set_threshold(*_saved)
                _saved = _relaxed = None
