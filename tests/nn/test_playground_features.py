"""TensorFlow Playground's features in ours, headless: the input features are the columns the
network takes (each computed here by its own formula), an epoch with them is eager training on
those columns, L1 makes weights exactly zero as fit's proximal step does, the gaussian set has
its two blobs, and the regression sets carry their formulas' targets and train to a lower test
loss than the best constant."""

from __future__ import annotations

import math
import random
import statistics
from typing import Any

import pytest

from autograd_lite import no_grad
from nn import MLP, SGD, Adam, Playground, train_batch
from nn.losses import LOSSES
from nn.playground.data import targets_for

np = pytest.importorskip("numpy")

from nn.playground.grid import plane  # noqa: E402  (needs numpy)

ALL = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def by_hand(name: str, x1: float, x2: float) -> float:
    """Each feature written out again, apart from the code under test."""
    return {
        "x1": x1, "x2": x2, "x1^2": x1**2, "x2^2": x2**2, "x1*x2": x1 * x2, "sin(x1)": math.sin(x1),
        "sin(x2)": math.sin(x2),
    }[name]  # fmt: skip


def weights(model: MLP) -> list[float]:
    return [p.data for p in model.parameters()]


# ---- input features ------------------------------------------------------------------------


def test_the_network_takes_one_input_per_chosen_feature_in_a_fixed_order() -> None:
    pg = Playground("moons", n_points=40, features=["sin(x2)", "x1", "x1*x2"], hidden=[3], seed=1)
    assert pg.settings.features == ("x1", "x1*x2", "sin(x2)")
    assert pg.model.layers[0].neurons[0].nin == 3
    assert pg.settings.sizes == (3, 3, 1)
    assert "3 -> 3 -> 1" in repr(pg)


@pytest.mark.parametrize(("optimizer", "l1"), [("sgd", 0.0), ("sgd", 0.01), ("adam", 0.003)])
def test_an_epoch_with_features_is_eager_training_on_the_feature_columns(optimizer: str, l1: float) -> None:
    pg = Playground("circles", n_points=50, features=ALL, hidden=[5], lr=0.05, batch_size=6, l1=l1, l2=1e-3,
                    optimizer=optimizer, seed=3)  # fmt: skip
    model = MLP(7, [5, 1], activation="tanh", rng=3)
    opt = Adam(model.parameters(), lr=0.05) if optimizer == "adam" else SGD(model.parameters(), lr=0.05)
    rows = [[by_hand(name, x1, x2) for name in ALL] for x1, x2 in pg.data.train_X]
    targets = targets_for("hinge", pg.data.train_y)
    shuffler, order = random.Random(3), list(range(len(rows)))
    for _ in range(3):
        pg.step(1)
        shuffler.shuffle(order)
        for start in range(0, len(order), 6):
            batch = order[start : start + 6]
            train_batch(model, [rows[i] for i in batch], [targets[i] for i in batch], LOSSES["hinge"], opt, 1e-3, l1)
        assert weights(pg.model) == pytest.approx(weights(model), rel=1e-12, abs=1e-14)
    # L1 put some weights exactly at zero, the same ones as eager training.
    assert [w == 0.0 for w in weights(pg.model)] == [w == 0.0 for w in weights(model)]


def test_feature_maps_and_unit_maps_are_the_formulas_and_the_engine_over_the_plane() -> None:
    pg = Playground("xor", n_points=30, features=["x2^2", "x1*x2", "sin(x1)"], hidden=[2], seed=2)
    pg.step(2)
    points = plane(pg.data.extent, 6).tolist()
    features = pg.feature_maps(resolution=6)
    units = pg.unit_maps(resolution=6)
    assert list(features) == ["x2^2", "x1*x2", "sin(x1)"]
    with no_grad():
        for k, (x1, x2) in enumerate(points):
            row = [by_hand(name, x1, x2) for name in features]
            for name, value in zip(features, row, strict=True):
                assert features[name][k // 6, k % 6] == pytest.approx(value, rel=1e-15, abs=1e-15)
            output = pg.model(row)
            assert units["L1.N0"][k // 6, k % 6] == pytest.approx(output.data, rel=1e-12, abs=1e-14)  # type: ignore[union-attr]


def test_one_points_graph_starts_from_its_features() -> None:
    pg = Playground("moons", n_points=30, features=["x1", "sin(x2)"], hidden=[2], seed=0)
    source = pg.graph(3).source
    x1, x2 = pg.data.train_X[3]
    assert "sin(x2)" in source and f"{math.sin(x2):.4g}" in source and "x1^2" not in source
    assert f"{x1:.4g}" in source


# ---- L1 in the playground ----------------------------------------------------------------------


def test_l1_makes_weights_exactly_zero_and_the_network_draws_them_dashed() -> None:
    pg = Playground("gaussian", n_points=80, hidden=[6], l1=0.05, lr=0.1, seed=0)
    pg.step(20)
    zeros = sum(w == 0.0 for w in pg.latest.weights)
    assert zeros >= 5
    svg = pg.network_svg()
    dashed = svg.count('stroke-dasharray="3 3"')
    edge_zeros = sum(w == 0.0 for name, w in zip(pg.model.state_dict(), pg.latest.weights, strict=True) if ".w" in name)
    assert dashed == edge_zeros and edge_zeros > 0
    assert f"dashed = exactly 0 ({edge_zeros} of {2 * 6 + 6})" in svg
    # Without L1 no weight lands on zero.
    plain = Playground("gaussian", n_points=80, hidden=[6], lr=0.1, seed=0)
    plain.step(20)
    assert 0.0 not in plain.latest.weights


def test_l1_is_a_training_control_that_keeps_the_weights() -> None:
    pg = Playground("moons", n_points=40, hidden=[4], seed=1)
    pg.step(2)
    before = weights(pg.model)
    assert pg.configure(l1=0.1) is False and weights(pg.model) == before
    pg.step(1)
    assert 0.0 in weights(pg.model)


# ---- the data sets -----------------------------------------------------------------------------


def test_the_gaussian_set_is_two_blobs_around_plus_and_minus_a_half() -> None:
    pg = Playground("gaussian", n_points=1000, noise=0.1, test_fraction=0.5, seed=4)
    points = list(zip(pg.data.train_X + pg.data.test_X, pg.data.train_y + pg.data.test_y, strict=True))
    for label, centre in ((1, 0.5), (-1, -0.5)):
        xs = [p for p, y in points if y == label]
        assert len(xs) == 500
        spread = 0.15 + 0.1
        for axis in (0, 1):
            values = [p[axis] for p in xs]
            assert abs(statistics.fmean(values) - centre) < 4 * spread / math.sqrt(500)
            assert statistics.stdev(values) == pytest.approx(spread, rel=0.15)


def bumps(x1: float, x2: float) -> float:
    """TensorFlow Playground's six gaussians (centres (+-4, +-2.5), (0, +-2.5), radius 2 on [-6, 6]) on our [-1, 1]."""
    centres = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    best = 0.0
    for cx, cy, sign in centres:
        height = sign * max(0.0, 1 - math.dist((6 * x1, 6 * x2), (cx, cy)) / 2)
        if abs(height) > abs(best):
            best = height
    return best


@pytest.mark.parametrize(("dataset", "target"), [("plane", lambda a, b: (a + b) / 2), ("multi_gaussian", bumps)])
def test_without_noise_a_regression_sets_targets_are_its_formula(dataset: str, target: Any) -> None:
    pg = Playground(dataset, n_points=300, noise=0.0, seed=7)
    assert pg.settings.loss == "mse" and pg.settings.regression
    for X, y in ((pg.data.train_X, pg.data.train_y), (pg.data.test_X, pg.data.test_y)):
        for (a, b), value in zip(X, y, strict=True):
            assert -1 <= a <= 1 and -1 <= b <= 1
            assert value == pytest.approx(target(a, b), abs=1e-12)
    assert pg.history.train_accuracy == [None] and "right" not in repr(pg.history.test_accuracy)


@pytest.mark.parametrize(
    ("dataset", "controls"),
    [
        ("plane", {"hidden": [4], "lr": 0.1}),
        ("multi_gaussian", {"noise": 0.0, "hidden": [8, 8], "lr": 0.03, "optimizer": "adam", "batch_size": "full"}),
    ],
)
def test_regression_trains_below_the_best_constant(dataset: str, controls: dict[str, Any]) -> None:
    pg = Playground(dataset, n_points=400, seed=0, **controls)
    pg.step(200 if dataset == "multi_gaussian" else 60)
    mean = statistics.fmean(pg.data.train_y)
    constant = statistics.fmean((y - mean) ** 2 for y in pg.data.test_y)
    with no_grad():
        predictions = [pg.model(x).data for x in pg.data.test_X]  # type: ignore[union-attr]
    mse = statistics.fmean((p - y) ** 2 for p, y in zip(predictions, pg.data.test_y, strict=True))
    assert pg.history.test_loss[-1] == pytest.approx(mse, rel=1e-9)
    assert mse < constant / 2


def test_choosing_a_regression_set_takes_a_squared_error_and_a_class_set_keeps_it() -> None:
    pg = Playground("moons", n_points=40, hidden=[2], seed=0)
    assert pg.settings.loss == "hinge"
    pg.configure(dataset="plane")
    assert pg.settings.loss == "mse"
    pg.configure(loss="sse")
    pg.configure(dataset="xor")
    assert pg.settings.loss == "sse"
    pg.configure(loss="binary_cross_entropy")
    pg.configure(dataset="multi_gaussian", loss=None)
    assert pg.settings.loss == "mse"


def test_the_regression_view_colours_points_by_their_target_and_draws_no_decision_line() -> None:
    from nn.playground import raster

    pg = Playground("plane", n_points=40, hidden=[2], seed=3)
    svg = pg.boundary_svg()
    assert "<path" not in svg and "target (dots) and output" in svg and "class -1" not in svg
    for y in pg.data.train_y:
        assert f'fill="{raster.value_colour(y)}" stroke="#ffffff"' in svg
