"""The rules behind ``nn.to_torch`` and ``nn.from_torch``: which torch module each ``nn`` model
becomes and back, where each weight goes, and which modules are refused and why.

A layer of neurons is one ``torch.nn.Linear``: row j of its weight holds neuron j's weights (one
column per input) and its bias holds one bias per neuron. Activations map one to one:
relu - ``ReLU``, tanh - ``Tanh``, sigmoid - ``Sigmoid``, leaky_relu - ``LeakyReLU(0.01)``,
linear - nothing (``Identity`` inside a ``TorchNetwork`` unit). This file imports torch, so ``nn``
loads it only when a conversion is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch

from autograd_lite.ops import LEAKY_SLOPE
from autograd_lite.text import describe

from .activations import ACTIVATIONS, Activation, resolve_activation
from .layers import MLP, Layer, Neuron
from .module import Module
from .network import Network, Unit
from .torch_network import TorchNetwork, TorchUnit

_TO_MODULE: dict[str, type[torch.nn.Module]] = {
    "relu": torch.nn.ReLU,
    "tanh": torch.nn.Tanh,
    "sigmoid": torch.nn.Sigmoid,
    "linear": torch.nn.Identity,
}
_FROM_MODULE = {module: name for name, module in _TO_MODULE.items()}
NN_CLASS = "nn_class"
"""The attribute in which a Sequential made by to_torch keeps the name of the nn class it came from."""
_TAKEN = "Linear (with a bias), ReLU, Tanh, Sigmoid, LeakyReLU(0.01) and Identity"


class LayerWeights(NamedTuple):
    """One layer as plain numbers: weight rows (one per neuron), biases, and the activation's name."""

    rows: list[list[float]]
    biases: list[float]
    activation: str


# ---- nn -> torch ------------------------------------------------------------------------------


def model_to_torch(model: Module, dtype: torch.dtype | None) -> torch.nn.Module:
    """The torch module for a Neuron, Layer, MLP or Network (see ``nn.to_torch``)."""
    dtype = _check_dtype(dtype)
    if isinstance(model, Network):
        return _network_to_torch(model, dtype)
    if isinstance(model, Neuron):
        layers = [_layer_weights([model], "the neuron")]
    elif isinstance(model, Layer):
        layers = [_layer_weights(model.neurons, "the layer")]
    elif isinstance(model, MLP):
        layers = [_layer_weights(layer.neurons, f"layers.{i}") for i, layer in enumerate(model.layers)]
    else:
        raise TypeError(f"to_torch: expected a Neuron, Layer, MLP or Network, got {type(model).__name__}")
    sequential = torch.nn.Sequential()
    for layer in layers:
        sequential.append(_linear(layer.rows, layer.biases, dtype))
        if layer.activation != "linear":
            sequential.append(_activation_module(layer.activation))
    setattr(sequential, NN_CLASS, type(model).__name__)
    return sequential


def _check_dtype(dtype: object) -> torch.dtype:
    if dtype is None:
        return torch.float64
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(
            f"to_torch: dtype must be a floating-point torch dtype such as torch.float32, got {describe(dtype)}"
        )
    return dtype


def _activation_name(activation: Activation, where: str) -> str:
    """The name of a built-in activation; a callable of the user's own is refused by name."""
    if activation.name in ACTIVATIONS and ACTIVATIONS[activation.name] is activation.fn:
        return activation.name
    choices = ", ".join(repr(name) for name in ACTIVATIONS)
    raise ValueError(
        f"to_torch: {where} uses the activation {activation.name!r}, a function of your own, which has no torch "
        f"module; use one of {choices}, or convert by hand"
    )


def _layer_weights(neurons: Sequence[Neuron], where: str) -> LayerWeights:
    names = {_activation_name(neuron.activation, where) for neuron in neurons}
    if len(names) > 1:
        raise ValueError(
            f"to_torch: the neurons of {where} have different activations {sorted(names)}; a layer has one"
        )
    rows = [[weight.data for weight in neuron.w] for neuron in neurons]
    return LayerWeights(rows, [neuron.b.data for neuron in neurons], names.pop())


def _linear(rows: list[list[float]], biases: list[float], dtype: torch.dtype) -> torch.nn.Linear:
    """A Linear holding these weights."""
    # Made on the meta device and then given empty memory, as torch.nn.utils.skip_init does, so
    # no random initial weights are drawn: the user's torch random stream stays where it was.
    linear = torch.nn.Linear(len(rows[0]), len(rows), dtype=dtype, device="meta").to_empty(device="cpu")
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(rows, dtype=dtype))
        linear.bias.copy_(torch.tensor(biases, dtype=dtype))
    return linear


def _activation_module(name: str) -> torch.nn.Module:
    if name == "leaky_relu":
        return torch.nn.LeakyReLU(LEAKY_SLOPE)
    return _TO_MODULE[name]()


def _network_to_torch(network: Network, dtype: torch.dtype) -> TorchNetwork:
    units = []
    for name, neuron in network.units.items():
        layer = _layer_weights([neuron], f"unit {name!r}")
        linear = _linear(layer.rows, layer.biases, dtype)
        units.append(
            TorchUnit(name, network.specs[name].sources, linear, _activation_module(layer.activation))
        )
    return TorchNetwork(network.inputs, units, network.order, network.outputs)


# ---- torch -> nn ------------------------------------------------------------------------------


def model_from_torch(module: torch.nn.Module) -> Module:
    """The nn model a Sequential or TorchNetwork computes (see ``nn.from_torch``)."""
    if isinstance(module, TorchNetwork):
        return _network_from_torch(module)
    if type(module) is not torch.nn.Sequential:
        raise TypeError(
            f"from_torch: cannot take {type(module).__name__}: expected a torch.nn.Sequential of {_TAKEN}, "
            "or a TorchNetwork made by nn.to_torch"
        )
    layers = _read_sequential(module)
    kind = getattr(module, NN_CLASS, "MLP")
    if kind in ("Neuron", "Layer"):
        return _single_layer(kind, layers)
    nin = len(layers[0].rows[0])
    model = MLP(nin, [len(layer.rows) for layer in layers], rng=0)
    for layer, weights in zip(model.layers, layers, strict=True):
        _set_activation(layer, weights.activation)
        _copy_weights(layer.neurons, weights)
    return model


def _where(index: int, name: str, module: torch.nn.Module) -> str:
    """How an error names a module of a Sequential: its index, its own name if it has one, its type."""
    own_name = "" if name == str(index) else f" {name!r}"
    return f"module {index}{own_name} ({type(module).__name__})"


def _read_sequential(sequential: torch.nn.Sequential) -> list[LayerWeights]:
    """Each Linear with the activation after it, or an error naming the first module that does not fit."""
    layers: list[LayerWeights] = []
    for index, (name, module) in enumerate(sequential.named_children()):
        where = _where(index, name, module)
        if type(module) is torch.nn.Identity:
            continue
        if type(module) is torch.nn.Linear:
            if layers and module.in_features != len(layers[-1].rows):
                raise ValueError(
                    f"from_torch: cannot take {where}: it reads {module.in_features} inputs, "
                    f"but the layer before it gives {len(layers[-1].rows)}"
                )
            layers.append(_linear_weights(module, where))
            continue
        activation = _activation_of(module, where)
        if not layers:
            raise ValueError(f"from_torch: cannot take {where}: an activation needs a Linear before it")
        if layers[-1].activation != "linear":
            raise ValueError(
                f"from_torch: cannot take {where}: a second activation after one Linear "
                f"(a neuron applies one activation to its weighted sum)"
            )
        layers[-1] = layers[-1]._replace(activation=activation)
    if not layers:
        raise ValueError(f"from_torch: the Sequential holds no Linear; it must be made of {_TAKEN}")
    return layers


def _linear_weights(linear: torch.nn.Linear, where: str) -> LayerWeights:
    if linear.bias is None:
        raise ValueError(f"from_torch: cannot take {where}: it has no bias, and every neuron here has one")
    return LayerWeights(linear.weight.detach().tolist(), linear.bias.detach().tolist(), "linear")


def _activation_of(module: torch.nn.Module, where: str) -> str:
    """The nn name of a torch activation module, or an error naming the module."""
    if type(module) is torch.nn.LeakyReLU:
        if module.negative_slope != LEAKY_SLOPE:
            raise ValueError(
                f"from_torch: cannot take {where}: negative_slope {module.negative_slope!r}; "
                f"nn's leaky_relu has slope {LEAKY_SLOPE}"
            )
        return "leaky_relu"
    if type(module) in _FROM_MODULE:
        return _FROM_MODULE[type(module)]
    raise TypeError(f"from_torch: cannot take {where}: only {_TAKEN} can be converted")


def _single_layer(kind: str, layers: list[LayerWeights]) -> Module:
    """The Neuron or Layer a Sequential made by to_torch says it came from, if it still is one."""
    if len(layers) != 1 or (kind == "Neuron" and len(layers[0].rows) != 1):
        sizes = [len(layer.rows) for layer in layers]
        raise ValueError(
            f"from_torch: the Sequential says it was made from a {kind} (its nn_class), "
            f"but it holds Linear layers of sizes {sizes}"
        )
    weights = layers[0]
    nin = len(weights.rows[0])
    if kind == "Neuron":
        neuron = Neuron(nin, weights.activation, rng=0)
        _copy_weights([neuron], weights)
        return neuron
    layer = Layer(nin, len(weights.rows), weights.activation, rng=0)
    _copy_weights(layer.neurons, weights)
    return layer


def _set_activation(layer: Layer, name: str) -> None:
    """Give every neuron of a layer this activation: a hand-written Sequential may vary it layer by layer."""
    activation = resolve_activation(name, "from_torch")
    layer.activation = activation
    for neuron in layer.neurons:
        neuron.activation = activation


def _copy_weights(neurons: Sequence[Neuron], weights: LayerWeights) -> None:
    for neuron, row, bias in zip(neurons, weights.rows, weights.biases, strict=True):
        for weight, number in zip(neuron.w, row, strict=True):
            weight.data = number
        neuron.b.data = bias


def _network_from_torch(module: TorchNetwork) -> Network:
    units: list[Unit] = []
    weights: list[LayerWeights] = []
    for index, unit in enumerate(module.units):
        if type(unit) is not TorchUnit:
            raise TypeError(
                f"from_torch: cannot take units.{index} ({type(unit).__name__}): expected a TorchUnit"
            )
        linear, activation = unit.linear, unit.activation
        where = f"units.{index}.linear ({type(linear).__name__})"
        if type(linear) is not torch.nn.Linear:
            raise TypeError(f"from_torch: cannot take {where}: a unit needs a Linear")
        if (linear.in_features, linear.out_features) != (len(unit.sources), 1):
            raise ValueError(
                f"from_torch: cannot take {where}: unit {unit.name!r} reads {len(unit.sources)} sources, "
                f"so it needs Linear({len(unit.sources)}, 1), not Linear({linear.in_features}, {linear.out_features})"
            )
        weights.append(_linear_weights(linear, where))
        name = _activation_of(activation, f"units.{index}.activation ({type(activation).__name__})")
        units.append(Unit(unit.name, unit.sources, name))
    network = Network(list(module.inputs), units, list(module.outputs), rng=0)
    for neuron, layer in zip(network.units.values(), weights, strict=True):
        _copy_weights([neuron], layer)
    return network
