"""Gradients of whole models: the classic delta rules worked by hand, PyTorch float64, and
central differences, for layered MLPs and for a Network with skip connections."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, gradcheck, numerical_grad
from nn import MLP, Network, Unit, mse, sse
from nn.module import Module


def sigmoid(h: float) -> float:
    return 1.0 / (1.0 + math.exp(-h))


def _engine_grads(model: Module, X: Sequence[Sequence[float]], T: Sequence[Sequence[float]]) -> dict[str, float]:
    model.zero_grad()
    outputs = [model(x) for x in X]
    sse(outputs, [list(t) if len(t) > 1 else t[0] for t in T]).backward()
    return {name: p.grad for name, p in model.named_parameters()}


def _hand_two_layer(model: MLP, X: Sequence[Sequence[float]], T: Sequence[Sequence[float]], linear_out: bool) -> dict[str, float]:
    """Backprop by the delta rules of Rumelhart, Hinton & Williams on plain floats.

    delta_k = (y_k - t_k) g'(h_k) at the output (g' = 1 for a linear unit),
    delta_j = g'(h_j) sum_k delta_k w_jk at a hidden unit, and dE/dw_ij = delta_j a_i,
    summed over the samples (E = 1/2 sum (y - t)**2).
    """
    hidden, output = model.layers
    grads: dict[str, float] = {name: 0.0 for name, _ in model.named_parameters()}
    for x, t in zip(X, T, strict=True):
        a = [sigmoid(sum(w.data * xi for w, xi in zip(n.w, x, strict=True)) + n.b.data) for n in hidden.neurons]
        h_out = [sum(w.data * aj for w, aj in zip(n.w, a, strict=True)) + n.b.data for n in output.neurons]
        y = h_out if linear_out else [sigmoid(h) for h in h_out]
        delta_out = [(yk - tk) * (1.0 if linear_out else yk * (1 - yk)) for yk, tk in zip(y, t, strict=True)]
        delta_hidden = [
            aj * (1 - aj) * sum(dk * output.neurons[k].w[j].data for k, dk in enumerate(delta_out))
            for j, aj in enumerate(a)
        ]
        for k, dk in enumerate(delta_out):
            for j, aj in enumerate(a):
                grads[f"layers.1.neurons.{k}.w.{j}"] += dk * aj
            grads[f"layers.1.neurons.{k}.b"] += dk
        for j, dj in enumerate(delta_hidden):
            for i, xi in enumerate(x):
                grads[f"layers.0.neurons.{j}.w.{i}"] += dj * xi
            grads[f"layers.0.neurons.{j}.b"] += dj
    return grads


X3 = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [-2.0, 1.0, 0.0]]


def test_delta_rule_for_a_two_layer_sigmoid_network() -> None:
    model = MLP(3, [4, 2], "sigmoid", "sigmoid", rng=11)
    T = [[1.0, 0.0], [0.0, 1.0], [0.3, 0.7]]
    engine = _engine_grads(model, X3, T)
    hand = _hand_two_layer(model, X3, T, linear_out=False)
    assert engine.keys() == hand.keys()
    for name in hand:
        assert engine[name] == pytest.approx(hand[name], rel=1e-12, abs=1e-15), name


def test_delta_rule_for_a_network_with_a_linear_output_unit() -> None:
    model = MLP(3, [5, 1], "sigmoid", "linear", rng=12)
    T = [[2.0], [-1.0], [0.5]]
    engine = _engine_grads(model, X3, T)
    hand = _hand_two_layer(model, X3, T, linear_out=True)
    for name in hand:
        assert engine[name] == pytest.approx(hand[name], rel=1e-12, abs=1e-15), name


def _hand_network(net: Network, X: Sequence[Sequence[float]], T: Sequence[Sequence[float]]) -> dict[str, float]:
    """The generalised delta rule on a unit-level network (every unit sigmoid):
    dE/da_i = (a_i - t_i) [i is an output] + sum_{k reads i} delta_k w_ik, delta_i = g'(h_i) dE/da_i."""
    grads: dict[str, float] = {name: 0.0 for name, _ in net.named_parameters()}
    for x, t in zip(X, T, strict=True):
        a = dict(zip(net.inputs, x, strict=True))
        for name in net.order:
            unit = net.units[name]
            h = sum(w.data * a[s] for w, s in zip(unit.w, net.specs[name].sources, strict=True)) + unit.b.data
            a[name] = sigmoid(h)
        delta: dict[str, float] = {}
        for name in reversed(net.order):
            upstream = (a[name] - t[net.outputs.index(name)]) if name in net.outputs else 0.0
            for reader in net.order:
                sources = list(net.specs[reader].sources)
                if name in sources and reader in delta:
                    upstream += delta[reader] * net.units[reader].w[sources.index(name)].data
            delta[name] = a[name] * (1 - a[name]) * upstream
            for k, source in enumerate(net.specs[name].sources):
                grads[f"units.{name}.w.{k}"] += delta[name] * a[source]
            grads[f"units.{name}.b"] += delta[name]
    return grads


def test_delta_rule_for_a_network_with_skip_connections() -> None:
    net = Network(
        ["x1", "x2", "x3"],
        [Unit("a", ["x1", "x2"]), Unit("b", ["x2", "x3", "a"]), Unit("y", ["x1", "a", "b"]), Unit("z", ["b", "x3"])],
        rng=13,
    )
    T = [[1.0, 0.0], [0.0, 0.5], [0.2, 0.9]]
    engine = _engine_grads(net, X3, T)
    hand = _hand_network(net, X3, T)
    for name in hand:
        assert engine[name] == pytest.approx(hand[name], rel=1e-12, abs=1e-15), name


def test_xor_skip_network_gradients_by_hand() -> None:
    net = Network(["x1", "x2"], [Unit("h", ["x1", "x2"]), Unit("y", ["x1", "x2", "h"])], rng=4)
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    T = [[0.0], [1.0], [1.0], [0.0]]
    engine = _engine_grads(net, X, T)
    hand = _hand_network(net, X, T)
    for name in hand:
        assert engine[name] == pytest.approx(hand[name], rel=1e-12, abs=1e-15), name


def _param_loss(model: Module, X: Sequence[Sequence[float]], T: Sequence[float]) -> float:
    out = [model(x) for x in X]
    return mse(out, list(T)).data


@pytest.mark.parametrize(
    "model",
    [
        MLP(2, [3, 1], "tanh", rng=1),
        MLP(2, [4, 3, 1], "sigmoid", "tanh", rng=2),
        MLP(2, [3, 1], "leaky_relu", init="xavier", rng=3),
        Network(["p", "q"], [Unit("h", ["p", "q"], "tanh"), Unit("y", ["p", "q", "h"], "linear")], rng=4),
    ],
    ids=["tanh", "sigmoid-tanh", "leaky", "skip"],
)
def test_parameter_gradients_match_central_differences(model: Module) -> None:
    X = [[0.3, -0.7], [1.1, 0.4], [-0.5, -1.3]]
    T = [0.5, -0.25, 1.0]
    params = model.parameters()
    model.zero_grad()
    mse([model(x) for x in X], T).backward()
    analytic = [p.grad for p in params]
    original = [p.data for p in params]

    def loss_at(*point: Value) -> Value:
        for p, v in zip(params, point, strict=True):
            p.data = v.data
        return Value(_param_loss(model, X, T))

    numerical = numerical_grad(loss_at, original)
    for p, value in zip(params, original, strict=True):
        p.data = value
    for (name, _), a, n in zip(model.named_parameters(), analytic, numerical, strict=True):
        assert a == pytest.approx(n, rel=1e-5, abs=1e-7), name


def test_gradcheck_through_a_model_with_respect_to_its_inputs() -> None:
    model = MLP(3, [4, 4, 1], "tanh", "sigmoid", rng=5)

    def f(*x: Value) -> Value:
        out = model(list(x))
        assert isinstance(out, Value)
        return out

    assert gradcheck(f, [0.2, -0.4, 0.9], order=2)


def test_mlp_matches_pytorch_float64_outputs_and_gradients() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(3, [5, 4, 2], "tanh", "linear", rng=6)
    X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
    T = [[1.0, -1.0], [0.0, 2.0]]
    outputs = [model(x) for x in X]
    model.zero_grad()
    mse(outputs, T).backward()

    weights = [
        torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        for layer in model.layers
    ]
    biases = [torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True) for layer in model.layers]
    a = torch.tensor(X, dtype=torch.float64)
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        a = a @ w.T + b
        if i < len(weights) - 1:
            a = torch.tanh(a)
    torch.nn.functional.mse_loss(a, torch.tensor(T, dtype=torch.float64)).backward()

    ours = [v.data for out in outputs if isinstance(out, list) for v in out]
    assert len(ours) == 4
    assert ours == pytest.approx(a.detach().flatten().tolist(), rel=1e-12)
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            assert [w.grad for w in neuron.w] == pytest.approx(weights[i].grad[j].tolist(), rel=1e-10, abs=1e-14)
            assert neuron.b.grad == pytest.approx(biases[i].grad[j].item(), rel=1e-10, abs=1e-14)


@settings(max_examples=25)
@given(
    st.lists(st.floats(-3, 3), min_size=2, max_size=2),
    st.integers(0, 1000),
)
def test_layered_network_equals_the_mlp_drawn_from_the_same_seed(x: list[float], seed: int) -> None:
    mlp = MLP(2, [3, 2, 1], "tanh", "sigmoid", rng=seed)
    net = Network.layered(2, [3, 2, 1], "tanh", "sigmoid", rng=seed)
    assert [p.data for p in mlp.parameters()] == [p.data for p in net.parameters()]
    a, b = mlp(x), net(x)
    assert isinstance(a, Value) and isinstance(b, Value)
    assert a.data == pytest.approx(b.data, rel=1e-12)
