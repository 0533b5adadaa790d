"""Which neuron and which layer of a model each node of a graph belongs to, so the pictures can
draw a box around each neuron and layer (``cluster=model``) or draw a neuron as one node
(``collapse="neuron"``).

The pictures never import ``nn`` (it sits above them) and never guess from parameter names: a
model says what its neurons are through ``neuron_layout()``, the small protocol ``Describes``
below, which ``nn.Module`` implements. Each entry names a neuron, the layer it sits in (or None)
and its parameters. From those the rules are:

- A computed node belongs to a neuron when it takes a parameter of that neuron, and of no other
  neuron, as a direct operand: the dot product ``w . x`` (or each ``w_k * x_k``) and the ``+ b``.
- The activation belongs to the neuron of its operand when that operand takes the neuron's
  parameters directly: an op with one Value operand (relu, tanh, sigmoid, leaky_relu, ...), or a
  product of the operand with a number (an activation written as ``x * slope``). So a neuron is
  ``act(w . x + b)`` and no more: the inputs, and the loss built on the outputs, stay outside
  every box (except a loss term that is itself one such op right on a linear neuron's output).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..value import Value


class Describes(Protocol):
    """A model as the pictures see it: its neurons and layers, and all of its parameters."""

    def neuron_layout(self) -> Iterable[tuple[str, str | None, Sequence[Value]]]:
        """(neuron name, layer name or None, the neuron's parameters) for each neuron, in order."""
        ...

    def parameters(self) -> Sequence[Value]:
        """Every parameter of the model."""
        ...


@dataclass(frozen=True)
class Neuron:
    """One neuron: its name, the layer it sits in (None if the model has no layers), its parameters."""

    name: str
    layer: str | None
    parameters: tuple[Value, ...]


@dataclass(frozen=True)
class ModelLayout:
    """The neurons and layers of a model, and the neuron (an index into ``neurons``) of each node."""

    neurons: tuple[Neuron, ...]
    layers: tuple[str, ...]
    owner: dict[Value, int]
    parameters: frozenset[Value]


def read_model(model: object) -> tuple[list[Neuron], list[Value]]:
    """The model's neurons and parameters, checked: a TypeError naming draw_graph for anything else."""
    describe = getattr(model, "neuron_layout", None)
    listing = getattr(model, "parameters", None)
    if not callable(describe) or not callable(listing):
        raise TypeError(
            "draw_graph: cluster must have neuron_layout() and parameters() methods (an nn Module), "
            f"got {type(model).__name__}"
        )
    neurons: list[Neuron] = []
    for entry in describe():
        if not (isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[0], str)):
            raise TypeError(f"draw_graph: cluster.neuron_layout() must yield (name, layer, parameters), got {entry!r:.80}")
        name, layer, parameters = entry
        if layer is not None and not isinstance(layer, str):
            raise TypeError(f"draw_graph: the layer of neuron {name!r} must be a str or None, got {layer!r:.80}")
        values = tuple(parameters)
        if not all(isinstance(p, Value) for p in values):
            raise TypeError(f"draw_graph: the parameters of neuron {name!r} must be Values")
        neurons.append(Neuron(name, layer, values))
    parameters = list(listing())
    if not all(isinstance(p, Value) for p in parameters):
        raise TypeError("draw_graph: cluster.parameters() must return Values")
    return neurons, parameters


def _activation_operand(node: Value, operands: Sequence[Value]) -> Value | None:
    """The operand of ``node`` if it looks like an activation: one Value operand, or x * constant."""
    values = [p for p in operands if not p.is_constant]
    if len(operands) == 1 or (node.op == "*" and len(operands) == 2 and len(values) == 1):
        return values[0] if values else None
    return None


def model_layout(model: Describes, nodes: Sequence[Value], operands_of: Mapping[Value, Sequence[Value]]) -> ModelLayout:
    """Assign ``nodes`` (users before operands, as a topological order gives them) to neurons."""
    neurons, parameters = read_model(model)
    owner: dict[Value, int] = {}
    for index, neuron in enumerate(neurons):
        for parameter in neuron.parameters:
            owner.setdefault(parameter, index)
    parameter_owner = dict(owner)
    direct_users: set[Value] = set()
    # Operands before users, so an activation sees whether its operand was already assigned.
    for node in reversed(nodes):
        operands = operands_of.get(node, ())
        if not operands or node in parameter_owner:
            continue
        direct = {parameter_owner[p] for p in operands if p in parameter_owner}
        if len(direct) == 1:
            owner[node] = direct.pop()
            direct_users.add(node)
        elif not direct:
            operand = _activation_operand(node, operands)
            if operand is not None and operand in direct_users:
                owner[node] = owner[operand]
    layers = tuple(dict.fromkeys(n.layer for n in neurons if n.layer is not None))
    return ModelLayout(tuple(neurons), layers, owner, frozenset(parameters))
