"""Module trees: parameter names and labels, module names, initialisers, activations, reprs,
micrograd compatibility and the node count of a neuron's forward pass."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value, count_uses, topological_order
from nn import MLP, Layer, Network, Neuron, Unit


def test_mlp_parameter_names_follow_the_contract() -> None:
    model = MLP(3, [4, 2], rng=0)
    names = [name for name, _ in model.named_parameters()]
    expected = []
    for i, (nin, nout) in enumerate([(3, 4), (4, 2)]):
        for j in range(nout):
            expected += [f"layers.{i}.neurons.{j}.w.{k}" for k in range(nin)] + [f"layers.{i}.neurons.{j}.b"]
    assert names == expected
    assert model.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2
    assert model.parameters() == [value for _, value in model.named_parameters()]


def test_layer_and_neuron_alone_are_named_from_their_own_root() -> None:
    layer = Layer(2, 2, rng=0)
    assert [n for n, _ in layer.named_parameters()] == [
        "neurons.0.w.0", "neurons.0.w.1", "neurons.0.b", "neurons.1.w.0", "neurons.1.w.1", "neurons.1.b",
    ]
    neuron = Neuron(2, rng=0)
    assert [n for n, _ in neuron.named_parameters()] == ["w.0", "w.1", "b"]
    assert [v.label for v in neuron.parameters()] == ["w0", "w1", "b"]
    assert [v.label for v in layer.parameters()] == ["N0.w0", "N0.w1", "N0.b", "N1.w0", "N1.w1", "N1.b"]


def test_mlp_labels_read_layer_neuron_weight() -> None:
    model = MLP(2, [3, 1], rng=0)
    labels = dict((name, value.label) for name, value in model.named_parameters())
    assert labels["layers.0.neurons.2.w.1"] == "L0.N2.w1"
    assert labels["layers.1.neurons.0.b"] == "L1.N0.b"
    assert len(set(labels.values())) == len(labels)


def test_named_modules_walks_the_tree_parents_first() -> None:
    model = MLP(2, [2, 1], rng=0)
    names = [name for name, _ in model.named_modules()]
    assert names == [
        "", "layers.0", "layers.0.neurons.0", "layers.0.neurons.1", "layers.1", "layers.1.neurons.0",
    ]
    modules = dict(model.named_modules())
    assert modules[""] is model and modules["layers.1"] is model.layers[1]
    assert modules["layers.0.neurons.1"] is model.layers[0].neurons[1]


def test_network_parameter_names_use_unit_names() -> None:
    net = Network(["x1", "x2"], [Unit("h", ["x1", "x2"]), Unit("y", ["x1", "x2", "h"])], rng=0)
    assert [n for n, _ in net.named_parameters()] == [
        "units.h.w.0", "units.h.w.1", "units.h.b", "units.y.w.0", "units.y.w.1", "units.y.w.2", "units.y.b",
    ]
    assert [v.label for v in net.parameters()][:3] == ["h.w0", "h.w1", "h.b"]
    assert [n for n, _ in net.named_modules()] == ["", "units.h", "units.y"]


def test_zero_grad_forgets_every_gradient() -> None:
    model = MLP(2, [3, 1], rng=0)
    out = model([1.0, -2.0])
    assert isinstance(out, Value)
    (out * out).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 and not p.grad_reached for p in model.parameters())


def test_micrograd_init_draws_match_its_order() -> None:
    """micrograd draws random.uniform(-1, 1) per weight, neuron by neuron, and sets b = 0."""
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    random.seed(1337)
    expected: list[float] = []
    for nin, nout in [(2, 16), (16, 16), (16, 1)]:
        for _ in range(nout):
            expected += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]
    assert [p.data for p in model.parameters()] == expected


def test_the_same_seed_gives_the_same_weights_and_another_seed_does_not() -> None:
    first = [p.data for p in MLP(3, [5, 2], rng=7).parameters()]
    assert first == [p.data for p in MLP(3, [5, 2], rng=random.Random(7)).parameters()]
    assert first != [p.data for p in MLP(3, [5, 2], rng=8).parameters()]


def test_xavier_and_he_have_the_variance_of_their_papers() -> None:
    # Var U(-a, a) = a**2 / 3 = 2 / (fan_in + fan_out); Var N(0, s) = s**2 = 2 / fan_in.
    layer = Layer(50, 30, init="xavier", rng=1)
    weights = [w.data for n in layer.neurons for w in n.w]
    bound = math.sqrt(6 / 80)
    assert max(abs(w) for w in weights) <= bound
    assert statistics.pvariance(weights) == pytest.approx(2 / 80, rel=0.1)
    he = [w.data for n in Layer(50, 40, init="he", rng=2).neurons for w in n.w]
    assert statistics.pvariance(he) == pytest.approx(2 / 50, rel=0.1)
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_a_range_init_draws_weights_and_biases_inside_it() -> None:
    layer = Layer(6, 20, init=(-0.3, 0.3), rng=3)
    values = [p.data for p in layer.parameters()]
    assert all(-0.3 <= v <= 0.3 for v in values)
    biases = [n.b.data for n in layer.neurons]
    assert len(set(biases)) == len(biases)


def test_reset_parameters_redraws_in_place() -> None:
    model = MLP(2, [4, 1], rng=0)
    before = model.parameters()
    old = [p.data for p in before]
    model.reset_parameters(5)
    after = model.parameters()
    assert all(a is b for a, b in zip(before, after, strict=True))
    assert [p.data for p in after] != old
    assert [p.data for p in after] == [p.data for p in MLP(2, [4, 1], rng=5).parameters()]


def _ops_below(out: Value) -> list[str]:
    return sorted(node.op for node in topological_order(out) if node.op)


@pytest.mark.parametrize(
    ("activation", "ops"),
    [("relu", ["+", "dot", "relu"]), ("tanh", ["+", "dot", "tanh"]), ("sigmoid", ["+", "dot", "sigmoid"]),
     ("linear", ["+", "dot"]), ("leaky_relu", ["+", "dot", "leaky_relu"])],
)
def test_a_neuron_builds_one_dot_one_plus_one_activation(activation: str, ops: list[str]) -> None:
    neuron = Neuron(3, activation, rng=0)
    out = neuron([0.5, Value(-1.0), 2.0])
    assert _ops_below(out) == ops
    assert count_uses(out)[neuron.b] == 1


@given(st.lists(st.floats(-5, 5), min_size=3, max_size=3), st.sampled_from(["relu", "tanh", "sigmoid", "linear", "leaky_relu"]))
def test_a_neuron_computes_its_formula(x: list[float], activation: str) -> None:
    neuron = Neuron(3, activation, rng=1)
    h = sum(w.data * xi for w, xi in zip(neuron.w, x, strict=True)) + neuron.b.data
    formulas = {
        "relu": max(0.0, h), "tanh": math.tanh(h), "sigmoid": 1 / (1 + math.exp(-h)),
        "linear": h, "leaky_relu": h if h > 0 else 0.01 * h,
    }
    assert neuron(x).data == pytest.approx(formulas[activation], rel=1e-12, abs=1e-12)


def test_leaky_relu_slope_reaches_the_gradient() -> None:
    neuron = Neuron(1, "leaky_relu", rng=0)
    neuron.w[0].data, neuron.b.data = 1.0, 0.0
    x = Value(-3.0)
    neuron([x]).backward()
    assert x.grad == pytest.approx(0.01)
    y = Value(2.0)
    neuron([y]).backward()
    assert y.grad == 1.0


def test_callable_activation_and_its_name() -> None:
    def cube(v: Value) -> Value:
        return v**3

    neuron = Neuron(1, cube, rng=0)
    neuron.w[0].data, neuron.b.data = 2.0, 1.0
    assert neuron([1.0]).data == 27.0
    assert repr(neuron) == "Neuron(1, cube)"


def test_micrograd_nonlin_flag() -> None:
    assert Neuron(2, nonlin=False).activation.name == "linear"
    assert Neuron(2, nonlin=True).activation.name == "relu"
    assert not Neuron(2, nonlin=False).nonlin
    assert Layer(2, 3, nonlin=False).activation.name == "linear"
    with pytest.raises(ValueError, match="not both"):
        Neuron(2, "tanh", nonlin=True)


def test_layer_returns_a_list_and_mlp_a_value_for_one_output() -> None:
    assert isinstance(Layer(2, 1, rng=0)([1.0, 2.0]), list)
    assert isinstance(MLP(2, [3, 1], rng=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], rng=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_reprs_show_the_architecture() -> None:
    model = MLP(2, [16, 16, 1], rng=0)
    assert repr(model) == (
        "MLP(2 -> 16 -> 16 -> 1, 337 parameters\n"
        "  (layers.0): Layer(2 -> 16, relu)\n"
        "  (layers.1): Layer(16 -> 16, relu)\n"
        "  (layers.2): Layer(16 -> 1, linear)\n)"
    )
    net = Network(["a", "b"], [("h", ["a", "b"], "tanh"), ("y", ["a", "h"])], rng=0)
    assert "(units.h): tanh(a, b)" in repr(net) and "(units.y): sigmoid(a, h)" in repr(net)


def test_parameter_groups_are_the_layers() -> None:
    model = MLP(2, [3, 1], rng=0)
    groups = model.parameter_groups()
    assert list(groups) == ["layers.0", "layers.1"]
    assert [len(v) for v in groups.values()] == [9, 4]
    assert list(Neuron(2, rng=0).parameter_groups()) == ["self"]


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Neuron(0), ValueError, "Neuron: nin must be a positive int, got 0"),
        (lambda: Neuron(2.0), TypeError, "Neuron: nin must be a positive int"),  # type: ignore[arg-type]
        (lambda: Neuron(True), TypeError, "Neuron: nin"),
        (lambda: Neuron(2, "swish"), ValueError, "unknown activation 'swish'"),
        (lambda: Neuron(2, 3), TypeError, "activation must be a name or a callable"),  # type: ignore[arg-type]
        (lambda: Neuron(2, init="glorot"), ValueError, "unknown init 'glorot'"),
        (lambda: Neuron(2, init=(1.0, -1.0)), ValueError, r"low < high, got \(1.0, -1.0\)"),
        (lambda: Neuron(2, rng="seed"), TypeError, "rng must be a random.Random"),  # type: ignore[arg-type]
        (lambda: Layer(2, 0), ValueError, "Layer: nout must be a positive int, got 0"),
        (lambda: MLP(2, []), TypeError, "MLP: nouts must be a non-empty list"),
        (lambda: MLP(2, 3), TypeError, "MLP: nouts"),  # type: ignore[arg-type]
        (lambda: MLP(2, [3, -1]), ValueError, "every layer size in nouts must be a positive int, got -1"),
    ],
)
def test_bad_construction_is_refused_by_name(build: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()  # type: ignore[operator]


def test_wrong_input_length_names_the_module() -> None:
    with pytest.raises(ValueError, match="MLP: expected 2 inputs, got 3"):
        MLP(2, [3, 1], rng=0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Neuron: expected 2 inputs, got 1"):
        Neuron(2, rng=0)([1.0])
