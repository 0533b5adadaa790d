"""cluster=model and collapse='neuron': which nodes go in which neuron and layer box, one node per
neuron with its gradient norm, and the same with a real nn.MLP."""

from __future__ import annotations

import itertools
import math
import random
import shutil
from collections.abc import Callable, Iterator, Sequence

import pytest

from autograd_lite import Value, dot
from autograd_lite.pictures.model import ModelLayout, model_layout
from autograd_lite.pictures.render import draw_graph
from tests.pictures.dot_reader import all_nodes, parse_dot

Activation = Callable[[Value], Value]


class TinyMLP:
    """A stand-in for nn.MLP: act(w . x + b) per neuron, describing itself as nn's modules do."""

    def __init__(self, sizes: Sequence[int], activation: Activation, seed: int = 0) -> None:
        rng = random.Random(seed)
        self.layers = [
            [
                ([Value(rng.uniform(-1, 1), f"L{i}N{j}w{k}") for k in range(n_in)], Value(0.1, f"L{i}N{j}b"))
                for j in range(n_out)
            ]
            for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes))
        ]
        self.activation = activation

    def neuron_layout(self) -> Iterator[tuple[str, str | None, tuple[Value, ...]]]:
        for i, layer in enumerate(self.layers):
            for j, (weights, bias) in enumerate(layer):
                yield f"layers.{i}.neurons.{j}", f"layers.{i}", (*weights, bias)

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for weights, bias in layer for p in (*weights, bias)]

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        for layer in self.layers:
            x = [self.activation(dot(weights, x) + bias) for weights, bias in layer]
        return list(x)


def squared_error(model: TinyMLP, samples: Sequence[tuple[float, float]]) -> tuple[Value, list[Value]]:
    """Sum over samples of (out - 1)**2; returns the loss and the input leaves."""
    inputs: list[Value] = []
    terms = []
    for a, b in samples:
        x = [Value(a, "x0"), Value(b, "x1")]
        inputs.extend(x)
        (out,) = model(x)
        terms.append((out - 1.0) ** 2)
    loss = terms[0]
    for term in terms[1:]:
        loss = loss + term
    loss.label = "loss"
    return loss, inputs


def layout_of(model: object, root: Value) -> ModelLayout:
    """model_layout over every node below root, with operands read once per node."""
    nodes = all_nodes(root)
    return model_layout(model, nodes, {n: n.parents for n in nodes if not n.is_leaf})  # type: ignore[arg-type]


def test_models_name_their_neurons_and_layers_through_the_protocol() -> None:
    import nn

    mlp = nn.MLP(2, [3, 3, 4, 1], rng=0)
    entries = {name: (layer, params) for name, layer, params in mlp.neuron_layout()}
    neuron = mlp.layers[2].neurons[3]
    assert entries["layers.2.neurons.3"] == ("layers.2", (*neuron.w, neuron.b))
    network = nn.Network(["x1", "x2"], [nn.Unit("h1", ["x1", "x2"]), nn.Unit("y", ["x1", "h1"])])
    layers = {name: layer for name, layer, _ in network.neuron_layout()}
    assert layers == {"units.h1": None, "units.y": None}

    class Scaled(nn.Module):
        """A module with a parameter of its own that belongs to no neuron."""

        def __init__(self) -> None:
            self.scale = Value(2.0)
            self.inner = nn.Neuron(2, rng=0)

        def own_parameters(self) -> Iterator[tuple[str, Value]]:
            yield "scale", self.scale

        def named_children(self) -> Iterator[tuple[str, nn.Module]]:
            yield "inner", self.inner

    scaled = Scaled()
    assert [(name, layer) for name, layer, _ in scaled.neuron_layout()] == [("inner", None)]
    assert all(scaled.scale not in params for _, _, params in scaled.neuron_layout())


def test_each_neuron_owns_its_parameters_dot_bias_and_activation_and_nothing_else() -> None:
    model = TinyMLP([2, 3, 1], Value.tanh)
    loss, inputs = squared_error(model, [(0.5, -1.0)])
    layout = layout_of(model, loss)
    assert [n.name for n in layout.neurons] == [f"layers.0.neurons.{j}" for j in range(3)] + [
        "layers.1.neurons.0"
    ]
    assert layout.layers == ("layers.0", "layers.1")
    for index, (weights, bias) in enumerate([*model.layers[0], *model.layers[1]]):
        owned = [node for node, owner in layout.owner.items() if owner == index]
        # Its weights and bias, then dot, + b and tanh: three computed nodes.
        assert set(owned) >= {*weights, bias}
        computed = sorted(node.op for node in owned if node.parents)
        assert computed == ["+", "dot", "tanh"]
    for outside in (*inputs, loss, loss.parents[0]):
        assert outside not in layout.owner


def test_a_leaky_relu_written_as_a_product_with_a_constant_joins_its_neuron() -> None:
    model = TinyMLP([2, 2], lambda v: v * (1.0 if v.data > 0 else 0.01))
    out, _ = model([Value(1.0), Value(-2.0)])
    layout = layout_of(model, out)
    assert layout.owner[out] == 0


def test_cluster_draws_a_box_per_neuron_inside_a_box_per_layer() -> None:
    model = TinyMLP([2, 3, 1], Value.tanh)
    loss, _ = squared_error(model, [(0.5, -1.0)])
    loss.backward()
    dot_text = parse_dot(draw_graph(loss, cluster=model, max_nodes=None, fit_width=None).source)
    layers = [c for c in dot_text.clusters if c.startswith("cluster_layer")]
    neurons = [c for c in dot_text.clusters if c.startswith("cluster_neuron")]
    assert len(layers) == 2 and len(neurons) == 4
    for index, (weights, bias) in enumerate([*model.layers[0], *model.layers[1]]):
        members = dot_text.clusters[f"cluster_neuron{index}"]
        labels = " ".join(dot_text.nodes[m]["label"] for m in members)
        assert all(f"<B>{w.label}</B>" in labels for w in (*weights, bias))
        # weights + bias + three computed values, each computed one with its op node.
        assert len(members) == len(weights) + 1 + 3 * 2
    layer0 = set(dot_text.clusters["cluster_layer0"])
    assert {m for i in range(3) for m in dot_text.clusters[f"cluster_neuron{i}"]} == layer0
    inside = {m for c in neurons for m in dot_text.clusters[c]}
    assert dot_text.named("loss") not in inside and dot_text.named("x0") not in inside


def test_a_network_without_layers_gets_neuron_boxes_only() -> None:
    class Units:
        def __init__(self) -> None:
            self.h = [Value(0.3, "hw0"), Value(-0.2, "hw1")], Value(0.0, "hb")
            self.o = [Value(0.7, "ow0"), Value(0.5, "ow1")], Value(0.1, "ob")

        def neuron_layout(self) -> list[tuple[str, None, tuple[Value, ...]]]:
            return [(f"units.{unit}", None, (*weights, bias)) for unit, (weights, bias) in (("h", self.h), ("out", self.o))]

        def parameters(self) -> list[Value]:
            return [p for _, _, params in self.neuron_layout() for p in params]

    net = Units()
    x = [Value(1.0, "x0"), Value(2.0, "x1")]
    hidden = (dot(net.h[0], x) + net.h[1]).relu()
    out = dot(net.o[0], [hidden, x[0]]) + net.o[1]  # a skip connection from x0
    dot_text = parse_dot(draw_graph(out, cluster=net, fit_width=None).source)
    assert sorted(dot_text.clusters) == ["cluster_neuron0", "cluster_neuron1"]
    assert dot_text.cluster_labels == {"cluster_neuron0": "units.h", "cluster_neuron1": "units.out"}
    # The skip connection: x0 feeds both neurons' dot products directly.
    x0 = dot_text.named("x0")
    heads = {h for t, h, _ in dot_text.edges if t == x0}
    assert all(any(h in dot_text.clusters[c] for c in dot_text.clusters) for h in heads) and len(heads) == 2


def test_collapse_draws_one_node_per_neuron_with_its_gradient_norm() -> None:
    model = TinyMLP([2, 3, 1], Value.tanh)
    loss, _ = squared_error(model, [(0.5, -1.0)])
    loss.backward()
    dot_text = parse_dot(draw_graph(loss, cluster=model, collapse="neuron").source)
    neuron_nodes = sorted(n for n in dot_text.nodes if n.startswith("neuron"))
    assert neuron_nodes == ["neuron0", "neuron1", "neuron2", "neuron3"]
    for index, (weights, bias) in enumerate([*model.layers[0], *model.layers[1]]):
        norm = math.sqrt(sum(p.grad**2 for p in (*weights, bias)))
        assert f"‖grad‖ {norm:.4g}<" in dot_text.nodes[f"neuron{index}"]["label"]
    # Fully connected: each of the 3 hidden neurons feeds the output neuron once; each input feeds 3.
    assert all(len(dot_text.edges_between(f"neuron{j}", "neuron3")) == 1 for j in range(3))
    x0 = dot_text.named("x0")
    assert sorted(h for t, h, _ in dot_text.edges if t == x0) == ["neuron0", "neuron1", "neuron2"]
    # No weight is drawn on its own any more.
    assert not any("w0</B>" in a.get("label", "") for a in dot_text.nodes.values())


def test_collapse_counts_a_neuron_as_one_node_for_max_nodes() -> None:
    model = TinyMLP([2, 8, 8, 1], Value.tanh)
    loss, _ = squared_error(model, [(0.5, -1.0), (1.0, 2.0)])
    loss.backward()
    whole = parse_dot(draw_graph(loss, cluster=model, collapse="neuron", max_nodes=None).source)
    assert sum(n.startswith("neuron") for n in whole.nodes) == 17
    cut = parse_dot(draw_graph(loss, cluster=model, collapse="neuron", max_nodes=12).source)
    drawn = [n for n in cut.nodes if n.startswith("neuron") or (n.startswith("n") and n[1:].isdigit())]
    assert len(drawn) == 12 and "more nodes not shown" in cut.nodes["more"]["label"]


def test_a_model_whose_neuron_layout_is_not_name_layer_parameters_is_refused() -> None:
    class Broken:
        def neuron_layout(self) -> list[object]:
            return [("w", 1.0)]

        def parameters(self) -> list[Value]:
            return []

    with pytest.raises(
        TypeError, match=r"draw_graph: cluster.neuron_layout\(\) must yield \(name, layer, parameters\)"
    ):
        draw_graph(Value(1.0) * 2.0, cluster=Broken())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"draw_graph: cluster must have neuron_layout\(\) and parameters\(\)"):
        draw_graph(Value(1.0) * 2.0, cluster=object())  # type: ignore[arg-type]


# ---- with the real nn.MLP ------------------------------------------------------------------


def _real_mlp() -> object:
    layers = pytest.importorskip("nn.layers")
    return layers.MLP(2, [4, 4, 1], activation="relu", rng=0)


def test_a_real_mlp_collapses_to_its_neurons_and_boxes_its_layers() -> None:
    model = _real_mlp()
    named = list(model.named_parameters())  # type: ignore[attr-defined]
    out = model([Value(0.5, "x0"), Value(-1.0, "x1")])  # type: ignore[operator]
    loss = (out - 1.0) ** 2
    loss.backward()
    collapsed = parse_dot(draw_graph(loss, cluster=model, collapse="neuron").source)  # type: ignore[arg-type]
    assert sum(n.startswith("neuron") for n in collapsed.nodes) == 9
    assert sorted(c for c in collapsed.clusters) == ["cluster_layer0", "cluster_layer1", "cluster_layer2"]
    boxed = parse_dot(draw_graph(loss, cluster=model, fit_width=None).source)  # type: ignore[arg-type]
    assert sum(c.startswith("cluster_neuron") for c in boxed.clusters) == 9
    assert len(named) == 2 * 4 + 4 + 4 * 4 + 4 + 4 + 1
    if shutil.which("dot"):
        assert draw_graph(loss, cluster=model, collapse="neuron").pipe("svg").startswith(b"<?xml")  # type: ignore[arg-type]
