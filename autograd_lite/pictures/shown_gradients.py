"""Which gradients a picture shows: after ``backward()`` the Values' own ``.grad`` (none where the
pass never arrived), or in a frame of ``backward_steps`` the running gradients of that moment of
the pass, which never touches a ``.grad``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ..value import Value
from .options import PassState


@dataclass(frozen=True)
class ShownGradients:
    """The gradients of the Values themselves (``state`` None) or of one frame's ``state``."""

    state: PassState | None

    def of(self, node: Value) -> float | None:
        """The gradient ``node`` shows; None before any arrived."""
        if self.state is None:
            return node.grad if node.grad_reached else None
        return self.state.grads.get(node)

    def passed_on(self, node: Value) -> bool:
        """True when ``node``'s gradient has already flowed along its operand edges."""
        if self.state is None:
            return node.grad_reached and not node.is_leaf
        return node in self.state.processed

    def norm(self, nodes: Iterable[Value]) -> float | None:
        """sqrt of the sum of the squared gradients of ``nodes``; None if none has one."""
        reached = [g for g in map(self.of, nodes) if g is not None]
        return math.sqrt(math.fsum(g * g for g in reached)) if reached else None
