"""``TorchNetwork``: what ``nn.to_torch`` makes of a ``Network`` of named units with skip
connections, a small ``torch.nn.Module`` whose ``forward`` evaluates the units in the network's
order, each reading its sources (inputs or earlier units) by name.

This file imports torch, so ``nn`` loads it only when a conversion is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import torch


class TorchUnit(torch.nn.Module):  # type: ignore[misc, unused-ignore]  # torch.nn.Module is Any without torch's types
    """One unit of a Network: activation(linear(its sources)), with ``linear`` a Linear(k, 1) over
    its k sources and ``activation`` a torch activation module (Identity for a linear unit)."""

    def __init__(
        self, name: str, sources: Sequence[str], linear: torch.nn.Linear, activation: torch.nn.Module
    ) -> None:
        super().__init__()
        self.name = name
        self.sources = tuple(sources)
        self.linear = linear
        self.activation = activation

    def forward(self, sources: torch.Tensor) -> torch.Tensor:
        """act(w . a + b) over the last axis: sources of shape (..., k) give a value of shape (...)."""
        return self.activation(self.linear(sources)).squeeze(-1)  # type: ignore[no-any-return, unused-ignore]

    def extra_repr(self) -> str:
        """``name = Activation(Linear(source, ...))``, or ``name = Linear(...)`` for a linear unit."""
        weighted_sum = f"Linear({', '.join(self.sources)})"
        if type(self.activation) is torch.nn.Identity:
            return f"{self.name} = {weighted_sum}"
        return f"{self.name} = {type(self.activation).__name__}({weighted_sum})"


class TorchNetwork(torch.nn.Module):  # type: ignore[misc, unused-ignore]  # as TorchUnit
    """An ``nn.Network`` as a torch module, made by ``nn.to_torch``: ``units`` holds a ``TorchUnit``
    per unit in the network's declaration order, ``order`` the names in evaluation order (each unit
    after every unit it reads). ``forward`` maps inputs of shape (..., len(inputs)) to outputs of
    shape (..., len(outputs)), evaluating every unit on the values of its sources, inputs or
    earlier units alike, so skip connections cost nothing special."""

    def __init__(
        self, inputs: Sequence[str], units: Sequence[TorchUnit], order: Sequence[str], outputs: Sequence[str]
    ) -> None:
        super().__init__()
        self.inputs = tuple(inputs)
        self.units = torch.nn.ModuleList(units)
        self.order = tuple(order)
        self.outputs = tuple(outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The output units' values, stacked on the last axis."""
        if x.shape[-1] != len(self.inputs):
            raise ValueError(
                f"TorchNetwork: expected inputs of shape (..., {len(self.inputs)}), got {tuple(x.shape)}"
            )
        # ModuleList's types say Module; to_torch puts only TorchUnits in it.
        units = {unit.name: unit for unit in cast("list[TorchUnit]", list(self.units))}
        values = dict(zip(self.inputs, x.unbind(-1), strict=True))
        for name in self.order:
            unit = units[name]
            values[name] = unit(torch.stack([values[source] for source in unit.sources], dim=-1))
        return torch.stack([values[name] for name in self.outputs], dim=-1)

    def extra_repr(self) -> str:
        """Where it came from, its inputs and outputs, and the order of evaluation."""
        return (
            f"an nn.Network of units: inputs={list(self.inputs)}, outputs={list(self.outputs)}, "
            f"evaluated in the order {', '.join(self.order)}"
        )
