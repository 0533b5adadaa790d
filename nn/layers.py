"""Layered networks: ``Neuron``, ``Layer`` and ``MLP``, compatible with micrograd's demo.

A neuron computes act(w . x + b) as three nodes (one ``dot``, one ``+``, one activation), so a
forward pass builds a small graph. ``Layer`` always returns a list; ``MLP`` returns a single Value
when its last layer has one output. Parameters are named ``layers.{i}.neurons.{j}.w.{k}`` and
labelled ``L{i}.N{j}.w{k}`` so graph pictures read well.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from autograd_lite import Value, dot
from autograd_lite.text import describe

from .activations import ActivationSpec, resolve_activation
from .checks import check_count
from .initializers import InitSpec, RngLike, Sampler, draw_bias, draw_weight, make_rng, resolve_init
from .module import Inputs, Module, Output, describe_children


def _micrograd_activation(activation: ActivationSpec, nonlin: bool | None, where: str) -> ActivationSpec:
    """micrograd's ``nonlin=True/False`` means relu/linear; it may not contradict ``activation``."""
    if nonlin is None:
        return activation
    if activation != "relu":
        raise ValueError(f"{where}: give activation={describe(activation)} or nonlin={describe(nonlin)}, not both")
    return "relu" if nonlin else "linear"


class Neuron(Module):
    """One unit: act(w . x + b). Weights from ``init``; the bias starts at 0 (random for a range)."""

    is_neuron = True

    def __init__(
        self,
        nin: int,
        activation: ActivationSpec = "relu",
        *,
        init: InitSpec = "uniform",
        rng: RngLike = None,
        nonlin: bool | None = None,
        fan_out: int = 1,
    ) -> None:
        self.nin = check_count(nin, "nin", "Neuron")
        self.fan_out = check_count(fan_out, "fan_out", "Neuron")
        self.activation = resolve_activation(_micrograd_activation(activation, nonlin, "Neuron"), "Neuron")
        self.init = resolve_init(init, "Neuron")
        sampler = make_rng(rng, "Neuron")
        self.w = [Value(draw_weight(self.init, sampler, nin, fan_out)) for _ in range(nin)]
        self.b = Value(draw_bias(self.init, sampler))
        self.relabel("")

    def __call__(self, x: Inputs) -> Value:
        """act(w . x + b) for an input vector of floats or Values."""
        if len(x) != self.nin:
            raise ValueError(f"Neuron: expected {self.nin} inputs, got {len(x)}")
        total = dot(self.w, x) + self.b
        fn = self.activation.fn
        return total if fn is None else fn(total)

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the neuron is linear."""
        return self.activation.name != "linear"

    def relabel(self, prefix: str) -> None:
        """Label the parameters ``{prefix}w{k}`` and ``{prefix}b`` for graph pictures."""
        for k, weight in enumerate(self.w):
            weight.label = f"{prefix}w{k}"
        self.b.label = f"{prefix}b"

    def own_parameters(self) -> Iterator[tuple[str, Value]]:
        """``w.{k}`` for each weight, then ``b``."""
        for k, weight in enumerate(self.w):
            yield f"w.{k}", weight
        yield "b", self.b

    def reset_own_parameters(self, rng: Sampler) -> None:
        """Draw the weights and bias again in micrograd's order (weights first)."""
        for weight in self.w:
            weight.data = draw_weight(self.init, rng, self.nin, self.fan_out)
        self.b.data = draw_bias(self.init, rng)

    def extra_repr(self) -> str:
        """``nin, activation``."""
        return f"{self.nin}, {self.activation.name}"


class Layer(Module):
    """``nout`` neurons that read the same inputs; calling it always returns a list."""

    is_layer = True

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: ActivationSpec = "relu",
        *,
        init: InitSpec = "uniform",
        rng: RngLike = None,
        nonlin: bool | None = None,
    ) -> None:
        self.nin = check_count(nin, "nin", "Layer")
        self.nout = check_count(nout, "nout", "Layer")
        sampler = make_rng(rng, "Layer")
        self.neurons = [
            Neuron(nin, activation, init=init, rng=sampler, nonlin=nonlin, fan_out=nout) for _ in range(nout)
        ]
        self.activation = self.neurons[0].activation
        self.relabel("")

    def __call__(self, x: Inputs) -> list[Value]:
        """Each neuron's output, in order."""
        if len(x) != self.nin:
            raise ValueError(f"Layer: expected {self.nin} inputs, got {len(x)}")
        return [neuron(x) for neuron in self.neurons]

    def relabel(self, prefix: str) -> None:
        """Label parameters ``{prefix}N{j}.w{k}``."""
        for j, neuron in enumerate(self.neurons):
            neuron.relabel(f"{prefix}N{j}.")

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``neurons.{j}``."""
        for j, neuron in enumerate(self.neurons):
            yield f"neurons.{j}", neuron

    def extra_repr(self) -> str:
        """``nin -> nout, activation``."""
        return f"{self.nin} -> {self.nout}, {self.activation.name}"


class MLP(Module):
    """Layers in sequence: ``activation`` on hidden layers, ``output_activation`` on the last."""

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: ActivationSpec = "relu",
        output_activation: ActivationSpec = "linear",
        *,
        init: InitSpec = "uniform",
        rng: RngLike = None,
    ) -> None:
        check_count(nin, "nin", "MLP")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"MLP: nouts must be a non-empty list of layer sizes, got {describe(nouts)}")
        for size in nouts:
            check_count(size, "every layer size in nouts", "MLP")
        sizes = [nin, *nouts]
        sampler = make_rng(rng, "MLP")
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation, init=init, rng=sampler)
            for i in range(len(nouts))
        ]
        for i, layer in enumerate(self.layers):
            layer.relabel(f"L{i}.")

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return self.layers[0].nin

    @property
    def nouts(self) -> list[int]:
        """The size of each layer."""
        return [layer.nout for layer in self.layers]

    def __call__(self, x: Inputs) -> Output:
        """The last layer's outputs: one Value if it has one neuron, else a list."""
        if len(x) != self.nin:
            raise ValueError(f"MLP: expected {self.nin} inputs, got {len(x)}")
        values = self.layers[0](x)
        for layer in self.layers[1:]:
            values = layer(values)
        return values[0] if len(values) == 1 else values

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``layers.{i}``."""
        for i, layer in enumerate(self.layers):
            yield f"layers.{i}", layer

    def __repr__(self) -> str:
        sizes = " -> ".join(str(size) for size in [self.nin, *self.nouts])
        header = f"{sizes}, {self.num_parameters()} parameters"
        return describe_children(self, header, list(self.named_children()))
