"""nn.to_torch and nn.from_torch: for random models of every kind and activation, PyTorch in
float64 is the oracle for our engine and our engine for PyTorch's modules: the same outputs, the
same gradients after a random loss, the same weights after one SGD and one Adam step. Round trips
are exact, and every refusal names the module it cannot take."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import Value
from nn import (
    ACTIVATIONS,
    LOSSES,
    MLP,
    SGD,
    Adam,
    Layer,
    Module,
    Network,
    Neuron,
    Unit,
    from_torch,
    leaky_relu,
    to_torch,
    to_torch_loss,
)
from nn.activations import resolve_activation

torch = pytest.importorskip("torch")

from nn.torch_network import TorchNetwork  # noqa: E402  (imports torch, so only after the skip)

RANGE = (-1.0, 1.0)  # an init range draws the biases too, so a misplaced bias shows
NAMES = list(ACTIVATIONS)
activations = st.sampled_from(NAMES)
seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 4)


@st.composite
def neurons(draw: st.DrawFn) -> Neuron:
    return Neuron(draw(sizes), draw(activations), init=RANGE, rng=draw(seeds))


@st.composite
def layers(draw: st.DrawFn) -> Layer:
    return Layer(draw(sizes), draw(sizes), draw(activations), init=RANGE, rng=draw(seeds))


@st.composite
def mlps(draw: st.DrawFn) -> MLP:
    nouts = draw(st.lists(sizes, min_size=1, max_size=3))
    return MLP(draw(sizes), nouts, draw(activations), draw(activations), init=RANGE, rng=draw(seeds))


@st.composite
def networks(draw: st.DrawFn) -> Network:
    """Unit i reads any inputs and earlier units (so skips are common); listed in a shuffled order."""
    inputs = [f"x{k}" for k in range(draw(st.integers(1, 3)))]
    units = []
    for i in range(draw(st.integers(1, 5))):
        known = inputs + [f"u{j}" for j in range(i)]
        sources = draw(st.lists(st.sampled_from(known), min_size=1, max_size=len(known), unique=True))
        units.append(Unit(f"u{i}", sources, draw(activations)))
    listed = draw(st.permutations(units))
    outputs = draw(st.none() | st.lists(st.sampled_from([u.name for u in units]), min_size=1, unique=True))
    return Network(inputs, listed, outputs, init=RANGE, rng=draw(seeds))


models = st.one_of(neurons(), layers(), mlps(), networks())


def nin(model: Module) -> int:
    if isinstance(model, Network):
        return len(model.inputs)
    assert isinstance(model, (Neuron, Layer, MLP))
    return model.nin


def batches(n: int) -> st.SearchStrategy[list[list[float]]]:
    row = st.lists(st.floats(-3.0, 3.0, allow_nan=False), min_size=n, max_size=n)
    return st.lists(row, min_size=1, max_size=4)


def our_outputs(model: Module, X: Sequence[Sequence[float]]) -> list[list[Value]]:
    """Each sample's outputs as a list, whatever the kind of model returns."""
    rows = []
    for x in X:
        out = model(x)
        rows.append([out] if isinstance(out, Value) else list(out))
    return rows


def torch_by_our_names(module: Any, read: Callable[[Any], Any]) -> dict[str, float]:
    """``read(parameter)`` for each torch parameter element, under the name of our parameter it
    must equal: written out here from the layout (weight row j is neuron j, column k its input k),
    independently of from_torch."""
    groups: list[tuple[list[str], Any]]
    if isinstance(module, TorchNetwork):
        groups = [([f"units.{unit.name}."], unit.linear) for unit in module.units]
    else:
        linears = [m for m in module if isinstance(m, torch.nn.Linear)]
        if module.nn_class == "Neuron":
            groups = [([""], linears[0])]
        elif module.nn_class == "Layer":
            groups = [([f"neurons.{j}." for j in range(linears[0].out_features)], linears[0])]
        else:
            groups = [
                ([f"layers.{i}.neurons.{j}." for j in range(linear.out_features)], linear)
                for i, linear in enumerate(linears)
            ]
    values: dict[str, float] = {}
    for prefixes, linear in groups:
        weight, bias = read(linear.weight).tolist(), read(linear.bias).tolist()
        for j, prefix in enumerate(prefixes):
            for k, number in enumerate(weight[j]):
                values[f"{prefix}w.{k}"] = number
            values[f"{prefix}b"] = bias[j]
    return values


def weights(parameter: Any) -> Any:
    return parameter.detach()


def grads(parameter: Any) -> Any:
    # torch leaves the gradient of a parameter no output depends on at None; ours is 0.
    return torch.zeros_like(parameter) if parameter.grad is None else parameter.grad


def assert_close(ours: Sequence[float], theirs: Sequence[float], what: str) -> None:
    """Equal to 1e-12 relative, or to 1e-12 of the largest number compared (at least 1): a gradient
    summed over samples may cancel to near zero, and then its last bits depend on the order of the
    sum, which differs between a dot per neuron and torch's matrix product."""
    assert len(ours) == len(theirs), what
    scale = max([1.0, *(abs(x) for x in ours), *(abs(x) for x in theirs)])
    for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12 * scale), (
            f"{what} {index}: ours {a!r}, torch {b!r}"
        )


def assert_same_by_name(ours: dict[str, float], theirs: dict[str, float], what: str) -> None:
    assert sorted(ours) == sorted(theirs), what
    names = sorted(ours)
    assert_close([ours[n] for n in names], [theirs[n] for n in names], f"{what} of {names}")


# ---- the same numbers -------------------------------------------------------------------------


@given(models, st.data())
def test_outputs_are_pytorchs_to_1e_12(model: Module, data: st.DataObject) -> None:
    X = data.draw(batches(nin(model)))
    module = to_torch(model)
    theirs = module(torch.tensor(X, dtype=torch.float64))
    assert theirs.dtype == torch.float64
    ours = our_outputs(model, X)
    assert list(theirs.shape) == [len(X), len(ours[0])]
    assert_close([v.data for row in ours for v in row], theirs.flatten().tolist(), "output")


def backward_of_a_random_loss(model: Module, module: Any, data: st.DataObject) -> None:
    """The same random loss on a random batch, backward in both; the two losses must agree."""
    X = data.draw(batches(nin(model)))
    outputs = our_outputs(model, X)
    width = len(outputs[0])
    name = data.draw(st.sampled_from([n for n in LOSSES if n != "cross_entropy" or width >= 2]))
    if name == "cross_entropy":
        targets: Any = data.draw(st.lists(st.integers(0, width - 1), min_size=len(X), max_size=len(X)))
        torch_targets = torch.tensor(targets)
    else:
        value = {"hinge": st.sampled_from([-1.0, 1.0]), "binary_cross_entropy": st.floats(0.0, 1.0)}.get(
            name, st.floats(-3.0, 3.0)
        )
        targets = data.draw(
            st.lists(st.lists(value, min_size=width, max_size=width), min_size=len(X), max_size=len(X))
        )
        torch_targets = torch.tensor(targets, dtype=torch.float64)
    ours = LOSSES[name](outputs, targets)
    theirs: Any = to_torch_loss(name)(module(torch.tensor(X, dtype=torch.float64)), torch_targets)
    assert_close([ours.data], [theirs.item()], f"{name} loss")
    ours.backward()
    theirs.backward()


@given(models, st.data())
def test_gradients_after_a_random_loss_are_pytorchs_to_1e_12(model: Module, data: st.DataObject) -> None:
    module = to_torch(model)
    backward_of_a_random_loss(model, module, data)
    theirs = torch_by_our_names(module, grads)
    assert_same_by_name({n: v.grad for n, v in model.named_parameters()}, theirs, "gradient")


def adam_in_torch(parameters: Any, settings: dict[str, float]) -> Any:
    return torch.optim.Adam(parameters, lr=settings["lr"], weight_decay=settings["decay"])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (
            lambda p, s: SGD(p, lr=s["lr"], momentum=s["momentum"], weight_decay=s["decay"]),
            lambda p, s: torch.optim.SGD(p, lr=s["lr"], momentum=s["momentum"], weight_decay=s["decay"]),
        ),
        (lambda p, s: Adam(p, lr=s["lr"], weight_decay=s["decay"]), adam_in_torch),
    ],
    ids=["SGD", "Adam"],
)
@given(model=models, data=st.data())
def test_one_optimizer_step_gives_pytorchs_weights(
    ours: Any, theirs: Any, model: Module, data: st.DataObject
) -> None:
    settings = {
        "lr": data.draw(st.floats(1e-3, 1.0)),
        "momentum": data.draw(st.floats(0.0, 0.9)),
        "decay": data.draw(st.sampled_from([0.0, 0.01, 0.5])),
    }
    module = to_torch(model)
    backward_of_a_random_loss(model, module, data)
    for parameter in module.parameters():
        # A unit that no output reads: torch leaves its gradient None and its optimisers skip it
        # (no weight decay either); ours is 0.0. Given that zero, torch takes the step we take.
        parameter.grad = grads(parameter)
    if theirs is adam_in_torch:
        # Adam's first step is lr * g / (|g| + eps): for a gradient near eps (1e-8) it magnifies
        # the last bits in which two sums of the same terms differ (a sum that cancels to 1e-17
        # in one order and to 0 in another moves a weight by 1e-9), so such draws judge nothing.
        gradients = [p.grad for p in model.parameters()] + list(torch_by_our_names(module, grads).values())
        assume(all(g == 0.0 or abs(g) > 1e-5 for g in gradients))
    ours(model.parameters(), settings).step()
    theirs(module.parameters(), settings).step()
    assert_same_by_name(model.state_dict(), torch_by_our_names(module, weights), "weight")


# ---- round trips --------------------------------------------------------------------------------


@given(models)
def test_from_torch_of_to_torch_gives_back_the_same_model_exactly(model: Module) -> None:
    back = from_torch(to_torch(model))
    assert type(back) is type(model)
    assert repr(back) == repr(model)  # sizes, activations; a Network's inputs, units, sources, outputs
    assert back.state_dict() == model.state_dict()
    if isinstance(model, Network):
        assert isinstance(back, Network) and back.order == model.order


@given(models)
def test_float32_holds_each_weight_rounded_to_float32(model: Module) -> None:
    module = to_torch(model, dtype=torch.float32)
    assert {p.dtype for p in module.parameters()} == {torch.float32}
    expected = {
        name: torch.tensor(value, dtype=torch.float32).item() for name, value in model.state_dict().items()
    }
    assert from_torch(module).state_dict() == expected


LAYER_MODULES: list[Callable[[], Any] | None] = [
    None,
    lambda: torch.nn.ReLU(),
    lambda: torch.nn.Tanh(),
    lambda: torch.nn.Sigmoid(),
    lambda: torch.nn.LeakyReLU(0.01),
]


@given(
    st.lists(sizes, min_size=2, max_size=4),
    st.lists(st.integers(0, len(LAYER_MODULES) - 1), min_size=3, max_size=3),
    seeds,
    st.data(),
)
def test_a_hand_written_sequential_round_trips(
    widths: list[int], kinds: list[int], seed: int, data: st.DataObject
) -> None:
    torch.manual_seed(seed)
    modules = []
    for i in range(len(widths) - 1):
        modules.append(torch.nn.Linear(widths[i], widths[i + 1], dtype=torch.float64))
        make = LAYER_MODULES[kinds[i]]
        if make is not None:
            modules.append(make())
    written = torch.nn.Sequential(*modules)
    model = from_torch(written)
    assert isinstance(model, MLP)
    expected = [("linear", "relu", "tanh", "sigmoid", "leaky_relu")[kinds[i]] for i in range(len(widths) - 1)]
    assert [layer.activation.name for layer in model.layers] == expected
    X = data.draw(batches(widths[0]))
    ours = our_outputs(model, X)
    assert_close(
        [v.data for row in ours for v in row],
        written(torch.tensor(X, dtype=torch.float64)).flatten().tolist(),
        "output",
    )
    back = to_torch(model)
    assert str(back) == str(written)
    assert back.state_dict().keys() == written.state_dict().keys()
    assert all(torch.equal(back.state_dict()[key], value) for key, value in written.state_dict().items())


def test_weight_rows_are_neurons_and_columns_are_inputs() -> None:
    linear = torch.nn.Linear(2, 3, dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        linear.bias.copy_(torch.tensor([7.0, 8.0, 9.0]))
    model = from_torch(torch.nn.Sequential(linear, torch.nn.Tanh()))
    assert isinstance(model, MLP)
    assert [[w.data for w in n.w] + [n.b.data] for n in model.layers[0].neurons] == [
        [1, 2, 7],
        [3, 4, 8],
        [5, 6, 9],
    ]
    neuron = Neuron(3, "sigmoid", rng=0)
    module: Any = to_torch(neuron)
    assert module[0].weight.tolist() == [[w.data for w in neuron.w]] and module[0].bias.tolist() == [
        neuron.b.data
    ]
    assert [type(m) for m in module] == [torch.nn.Linear, torch.nn.Sigmoid]


def test_identity_is_skipped_and_named_modules_are_read_in_order() -> None:
    written = torch.nn.Sequential(
        OrderedDict(
            fc1=torch.nn.Linear(3, 4, dtype=torch.float64),
            act=torch.nn.LeakyReLU(0.01),
            same=torch.nn.Identity(),
            fc2=torch.nn.Linear(4, 2, dtype=torch.float64),
            out=torch.nn.Identity(),
        )
    )
    model = from_torch(written)
    assert isinstance(model, MLP)
    assert repr(model) == repr(MLP(3, [4, 2], "leaky_relu", "linear"))
    X = [[0.5, -1.0, 2.0], [-0.25, 0.0, 1.5]]
    assert_close(
        [v.data for row in our_outputs(model, X) for v in row],
        written(torch.tensor(X, dtype=torch.float64)).flatten().tolist(),
        "output",
    )


def test_a_network_module_says_what_it_is_and_takes_any_unit_names() -> None:
    # Names that are attributes of torch modules ("training", "forward") must not clash with them.
    net = Network(
        ["x"],
        [Unit("training", ["x"], "tanh"), Unit("forward", ["x", "training"], "linear")],
        init=RANGE,
        rng=3,
    )
    module = to_torch(net)
    text = repr(module)
    assert text.startswith(
        "TorchNetwork(\n  an nn.Network of units: inputs=['x'], outputs=['forward'], evaluated in the order training, forward"
    )
    assert "training = Tanh(Linear(x))" in text and "forward = Linear(x, training)" in text
    assert_close(
        [v.data for v in our_outputs(net, [[0.7]])[0]],
        module(torch.tensor([0.7], dtype=torch.float64)).tolist(),
        "output",
    )
    with pytest.raises(
        ValueError, match=r"TorchNetwork: expected inputs of shape \(\.\.\., 1\), got \(4, 2\)"
    ):
        module(torch.zeros(4, 2, dtype=torch.float64))


def test_our_own_activation_functions_are_taken_by_name() -> None:
    neuron = Neuron(2, leaky_relu, rng=0)  # nn.leaky_relu is ACTIVATIONS["leaky_relu"] itself
    module: Any = to_torch(neuron)
    assert [type(m) for m in module] == [torch.nn.Linear, torch.nn.LeakyReLU]
    assert repr(from_torch(to_torch(neuron))) == "Neuron(2, leaky_relu)"


def test_converting_leaves_torchs_random_stream_alone() -> None:
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    to_torch(MLP(4, [8, 8, 1], rng=0))
    assert torch.equal(torch.rand(3), expected)


# ---- refusals -----------------------------------------------------------------------------------


def my_activation(x: Value) -> Value:
    return x.tanh()


def layer_of_mixed_neurons() -> Layer:
    layer = Layer(2, 2, "relu")
    layer.neurons[1].activation = resolve_activation("tanh", "test")
    return layer


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: Neuron(2, my_activation),
            ValueError,
            "the neuron uses the activation 'my_activation', a function of your own",
        ),
        (lambda: Layer(2, 3, lambda x: x.relu()), ValueError, "the layer uses the activation '<lambda>'"),
        (lambda: MLP(2, [3, 1], my_activation), ValueError, "layers.0 uses the activation 'my_activation'"),
        (
            lambda: Network(["a"], [Unit("h", ["a"], my_activation)]),
            ValueError,
            "unit 'h' uses the activation 'my_activation'",
        ),
        (lambda: Module(), TypeError, "expected a Neuron, Layer, MLP or Network, got Module"),
        (
            layer_of_mixed_neurons,
            ValueError,
            r"the neurons of the layer have different activations \['relu', 'tanh'\]",
        ),
    ],
)
def test_to_torch_refuses_what_torch_has_no_module_for(
    make: Callable[[], Module], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^to_torch: {message}"):
        to_torch(make())


def test_to_torch_refuses_a_dtype_that_is_not_floating_point() -> None:
    with pytest.raises(
        TypeError, match=r"to_torch: dtype must be a floating-point torch dtype .*, got torch.int64"
    ):
        to_torch(Neuron(2), dtype=torch.int64)


def network_with_dropout() -> Any:
    module: Any = to_torch(Network(["a"], [Unit("h", ["a"]), Unit("y", ["h"])]))
    module.units[1].activation = torch.nn.Dropout()
    return module


def network_with_a_wider_linear() -> Any:
    module: Any = to_torch(Network(["a", "b"], [Unit("h", ["a", "b"])]))
    module.units[0].linear = torch.nn.Linear(3, 1)
    return module


def neuron_grown_a_layer() -> Any:
    module: Any = to_torch(Neuron(2))
    module.append(torch.nn.Linear(1, 1))
    return module


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout()),
            TypeError,
            "cannot take module 1 (Dropout): only Linear",
        ),
        (
            lambda: torch.nn.Sequential(OrderedDict(fc=torch.nn.Linear(2, 3), drop=torch.nn.Dropout())),
            TypeError,
            "cannot take module 1 'drop' (Dropout)",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 1)),
            ValueError,
            "cannot take module 0 (ReLU): an activation needs a Linear before it",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Tanh()),
            ValueError,
            "cannot take module 2 (Tanh): a second activation after one Linear",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.2)),
            ValueError,
            "cannot take module 1 (LeakyReLU): negative_slope 0.2; nn's leaky_relu has slope 0.01",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False)),
            ValueError,
            "cannot take module 0 (Linear): it has no bias",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)),
            ValueError,
            "cannot take module 1 (Linear): it reads 4 inputs, but the layer before it gives 3",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Sequential(torch.nn.Linear(2, 1))),
            TypeError,
            "cannot take module 0 (Sequential)",
        ),
        (lambda: torch.nn.Sequential(), ValueError, "the Sequential holds no Linear"),
        (lambda: torch.nn.Linear(2, 1), TypeError, "cannot take Linear: expected a torch.nn.Sequential"),
        (lambda: torch.nn.Conv1d(1, 1, 1), TypeError, "cannot take Conv1d"),
        (network_with_dropout, TypeError, "cannot take units.1.activation (Dropout)"),
        (
            network_with_a_wider_linear,
            ValueError,
            "cannot take units.0.linear (Linear): unit 'h' reads 2 sources, so it needs Linear(2, 1), not Linear(3, 1)",
        ),
        (
            neuron_grown_a_layer,
            ValueError,
            r"the Sequential says it was made from a Neuron (its nn_class), but it holds Linear layers of sizes [1, 1]",
        ),
    ],
)
def test_from_torch_refuses_naming_the_first_module_it_cannot_take(
    make: Callable[[], Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        from_torch(make())
    assert str(raised.value).startswith(f"from_torch: {message}")
