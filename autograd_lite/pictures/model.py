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

Layers come from the model; neurons a model lists without a layer are grouped by their depth in
the graph (1 + the deepest neuron they read from; inputs are depth 0), so a network of units
with skip connections still reads layer by layer, and an edge that jumps a depth is a skip.
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
class ModelNeuron:
    """One neuron: its name, the layer it sits in (None if the model has no layers), its parameters."""

    name: str
    layer: str | None
    parameters: tuple[Value, ...]


@dataclass(frozen=True)
class Group:
    """Neurons drawn side by side: a layer of the model, or the neurons of one depth."""

    key: str
    label: str | None
    neurons: tuple[int, ...]


@dataclass(frozen=True)
class ModelLayout:
    """The neurons and layers of a model, the neuron (an index into ``neurons``) of each node,
    each neuron's depth (layers count from 1, the inputs are 0), and the constants that only one
    neuron uses (folded into it when the neuron is drawn as one node)."""

    neurons: tuple[ModelNeuron, ...]
    layers: tuple[str, ...]
    owner: dict[Value, int]
    parameters: frozenset[Value]
    depth: tuple[int, ...]
    constants: dict[Value, int]

    def groups(self) -> list[Group]:
        """The model's layers in order, then the neurons without a layer, one group per depth."""
        groups = [
            Group(f"layer{i}", layer, tuple(j for j, n in enumerate(self.neurons) if n.layer == layer))
            for i, layer in enumerate(self.layers)
        ]
        depths = sorted({self.depth[j] for j, n in enumerate(self.neurons) if n.layer is None})
        for depth in depths:
            members = tuple(j for j, n in enumerate(self.neurons) if n.layer is None and self.depth[j] == depth)
            groups.append(Group(f"depth{depth}", None, members))
        return groups

    def group_of(self) -> dict[int, Group]:
        """The group of each neuron."""
        return {index: group for group in self.groups() for index in group.neurons}


def read_model(model: object) -> tuple[list[ModelNeuron], list[Value]]:
    """The model's neurons and parameters, checked: a TypeError naming draw_graph for anything else."""
    describe = getattr(model, "neuron_layout", None)
    listing = getattr(model, "parameters", None)
    if not callable(describe) or not callable(listing):
        raise TypeError(
            "draw_graph: cluster must have neuron_layout() and parameters() methods (an nn Module), "
            f"got {type(model).__name__}"
        )
    neurons: list[ModelNeuron] = []
    for entry in describe():
        if not (isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[0], str)):
            raise TypeError(f"draw_graph: cluster.neuron_layout() must yield (name, layer, parameters), got {entry!r:.80}")
        name, layer, parameters = entry
        if layer is not None and not isinstance(layer, str):
            raise TypeError(f"draw_graph: the layer of neuron {name!r} must be a str or None, got {layer!r:.80}")
        values = tuple(parameters)
        if not all(isinstance(p, Value) for p in values):
            raise TypeError(f"draw_graph: the parameters of neuron {name!r} must be Values")
        neurons.append(ModelNeuron(name, layer, values))
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
    constants = _constants_of_one_neuron(nodes, operands_of, owner)
    layers = tuple(dict.fromkeys(n.layer for n in neurons if n.layer is not None))
    depth = _neuron_depths(len(neurons), nodes, operands_of, owner)
    return ModelLayout(tuple(neurons), layers, owner, frozenset(parameters), depth, constants)


def _constants_of_one_neuron(
    nodes: Sequence[Value], operands_of: Mapping[Value, Sequence[Value]], owner: Mapping[Value, int]
) -> dict[Value, int]:
    """The constants used inside one neuron only (a plain-number input, an activation's slope),
    with that neuron: folding the neuron folds them too."""
    users: dict[Value, set[int | None]] = {}
    for node in nodes:
        for operand in operands_of.get(node, ()):
            if operand.is_constant:
                users.setdefault(operand, set()).add(owner.get(node))
    return {c: index for c, owners in users.items() if len(owners) == 1 and (index := next(iter(owners))) is not None}


def _neuron_depths(
    count: int, nodes: Sequence[Value], operands_of: Mapping[Value, Sequence[Value]], owner: Mapping[Value, int]
) -> tuple[int, ...]:
    """1 + the deepest depth a neuron reads from outside itself; a leaf is 0, a node outside every
    neuron is as deep as its deepest operand. A neuron the graph never reaches is depth 1."""
    depth = [1] * count
    value_depth: dict[Value, int] = {}
    for node in reversed(nodes):
        operands = operands_of.get(node, ())
        index = owner.get(node)
        outside = [value_depth.get(p, 0) for p in operands if owner.get(p) != index or index is None]
        if index is None:
            value_depth[node] = max(outside, default=0)
            continue
        if outside and node in operands_of:
            depth[index] = max(depth[index], 1 + max(outside))
        value_depth[node] = depth[index]
    return tuple(depth)
