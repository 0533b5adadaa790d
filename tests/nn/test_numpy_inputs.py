"""nn takes the numpy scalars the engine takes (np.float32, np.float16, np.int64, np.uint8, ...)
wherever it takes a number: inputs, targets, class indices, checkpoint values, learning rates and
other hyperparameters, init ranges and counts. A numpy scalar gives exactly what the Python
number it converts to gives; numpy booleans are refused, as bool is."""

from __future__ import annotations

from typing import Any

import pytest

from autograd_lite import Value
from nn import (
    MLP,
    SGD,
    Adam,
    AdamW,
    Layer,
    LinearDecay,
    Network,
    StepDecay,
    Unit,
    accuracy,
    binary_cross_entropy,
    cross_entropy,
    fit,
    hinge,
    l2,
    make_moons,
    mse,
    predict,
    sse,
)

np = pytest.importorskip("numpy")

X = [[0.5, -1.0], [1.0, 2.0], [-0.25, 0.75]]
LABELS = [1, -1, 1]


def as_numpy(rows: list[list[float]], kind: Any) -> list[list[Any]]:
    return [[kind(v) for v in row] for row in rows]


def outputs(model: MLP, rows: list[Any]) -> list[Value]:
    result = []
    for row in rows:
        out = model(row)
        assert isinstance(out, Value)
        result.append(out)
    return result


# ---- targets and class indices ----------------------------------------------------------------


@pytest.mark.parametrize("kind", [np.int64, np.int32, np.int8, np.float32, np.float64], ids=lambda k: k.__name__)
def test_hinge_takes_numpy_labels(kind: Any) -> None:
    model = MLP(2, [3, 1], rng=0)
    expected = hinge(outputs(model, X), LABELS).data
    assert hinge(outputs(model, X), [kind(t) for t in LABELS]).data == expected


@pytest.mark.parametrize("kind", [np.float16, np.float32, np.int64, np.uint8], ids=lambda k: k.__name__)
def test_regression_and_logistic_losses_take_numpy_targets(kind: Any) -> None:
    model = MLP(2, [3, 1], rng=0)
    targets = [1, 0, 1]
    for loss in (mse, sse, binary_cross_entropy):
        assert loss(outputs(model, X), [kind(t) for t in targets]).data == loss(outputs(model, X), targets).data


@pytest.mark.parametrize("kind", [np.int64, np.int32, np.uint8, np.float32], ids=lambda k: k.__name__)
def test_cross_entropy_takes_numpy_class_indices(kind: Any) -> None:
    model = MLP(2, [4, 3], rng=0)
    logits = [model(row) for row in X]
    classes = [2, 0, 1]
    assert cross_entropy(logits, [kind(c) for c in classes]).data == cross_entropy(logits, classes).data


def test_cross_entropy_still_refuses_a_numpy_bool_or_fraction_as_a_class() -> None:
    model = MLP(2, [4, 3], rng=0)
    logits = [model(row) for row in X[:1]]
    for bad in (np.bool_(True), np.float32(1.5), True):
        with pytest.raises(TypeError, match="cross_entropy: target 0 must be a class index"):
            cross_entropy(logits, [bad])


# ---- inputs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [np.float32, np.float16, np.int64], ids=lambda k: k.__name__)
def test_a_network_takes_numpy_inputs(kind: Any) -> None:
    net = Network(["a", "b"], [Unit("h", ["a", "b"], "tanh"), Unit("y", ["a", "b", "h"])], rng=0)
    for row in X:
        assert net([kind(v) for v in row]).data == net([float(kind(v)) for v in row]).data


def test_an_mlp_takes_a_numpy_row_and_a_row_of_numpy_scalars() -> None:
    model = MLP(2, [3, 1], rng=0)
    row = np.array([0.5, -1.25], dtype=np.float32)
    expected = model([0.5, -1.25]).data  # both float32 values are exact in binary
    assert model(row).data == expected
    assert model([np.float32(0.5), np.float64(-1.25)]).data == expected


def test_predict_and_accuracy_take_numpy_arrays() -> None:
    model = MLP(2, [3, 1], rng=0)
    data, labels = np.array(X), np.array(LABELS)
    assert predict(model, data) == predict(model, X)
    assert accuracy(model, data, labels, "sign") == accuracy(model, X, LABELS, "sign")


def test_fit_trains_on_rows_of_numpy_scalars_exactly_as_on_floats() -> None:
    X_moons, y_moons = make_moons(20, noise=0.1, seed=3)
    runs = []
    for rows, labels in ((X_moons, y_moons), (as_numpy(X_moons, np.float64), [np.int64(t) for t in y_moons])):
        model = MLP(2, [4, 1], rng=1)
        history = fit(model, rows, labels, loss="hinge", epochs=3, optimizer=SGD(model.parameters(), lr=0.1),
                      l2=np.float32(1e-4), progress=False)  # fmt: skip
        runs.append((history.loss, model.state_dict()))
    assert runs[0] == runs[1]


# ---- checkpoints -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [np.float32, np.float16, np.float64, np.int64], ids=lambda k: k.__name__)
def test_load_state_dict_takes_numpy_values(kind: Any) -> None:
    model = MLP(2, [3, 1], rng=0)
    state = {name: kind(0.25 * i) for i, name in enumerate(model.state_dict())}
    model.load_state_dict(state)
    assert model.state_dict() == {name: float(value) for name, value in state.items()}


def test_load_state_dict_refuses_a_numpy_bool_and_names_the_key() -> None:
    model = MLP(2, [3, 1], rng=0)
    before = model.state_dict()
    first = next(iter(before))
    with pytest.raises(TypeError, match=f"key '{first}': expected a number"):
        model.load_state_dict({**before, first: np.bool_(True)})
    assert model.state_dict() == before


# ---- hyperparameters, init ranges and counts ---------------------------------------------------------


def _one_step(optimizer_class: Any, **settings: Any) -> list[float]:
    model = MLP(2, [3, 1], rng=0)
    optimizer = optimizer_class(model.parameters(), **settings)
    for _ in range(2):
        optimizer.zero_grad()
        hinge(outputs(model, X), LABELS).backward()
        optimizer.step()
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize(
    ("optimizer_class", "settings"),
    [
        (SGD, {"lr": 0.125, "momentum": 0.5, "weight_decay": 0.25}),
        (Adam, {"lr": 0.125, "betas": (0.5, 0.75), "eps": 0.0625, "weight_decay": 0.25}),
        (AdamW, {"lr": 0.125, "betas": (0.5, 0.75), "eps": 0.0625, "weight_decay": 0.25}),
    ],
    ids=["SGD", "Adam", "AdamW"],
)
def test_optimisers_take_numpy_hyperparameters(optimizer_class: Any, settings: dict[str, Any]) -> None:
    # Every setting is a power of two, exact in float32, so the two runs must agree to the bit.
    def numpy_version(value: Any) -> Any:
        return tuple(np.float32(v) for v in value) if isinstance(value, tuple) else np.float32(value)

    expected = _one_step(optimizer_class, **settings)
    assert _one_step(optimizer_class, **{k: numpy_version(v) for k, v in settings.items()}) == expected


def test_schedules_and_l2_take_numpy_numbers() -> None:
    assert LinearDecay(np.float32(1.0), np.float32(0.5), np.int64(4))(2) == LinearDecay(1.0, 0.5, 4)(2)
    assert StepDecay(np.float32(0.5), np.float32(0.5), np.int64(2))(3) == StepDecay(0.5, 0.5, 2)(3)
    params = MLP(2, [3, 1], rng=0).parameters()
    assert l2(params, np.float32(0.25)).data == l2(params, 0.25).data


def test_an_init_range_takes_numpy_bounds() -> None:
    numpy_bounds = Layer(3, 4, init=(np.float32(-0.5), np.float32(0.5)), rng=2)
    float_bounds = Layer(3, 4, init=(-0.5, 0.5), rng=2)
    assert numpy_bounds.state_dict() == float_bounds.state_dict()


def test_counts_take_numpy_integers_and_refuse_numpy_floats() -> None:
    assert MLP(np.int64(2), [np.int64(3), 1], rng=0).state_dict() == MLP(2, [3, 1], rng=0).state_dict()
    assert make_moons(np.int64(10), seed=0) == make_moons(10, seed=0)
    with pytest.raises(TypeError, match="nin must be a positive int"):
        MLP(np.float32(2.0), [3, 1], rng=0)
    with pytest.raises(TypeError, match="nin must be a positive int"):
        MLP(np.bool_(True), [3, 1], rng=0)
