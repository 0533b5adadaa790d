"""Training: micrograd's demo, XOR, the 1986 mirror-symmetry task, batch modes, tol,
restarts, callbacks, the History, and the progress bar."""

from __future__ import annotations

import math
from typing import Any

import pytest

from autograd_lite import Value, grad
from nn import (
    MLP,
    SGD,
    Adam,
    History,
    LinearDecay,
    accuracy,
    fit,
    hinge,
    l2,
    make_moons,
    make_xor,
    mse,
    predict,
    sse,
    symmetry,
)
from nn.module import Module

DATA_SEED = MODEL_SEED = 1337


def full_loss(model: Module, X: list[list[float]], y: list[Any], loss: Any) -> float:
    return float(loss([model(x) for x in X], y).data)


def test_micrograds_demo_loop_runs_unchanged_and_reaches_full_accuracy() -> None:
    """The training loop of micrograd's demo.ipynb, word for word apart from the data source."""
    X, y = make_moons(n_samples=100, noise=0.1, seed=DATA_SEED)
    model = MLP(2, [16, 16, 1], rng=MODEL_SEED)

    def loss(batch_size: int | None = None) -> tuple[Any, float]:
        Xb, yb = X, y
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores: list[Any] = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores, strict=True)]
        return total_loss, sum(accuracy) / len(accuracy)

    for k in range(100):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    assert acc == 1.0
    assert accuracy(model, X, y, "sign") == 1.0
    assert total_loss.data < 0.05


def test_fit_takes_exactly_the_steps_of_micrograds_loop() -> None:
    X, y = make_moons(n_samples=100, noise=0.1, seed=DATA_SEED)
    by_hand = MLP(2, [16, 16, 1], rng=MODEL_SEED)
    losses = []
    for k in range(10):
        total = hinge([by_hand(x) for x in X], y) + 1e-4 * sum(p * p for p in by_hand.parameters())
        losses.append(total.data)
        by_hand.zero_grad()
        total.backward()
        for p in by_hand.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
    model = MLP(2, [16, 16, 1], rng=MODEL_SEED)
    optimizer = SGD(model.parameters(), lr=LinearDecay(1.0, 0.1, 100))
    history = fit(model, X, y, loss=hinge, optimizer=optimizer, epochs=10, l2=1e-4, progress=False)
    assert history.loss == pytest.approx(losses, rel=1e-12)
    assert [p.data for p in model.parameters()] == pytest.approx([p.data for p in by_hand.parameters()], rel=1e-9, abs=1e-12)
    assert history.lr == pytest.approx([1.0 - 0.9 * k / 100 for k in range(10)])
    assert history.accuracy[0] == accuracy(MLP(2, [16, 16, 1], rng=MODEL_SEED), X, y, "sign")


def _learnt_within(model: Module, X: list[list[float]], y: list[int], margin: float) -> bool:
    return max(abs(o - t) for o, t in zip(predict(model, X), y, strict=True)) < margin  # type: ignore[operator]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_xor_by_a_2_2_1_sigmoid_mlp_with_sse(seed: int) -> None:
    X, y = make_xor(labels=(0, 1))
    model = MLP(2, [2, 1], "sigmoid", "sigmoid", rng=seed)
    history = fit(
        model, X, y, loss=sse, optimizer=SGD(model.parameters(), lr=0.5, momentum=0.9), epochs=2000,
        progress=False, callbacks=[lambda epoch, h: _learnt_within(model, X, y, 0.1)],
    )
    assert history.stop_reason == "callback"
    assert _learnt_within(model, X, y, 0.1)


def test_mirror_symmetry_is_learnt_as_in_the_1986_paper(capsys: pytest.CaptureFixture[str]) -> None:
    """Rumelhart, Hinton & Williams (1986): a 6-2-1 sigmoid network, eta = 0.1, alpha = 0.9,
    weights U(-0.3, 0.3), the gradient accumulated over all 64 patterns before each update,
    learnt symmetry in 1,425 sweeps, with each hidden unit's weights equal and opposite about
    the middle of the input and in the ratio 1 : 2 : 4."""
    X, y = symmetry(6)
    model = MLP(6, [2, 1], "sigmoid", "sigmoid", init=(-0.3, 0.3), rng=1)
    history = fit(
        model, X, y, loss=sse, optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9), epochs=5000,
        progress=False, callbacks=[lambda epoch, h: h.accuracy[-1] == 1.0],
    )
    with capsys.disabled():
        print(f"\nmirror symmetry: every pattern right after {history.epochs} sweeps (1986 paper: 1,425)")
    assert history.stop_reason == "callback"
    assert accuracy(model, X, y, "threshold") == 1.0
    for neuron in model.layers[0].neurons:
        w = [v.data for v in neuron.w]
        scale = max(abs(v) for v in w)
        assert all(abs(w[i] + w[5 - i]) < 0.1 * scale for i in range(3)), w
        inner, middle, outer = sorted(abs(v) for v in w[:3])
        assert middle / inner == pytest.approx(2.0, rel=0.25) and outer / middle == pytest.approx(2.0, rel=0.25), w


def _setup(seed: int = 0) -> tuple[MLP, list[list[float]], list[int]]:
    X, y = make_moons(40, noise=0.1, seed=seed)
    return MLP(2, [8, 1], "tanh", rng=seed), X, y


@pytest.mark.parametrize(("batch_size", "updates"), [(1, 40), (8, 5), (16, 3), (None, 1), (100, 1)])
def test_online_mini_batch_and_full_batch_each_reduce_the_loss(batch_size: int | None, updates: int) -> None:
    model, X, y = _setup()
    before = full_loss(model, X, y, mse)
    optimizer = SGD(model.parameters(), lr=0.05 if batch_size == 1 else 0.2)
    history = fit(model, X, y, loss=mse, optimizer=optimizer, epochs=15, batch_size=batch_size, seed=0, progress=False)
    assert optimizer.steps == 15 * updates
    assert full_loss(model, X, y, mse) < 0.75 * before
    assert history.loss[-1] < history.loss[0]


@pytest.mark.parametrize(("loss", "scale"), [(sse, 1.0), (mse, 0.5)])
def test_a_full_batch_step_sums_or_averages_the_gradients_as_the_loss_defines(loss: Any, scale: float) -> None:
    """sse's gradient is the sum of the per-sample gradients; mse's is 2/n times it (here n = 4)."""
    X = [[1.0, 2.0], [0.5, -1.0], [-1.5, 0.25], [2.0, 2.0]]
    y = [1.0, -2.0, 0.5, 3.0]
    model = MLP(2, [1], "linear", rng=3)
    w = [p.data for p in model.parameters()]
    per_sample = []
    for x, t in zip(X, y, strict=True):
        residual = w[0] * x[0] + w[1] * x[1] + w[2] - t
        per_sample.append([residual * x[0], residual * x[1], residual])
    summed = [sum(g[i] for g in per_sample) for i in range(3)]
    fit(model, X, y, loss=loss, optimizer=SGD(model.parameters(), lr=0.01), epochs=1, progress=False)
    expected = [wi - 0.01 * scale * gi for wi, gi in zip(w, summed, strict=True)]
    assert [p.data for p in model.parameters()] == pytest.approx(expected, rel=1e-12)


def test_tol_stops_once_the_loss_changes_less_than_tol() -> None:
    model, X, y = _setup(1)
    history = fit(model, X, y, loss=mse, optimizer=SGD(model.parameters(), lr=0.05), epochs=500, tol=1e-3, progress=False)
    assert history.stop_reason == "tol" and history.epochs < 500
    changes = [abs(b - a) for a, b in zip(history.loss, history.loss[1:], strict=False)]
    assert changes[-1] < 1e-3 and all(c >= 1e-3 for c in changes[:-1])


def test_restarts_keep_the_best_run() -> None:
    X, y = make_xor(labels=(0, 1))
    model = MLP(2, [2, 1], "sigmoid", "sigmoid", rng=0)

    def weights() -> list[float]:
        return [p.data for p in model.parameters()]

    first_start = weights()
    starts: list[list[float]] = []
    ends: list[list[float]] = []
    real_reset = model.reset_parameters

    def noting_reset(rng: Any = None) -> None:
        real_reset(rng)
        starts.append(weights())

    def record_end(epoch: int, history: History) -> None:
        if epoch == 29:
            ends.append(weights())

    model.reset_parameters = noting_reset  # type: ignore[method-assign]
    optimizer = SGD(model.parameters(), lr=0.5, momentum=0.9)
    history = fit(model, X, y, loss=sse, optimizer=optimizer, epochs=30, restarts=4, seed=5, progress=False, callbacks=[record_end])
    assert len(starts) == 3 and len(ends) == 4 == len(history.restart_losses)
    assert len({tuple(w) for w in [first_start, *starts]}) == 4
    best = min(range(4), key=history.restart_losses.__getitem__)
    assert history.best_restart == best and history.loss[-1] == history.restart_losses[best]
    assert weights() == ends[best]
    assert optimizer.steps == 30  # reset before each later run


def test_restarts_are_reproducible_with_a_seed() -> None:
    runs = []
    for _ in range(2):
        model, X, y = _setup(2)
        fit(model, X, y, loss=mse, optimizer=SGD(model.parameters(), lr=0.05), epochs=3, batch_size=4, restarts=2, seed=11, progress=False)
        runs.append(model.state_dict())
    assert runs[0] == runs[1]


def test_a_callback_sees_every_epoch_and_can_stop() -> None:
    model, X, y = _setup()
    seen: list[tuple[int, int]] = []

    def watch(epoch: int, history: History) -> bool:
        seen.append((epoch, history.epochs))
        return epoch == 4

    history = fit(model, X, y, loss=mse, optimizer=SGD(model.parameters(), lr=0.1), epochs=50, progress=False, callbacks=[watch])
    assert seen == [(e, e + 1) for e in range(5)]
    assert history.stop_reason == "callback" and history.epochs == 5


def test_history_records_accuracy_only_for_class_labels() -> None:
    model, X, y = _setup()
    history = fit(model, X, [float(t) * 0.3 for t in y], loss=mse, optimizer=SGD(model.parameters(), lr=0.1), epochs=3, progress=False)
    assert history.accuracy == [None, None, None]
    history = fit(model, X, y, loss=mse, optimizer=SGD(model.parameters(), lr=0.1), epochs=3, progress=False)
    assert all(a is not None and 0.0 <= a <= 1.0 for a in history.accuracy)
    history = fit(model, X, y, loss=mse, optimizer=SGD(model.parameters(), lr=0.1), epochs=2, progress=False, accuracy=None)
    assert history.accuracy == [None, None]


def test_gradient_statistics_are_the_mean_and_max_abs_gradient_per_layer() -> None:
    model, X, y = _setup()
    data_loss = mse([model(x) for x in X], y)
    groups = model.parameter_groups()
    expected = {name: [abs(g) for g in grad(data_loss, params)] for name, params in groups.items()}
    history = fit(model, X, y, loss=mse, optimizer=SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
    assert list(history.grad_mean) == ["layers.0", "layers.1"]
    for name, sizes in expected.items():
        assert history.grad_mean[name] == pytest.approx([sum(sizes) / len(sizes)], rel=1e-12)
        assert history.grad_max[name] == pytest.approx([max(sizes)], rel=1e-12)


def test_cross_entropy_and_binary_cross_entropy_train_classifiers() -> None:
    X, y = make_moons(60, noise=0.05, seed=4, labels=(0, 1))
    model = MLP(2, [12, 2], "tanh", rng=4)
    history = fit(model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.05), epochs=100, progress=False)
    assert history.accuracy[-1] is not None and history.accuracy[-1] > 0.95
    assert accuracy(model, X, y, "argmax") > 0.95
    assert history.loss[-1] < 0.5 * history.loss[0]
    binary = MLP(2, [12, 1], "tanh", rng=4)
    history = fit(binary, X, y, loss="binary_cross_entropy", optimizer=Adam(binary.parameters(), lr=0.05), epochs=100, progress=False)
    assert accuracy(binary, X, y, "logit") > 0.95


def test_the_progress_bar_shows_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    model, X, y = _setup()
    fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.1), epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "loss=" in err and "acc=" in err


def test_l2_in_fit_equals_adding_the_penalty_by_hand() -> None:
    model, X, y = _setup()
    other, _, _ = _setup()
    fit(model, X, y, loss=mse, optimizer=SGD(model.parameters(), lr=0.1), epochs=1, l2=0.01, progress=False)
    total = mse([other(x) for x in X], y) + l2(other.parameters(), 0.01)
    total.backward()
    for p in other.parameters():
        p.data -= 0.1 * p.grad
    assert model.state_dict() == pytest.approx(other.state_dict(), rel=1e-12)


def test_shuffling_depends_only_on_the_seed() -> None:
    results = []
    for seed in (7, 7, 8):
        model, X, y = _setup()
        fit(model, X, y, loss=mse, optimizer=SGD(model.parameters(), lr=0.05), epochs=2, batch_size=5, seed=seed, progress=False)
        results.append(model.state_dict())
    assert results[0] == results[1] != results[2]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"X": [[1.0, 2.0]], "y": [1, -1]}, ValueError, "fit: X has 1 rows and y has 2 targets"),
        ({"X": [], "y": []}, ValueError, "fit: X has 0 rows"),
        ({"epochs": 0}, ValueError, "fit: epochs must be a positive int, got 0"),
        ({"batch_size": 0}, ValueError, "fit: batch_size must be a positive int, got 0"),
        ({"restarts": 0}, ValueError, "fit: restarts must be a positive int, got 0"),
        ({"tol": -1.0}, ValueError, "fit: tol must be a finite number > 0"),
        ({"l2": -1.0}, ValueError, "fit: l2 must be a finite number >= 0"),
        ({"optimizer": "sgd"}, TypeError, "fit: optimizer must be an nn.optim Optimizer, got str"),
        ({"accuracy": "top5"}, ValueError, "fit: unknown accuracy rule 'top5'"),
        ({"loss": "huber"}, ValueError, "fit: unknown loss 'huber'"),
    ],
)
def test_bad_fit_arguments_are_named(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    model, X, y = _setup()
    arguments: dict[str, Any] = {
        "X": X, "y": y, "loss": mse, "optimizer": SGD(model.parameters(), lr=0.1), "epochs": 1, "progress": False,
    }
    arguments.update(kwargs)
    X_, y_ = arguments.pop("X"), arguments.pop("y")
    with pytest.raises(error, match=message):
        fit(model, X_, y_, **arguments)


def test_a_diverging_run_stops_with_a_clear_error() -> None:
    model = MLP(1, [1], "linear", rng=0)
    X = [[1e200], [-1e200]]
    with pytest.raises(FloatingPointError, match=r"SGD.step: gradient of L0.N0.w0 is"):
        fit(model, X, [1e200, 1e200], loss=mse, optimizer=SGD(model.parameters(), lr=1.0), epochs=5, progress=False)


def test_fit_works_with_a_plain_callable_loss() -> None:
    model, X, y = _setup()

    def squared(outputs: Any, targets: Any) -> Value:
        return sum(((o - t) ** 2 for o, t in zip(outputs, targets, strict=True)), Value(0.0)) * (1 / len(targets))

    history = fit(model, X, y, loss=squared, optimizer=SGD(model.parameters(), lr=0.1), epochs=5, progress=False)
    assert history.loss[-1] < history.loss[0] and history.accuracy[-1] is not None
    assert math.isfinite(history.loss[-1])
