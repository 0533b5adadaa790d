"""A count of the blocks open in all threads together, for a check that most code skips.

The hot paths (every op, every read of a number) read ``count`` without the lock: while no block
is open anywhere it is 0 and they skip their check at the cost of one attribute read. Opening and
closing a block changes it under the lock, since two threads may do so at once.
"""

from __future__ import annotations

import threading


class OpenCount:
    """How many blocks of one kind are open in all threads together; 0 lets the hot path skip."""

    __slots__ = ("count", "lock")

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def change(self, delta: int) -> None:
        """Add ``delta`` (+1 on opening a block, -1 on closing it) under the lock."""
        with self.lock:
            self.count += delta
