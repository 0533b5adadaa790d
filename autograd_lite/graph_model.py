"""Which neuron and which layer of a model each node of a graph belongs to, so the pictures can
draw a box around each neuron and layer (``cluster=model``) or draw a neuron as one node
(``collapse="neuron"``).

It works with any object that has ``named_parameters()`` returning ``(name, Value)`` pairs,
so the picture layer never imports ``nn`` (which sits above it). The rules:

- A parameter named ``<neuron>.w.<k>`` or ``<neuron>.b`` belongs to the neuron ``<neuron>``;
  a neuron named ``<layer>.neurons.<j>`` belongs to the layer ``<layer>``. So ``nn.MLP`` gives
  neurons like ``layers.0.neurons.3`` in layer ``layers.0``, and a general network gives
  ``units.h1`` in no layer. Other parameter names belong to no neuron.
- A computed node belongs to a neuron when it takes a parameter of that neuron, and of no other
  neuron, as a direct operand: the dot product ``w . x`` (or each ``w_k * x_k``) and the ``+ b``.
- The activation belongs to the neuron of its operand when that operand takes the neuron's
  parameters directly. An activation is a one-operand op (relu, tanh, sigmoid, ...) or a
  product with a constant (nn's leaky_relu is ``x * slope``). So a neuron is
  ``act(w . x + b)`` and no more: the inputs, and the loss built on the outputs, stay outside
  every box (except a loss term that is itself one such op right on a linear neuron's output).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .value import Value

_PARAMETER_NAME = re.compile(r"^(?P<neuron>.+)\.(?:w\.\d+|b)$")
_NEURON_NAME = re.compile(r"^(?P<layer>.+)\.neurons\.\d+$")


class NamedParameters(Protocol):
    """A model as the pictures see it: anything that names its parameters."""

    def named_parameters(self) -> Iterable[tuple[str, Value]]:
        """Each parameter with its dotted name, e.g. ``layers.0.neurons.1.w.2``."""
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


def neuron_of(parameter_name: str) -> str | None:
    """The neuron a parameter name belongs to: the prefix before ``.w.<k>`` or ``.b``."""
    match = _PARAMETER_NAME.match(parameter_name)
    return match.group("neuron") if match else None


def layer_of(neuron_name: str) -> str | None:
    """The layer a neuron name belongs to: the prefix before ``.neurons.<j>``."""
    match = _NEURON_NAME.match(neuron_name)
    return match.group("layer") if match else None


def read_parameters(model: object) -> list[tuple[str, Value]]:
    """``model.named_parameters()`` checked: a TypeError naming draw_graph for anything else."""
    method = getattr(model, "named_parameters", None)
    if not callable(method):
        raise TypeError(
            f"draw_graph: cluster must have a named_parameters() method (an nn Module), got {type(model).__name__}"
        )
    pairs: list[tuple[str, Value]] = []
    for item in method():
        if not (
            isinstance(item, tuple)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], Value)
        ):
            raise TypeError(
                f"draw_graph: cluster.named_parameters() must yield (str, Value) pairs, got {item!r:.80}"
            )
        pairs.append(item)
    return pairs


def _activation_operand(node: Value) -> Value | None:
    """The operand of ``node`` if it looks like an activation: one operand, or x * constant."""
    parents = node.parents
    if len(parents) == 1:
        return parents[0]
    if node.op == "*" and len(parents) == 2:
        first, second = parents
        if second.is_constant and not first.is_constant:
            return first
        if first.is_constant and not second.is_constant:
            return second
    return None


def model_layout(model: NamedParameters, nodes: Sequence[Value]) -> ModelLayout:
    """Assign ``nodes`` (users before operands, as a topological order gives them) to neurons."""
    neuron_index: dict[str, int] = {}
    members: list[list[Value]] = []
    owner: dict[Value, int] = {}
    parameters: set[Value] = set()
    for name, parameter in read_parameters(model):
        parameters.add(parameter)
        neuron = neuron_of(name)
        if neuron is None or parameter in owner:
            continue
        index = neuron_index.setdefault(neuron, len(members))
        if index == len(members):
            members.append([])
        members[index].append(parameter)
        owner[parameter] = index
    parameter_owner = dict(owner)
    direct_users: set[Value] = set()
    # Operands before users, so an activation sees whether its operand was already assigned.
    for node in reversed(nodes):
        parents = node.parents
        if not parents or node in parameter_owner:
            continue
        direct = {parameter_owner[p] for p in parents if p in parameter_owner}
        if len(direct) == 1:
            owner[node] = direct.pop()
            direct_users.add(node)
        elif not direct:
            operand = _activation_operand(node)
            if operand is not None and operand in direct_users:
                owner[node] = owner[operand]
    neurons = tuple(Neuron(name, layer_of(name), tuple(members[i])) for name, i in neuron_index.items())
    layers = tuple(dict.fromkeys(n.layer for n in neurons if n.layer is not None))
    return ModelLayout(neurons, layers, owner, frozenset(parameters))
