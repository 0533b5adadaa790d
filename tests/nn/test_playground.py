"""The playground without a frontend: reset gives the seed's initial weights exactly, an epoch of
one recorded point graph replayed over each batch makes the updates eager training (nn.train_batch) and PyTorch make,
the history's losses and accuracies are the model's own, and every bad control is refused with
an error that names it, leaving the run as it was."""

from __future__ import annotations

import math
import random
import re
from typing import Any

import pytest

from autograd_lite import Value, no_grad
from nn import MLP, SGD, Adam, Playground, make_moons, mse, sse, train_batch
from nn.losses import LOSSES
from nn.playground.data import targets_for
from nn.playground.history import RunHistory, Snapshot
from tests.nn.torch_reference import mlp_forward


def weights(model: MLP) -> list[float]:
    return [p.data for p in model.parameters()]


def small(**controls: Any) -> Playground:
    settings: dict[str, Any] = {"n_points": 40, "hidden": [4, 3], "seed": 5}
    settings.update(controls)
    return Playground(**settings)


# ---- reset and determinism ---------------------------------------------------------------


def test_the_initial_weights_are_the_documented_mlp_drawn_from_the_seed() -> None:
    pg = small(activation="relu")
    assert weights(pg.model) == weights(MLP(2, [4, 3, 1], activation="relu", rng=5))
    assert pg.model.layers[0].activation.name == "relu"
    assert pg.model.layers[-1].activation.name == "linear"


def test_reset_with_the_same_seed_gives_exactly_the_same_weights_points_and_history() -> None:
    pg = small()
    start, points = weights(pg.model), pg.data.train_X
    first_loss = pg.history.train_loss[0]
    pg.step(4)
    assert weights(pg.model) != start
    pg.reset()
    assert weights(pg.model) == start
    assert pg.data.train_X == points
    assert pg.epoch == 0 and pg.history.train_loss == [first_loss]
    # The same run again, update for update.
    pg.step(4)
    again = weights(pg.model)
    pg.reset()
    pg.step(4)
    assert weights(pg.model) == again


def test_another_seed_draws_other_weights_and_the_old_seed_brings_them_back() -> None:
    pg = small()
    start = weights(pg.model)
    pg.reset(seed=6)
    assert pg.settings.seed == 6 and weights(pg.model) != start
    pg.reset(seed=5)
    assert weights(pg.model) == start


# ---- one epoch against its oracles -----------------------------------------------------------


def eager_epoch(pg: Playground, model: MLP, optimizer: Any, shuffler: random.Random, order: list[int]) -> None:
    """One epoch done the plain way: nn.train_batch on an eagerly built graph per batch."""
    s = pg.settings
    n = len(order)
    size = n if s.batch_size is None else min(n, s.batch_size)
    if size < n:
        shuffler.shuffle(order)
    targets = targets_for(s.loss, pg.data.train_y)
    for start in range(0, n, size):
        batch = order[start : start + size]
        train_batch(model, [pg.data.train_X[i] for i in batch], [targets[i] for i in batch], LOSSES[s.loss], optimizer, s.l2)


@pytest.mark.parametrize(
    ("loss", "batch_size", "l2", "optimizer"),
    [
        ("hinge", "full", 1e-3, "sgd"),
        ("hinge", 7, 0.0, "sgd"),
        ("mse", "online", 0.0, "sgd"),
        ("sse", 5, 1e-4, "sgd"),
        ("binary_cross_entropy", 8, 1e-3, "adam"),
    ],
)
def test_epochs_make_the_updates_eager_training_makes(loss: str, batch_size: Any, l2: float, optimizer: str) -> None:
    pg = small(loss=loss, batch_size=batch_size, l2=l2, optimizer=optimizer, lr=0.05)
    model = MLP(2, [4, 3, 1], activation="tanh", rng=5)
    opt = Adam(model.parameters(), lr=0.05) if optimizer == "adam" else SGD(model.parameters(), lr=0.05)
    shuffler, order = random.Random(5), list(range(len(pg.data.train_X)))
    for _ in range(3):
        pg.step(1)
        eager_epoch(pg, model, opt, shuffler, order)
        # The same updates; only the order in which per-point gradients are added differs.
        assert weights(pg.model) == pytest.approx(weights(model), rel=1e-12, abs=1e-14)
    assert pg.history.updates[-1] == 3 * math.ceil(len(order) / (len(order) if pg.settings.batch_size is None else pg.settings.batch_size))


def test_a_full_batch_step_is_the_one_pytorch_computes() -> None:
    torch = pytest.importorskip("torch")
    pg = small(loss="hinge", batch_size="full", l2=1e-3, lr=0.2, activation="tanh")
    start = weights(pg.model)
    pg.step(1)
    sizes = [2, 4, 3, 1]
    flat = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    X = torch.tensor(pg.data.train_X, dtype=torch.float64)
    y = torch.tensor(pg.data.train_y, dtype=torch.float64)
    values = mlp_forward(torch, flat, X, sizes)
    loss = torch.relu(1 - y * values[:, 0]).mean() + 1e-3 * (flat * flat).sum()
    loss.backward()
    expected = (flat - 0.2 * flat.grad).detach().tolist()
    assert weights(pg.model) == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_the_history_holds_the_models_own_losses_and_accuracies() -> None:
    pg = small(loss="mse", batch_size=4)
    pg.step(3)
    with no_grad():
        for X, y, losses, accuracies in (
            (pg.data.train_X, pg.data.train_y, pg.history.train_loss, pg.history.train_accuracy),
            (pg.data.test_X, pg.data.test_y, pg.history.test_loss, pg.history.test_accuracy),
        ):
            scores = [pg.model(row) for row in X]
            assert losses[-1] == pytest.approx(mse(scores, [float(t) for t in y]).data, rel=1e-12)
            right = sum((s.data > 0) == (t > 0) for s, t in zip(scores, y, strict=True))  # type: ignore[union-attr]
            assert accuracies[-1] == right / len(y)
    assert len(pg.history.train_loss) == 4 and pg.history.lr[0] is None and pg.history.lr[-1] == 0.1


def test_sse_is_reported_per_point_and_summed_in_the_gradient() -> None:
    pg = small(loss="sse", batch_size="full", lr=0.01)
    with no_grad():
        scores = [pg.model(row) for row in pg.data.train_X]
        total = sse(scores, [float(t) for t in pg.data.train_y]).data
    assert pg.history.train_loss[0] == pytest.approx(total / len(scores), rel=1e-12)


def test_xor_is_learned_with_four_hidden_units() -> None:
    pg = Playground("xor", n_points=40, noise=0.05, hidden=[4], lr=0.3, batch_size="full", seed=1)
    pg.step(150)
    assert pg.history.train_accuracy[-1] == 1.0
    assert pg.history.train_loss[-1] < pg.history.train_loss[0] / 4


# ---- changing controls -------------------------------------------------------------------------


def test_training_controls_keep_the_weights_and_take_effect_at_the_next_update() -> None:
    pg = small()
    pg.step(2)
    now = weights(pg.model)
    assert pg.configure(lr=0.5, batch_size="online", l2=1e-3, schedule="step") is False
    assert weights(pg.model) == now and pg.epoch == 2
    pg.step(1)
    assert pg.history.lr[-1] == 0.5
    assert pg.history.updates[-1] - pg.history.updates[-2] == len(pg.data.train_X)
    assert pg.configure(optimizer="adamw") is False and pg.epoch == 3


def test_controls_that_define_the_run_start_it_again() -> None:
    pg = small()
    pg.step(2)
    assert pg.configure(hidden="5") is True
    assert pg.epoch == 0 and weights(pg.model) == weights(MLP(2, [5, 1], activation="tanh", rng=5))
    assert pg.configure(dataset="circles", noise=0.05) is True
    assert pg.settings.dataset == "circles" and pg.settings.noise == 0.05


def test_a_network_without_hidden_layers_is_a_linear_classifier() -> None:
    pg = small(hidden=[])
    assert [layer.nout for layer in pg.model.layers] == [1]
    pg.step(2)


def test_your_own_points_with_any_two_labels() -> None:
    X, y = make_moons(30, seed=2, labels=(0, 1))
    labels = ["cat" if t else "dog" for t in y]
    pg = Playground((X, labels), hidden=[4], seed=0)
    assert pg.settings.dataset == "custom" and pg.data.class_names == ("cat", "dog")
    assert sorted(pg.data.train_X + pg.data.test_X) == sorted(X)
    assert {c for c in pg.data.train_y + pg.data.test_y} == {-1, 1}
    pg.step(2)
    with pytest.raises(ValueError, match="configure\\(dataset=\\(X, y\\)\\)"):
        Playground(hidden=[4]).configure(dataset="custom")


BAD_CONTROLS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"dataset": "moon"}, ValueError, "Playground: dataset must be one of 'moons', 'circles', 'xor', 'spirals', 'gaussian', 'plane', 'multi_gaussian', 'custom', got 'moon'"),
    ({"dataset": 3}, TypeError, "Playground: dataset must be one of .* or your points as \\(X, y\\), got int"),
    ({"n_points": 3}, ValueError, "Playground: n_points must be from 4 to 2000, got 3"),
    ({"noise": -0.1}, ValueError, "Playground: noise must be a number in \\[0.0, 1.0\\], got -0.1"),
    ({"test_fraction": 0.95}, ValueError, "Playground: test_fraction must be a number in \\[0.1, 0.9\\], got 0.95"),
    ({"hidden": [0]}, ValueError, "Playground: hidden \\(every layer width\\) must be a positive int, got 0"),
    ({"hidden": [17]}, ValueError, "Playground: hidden layers may be at most 16 units wide, got 17"),
    ({"hidden": "8, x"}, ValueError, "Playground: hidden must be layer widths such as '8, 8', got '8, x'"),
    ({"hidden": [2] * 7}, ValueError, "Playground: hidden may have at most 6 layers, got 7"),
    ({"activation": "softmax"}, ValueError, "Playground: activation must be one of 'tanh', .*, got 'softmax'"),
    ({"loss": "cross_entropy"}, ValueError, "Playground: loss 'cross_entropy' needs one output per class"),
    ({"loss": "l1"}, ValueError, "Playground: loss must be one of 'hinge', 'mse', 'sse', 'binary_cross_entropy', got 'l1'"),
    ({"lr": -1}, ValueError, "Playground: lr must be a finite number > 0, got -1"),
    ({"lr": 100.0}, ValueError, "Playground: lr must be at most 10.0, got 100.0"),
    ({"lr": "fast"}, ValueError, "Playground: lr must be a finite number > 0, got 'fast'"),
    ({"lr": float("nan")}, ValueError, "Playground: lr must be a finite number > 0, got nan"),
    ({"features": ["x1", "x3"]}, ValueError, "Playground: features must be chosen from 'x1', 'x2', 'x1\\^2', 'x2\\^2', 'x1\\*x2', 'sin\\(x1\\)', 'sin\\(x2\\)', got 'x3'"),
    ({"features": "x1, cos(x1)"}, ValueError, "Playground: features must be chosen from .*, got 'cos\\(x1\\)'"),
    ({"features": []}, ValueError, "Playground: features must name at least one input, got none"),
    ({"features": ["x1", "x1"]}, ValueError, "Playground: features names a feature twice: \\['x1', 'x1'\\]"),
    ({"features": 3}, TypeError, "Playground: features must be a list of feature names, got int"),
    ({"l1": -0.01}, ValueError, "Playground: l1 must be a finite number >= 0, got -0.01"),
    ({"l1": float("nan")}, ValueError, "Playground: l1 must be a finite number >= 0, got nan"),
    ({"dataset": "plane", "loss": "hinge"}, ValueError, "Playground: loss 'hinge' is for two classes; the regression data set 'plane' takes 'mse' or 'sse'"),
    ({"show_test_data": 1}, TypeError, "Playground: show_test_data must be True or False, got int 1"),
    ({"discretize": "yes"}, TypeError, "Playground: discretize must be True or False, got str 'yes'"),
    ({"schedule": "cosine"}, ValueError, "Playground: schedule must be one of 'constant', .*, got 'cosine'"),
    ({"batch_size": 0}, ValueError, "Playground: batch_size must be a positive int, got 0"),
    ({"batch_size": "big"}, ValueError, "Playground: batch_size must be a positive int, 'online', 'full' or None, got 'big'"),
    ({"l2": float("nan")}, ValueError, "Playground: l2 must be a finite number >= 0, got nan"),
    ({"optimizer": "rmsprop"}, ValueError, "Playground: optimizer must be one of 'sgd', 'momentum', 'adam', 'adamw', got 'rmsprop'"),
    ({"seed": "1"}, TypeError, "Playground: seed must be an int, got str '1'"),
    ({"seed": True}, TypeError, "Playground: seed must be an int, got bool True"),
    ({"seed": 10**5000}, ValueError, "Playground: seed must be an int from -9007199254740992 to 9007199254740992, got an int with 5001 digits"),
]


@pytest.mark.parametrize(("controls", "error", "message"), BAD_CONTROLS)
def test_a_bad_control_is_refused_by_name_when_made_and_when_changed(
    controls: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        Playground(**controls)
    pg = small()
    pg.step(1)
    before, settings = weights(pg.model), pg.settings
    good = {"l2": 0.01} if "l2" not in controls else {"lr": 0.7}
    with pytest.raises(error, match=message):
        pg.configure(**good, **controls)
    # Nothing changed: not the settings, not the weights, not even the good control given with it.
    assert pg.settings == settings and weights(pg.model) == before and pg.epoch == 1


@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        (([[0, 0], [1, 1], [0, 1]], [0, 1, 0]), "Playground: X must have from 4 to 2000 rows, got 3"),
        (([[0, 0], [1, 1], [0, 1], [1]], [0, 1, 0, 1]), "Playground: X\\[3\\] must be a point of two numbers, got \\[1\\]"),
        (([[0, 0], [1, 1], [0, 1], [1, math.nan]], [0, 1, 0, 1]), "Playground: X\\[3\\] must hold two finite numbers"),
        (([[0, 0], [1, 1], [0, 1], [1, 0]], [0, 1, 2, 1]), "Playground: y must hold exactly two different labels, got 3"),
        (([[0, 0], [1, 1], [0, 1], [1, 0]], [0, 1, 0]), "Playground: X has 4 rows and y has 3 labels"),
        (("points", [0, 1]), "Playground: X must be a list, got str"),
        (([[0, 0], [1, 1], [0, 1], [1, 0]], [[0], [1], [0], [1]]), "Playground: y must hold labels such as 0 and 1"),
    ],
)
def test_bad_points_of_your_own_are_refused_by_name(dataset: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        Playground(dataset)


def test_step_and_unknown_controls_are_checked() -> None:
    pg = small()
    for n in (0, -1, 1.5, True, 100_001):
        with pytest.raises(ValueError, match=re.escape("Playground.step: n must be an int from 1 to 100,000")):
            pg.step(n)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Playground: unknown control 'learning_rate'; the controls are"):
        pg.configure(learning_rate=0.1)
    assert pg.epoch == 0


def test_a_diverging_run_stops_with_an_error_naming_the_parameter() -> None:
    pg = small(activation="linear", loss="sse", lr=10.0, batch_size="full", n_points=200)
    with pytest.raises(FloatingPointError, match=re.escape("SGD.step: gradient of L0.N0.w0 is nan")):
        pg.step(20)


# ---- the history stays bounded ------------------------------------------------------------------


def test_snapshots_are_thinned_evenly_and_stay_bounded() -> None:
    run = RunHistory(max_snapshots=8)
    for epoch in range(101):
        run.record((1.0, 1.0), (0.5, 0.5), None, epoch, Snapshot(epoch, (float(epoch),), (0.0,)))
    kept = [s.epoch for s in run.snapshots]
    assert len(kept) <= 8 and kept[0] == 0
    assert kept == list(range(0, 101, run.snapshot_every))
    assert run.epochs == 100 and len(run.train_loss) == 101


def test_the_tapes_leave_every_parameter_a_leaf_the_optimiser_can_update() -> None:
    pg = small()
    pg.step(1)
    assert all(isinstance(p, Value) and p.is_leaf for p in pg.model.parameters())
    # The gradient kept is the last update's: hinge + l2 on the last batch, finite everywhere.
    assert all(math.isfinite(p.grad) for p in pg.model.parameters())
