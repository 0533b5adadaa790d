"""NaN and infinity flow through every op as IEEE floats (and PyTorch) say, eager and replayed;
second derivatives at the edge of a domain are PyTorch's limits (inf, -inf, nan), and
detect_anomaly names the op being differentiated; ``0 ** Value`` is 0 with derivative 0; and
every entry point refuses what the constructor refuses."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from autograd_lite import (
    AnomalyError,
    Tape,
    Value,
    backward_steps,
    detect_anomaly,
    draw_graph,
    grad,
    gradcheck,
    hessian,
    logsumexp,
    save_animation,
)
from nn import MLP, SGD, fit, hinge, make_moons
from tests.float_oracles import same_float, torch_first_and_second

NAN, INF = math.nan, math.inf


# ---- NaN through the piecewise ops -------------------------------------------------------------

PIECEWISE: dict[str, Callable[[Any], Any]] = {
    "relu": lambda v: v.relu(),
    "leaky_relu": lambda v: v.leaky_relu(),
    "abs": abs,
}


@pytest.mark.parametrize("name", list(PIECEWISE))
def test_nan_flows_through_piecewise_ops_and_never_becomes_a_zero_gradient(name: str) -> None:
    # max(0, NaN) is NaN under IEEE; the old relu gave 0 with gradient 0, hiding the NaN.
    x = Value(NAN)
    out = PIECEWISE[name](x)
    assert math.isnan(out.data)
    out.backward()
    assert math.isnan(x.grad)  # PyTorch gives 1 (relu), 0.01 (leaky_relu) or 0 (abs): we keep NaN


@pytest.mark.parametrize("name", list(PIECEWISE))
def test_piecewise_ops_on_nan_and_infinities_match_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    functions = {"relu": torch.relu, "abs": torch.abs,
                 "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01)}  # fmt: skip
    for x in (NAN, INF, -INF, 0.0, -0.0):
        ours = PIECEWISE[name](Value(x)).data
        theirs = functions[name](torch.tensor(x, dtype=torch.float64)).item()
        assert same_float(ours, theirs), (name, x)


@pytest.mark.parametrize("name", list(PIECEWISE))
def test_detect_anomaly_stops_at_a_piecewise_op_fed_nan(name: str) -> None:
    with detect_anomaly(), pytest.raises(AnomalyError, match=rf"^{name}: forward produced nan"):
        PIECEWISE[name](Value(NAN))


@pytest.mark.parametrize("name", list(PIECEWISE))
def test_the_tape_replays_nan_as_the_eager_engine_computes_it(name: str) -> None:
    x = Value(0.5)
    tape = Tape(PIECEWISE[name](x * 2.0), [x])
    for point in (NAN, INF, -INF, -1.0, 0.0):
        replayed, (replayed_grad,) = tape.value_and_grad([point])
        leaf = Value(point)
        eager = PIECEWISE[name](leaf * 2.0)
        eager.backward()
        assert same_float(replayed, eager.data) and same_float(replayed_grad, leaf.grad), (name, point)
        if math.isnan(point):
            assert math.isnan(replayed) and math.isnan(replayed_grad)


def test_hinge_of_a_nan_score_is_nan() -> None:
    # hinge = mean relu(1 - y * score): a NaN score must not vanish into a zero margin.
    assert math.isnan(hinge([Value(NAN), Value(2.0)], [1, 1]).data)
    assert hinge([Value(2.0), Value(-3.0)], [1, -1]).data == 0.0


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_training_that_diverges_to_nan_is_never_reported_as_zero_loss(compiled: bool) -> None:
    # lr = 1e308 sends every weight to +-1e307 at once; the predictions become NaN. The old
    # relu turned them into margins of 0, so fit reported loss 0.0.
    X, y = make_moons(20, noise=0.1, seed=1)
    model = MLP(2, [4, 1], rng=1)
    losses: list[float] = []
    with pytest.raises(FloatingPointError, match=r"nan|inf"):
        fit(model, X, y, loss="hinge", epochs=5, optimizer=SGD(model.parameters(), lr=1e308),
            progress=False, compiled=compiled, callbacks=[lambda epoch, h: losses.extend(h.loss) and False])  # fmt: skip
    assert 0.0 not in losses


# ---- logsumexp with NaN and infinities ---------------------------------------------------------


@pytest.mark.parametrize(
    "terms",
    [[INF, NAN], [NAN, INF], [NAN, 1.0], [1.0, NAN], [INF, 1.0], [-INF, -INF], [INF, INF], [-INF, 1.0], [-INF, INF]],
)
def test_logsumexp_with_nan_and_infinities_matches_pytorch(terms: list[float]) -> None:
    torch = pytest.importorskip("torch")
    leaves = [Value(z) for z in terms]
    out = logsumexp(leaves)
    out.backward()
    reference = torch.tensor(terms, dtype=torch.float64, requires_grad=True)
    expected = torch.logsumexp(reference, 0)
    expected.backward()
    assert same_float(out.data, expected.item())
    assert reference.grad is not None
    assert all(same_float(v.grad, g) for v, g in zip(leaves, reference.grad.tolist(), strict=True))


def test_logsumexp_with_a_nan_is_nan_wherever_the_nan_stands() -> None:
    # max() keeps or drops a NaN by its position; the old [inf, nan] gave inf, [nan, inf] nan.
    for terms in ([INF, NAN], [NAN, INF], [1.0, NAN, INF], [-INF, NAN]):
        assert math.isnan(logsumexp(terms).data), terms


def test_the_tape_replays_logsumexp_with_nan_as_nan() -> None:
    a, b = Value(1.0), Value(2.0)
    tape = Tape(logsumexp([a, b]), [a, b])
    for point in ([INF, NAN], [NAN, INF]):
        value, grads = tape.value_and_grad(point)
        assert math.isnan(value) and all(math.isnan(g) for g in grads)


# ---- second derivatives at the edge of a domain ------------------------------------------------

EDGES: list[tuple[str, Callable[[Any], Any], float]] = [
    ("sqrt at 0", lambda z: z.sqrt(), 0.0),
    ("z**0.5 at 0", lambda z: z**0.5, 0.0),
    ("z**1.5 at 0", lambda z: z**1.5, 0.0),
    ("z**2.5 at 0", lambda z: z**2.5, 0.0),
    ("z**-0.5 at 1e-320", lambda z: z**-0.5, 1e-320),
    ("z**-1 at 1e-200", lambda z: z**-1, 1e-200),
    ("z**-2 at -1e-120", lambda z: z**-2, -1e-120),
    ("1/z at 1e-200", lambda z: 1 / z, 1e-200),
    ("log at 1e-320", lambda z: z.log(), 1e-320),
    ("sqrt at 1e-320", lambda z: z.sqrt(), 1e-320),
    ("abs at 0", abs, 0.0),
    ("relu at 0", lambda z: z.relu(), 0.0),
    ("z*sqrt(z) at 0", lambda z: z * z.sqrt(), 0.0),
]
# sqrt(z*z) at 0 is not here: PyTorch gives NaN (inf x 0 at the product), where a zero derivative
# blocks in this engine; test_zero_derivatives_block.py checks it against abs.


@pytest.mark.parametrize(("case", "fn", "point"), EDGES, ids=[c for c, _, _ in EDGES])
def test_second_derivatives_at_domain_edges_are_pytorchs_limits(case: str, fn: Callable[[Any], Any], point: float) -> None:
    first, second = torch_first_and_second(fn, point)
    z = Value(point)
    (d1,) = grad(fn(z), [z], create_graph=True)
    assert isinstance(d1, Value)
    assert same_float(d1.data, first), (d1.data, first)
    (d2,) = grad(d1, [z])
    assert same_float(d2, second), (d2, second)
    assert same_float(hessian(fn(z), [z])[0][0], second)
    # The float path and the Value path of the first derivative agree.
    assert same_float(grad(fn(z), [z])[0], d1.data)


def test_a_hessian_through_sqrt_at_zero_is_pytorchs() -> None:
    # sqrt(x) * y rather than sqrt(x * y): no infinity meets a zero local derivative here, which
    # PyTorch turns into NaN and this engine blocks (test_zero_derivatives_block.py).
    torch = pytest.importorskip("torch")
    x, y = Value(0.0), Value(2.0)
    ours = hessian(x.sqrt() * y + x * y, [x, y])
    reference = torch.autograd.functional.hessian(
        lambda a, b: a.sqrt() * b + a * b,
        (torch.tensor(0.0, dtype=torch.float64), torch.tensor(2.0, dtype=torch.float64)),
    )
    expected = [[reference[i][j].item() for j in range(2)] for i in range(2)]
    assert all(same_float(ours[i][j], expected[i][j]) for i in range(2) for j in range(2)), (ours, expected)


@pytest.mark.parametrize(
    ("op", "fn", "point"),
    [("log", lambda z: z.log(), 1e-320), ("sqrt", lambda z: z.sqrt(), 0.0), ("**", lambda z: z**0.5, 0.0),
     ("/", lambda z: 1 / z, 1e-200)],
    ids=["log", "sqrt", "pow", "div"],
)  # fmt: skip
def test_detect_anomaly_on_the_create_graph_path_names_the_differentiated_op(
    op: str, fn: Callable[[Any], Any], point: float
) -> None:
    # The derivative of log is built with '/', yet the problem is in log: name log (the old code said '/').
    z = Value(point, label="z")
    out = fn(z)
    with detect_anomaly():
        with pytest.raises(AnomalyError) as float_path:
            grad(out, [z])
        with pytest.raises(AnomalyError) as value_path:
            grad(out, [z], create_graph=True)
    for caught in (float_path, value_path):
        message = str(caught.value)
        assert message.startswith(f"{op}: backward gradient is not finite"), message
        assert "into z" in message


# ---- 0 ** Value ----------------------------------------------------------------------------------


@pytest.mark.parametrize("exponent", [0.3, 1.0, 2.5, 0.0])
def test_zero_to_a_value_power_is_pytorchs_with_derivative_zero_in_the_exponent(exponent: float) -> None:
    torch = pytest.importorskip("torch")
    e = Value(exponent)
    out = 0.0**e
    out.backward()
    t = torch.tensor(exponent, dtype=torch.float64, requires_grad=True)
    reference = torch.tensor(0.0, dtype=torch.float64) ** t
    reference.backward()
    assert t.grad is not None
    assert (out.data, e.grad) == (reference.item(), t.grad.item())
    assert (out.data, e.grad) == (0.0 ** exponent, 0.0)


def test_zero_base_value_to_a_value_power_matches_pytorch_in_both_operands() -> None:
    torch = pytest.importorskip("torch")
    a, b = Value(0.0), Value(0.3)
    out = a**b
    out.backward()
    ta = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    (ta**tb).backward()
    assert ta.grad is not None and tb.grad is not None
    assert (a.grad, b.grad) == (ta.grad.item(), tb.grad.item()) == (math.inf, 0.0)


def test_x_to_the_x_at_zero_has_pytorchs_first_derivative_on_both_paths() -> None:
    # d/dx x**x = x * x**(x-1) + x**x log x: at 0 both terms are 0 * inf; PyTorch, like the float
    # rule, takes each as 0. The Value path used to give nan there.
    torch = pytest.importorskip("torch")
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (expected,) = torch.autograd.grad(t**t, t)
    x = Value(0.0)
    (as_value,) = grad(x**x, [x], create_graph=True)
    assert isinstance(as_value, Value)
    assert grad(x**x, [x]) == [as_value.data] == [expected.item()] == [0.0]


def test_zero_to_a_negative_or_a_negative_base_to_a_value_power_is_still_refused() -> None:
    with pytest.raises(ZeroDivisionError, match=r"\*\*: 0 cannot be raised to a negative power"):
        0.0 ** Value(-0.5)
    with pytest.raises(ValueError, match=r"\*\*: the base must be >= 0"):
        (-2.0) ** Value(0.5)


# ---- every entry point refuses what the constructor refuses --------------------------------------


@pytest.mark.parametrize("data", ["1.5", True, None, 1j, [1.0]], ids=["str", "bool", "None", "complex", "list"])
def test_value_constant_refuses_what_value_refuses(data: Any) -> None:
    with pytest.raises(TypeError, match=r"Value.constant: data must be a real number"):
        Value.constant(data)
    with pytest.raises(TypeError, match="Value: data must be a real number"):
        Value(data)


def test_value_constant_refuses_a_value() -> None:
    with pytest.raises(TypeError, match=r"Value.constant: data must be a real number, got Value"):
        Value.constant(Value(2.0))  # type: ignore[arg-type]


def test_value_constant_refuses_an_integer_too_large_for_a_float() -> None:
    with pytest.raises(OverflowError, match=r"Value.constant: an int with 401 digits is too large"):
        Value.constant(10**400)


@pytest.mark.parametrize("label", [5, None, b"x", ["x"]], ids=["int", "None", "bytes", "list"])
def test_a_label_must_be_text_wherever_it_is_set(label: Any) -> None:
    with pytest.raises(TypeError, match="Value: label must be a str"):
        Value(1.0, label)
    v = Value(1.0, "v")
    with pytest.raises(TypeError, match=r"Value.label: label must be a str"):
        v.label = label
    assert v.label == "v"
    assert "v" in draw_graph(v * 2.0).source  # the old code accepted 5 and then failed here


def test_save_animation_refuses_a_title_that_is_not_text(tmp_path: Any) -> None:
    target = tmp_path / "steps.html"
    with pytest.raises(TypeError, match="save_animation: title must be a str, got NoneType"):
        save_animation(backward_steps(Value(2.0) * 3.0), target, title=None)  # type: ignore[arg-type]
    assert not target.exists()


@pytest.mark.parametrize("eps", [0, 0.0, -1e-6, NAN, INF, True, "1e-6"])
def test_gradcheck_refuses_a_step_that_is_not_a_positive_number(eps: Any) -> None:
    with pytest.raises(ValueError, match="gradcheck: eps must be a finite number > 0"):
        gradcheck(lambda x: x * x, [1.0], eps=eps)
