"""A local derivative of exactly 0 passes no gradient on: an infinite or NaN gradient that reaches a
flat op (relu below 0, ``a ** 0`` in a) stops there and contributes 0, as PyTorch's relu does,
in backward, grad (with and without create_graph), hessian, micrograd's ``_backward``, the replay
Tape, the batched replay, a picture's edge labels and training (eager and compiled). The oracle is PyTorch in float64; where PyTorch's backward
gives NaN instead (an inf times a product's 0), it is the same function written another way."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from autograd_lite import (
    AnomalyError,
    Tape,
    Value,
    backward_steps,
    detect_anomaly,
    draw_graph,
    grad,
    hessian,
    numerical_grad,
)
from nn import MLP, SGD, fit, make_moons
from tests.float_oracles import same_float, torch_first_and_second
from tests.strategies import Expression, blocking_expressions, build_blocking

torch = pytest.importorskip("torch")


def tensor(x: float) -> Any:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


# Written once for Values and torch tensors alike.
ONE_INPUT: dict[str, Callable[[Any], Any]] = {
    "relu().sqrt()": lambda v: v.relu().sqrt(),
    "relu() ** 0.5": lambda v: v.relu() ** 0.5,
    "3 relu().sqrt() + relu()": lambda v: v.relu().sqrt() * 3.0 + v.relu(),
    "(relu() ** 0.5) ** 0": lambda v: (v.relu() ** 0.5) ** 0.0,
}
FLAT_POINTS = (-0.5, 0.0, -3.0)  # relu gives 0, so sqrt's derivative there is inf
CASES = [(name, point) for name in ONE_INPUT for point in FLAT_POINTS]
IDS = [f"{name} at {point}" for name, point in CASES]


@pytest.mark.parametrize(("name", "point"), CASES, ids=IDS)
def test_backward_stops_an_infinite_gradient_at_relu_as_pytorch_does(name: str, point: float) -> None:
    fn = ONE_INPUT[name]
    first, _ = torch_first_and_second(fn, point)
    x = Value(point)
    fn(x).backward()
    assert same_float(x.grad, first), (x.grad, first)
    assert first == 0.0  # the function is constant to the left of 0


@pytest.mark.parametrize(("name", "point"), CASES, ids=IDS)
def test_grad_with_and_without_create_graph_stops_it_too(name: str, point: float) -> None:
    fn = ONE_INPUT[name]
    first, second = torch_first_and_second(fn, point)
    x = Value(point)
    assert all(same_float(g, first) for g in grad(fn(x), [x])), grad(fn(x), [x])
    (d1,) = grad(fn(x), [x], create_graph=True)
    assert isinstance(d1, Value)
    assert same_float(d1.data, first), (d1.data, first)
    (d2,) = grad(d1, [x])
    assert same_float(d2, second), (d2, second)


@pytest.mark.parametrize(("name", "point"), CASES, ids=IDS)
def test_the_hessian_is_pytorchs(name: str, point: float) -> None:
    fn = ONE_INPUT[name]
    _, second = torch_first_and_second(fn, point)
    x = Value(point)
    assert same_float(hessian(fn(x), [x])[0][0], second), (hessian(fn(x), [x]), second)


@pytest.mark.parametrize(("x0", "e0"), [(-0.5, 0.5), (0.0, 0.5), (-2.0, 0.25)])
def test_a_value_exponent_on_relu_below_zero_matches_pytorch_in_every_pass(x0: float, e0: float) -> None:
    tx, te = tensor(x0), tensor(e0)
    expected = [g.item() for g in torch.autograd.grad(tx.relu() ** te, (tx, te))]
    x, e = Value(x0), Value(e0)
    out = x.relu() ** e
    out.backward()
    assert all(same_float(a, b) for a, b in zip([x.grad, e.grad], expected, strict=True)), ([x.grad, e.grad], expected)
    assert all(same_float(a, b) for a, b in zip(grad(out, [x, e]), expected, strict=True))
    as_values = grad(out, [x, e], create_graph=True)
    assert all(same_float(d.data, b) for d, b in zip(as_values, expected, strict=True))  # type: ignore[union-attr]


@pytest.mark.parametrize(("x0", "e0"), [(-0.5, 0.5), (-2.0, 0.25)])
def test_the_hessian_of_a_value_exponent_on_relu_below_zero_is_zero(x0: float, e0: float) -> None:
    # relu(x) ** e is 0 on a whole neighbourhood of a point with x < 0, so every derivative there
    # is 0: central differences of the gradient say so too. (PyTorch gives NaN for d2/de2 and
    # d2/dx de here: the derivative of a branch its where() did not take, 0 x log(0)**2.)
    x, e = Value(x0), Value(e0)
    ours = hessian(x.relu() ** e, [x, e])

    def gradient_entry(i: int) -> Callable[..., Value]:
        return lambda a, b: grad(a.relu() ** b, [a, b], create_graph=True)[i]  # type: ignore[return-value]

    numerical = [numerical_grad(gradient_entry(i), [x0, e0]) for i in range(2)]
    assert ours == numerical == [[0.0, 0.0], [0.0, 0.0]]


# ---- where PyTorch gives NaN, the function written another way is the oracle -------------------


def test_a_product_with_zero_blocks_an_infinite_gradient_because_the_function_is_constant() -> None:
    # (x * 0.0).sqrt() is 0 for every x: its derivative is 0. PyTorch multiplies inf by 0 here
    # and gives NaN; our rule sends nothing through the 0.
    x = Value(0.5)
    out = (x * 0.0).sqrt()
    (d1,) = grad(out, [x], create_graph=True)
    assert isinstance(d1, Value)
    assert grad(out, [x]) == numerical_grad(lambda v: (v * 0.0).sqrt(), [0.5]) == [d1.data] == [0.0]
    t = tensor(0.5)
    assert math.isnan(torch.autograd.grad((t * 0.0).sqrt(), t)[0].item())


def test_sqrt_of_a_square_at_zero_is_abs_with_its_derivative_zero() -> None:
    # sqrt(z * z) is |z|, whose derivative at 0 is 0 here and in PyTorch (torch.abs); PyTorch's
    # sqrt(z * z) gives NaN (inf x 0 at the product), ours follows abs, first and second order.
    first, second = torch_first_and_second(torch.abs, 0.0)
    z = Value(0.0)
    (d1,) = grad((z * z).sqrt(), [z], create_graph=True)
    assert isinstance(d1, Value)
    assert grad((z * z).sqrt(), [z]) == [d1.data] == [first] == [0.0]
    assert grad(d1, [z]) == hessian((z * z).sqrt(), [z])[0] == [second]


# ---- the rest of the engine: anomalies, micrograd's step, pictures, training --------------------


def test_detect_anomaly_still_stops_where_the_infinity_appears_above_the_relu() -> None:
    x = Value(-0.5, "x")
    r = x.relu()
    r.label = "r"
    out = r.sqrt()
    assert grad(out, [x]) == [0.0]
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"^sqrt: backward gradient is not finite: upstream 1.0 x local inf"):
            grad(out, [x])
        with pytest.raises(AnomalyError, match=r"^sqrt: backward gradient is not finite.* into r$"):
            out.backward()


def test_micrograds_backward_by_hand_stops_it_as_backward_does() -> None:
    x = Value(-0.5)
    r = x.relu()
    out = r.sqrt()
    out.grad = 1.0
    out._backward()
    r._backward()
    t = tensor(-0.5)
    t.relu().sqrt().backward()
    assert t.grad is not None
    assert (r.grad, x.grad) == (math.inf, t.grad.item()) == (math.inf, 0.0)


def test_pictures_show_that_the_zero_derivative_carried_nothing() -> None:
    x = Value(-0.5, "x")
    out = x.relu().sqrt()
    frames = list(backward_steps(out))
    assert frames[1].caption.endswith("passes it on: x += 0 (a local derivative of 0 stops inf)")
    assert frames[-1].grads[x] == 0.0
    out.backward()
    source = draw_graph(out, edge_labels=True).source
    assert "carries inf × 0 = 0" in source
    assert "nan" not in source


@pytest.mark.parametrize("compiled", [False, True])
def test_fit_with_a_sqrt_of_relu_activation_trains_as_pytorch_does(compiled: bool) -> None:
    # Some samples put a hidden unit below 0, where sqrt's derivative is inf: training used to stop
    # at the first step with "SGD.step: gradient of L0.N0.w0 is nan".
    X, y = make_moons(20, noise=0.1, seed=1)
    model = MLP(2, [4, 1], activation=lambda v: v.relu().sqrt(), rng=1)
    hidden, output = model.layers
    w1 = torch.tensor([[w.data for w in n.w] for n in hidden.neurons], dtype=torch.float64, requires_grad=True)
    b1 = torch.tensor([n.b.data for n in hidden.neurons], dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor([w.data for w in output.neurons[0].w], dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor(output.neurons[0].b.data, dtype=torch.float64, requires_grad=True)
    inputs, targets = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    dead = (inputs @ w1.detach().T + b1.detach() < 0).sum().item()
    assert dead > 0  # the case the test is about: a unit below 0 on some sample
    lr, epochs = 0.05, 5
    history = fit(model, X, y, loss="hinge", epochs=epochs, optimizer=SGD(model.parameters(), lr=lr),
                  shuffle=False, progress=False, compiled=compiled)  # fmt: skip
    losses = []
    for _ in range(epochs):
        scores = (inputs @ w1.T + b1).relu().sqrt() @ w2 + b2
        loss = (1.0 - targets * scores).relu().mean()
        losses.append(loss.item())
        params = (w1, b1, w2, b2)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= lr * g
    assert history.loss == pytest.approx(losses, rel=1e-12)
    ours = [p.data for p in model.parameters()]
    theirs: list[float] = []
    for n in range(len(hidden.neurons)):
        theirs += [*w1[n].tolist(), b1[n].item()]
    theirs += [*w2.tolist(), b2.item()]
    assert ours == pytest.approx(theirs, rel=1e-12)


# ---- random graphs where infinities reach relu and ** 0 ----------------------------------------


# Zeros and negative numbers often, so that relu gives 0 and sqrt above it an infinite derivative;
# x + 0.0 makes -0.0 into 0.0, as the sign of a zero is another matter (see BLOCKING_UNARY).
LEAF_VALUES = st.sampled_from([-1.5, -0.5, 0.0, 0.5, 2.0]) | st.floats(-2.0, 2.0).map(lambda x: x + 0.0)


@settings(max_examples=150, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(blocking_expressions(), st.lists(LEAF_VALUES, min_size=3, max_size=3))
def test_random_graphs_where_infinities_reach_relu_agree_with_pytorch(expression: Expression, point: list[float]) -> None:
    point = point[: expression.n_inputs]
    leaves = [Value(x) for x in point]
    try:
        out = build_blocking(expression, leaves)
    except (ValueError, ZeroDivisionError):
        reject()  # sqrt or ** 0.5 of a negative number: refused, as it should be
    tensors = [tensor(x) for x in point]
    reference = torch.autograd.grad(build_blocking(expression, tensors), tensors, allow_unused=True)
    expected = [0.0 if g is None else g.item() for g in reference]
    # PyTorch computes ** 0.5 as sqrt does, we as pow does: finite sums of them that cancel differ
    # by a rounding error, so finite gradients (of size about 1 here) are compared to 1e-12.
    out.backward()
    ours = [v.grad for v in leaves]
    assert all(same_float(a, g, 1e-12) for a, g in zip(ours, expected, strict=True)), (ours, expected)
    assert all(same_float(a, g, 1e-12) for a, g in zip(grad(out, leaves), expected, strict=True))
    as_values = grad(out, leaves, create_graph=True)
    assert all(same_float(d.data, g, 1e-12) for d, g in zip(as_values, expected, strict=True))  # type: ignore[union-attr]
    _, replayed = Tape(out, leaves).value_and_grad(point)
    assert all(same_float(a, g, 1e-12) for a, g in zip(replayed, expected, strict=True)), (replayed, expected)
    np = pytest.importorskip("numpy")
    from autograd_lite.batched import BatchedTape

    batched = BatchedTape(out, leaves, [])
    with np.errstate(all="ignore"):
        batched.value_and_grad([point])
    by_batch = batched.input_grads()[0].tolist()
    assert all(same_float(a, g, 1e-12) for a, g in zip(by_batch, expected, strict=True)), (by_batch, expected)
