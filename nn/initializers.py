"""Initial weights: micrograd's U(-1, 1), Xavier/Glorot, He, or any (low, high) range.

Weights are drawn from a ``random.Random`` (or a seed for one), so the same seed gives the same
weights. With no rng the draws come from Python's global ``random``, in micrograd's order, so
``random.seed(1337); MLP(2, [16, 16, 1])`` holds the same numbers as micrograd's demo.
"""

from __future__ import annotations

import math
import random
from typing import NamedTuple, Protocol

from autograd_lite.text import describe

from .checks import real_number


class Sampler(Protocol):
    """What we draw from: a ``random.Random`` or the ``random`` module itself."""

    def uniform(self, a: float, b: float) -> float: ...

    def gauss(self, mu: float, sigma: float) -> float: ...

    def shuffle(self, x: list[int]) -> None: ...


RngLike = Sampler | int | None
InitSpec = str | tuple[float, float]

INITS = ("uniform", "xavier", "he")


def make_rng(rng: RngLike, where: str) -> Sampler:
    """A sampler from a random.Random (kept), an int seed (a new Random) or None (global random)."""
    if rng is None:
        return random
    if isinstance(rng, bool):
        raise TypeError(f"{where}: rng must be a random.Random, an int seed or None, got bool")
    if isinstance(rng, int):
        return random.Random(rng)
    if all(callable(getattr(rng, name, None)) for name in ("uniform", "gauss", "shuffle")):
        return rng
    raise TypeError(f"{where}: rng must be a random.Random, an int seed or None, got {type(rng).__name__}")


class Init(NamedTuple):
    """A resolved initialiser: 'uniform', 'xavier', 'he' or 'range' (with its bounds)."""

    kind: str
    low: float = -1.0
    high: float = 1.0


def resolve_init(spec: InitSpec, where: str) -> Init:
    """The Init for 'uniform', 'xavier', 'he' or a (low, high) range with low < high."""
    if isinstance(spec, str):
        if spec not in INITS:
            raise ValueError(f"{where}: unknown init {describe(spec)}; choose from 'uniform', 'xavier', 'he' or (low, high)")
        return Init(spec)
    if isinstance(spec, tuple) and len(spec) == 2:
        low, high = real_number(spec[0]), real_number(spec[1])
        if low is not None and high is not None and math.isfinite(low) and math.isfinite(high) and low < high:
            return Init("range", low, high)
        raise ValueError(f"{where}: an init range needs finite numbers low < high, got {describe(spec)}")
    raise TypeError(f"{where}: init must be 'uniform', 'xavier', 'he' or (low, high), got {describe(spec)}")


def draw_weight(init: Init, rng: Sampler, fan_in: int, fan_out: int) -> float:
    """One initial weight for a unit with fan_in inputs whose output feeds fan_out units."""
    if init.kind == "uniform":
        return rng.uniform(-1.0, 1.0)
    if init.kind == "xavier":
        # Glorot & Bengio (2010): U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) keeps the
        # variance of activations and of gradients about equal from layer to layer.
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound)
    if init.kind == "he":
        # He et al. (2015): N(0, 2 / fan_in) compensates for relu zeroing half its inputs.
        return rng.gauss(0.0, math.sqrt(2.0 / fan_in))
    return rng.uniform(init.low, init.high)


def draw_bias(init: Init, rng: Sampler) -> float:
    """The initial bias: 0 (micrograd's choice), or a draw from the range when init is a range."""
    # Rumelhart, Hinton & Williams treat a bias as a weight from a unit that is always on, so
    # with their "random in (-0.3, 0.3)" the biases are random too.
    return rng.uniform(init.low, init.high) if init.kind == "range" else 0.0
