"""The batched replay against its oracles. Each numpy rule against the float rule of the same op,
element by element; a BatchedTape on random graphs (every op, reused nodes, plain numbers) and
on every nn model type and loss against the eager engine run sample by sample: outputs, each
sample's input gradients, and parameter gradients summed over the batch; refusals of graphs
whose shape differs between samples, of inputs outside an op's domain, and of bad arguments."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")

import nn  # noqa: E402
from autograd_lite import OPS, AnomalyError, Value, define_op, detect_anomaly, dot, grad, value_sum  # noqa: E402
from autograd_lite.batched import (  # noqa: E402
    NUMPY_RULES,
    BatchedTape,
    BatchRecorder,
    ShapeMismatch,
    numpy_rule,
    record_batch,
)
from tests.strategies import Expression, build_or_reject, expressions, points  # noqa: E402

RELATIVE = 1e-12
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e-300, -1e-300, 700.0, -700.0, 1e300, -1e300,
         math.inf, -math.inf, math.nan]  # fmt: skip
# numpy's own tanh (and, on some processors, exp, log, sin, cos) may differ from libm by an ulp
# or two; every other rule gives the float rule's bits.
ULPS = 4


def _same(got: float, want: float, ulps: int = 0) -> bool:
    """Equal (NaN to NaN, signed zeros alike) or within ``ulps`` units in the last place."""
    if math.isnan(want):
        return math.isnan(got)
    if got == want:
        return math.copysign(1.0, got) == math.copysign(1.0, want) or want != 0.0 or ulps > 0
    if math.isinf(got) or math.isinf(want):
        return False
    return abs(got - want) <= ulps * math.ulp(want)


def _close(got: float, want: float) -> bool:
    """The engines' agreement: 1e-12 relative (NaN to NaN), with an absolute floor of 1e-12."""
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if math.isinf(want) or math.isinf(got):
        return got == want
    return abs(got - want) <= RELATIVE * max(abs(want), 1.0)


# ---- each numpy rule against its float rule ---------------------------------------------------

UNARY = [name for name, rule in OPS.items() if rule.arity == 1 and name in NUMPY_RULES]
BINARY = [name for name, rule in OPS.items() if rule.arity == 2 and name in NUMPY_RULES]
VARIADIC = ["sum", "dot", "logsumexp"]
any_float = st.one_of(st.sampled_from(EDGES), st.floats(-30.0, 30.0), st.floats(allow_nan=True, allow_infinity=True))


def _float_rule_or_none(function: Callable[..., Any], *args: float) -> Any:
    try:
        return function(*args)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None  # the float rule refuses here (log of -1 raises inside math): no element to compare


def _check_elementwise(name: str, columns: Sequence[Sequence[float]]) -> None:
    """forward and local_grads of the numpy rule on arrays, against the float rules element by element."""
    rule, array_rule = OPS[name], NUMPY_RULES[name]
    arrays = [np.array(column, dtype=np.float64) for column in columns]
    with np.errstate(all="ignore"):
        out = np.asarray(array_rule.forward(*arrays))
        local = [np.broadcast_to(np.asarray(g, dtype=np.float64), out.shape) for g in array_rule.local_grads(*arrays, out)]
    ulps = ULPS if name in ("tanh", "exp", "log", "sin", "cos", "sigmoid", "softplus", "logsumexp", "**") else 0
    for i in range(len(columns[0])):
        args = [float(column[i]) for column in columns]
        want = _float_rule_or_none(rule.forward, *args)
        if want is None:
            continue
        assert _same(float(out[i]), want, ulps), (name, args, float(out[i]), want)
        want_grads = _float_rule_or_none(rule.local_grads, *args, float(out[i]))
        if want_grads is None:
            continue
        for position, (g, w) in enumerate(zip(local, want_grads, strict=True)):
            assert _same(float(g[i]), w, ulps + (4 if ulps else 0)), (name, args, position, float(g[i]), w)


@pytest.mark.parametrize("name", UNARY)
@given(values=st.lists(any_float, min_size=1, max_size=20))
@settings(max_examples=60, deadline=None)
def test_each_unary_numpy_rule_gives_the_float_rule_elementwise(name: str, values: list[float]) -> None:
    _check_elementwise(name, [EDGES + values])


@pytest.mark.parametrize("name", BINARY)
@given(pairs=st.lists(st.tuples(any_float, any_float), min_size=1, max_size=20))
@settings(max_examples=60, deadline=None)
def test_each_binary_numpy_rule_gives_the_float_rule_elementwise(name: str, pairs: list[tuple[float, float]]) -> None:
    edges = [(a, b) for a in EDGES for b in EDGES]
    both = edges + pairs
    _check_elementwise(name, [[a for a, _ in both], [b for _, b in both]])


@pytest.mark.parametrize("name", VARIADIC)
@given(rows=st.integers(1, 5).flatmap(lambda k: st.lists(st.lists(any_float, min_size=k, max_size=k), min_size=1, max_size=12)))
@settings(max_examples=60, deadline=None)
def test_each_variadic_numpy_rule_gives_the_float_rule_elementwise(name: str, rows: list[list[float]]) -> None:
    width = len(rows[0]) * (2 if name == "dot" else 1)
    samples = [row * (2 if name == "dot" else 1) for row in rows]
    _check_elementwise(name, [[sample[j] for sample in samples] for j in range(width)])


@pytest.mark.parametrize("name", [name for name, rule in NUMPY_RULES.items() if rule.send is not None])
@given(pairs=st.lists(st.tuples(any_float, any_float), min_size=1, max_size=30))
@settings(max_examples=60, deadline=None)
def test_each_send_is_upstream_times_the_float_local_derivative_and_zero_blocks(
    name: str, pairs: list[tuple[float, float]]
) -> None:
    # Every edge point against every edge upstream (inf and NaN among them), then random pairs.
    both = [(a, u) for a in EDGES for u in EDGES] + pairs
    points = np.array([a for a, _ in both])
    upstream = np.array([u for _, u in both])
    rule = OPS[name]
    with np.errstate(all="ignore"):
        got = NUMPY_RULES[name].send(upstream, points)  # type: ignore[misc]  # send is set for these
    for (a, u), value in zip(both, got.tolist(), strict=True):
        (local,) = rule.local_grads(a, rule.forward(a))
        want = 0.0 if local == 0.0 else u * local  # a flat op passes nothing on
        assert _same(value, want) or (value == want == 0.0), (name, a, u, value, want)


@pytest.mark.parametrize("name", [name for name in NUMPY_RULES if OPS[name].refuse is not None])
@given(args=st.tuples(any_float, any_float))
def test_a_refused_input_always_gives_a_result_that_is_not_finite(name: str, args: tuple[float, float]) -> None:
    # The batched replay runs an op's refuse rule only where the result is NaN or infinite.
    rule = OPS[name]
    operands = args[: rule.arity]
    out = rule.forward(*operands)
    try:
        rule.refuse(*operands, out)  # type: ignore[misc]  # refuse is not None for these ops
    except (ValueError, ZeroDivisionError, OverflowError):
        assert not math.isfinite(out), (name, operands, out)


@pytest.fixture
def cube() -> Iterator[Callable[..., Value]]:
    """An op of the user's own, a**3, refusing inputs of 10 and more; removed again afterwards."""

    def refuse(a: float, out: float) -> None:
        if a >= 10:
            raise ValueError(f"cube: too big, got {a!r}")

    yield define_op("batched_test_cube", lambda a: a**3, lambda a, out: (3 * a * a,), lambda a, out: (3 * a * a,),
                    refuse=refuse)  # fmt: skip
    del OPS["batched_test_cube"]  # the table is global; leave it as the other tests expect it


def test_an_op_of_your_own_runs_its_float_rules_sample_by_sample(cube: Callable[..., Value]) -> None:
    rule = numpy_rule(OPS["batched_test_cube"])
    assert rule.forward(np.array([[1.0, -2.0]])).tolist() == [[1.0, -8.0]]
    assert [g.tolist() for g in rule.local_grads(np.array([[1.0, -2.0]]), np.array([[1.0, -8.0]]))] == [[[3.0, 12.0]]]
    x, w = Value(1.0), Value(2.0)
    tape = BatchedTape(cube(w * x), [x], [w])
    assert tape.forward([[1.0], [0.5]]).tolist() == [8.0, 1.0]
    assert tape.backward().tolist() == [3 * 4.0 * 1.0 + 3 * 1.0 * 0.5]
    with pytest.raises(ValueError, match=r"cube: too big, got 12.0 \(batched replay, sample 1\)"):
        tape.forward([[1.0], [6.0]])


# ---- random graphs against the eager engine -----------------------------------------------------


def _eager_sample(expression: Expression, point: Sequence[float]) -> tuple[float, list[float]] | None:
    leaves, out = build_or_reject_quietly(expression, point)
    if out is None:
        return None
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def build_or_reject_quietly(expression: Expression, point: Sequence[float]) -> tuple[list[Value], Value | None]:
    leaves = [Value(x) for x in point[: expression.n_inputs]]
    try:
        return leaves, expression.with_values(leaves)
    except (ValueError, ZeroDivisionError, OverflowError):
        return leaves, None


@given(
    expression=expressions(max_inputs=3, max_steps=8),
    first=points(3),
    others=st.lists(points(3), min_size=1, max_size=4),
    shared=st.lists(st.booleans(), min_size=3, max_size=3),
)
@settings(max_examples=300, deadline=None)
def test_random_graphs_batched_equal_eager_sample_by_sample(
    expression: Expression, first: list[float], others: list[list[float]], shared: list[bool]
) -> None:
    """Leaves marked ``shared`` are parameters (one value for the batch), the rest inputs."""
    leaves, out = build_or_reject(expression, first)
    n = expression.n_inputs
    params = [leaf for leaf, flag in zip(leaves, shared, strict=False) if flag]
    inputs = [leaf for leaf, flag in zip(leaves, shared, strict=False) if not flag]
    tape = BatchedTape(out, inputs, params)
    # Every sample keeps the parameters' recorded values and brings its own inputs.
    samples = [[first[i] if shared[i] else point[i] for i in range(n)] for point in [first, *others]]
    oracle = [_eager_sample(expression, sample) for sample in samples]
    assume(all(o is not None for o in oracle))
    batch = [[sample[i] for i in range(n) if not shared[i]] for sample in samples]
    values = tape.forward(batch)
    grads = tape.backward()
    input_grads = tape.input_grads()
    for s, result in enumerate(oracle):
        assert result is not None
        value, leaf_grads = result
        assert _close(float(values[s]), value), (s, float(values[s]), value)
        per_input = [g for g, flag in zip(leaf_grads, shared, strict=False) if not flag]
        for got, want in zip(input_grads[s].tolist(), per_input, strict=True):
            assert _close(got, want), (s, got, want)
    for j, param_index in enumerate(i for i in range(n) if shared[i]):
        terms = [result[1][param_index] for result in oracle if result is not None]
        if all(math.isfinite(t) for t in terms):
            scale = max([1.0, *map(abs, terms)])
            assert abs(float(grads[j]) - math.fsum(terms)) <= RELATIVE * scale * len(terms), (grads[j], terms)
        else:
            assert not math.isfinite(float(grads[j])) or any(math.isnan(t) for t in terms)


@given(expression=expressions(max_inputs=3, max_steps=8), rows=st.lists(points(3), min_size=2, max_size=5))
@settings(max_examples=200, deadline=None)
def test_record_batch_on_graphs_built_per_sample_equals_eager(expression: Expression, rows: list[list[float]]) -> None:
    """Every sample builds its own graph from its own leaves, but leaf 0 is one parameter shared
    by all; record_batch finds the numbers that differ, and sums the parameter's gradient."""
    shared = Value(rows[0][0])
    outputs, grads = [], []
    for row in rows:
        leaves = [shared, *(Value(v) for v in row[1 : expression.n_inputs])]
        try:
            out = expression.with_values(leaves)
        except (ValueError, ZeroDivisionError, OverflowError):
            assume(False)
        shared.zero_grad()
        out.backward()
        outputs.append(out)
        grads.append(shared.grad)
    assume(all(math.isfinite(g) for g in grads))
    tape, batch = record_batch(outputs, [shared])
    assert batch.shape[0] == len(rows)
    values = tape.forward(batch)
    for s, out in enumerate(outputs):
        assert _close(float(values[s]), out.data), (s, float(values[s]), out.data)
    total = float(tape.backward()[0])
    assert abs(total - math.fsum(grads)) <= RELATIVE * max([1.0, *map(abs, grads)]) * len(grads), (total, grads)


# ---- every nn model type and loss -------------------------------------------------------------------


def _models() -> list[tuple[str, Callable[[], nn.Module]]]:
    skip = [nn.Unit("h", ["a", "b"], "tanh"), nn.Unit("o", ["a", "b", "h"], "sigmoid"), nn.Unit("p", ["h", "o"], "linear")]
    return [
        ("mlp", lambda: nn.MLP(2, [5, 4, 2], activation="relu", rng=1)),
        ("mlp-leaky", lambda: nn.MLP(2, [3, 2], activation="leaky_relu", output_activation="tanh", rng=2)),
        ("layer", lambda: nn.Layer(2, 2, activation="sigmoid", rng=3)),
        ("neuron", lambda: nn.Neuron(2, activation="tanh", rng=4)),
        ("network", lambda: nn.Network(["a", "b"], skip, ["o", "p"], rng=5)),
    ]


def _targets(loss: str, k: int, X: list[list[float]]) -> list[Any]:
    if loss == "cross_entropy":
        return [(int(a > 0) + 2 * int(b > 0)) % k for a, b in X]
    if loss == "hinge":
        return [[1.0 if (a + j * b) > 0 else -1.0 for j in range(k)] for a, b in X]
    if loss == "binary_cross_entropy":
        return [[float(a * b > 0) for _ in range(k)] for a, b in X]
    return [[math.sin(a + j) * b for j in range(k)] for a, b in X]


# Every model with every loss, except cross_entropy on the one-output neuron (it needs two logits).
MODEL_LOSS = [
    (name, make, loss)
    for name, make in _models()
    for loss in ("sse", "mse", "hinge", "binary_cross_entropy", "cross_entropy")
    if not (name == "neuron" and loss == "cross_entropy")
]


@pytest.mark.parametrize("model_name,make,loss_name", MODEL_LOSS, ids=[f"{m}-{loss}" for m, _, loss in MODEL_LOSS])
def test_every_model_and_loss_batched_equal_eager(model_name: str, make: Callable[[], nn.Module], loss_name: str) -> None:
    model = make()
    loss = nn.LOSSES[loss_name]
    X, _ = nn.make_moons(24, noise=0.3, seed=7)
    k = 1 if isinstance(model(X[0]), Value) else len(model(X[0]))  # type: ignore[arg-type]
    targets = _targets(loss_name, k, X)
    if k == 1:
        targets = [t if loss_name == "cross_entropy" else t[0] for t in targets]
    params = model.parameters()
    # The oracle: one eager graph per sample, gradients summed as the mini-batch rule says.
    eager_losses, eager_grads = [], [0.0] * len(params)
    for x, t in zip(X, targets, strict=True):
        sample_loss = loss([model(x)], [t])
        model.zero_grad()
        sample_loss.backward()
        eager_losses.append(sample_loss.data)
        eager_grads = [g + p.grad for g, p in zip(eager_grads, params, strict=True)]
    recorder = BatchRecorder(params)
    for x, t in zip(X, targets, strict=True):
        recorder.add(loss([model(x)], [t]))
    total = 0.0
    grads = np.zeros(len(params))
    for tape, batch, samples in recorder.compile():
        values = tape.forward(batch)
        for value, sample in zip(values.tolist(), samples, strict=True):
            assert _close(value, eager_losses[sample]), (sample, value, eager_losses[sample])
        grads += tape.backward()
        total += len(samples)
    assert total == len(X)
    # cross_entropy's target picks a logit and binary_cross_entropy drops y * z for y = 0: a
    # shape per target; the other losses treat targets as numbers: one shape.
    distinct = len({repr(t) for t in targets})
    assert recorder.shapes == 1 or (loss_name in ("cross_entropy", "binary_cross_entropy") and recorder.shapes <= distinct)
    scale = max(1.0, *map(abs, eager_grads))
    for got, want in zip(grads.tolist(), eager_grads, strict=True):
        assert abs(got - want) <= RELATIVE * scale, (got, want)


def test_a_layer_of_dot_nodes_is_one_matrix_product() -> None:
    X, y = nn.make_moons(10, seed=0)
    model = nn.MLP(2, [16, 16, 1], rng=0)
    tape, _ = record_batch([nn.hinge([model(x)], [t]) for x, t in zip(X, y, strict=True)], model.parameters())
    # dot, +, relu per layer (no relu on the last), then the hinge's four ops: 13 numpy calls.
    assert tape.calls == 13


def test_parameters_the_graph_does_not_use_get_no_gradient() -> None:
    x, w, unused = Value(1.0), Value(2.0), Value(5.0)
    tape = BatchedTape(w * x, [x], [w, unused])
    assert tape.uses == (True, False)
    tape.replay([[1.0], [3.0]])
    assert w.grad == 4.0 and not unused.grad_reached


def test_replay_adds_to_grad_like_backward_does() -> None:
    x, w, b = Value(0.0), Value(2.0), Value(1.0)
    tape = BatchedTape((w * x + b).tanh(), [x], [w, b])
    rows = [[0.3], [-1.2], [2.0]]
    w.grad = 1.0
    outputs = tape.replay(rows, seed=0.5)
    expected_w, expected_b = 1.0, 0.0
    for (xv,) in rows:
        xs, ws, bs = Value(xv), Value(2.0), Value(1.0)
        out = (ws * xs + bs).tanh()
        out.backward(0.5)
        expected_w += ws.grad
        expected_b += bs.grad
    assert _close(w.grad, expected_w) and _close(b.grad, expected_b)
    assert outputs.shape == (3,)


def test_per_sample_seeds_weight_each_sample() -> None:
    x, w = Value(1.0), Value(3.0)
    tape = BatchedTape(w * x * x, [x], [w])
    tape.forward([[1.0], [2.0], [3.0]])
    assert tape.backward([1.0, 0.0, 2.0]).tolist() == [1.0 + 2 * 9.0]
    assert tape.input_grads().tolist() == [[6.0], [0.0], [36.0]]


def test_watched_nodes_give_per_sample_values() -> None:
    x, w = Value(1.0), Value(3.0)
    hidden = w * x
    tape = BatchedTape(hidden.relu() + 1.0, [x], [w], watch=[hidden, w])
    tape.forward([[1.0], [-1.0]])
    assert [column.tolist() for column in tape.watched()] == [[3.0, -3.0], [3.0, 3.0]]


def test_parameters_given_as_values_override_data() -> None:
    x, w = Value(1.0), Value(3.0)
    tape = BatchedTape(dot([w, w], [x, 1.0]), [x], [w])
    assert tape.forward([[2.0]], parameters=[10.0]).tolist() == [30.0]
    assert tape.backward().tolist() == [3.0]


# ---- refusals ---------------------------------------------------------------------------------------


def test_samples_whose_graphs_differ_in_shape_are_refused_with_the_place() -> None:
    def sample(v: float) -> Value:
        x = Value(v)
        y = x * 2.0
        return (y if y.data > 0 else -y).tanh()  # Python branches on the value

    with pytest.raises(ShapeMismatch, match=r"sample 2's graph has another shape than sample 0's: operation 1 from the output is '\*' in one and 'neg' in the other"):
        record_batch([sample(1.0), sample(2.0), sample(-1.0)], [])
    recorder = BatchRecorder([])
    assert [recorder.add(sample(v)) for v in (1.0, -1.0, 3.0, -2.0)] == [0, 1, 0, 1]
    assert recorder.samples(1) == [1, 3]


def test_samples_reading_other_operands_are_refused() -> None:
    w = [Value(1.0), Value(2.0)]
    with pytest.raises(ShapeMismatch, match=r"operation 0 \('\*'\) reads parameter 0 in one and parameter 1 in the other"):
        record_batch([w[0] * 3.0, w[1] * 3.0], w)


def test_a_domain_error_names_the_sample_as_eager_names_the_op() -> None:
    x, w = Value(1.0), Value(1.0)
    tape = BatchedTape((w * x).log(), [x], [w])
    with pytest.raises(ValueError, match=r"^log: input must be > 0, got -2.0 \(batched replay, sample 1\)$"):
        tape.forward([[1.0], [-2.0], [3.0]])
    with pytest.raises(RuntimeError, match="call forward"):
        tape.backward()
    with pytest.raises(ZeroDivisionError, match=r"division by zero.*sample 0"):
        BatchedTape(w / x, [x], [w]).forward([[0.0]])


def test_a_negative_base_under_a_value_exponent_is_refused() -> None:
    x, e = Value(2.0), Value(2.0)
    tape = BatchedTape(x**e, [x], [e])
    assert tape.forward([[3.0]]).tolist() == [9.0]
    with pytest.raises(ValueError, match=r"base must be >= 0.*sample 1"):
        tape.forward([[3.0], [-3.0]])


def test_detect_anomaly_names_the_op_and_the_sample() -> None:
    x, w = Value(1.0), Value(1.0)
    tape = BatchedTape((w * x) * 0.0 + w, [x], [w])
    assert math.isnan(tape.forward([[1.0], [math.inf]]).tolist()[1])  # inf * 0, silently
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"^\*: forward produced inf from \(1.0, inf\) \(batched replay, sample 1\)$"):
        tape.forward([[1.0], [math.inf]])
    steep = BatchedTape((w * x).sqrt(), [x], [w])
    steep.forward([[1.0], [0.0]])
    # Sample 1's d sqrt(w x) / dw is inf (d sqrt / dz at 0) x 0 (d(w x) / dw at x = 0): a zero
    # derivative blocks, so it adds 0, as in eager backward; sample 0 adds 1 / (2 sqrt(1)) = 0.5.
    assert steep.backward().tolist()[0] == 0.5
    eager = [grad((w * Value(x0)).sqrt(), [w])[0] for x0 in (1.0, 0.0)]
    assert eager == [0.5, 0.0]
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"sqrt: backward gradient is not finite.*sample 1\)$"):
        steep.forward([[1.0], [0.0]])
        steep.backward()


def test_bad_arguments_are_refused_clearly() -> None:
    x, w = Value(1.0), Value(2.0)
    out = w * x
    with pytest.raises(TypeError, match="output must be a Value"):
        BatchedTape(1.0, [x], [w])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"inputs\[0\] was computed by '\*'"):
        BatchedTape(out, [out], [w])
    with pytest.raises(ValueError, match="both an input and a parameter"):
        BatchedTape(out, [x], [w, x])
    with pytest.raises(ValueError, match="listed twice"):
        BatchedTape(out, [x, x], [w])
    with pytest.raises(ValueError, match=r"watch\[0\] is not a node of the output's graph"):
        BatchedTape(out, [x], [w], watch=[x * 3.0])
    tape = BatchedTape(out, [x], [w])
    with pytest.raises(ValueError, match=r"shape \(samples >= 1, 1\), got \(2, 2\)"):
        tape.forward([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match="real numbers, got an array of bool"):
        tape.forward([[True]])
    with pytest.raises(ValueError, match="expected 1 parameter values"):
        tape.forward([[1.0]], parameters=[1.0, 2.0])
    with pytest.raises(ValueError, match="no samples"):
        record_batch([], [w])
    assert repr(tape) == "BatchedTape(1 grouped operations, 1 inputs, 1 parameters)"


def test_sums_and_constants_mixed_with_samples() -> None:
    x, w = Value(1.0), Value(2.0)
    out = value_sum([w * x, x, 3.0, w * w])
    tape = BatchedTape(out, [x], [w])
    assert tape.forward([[1.0], [2.0]]).tolist() == [2 + 1 + 3 + 4, 4 + 2 + 3 + 4]
    assert tape.backward().tolist() == [(1 + 4) + (2 + 4)]
