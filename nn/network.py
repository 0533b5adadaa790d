"""General feedforward networks described unit by unit, so connections may skip layers.

As in the classic formulation, every unit i has its own set S_i of upstream units (inputs or
other units), its own activation f_i and a bias: a_i = f_i(sum_{j in S_i} w_ij a_j + b_i).

>>> xor = Network(["x1", "x2"], [Unit("h", ["x1", "x2"]), Unit("y", ["x1", "x2", "h"])])

Units may be listed in any order; they are evaluated in a topological order. Cycles, unknown
names and units with no inputs are rejected. A layered MLP is the special case built by
``Network.layered``. Parameters are named ``units.{unit}.w.{k}`` (k indexes the unit's sources)
and ``units.{unit}.b``, and labelled ``{unit}.w{k}`` and ``{unit}.b``.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from autograd_lite import Value
from autograd_lite.text import describe

from .activations import ActivationSpec
from .checks import check_count, real_number
from .initializers import InitSpec, RngLike, make_rng
from .layers import Neuron
from .module import Inputs, Module, Output, describe_children


class Unit(NamedTuple):
    """One unit: its name, the names it reads from (inputs or units), and its activation."""

    name: str
    sources: Sequence[str]
    activation: ActivationSpec = "sigmoid"


UnitSpec = Unit | tuple[str, Sequence[str]] | tuple[str, Sequence[str], ActivationSpec]


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"Network: {what} names must be strings, got {type(name).__name__} {describe(name)}")
    if not name or "." in name or name != name.strip():
        # Names become parts of dotted parameter names, so a dot would make them ambiguous.
        raise ValueError(f"Network: {what} name {describe(name)} must be non-empty, without dots or outer spaces")
    return name


def _as_unit(spec: object) -> Unit:
    if isinstance(spec, Unit):
        unit = spec
    elif isinstance(spec, tuple) and len(spec) in (2, 3):
        unit = Unit(*spec)
    else:
        raise TypeError(f"Network: each unit must be Unit(name, sources, activation) or a tuple, got {describe(spec)}")
    name = _check_name(unit.name, "unit")
    sources = unit.sources
    if isinstance(sources, str) or not isinstance(sources, Sequence):
        raise TypeError(f"Network: unit {describe(name)}: sources must be a list of names, got {describe(sources)}")
    return Unit(name, tuple(sources), unit.activation)


def _evaluation_order(units: dict[str, Unit]) -> list[str]:
    """The units in an order in which each comes after every unit it reads (the standard library's
    topological sorter, in the order the units were listed where it has a choice); a cycle is
    named in the error."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name in units:  # every unit first: the sorter offers ready units in the order it first saw them
        sorter.add(name)
    for name, unit in units.items():
        sorter.add(name, *[s for s in unit.sources if s in units])
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as error:
        cycle = error.args[1]  # [a, b, ..., a]: each reads the one after it
        raise ValueError(f"Network: the units contain a cycle: {' -> '.join(reversed(cycle))}") from None


class Network(Module):
    """A feedforward network of named units, each reading any inputs or earlier units."""

    def __init__(
        self,
        inputs: Sequence[str] | int,
        units: Sequence[UnitSpec],
        outputs: Sequence[str] | None = None,
        *,
        init: InitSpec = "uniform",
        rng: RngLike = None,
    ) -> None:
        if isinstance(inputs, int) and not isinstance(inputs, bool):
            inputs = [f"x{i}" for i in range(check_count(inputs, "the number of inputs", "Network"))]
        if isinstance(inputs, str) or not isinstance(inputs, Sequence) or not inputs:
            raise TypeError(f"Network: inputs must be a non-empty list of names or a count, got {describe(inputs)}")
        self.inputs = [_check_name(name, "input") for name in inputs]
        if len(set(self.inputs)) != len(self.inputs):
            raise ValueError(f"Network: input names repeat: {self.inputs}")
        if isinstance(units, (str, bytes)) or not isinstance(units, Sequence) or not units:
            raise TypeError(f"Network: units must be a non-empty list of Unit(name, sources, activation), got {describe(units)}")
        specs = self._check_units([_as_unit(spec) for spec in units])
        self.order = _evaluation_order(specs)
        self.outputs = self._check_outputs(outputs, specs)
        self.specs = specs
        sampler = make_rng(rng, "Network")
        fan_out = {name: 0 for name in specs}
        for unit in specs.values():
            for source in unit.sources:
                if source in fan_out:
                    fan_out[source] += 1
        # Declaration order decides the draws, so a layered description draws as an MLP does.
        self.units: dict[str, Neuron] = {}
        for name, unit in specs.items():
            neuron = Neuron(
                len(unit.sources), unit.activation, init=init, rng=sampler, fan_out=max(1, fan_out[name])
            )
            neuron.relabel(f"{name}.")
            self.units[name] = neuron

    def _check_units(self, units: list[Unit]) -> dict[str, Unit]:
        specs: dict[str, Unit] = {}
        for unit in units:
            if unit.name in specs or unit.name in self.inputs:
                raise ValueError(f"Network: the name {describe(unit.name)} is used twice")
            specs[unit.name] = unit
        known = set(self.inputs) | set(specs)
        for unit in units:
            if not unit.sources:
                raise ValueError(f"Network: unit {describe(unit.name)} has no inputs")
            for source in unit.sources:
                _check_name(source, f"unit {describe(unit.name)}: source")
                if source not in known:
                    raise ValueError(f"Network: unit {describe(unit.name)} reads from unknown name {describe(source)}")
                if source == unit.name:
                    raise ValueError(f"Network: the units contain a cycle: {unit.name} -> {unit.name}")
            if len(set(unit.sources)) != len(unit.sources):
                raise ValueError(f"Network: unit {describe(unit.name)} lists a source twice: {describe(list(unit.sources))}")
        return specs

    def _check_outputs(self, outputs: Sequence[str] | None, specs: dict[str, Unit]) -> list[str]:
        if outputs is None:
            read = {source for unit in specs.values() for source in unit.sources}
            return [name for name in specs if name not in read]
        if isinstance(outputs, str) or not isinstance(outputs, Sequence) or not outputs:
            raise TypeError(f"Network: outputs must be a non-empty list of unit names, got {describe(outputs)}")
        for name in outputs:
            if name not in specs:
                raise ValueError(f"Network: output {describe(name)} is not a unit")
        if len(set(outputs)) != len(outputs):
            raise ValueError(f"Network: output names repeat: {list(outputs)}")
        return list(outputs)

    @classmethod
    def layered(
        cls,
        nin: int,
        nouts: Sequence[int],
        activation: ActivationSpec = "relu",
        output_activation: ActivationSpec = "linear",
        *,
        init: InitSpec = "uniform",
        rng: RngLike = None,
    ) -> Network:
        """The fully connected layered network MLP(nin, nouts) as units ``L{i}N{j}`` over inputs ``x{k}``."""
        previous = [f"x{k}" for k in range(check_count(nin, "nin", "Network.layered"))]
        inputs = list(previous)
        units: list[UnitSpec] = []
        for i, size in enumerate(nouts):
            act = output_activation if i == len(nouts) - 1 else activation
            names = [f"L{i}N{j}" for j in range(check_count(size, "every layer size", "Network.layered"))]
            units.extend(Unit(name, tuple(previous), act) for name in names)
            previous = names
        return cls(inputs, units, previous, init=init, rng=rng)

    def activations(self, x: Inputs) -> dict[str, Value]:
        """The value of every input and unit for one input vector, by name."""
        if len(x) != len(self.inputs):
            raise ValueError(f"Network: expected {len(self.inputs)} inputs, got {len(x)}")
        values: dict[str, Value] = {}
        for name, item in zip(self.inputs, x, strict=True):
            if isinstance(item, Value):
                values[name] = item
                continue
            number = real_number(item)
            if number is None:
                raise TypeError(f"Network: input {describe(name)} must be a number or a Value, got {type(item).__name__}")
            # One shared constant per input, labelled with its name, so graph pictures read well.
            values[name] = Value.constant(number)
            values[name].label = name
        for name in self.order:
            output = self.units[name]([values[s] for s in self.specs[name].sources])
            output.label = name  # a unit's value carries its name into graph pictures
            values[name] = output
        return values

    def __call__(self, x: Inputs) -> Output:
        """The output units' values: one Value when there is one output, else a list."""
        values = self.activations(x)
        out = [values[name] for name in self.outputs]
        return out[0] if len(out) == 1 else out

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``units.{name}`` in declaration order."""
        for name, neuron in self.units.items():
            yield f"units.{name}", neuron

    def __repr__(self) -> str:
        header = f"inputs={self.inputs}, outputs={self.outputs}, {self.num_parameters()} parameters"
        lines = [
            (f"units.{name}", _UnitRepr(name, self.specs[name].sources, self.units[name].activation.name))
            for name in self.units
        ]
        return describe_children(self, header, lines)


class _UnitRepr(NamedTuple):
    name: str
    sources: Sequence[str]
    activation: str

    def __repr__(self) -> str:
        return f"{self.activation}({', '.join(self.sources)})"
