"""Learning-rate schedules: a schedule maps the optimiser's step count to a learning rate.

``step`` counts updates from 0, so micrograd's demo rate 1.0 - 0.9 * k / 100 is
``LinearDecay(1.0, 0.1, 100)``. Schedules written with m count updates from 1 (m = step + 1),
as in the stochastic-approximation literature. Every optimiser takes a number or a schedule.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from autograd_lite.text import describe

from .checks import check_count, check_positive, real_number

LearningRate = float | Callable[[int], float]


class Schedule(ABC):
    """A learning rate for each step: ``schedule(step) -> lr``."""

    @abstractmethod
    def __call__(self, step: int) -> float:
        """The learning rate for update number ``step`` (0 for the first)."""


class Constant(Schedule):
    """lr(step) = lr"""

    def __init__(self, lr: float) -> None:
        self.lr = check_positive(lr, "lr", "Constant")

    def __call__(self, step: int) -> float:
        """The same rate at every step."""
        return self.lr

    def __repr__(self) -> str:
        return f"Constant({self.lr!r})"


class LinearDecay(Schedule):
    """lr(step) = start + (end - start) * min(step, steps) / steps; micrograd's is (1.0, 0.1, 100)"""

    def __init__(self, start: float, end: float, steps: int) -> None:
        self.start = check_positive(start, "start", "LinearDecay")
        self.end = check_positive(end, "end", "LinearDecay", allow_zero=True)
        self.steps = check_count(steps, "steps", "LinearDecay")

    def __call__(self, step: int) -> float:
        """Straight from start to end over ``steps`` updates, then end."""
        return self.start + (self.end - self.start) * min(step, self.steps) / self.steps

    def __repr__(self) -> str:
        return f"LinearDecay({self.start!r}, {self.end!r}, {self.steps!r})"


class InverseTime(Schedule):
    """lr(m) = a / (b + m) with m = step + 1"""

    def __init__(self, a: float, b: float = 0.0) -> None:
        self.a = check_positive(a, "a", type(self).__name__)
        self.b = check_positive(b, "b", type(self).__name__, allow_zero=True)

    def __call__(self, step: int) -> float:
        """Decays like 1/m: the sum of rates diverges while the sum of squares converges."""
        return self.a / (self.b + step + 1)

    def __repr__(self) -> str:
        return f"InverseTime({self.a!r}, {self.b!r})"


class Reciprocal(InverseTime):
    """lr(m) = 1 / m with m = step + 1"""

    def __init__(self) -> None:
        super().__init__(1.0, 0.0)

    def __repr__(self) -> str:
        return "Reciprocal()"


class StepDecay(Schedule):
    """lr(step) = lr * factor ** (step // every)"""

    def __init__(self, lr: float, factor: float = 0.5, every: int = 100) -> None:
        self.lr = check_positive(lr, "lr", "StepDecay")
        self.factor = check_positive(factor, "factor", "StepDecay")
        if self.factor > 1.0:
            raise ValueError(f"StepDecay: factor must be a number in (0, 1], got {describe(factor)}")
        self.every = check_count(every, "every", "StepDecay")

    def __call__(self, step: int) -> float:
        """Multiplied by ``factor`` every ``every`` updates."""
        return self.lr * self.factor ** (step // self.every)

    def __repr__(self) -> str:
        return f"StepDecay({self.lr!r}, factor={self.factor!r}, every={self.every!r})"


def as_schedule(lr: LearningRate, where: str) -> Callable[[int], float]:
    """A schedule from a number (constant) or any callable step -> lr."""
    if not callable(lr) and real_number(lr) is not None:
        return Constant(check_positive(lr, "lr", where))
    if callable(lr):
        return lr
    raise TypeError(f"{where}: lr must be a number or a schedule, got {type(lr).__name__}")
