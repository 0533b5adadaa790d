"""Activation functions for neurons, chosen by name or given as any callable Value -> Value.

``resolve_activation("tanh")`` returns the function a neuron applies to its weighted sum, and a
name for pictures, reprs and saved files. "linear" adds no node at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from autograd_lite import Value
from autograd_lite.text import describe

ActivationFn = Callable[[Value], Value]
ActivationSpec = str | ActivationFn



def relu(x: Value) -> Value:
    """max(0, x); d/dx = 1 for x > 0, else 0"""
    return x.relu()


def tanh(x: Value) -> Value:
    """tanh(x); d/dx = 1 - tanh(x)**2"""
    return x.tanh()


def sigmoid(x: Value) -> Value:
    """1 / (1 + e**-x); d/dx = s(x) * (1 - s(x))"""
    return x.sigmoid()


def leaky_relu(x: Value) -> Value:
    """x for x > 0, else 0.01 * x; d/dx = 1 for x > 0, else 0.01"""
    # The engine's own op, not a Python branch on x.data: a replay Tape re-decides it every time.
    return x.leaky_relu()


ACTIVATIONS: dict[str, ActivationFn | None] = {
    "relu": relu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "leaky_relu": leaky_relu,
    "linear": None,
}
"""Every activation by name; None means linear (the weighted sum itself, no extra node)."""


class Activation(NamedTuple):
    """A resolved activation: its name and the function, None for linear."""

    name: str
    fn: ActivationFn | None


def resolve_activation(spec: ActivationSpec, where: str) -> Activation:
    """The Activation for a name in ACTIVATIONS or a callable Value -> Value."""
    if isinstance(spec, str):
        if spec not in ACTIVATIONS:
            choices = ", ".join(repr(name) for name in ACTIVATIONS)
            raise ValueError(f"{where}: unknown activation {describe(spec)}; choose from {choices} or pass a callable")
        return Activation(spec, ACTIVATIONS[spec])
    if not callable(spec):
        raise TypeError(f"{where}: activation must be a name or a callable, got {type(spec).__name__}")
    return Activation(getattr(spec, "__name__", type(spec).__name__), spec)
