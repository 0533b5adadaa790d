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
from autograd_lite.graph import draw_graph
from autograd_lite.graph_model import layer_of, model_layout, neuron_of
from tests.test_graph import all_nodes, parse_dot

Activation = Callable[[Value], Value]


class TinyMLP:
    """A stand-in for nn.MLP: act(w . x + b) per neuron, with nn's parameter names."""

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

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, layer in enumerate(self.layers):
            for j, (weights, bias) in enumerate(layer):
                for k, weight in enumerate(weights):
                    yield f"layers.{i}.neurons.{j}.w.{k}", weight
                yield f"layers.{i}.neurons.{j}.b", bias

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


def test_parameter_names_give_neurons_and_layers() -> None:
    assert neuron_of("layers.2.neurons.3.w.10") == "layers.2.neurons.3"
    assert neuron_of("layers.2.neurons.3.b") == "layers.2.neurons.3"
    assert neuron_of("units.h1.w.0") == "units.h1"
    assert neuron_of("scale") is None
    assert layer_of("layers.2.neurons.3") == "layers.2"
    assert layer_of("units.h1") is None


def test_each_neuron_owns_its_parameters_dot_bias_and_activation_and_nothing_else() -> None:
    model = TinyMLP([2, 3, 1], Value.tanh)
    loss, inputs = squared_error(model, [(0.5, -1.0)])
    layout = model_layout(model, all_nodes(loss))
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
    layout = model_layout(model, all_nodes(out))
    assert layout.owner[out] == 0


def test_cluster_draws_a_box_per_neuron_inside_a_box_per_layer() -> None:
    model = TinyMLP([2, 3, 1], Value.tanh)
    loss, _ = squared_error(model, [(0.5, -1.0)])
    loss.backward()
    dot_text = parse_dot(draw_graph(loss, cluster=model, max_nodes=None).source)
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

        def named_parameters(self) -> list[tuple[str, Value]]:
            pairs = []
            for unit, (weights, bias) in (("h", self.h), ("out", self.o)):
                pairs += [(f"units.{unit}.w.{k}", w) for k, w in enumerate(weights)] + [
                    (f"units.{unit}.b", bias)
                ]
            return pairs

    net = Units()
    x = [Value(1.0, "x0"), Value(2.0, "x1")]
    hidden = (dot(net.h[0], x) + net.h[1]).relu()
    out = dot(net.o[0], [hidden, x[0]]) + net.o[1]  # a skip connection from x0
    dot_text = parse_dot(draw_graph(out, cluster=net).source)
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


def test_a_model_whose_named_parameters_are_not_pairs_is_refused() -> None:
    class Broken:
        def named_parameters(self) -> list[object]:
            return [("w", 1.0)]

    with pytest.raises(
        TypeError, match=r"draw_graph: cluster.named_parameters\(\) must yield \(str, Value\) pairs"
    ):
        draw_graph(Value(1.0) * 2.0, cluster=Broken())  # type: ignore[arg-type]


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
    boxed = parse_dot(draw_graph(loss, cluster=model).source)  # type: ignore[arg-type]
    assert sum(c.startswith("cluster_neuron") for c in boxed.clusters) == 9
    assert len(named) == 2 * 4 + 4 + 4 * 4 + 4 + 4 + 1
    if shutil.which("dot"):
        assert draw_graph(loss, cluster=model, collapse="neuron").pipe("svg").startswith(b"<?xml")  # type: ignore[arg-type]
