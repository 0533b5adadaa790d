"""fit(..., compiled=True) against its oracle, eager training: the batched replay gives eager's
weights, losses, accuracies and gradient statistics to 1e-12 relative for every model type and
every loss, full batch and mini-batch; when it cannot be used it says why in a warning and
falls back (to the float Tape, bit for bit eager's numbers, or to eager training itself)."""

from __future__ import annotations

import gc
import math
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from autograd_lite import Value
from nn import (
    MLP,
    SGD,
    Adam,
    AdamW,
    History,
    Layer,
    LinearDecay,
    Module,
    Network,
    Neuron,
    Optimizer,
    Unit,
    fit,
    make_moons,
    make_spirals,
    make_xor,
)
from nn.array_training import ArrayTraining
from nn.compiled import CompiledBatch, ReplayFallback, compile_training
from nn.losses import resolve_loss
from tests.nn.eager_oracle import close, eager_then_compiled

pytest.importorskip("numpy")


def _train(make_model: Callable[[], Any], compiled: bool, **options: Any) -> tuple[History, list[float]]:
    model = make_model()
    optimizer_factory = options.pop("optimizer")
    history = fit(
        model, options.pop("X"), options.pop("y"), optimizer=optimizer_factory(model),
        progress=False, compiled=compiled, **options,
    )
    return history, [p.data for p in model.parameters()]


def _close(got: float | None, want: float | None) -> bool:
    return close(got, want, abs_tol=1e-15)


def _assert_close_to_eager(make_model: Callable[[], Any], **options: Any) -> None:
    """Batched training (no fallback warning) against eager training from the same start."""
    (eager_history, eager_weights), (history, weights) = eager_then_compiled(
        lambda compiled: _train(make_model, compiled, **dict(options))
    )
    assert len(weights) == len(eager_weights)
    bad = [(i, w, e) for i, (w, e) in enumerate(zip(weights, eager_weights, strict=True)) if not _close(w, e)]
    assert not bad, f"weights differ from eager (index, batched, eager): {bad[:3]}"
    assert history.epochs == eager_history.epochs
    assert all(_close(a, b) for a, b in zip(history.loss, eager_history.loss, strict=True)), (history.loss, eager_history.loss)
    assert history.accuracy == eager_history.accuracy
    for name, means in eager_history.grad_mean.items():
        assert all(_close(a, b) for a, b in zip(history.grad_mean[name], means, strict=True)), name
        assert all(_close(a, b) for a, b in zip(history.grad_max[name], eager_history.grad_max[name], strict=True))
    assert history.stop_reason == eager_history.stop_reason


def _three_arms(n: int = 45) -> tuple[list[list[float]], list[int]]:
    """Three classes in the plane, by angle sector: a data set whose targets are 0, 1 and 2."""
    X = [[math.cos(0.7 * k) * (1 + k % 5 / 5), math.sin(0.7 * k) * (1 + k % 3 / 3)] for k in range(n)]
    y = [int(((math.atan2(b, a) + math.pi) / (2 * math.pi)) * 3) % 3 for a, b in X]
    return X, y


def test_micrograd_demo_batched_matches_eager() -> None:
    X, y = make_moons(100, noise=0.1, seed=1337)
    _assert_close_to_eager(
        lambda: MLP(2, [16, 16, 1], rng=1337),
        X=X, y=y, loss="hinge", l2=1e-4, epochs=12,
        optimizer=lambda m: SGD(m.parameters(), lr=LinearDecay(1.0, 0.1, 12)),
    )


def test_leaky_relu_and_sse_batched_match_eager() -> None:
    X, y = make_xor(labels=(0, 1))
    _assert_close_to_eager(
        lambda: MLP(2, [4, 1], activation="leaky_relu", output_activation="sigmoid", rng=5),
        X=X, y=y, loss="sse", epochs=40,
        optimizer=lambda m: SGD(m.parameters(), lr=0.5, momentum=0.9),
    )


def test_mse_with_several_outputs_on_a_layer_matches_eager() -> None:
    X, _ = make_moons(30, seed=3)
    targets = [[math.sin(a), a * b, 0.5] for a, b in X]
    _assert_close_to_eager(
        lambda: Layer(2, 3, activation="tanh", rng=4),
        X=X, y=targets, loss="mse", epochs=10,
        optimizer=lambda m: AdamW(m.parameters(), lr=0.05),
    )


def test_binary_cross_entropy_on_a_single_neuron_matches_eager() -> None:
    X, y = make_moons(40, noise=0.2, seed=5, labels=(0, 1))
    _assert_close_to_eager(
        lambda: Neuron(2, activation="linear", rng=6),
        X=X, y=y, loss="binary_cross_entropy", l2=1e-3, epochs=15,
        optimizer=lambda m: SGD(m.parameters(), lr=0.3),
    )


def test_cross_entropy_with_three_classes_matches_eager() -> None:
    # The target picks a logit, so each class has a graph shape of its own: three batched replays.
    X, y = _three_arms()
    _assert_close_to_eager(
        lambda: MLP(2, [8, 3], activation="tanh", rng=3),
        X=X, y=y, loss="cross_entropy", epochs=15,
        optimizer=lambda m: Adam(m.parameters(), lr=0.05),
    )


def test_cross_entropy_with_two_outputs_matches_eager() -> None:
    X, y = make_spirals(30, seed=2, labels=(0, 1))
    _assert_close_to_eager(
        lambda: MLP(2, [6, 2], activation="sigmoid", rng=3),
        X=X, y=y, loss="cross_entropy", epochs=15,
        optimizer=lambda m: Adam(m.parameters(), lr=0.05),
    )


def test_skip_connection_network_with_restarts_matches_eager() -> None:
    X, y = make_xor(labels=(0, 1))

    def network() -> Network:
        units = [Unit("h", ["x1", "x2"], "sigmoid"), Unit("y", ["x1", "x2", "h"], "sigmoid")]
        return Network(["x1", "x2"], units, rng=1)

    _assert_close_to_eager(
        network, X=X, y=y, loss="sse", epochs=30, restarts=3, seed=4,
        optimizer=lambda m: SGD(m.parameters(), lr=0.5),
    )


def test_mini_batches_shuffled_match_eager() -> None:
    X, y = _three_arms(60)
    _assert_close_to_eager(
        lambda: MLP(2, [10, 3], activation="relu", rng=8),
        X=X, y=y, loss="cross_entropy", epochs=6, batch_size=7, seed=11, l2=1e-3,
        optimizer=lambda m: Adam(m.parameters(), lr=0.02),
    )


def test_online_training_and_tol_match_eager() -> None:
    X, y = make_moons(12, seed=9)
    _assert_close_to_eager(
        lambda: MLP(2, [3, 1], activation="tanh", rng=2),
        X=X, y=y, loss="hinge", epochs=20, batch_size=1, seed=1, tol=1e-3,
        optimizer=lambda m: SGD(m.parameters(), lr=0.05),
    )


def test_the_built_in_losses_pick_the_batched_replay() -> None:
    X, y = make_moons(10, seed=0)
    model = MLP(2, [3, 1], rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReplayFallback)
        chosen = compile_training(model, X, y, resolve_loss("hinge"), SGD(model.parameters(), lr=0.1), l2=0.0,
                                  rule="sign", full_batch=False)  # fmt: skip
    assert isinstance(chosen, ArrayTraining)


# ---- falling back, and saying why ---------------------------------------------------------------


class _SignFlip(Module):
    """A model whose graph depends on values: Python negates each negative hidden unit."""

    def __init__(self) -> None:
        self.layer = Layer(2, 3, activation="linear", rng=1)
        self.out = Neuron(3, activation="linear", rng=2)

    def __call__(self, x: Any) -> Value:
        hidden = [h if h.data > 0 else -h for h in self.layer(x)]
        return self.out(hidden)

    def named_children(self) -> Any:
        yield "layer", self.layer
        yield "out", self.out


def test_python_branching_on_values_falls_back_to_eager_with_a_reason() -> None:
    X, y = make_moons(20, noise=0.2, seed=1)
    eager_history, eager_weights = _train(_SignFlip, False, X=X, y=y, loss="hinge", epochs=5,
                                          optimizer=lambda m: SGD(m.parameters(), lr=0.1))  # fmt: skip
    with pytest.warns(ReplayFallback, match=r"Python read a number .*test_compiled.py, line \d+: hidden = \[h if h.data > 0.*eagerly"):
        history, weights = _train(_SignFlip, True, X=X, y=y, loss="hinge", epochs=5,
                                  optimizer=lambda m: SGD(m.parameters(), lr=0.1))  # fmt: skip
    # Eager training itself, so the very same numbers.
    assert weights == eager_weights and history.loss == eager_history.loss


def test_a_loss_of_your_own_replays_the_full_batch_with_the_float_tape() -> None:
    def squared_sum(outputs: Any, targets: Any) -> Value:
        errors = [out - target for out, target in zip(outputs, targets, strict=True)]
        return sum(e * e for e in errors) * (1.0 / len(errors))

    X, y = make_moons(16, seed=2)
    options = dict(X=X, y=y, loss=squared_sum, epochs=6, optimizer=lambda m: SGD(m.parameters(), lr=0.1))
    _, eager_weights = _train(lambda: MLP(2, [4, 1], rng=5), False, **dict(options))
    with pytest.warns(ReplayFallback, match=r"'squared_sum' is not one of nn's.*float Tape"):
        _, weights = _train(lambda: MLP(2, [4, 1], rng=5), True, **dict(options))
    assert weights == eager_weights  # the float Tape: bit for bit
    with pytest.warns(ReplayFallback, match="training eagerly"):
        _train(lambda: MLP(2, [4, 1], rng=5), True, batch_size=4, **dict(options))


class _SignSGD(SGD):
    """A user's optimiser that changes only the Value update: w -= lr * sign(dE/dw)."""

    def _update(self, lr: float, grads: Any) -> None:
        for param, g in zip(self.params, grads, strict=True):
            param.data -= lr * math.copysign(1.0, g) if g else 0.0


class _ClippedSGD(SGD):
    """A user's optimiser that changes step() itself: gradients clipped to [-0.1, 0.1] first."""

    def step(self) -> float:
        for param in self.params:
            param.grad = max(-0.1, min(0.1, param.grad))
        return super().step()


class _OwnOptimizer(Optimizer):
    """A user's optimiser written from the base class, with no array update."""

    def _update(self, lr: float, grads: Any) -> None:
        for param, g in zip(self.params, grads, strict=True):
            param.data -= lr * g / (1.0 + abs(g))

    def _reset_state(self) -> None:
        pass


@pytest.mark.parametrize("optimizer_class", [_SignSGD, _ClippedSGD, _OwnOptimizer])
@pytest.mark.parametrize("batch_size", [None, 4])
def test_an_optimiser_of_your_own_trains_as_its_own_step_says(optimizer_class: Any, batch_size: int | None) -> None:
    # The array training steps with _update_arrays; a subclass that changed step() or _update()
    # alone would silently train with its parent's rule there, so fit replays without arrays.
    X, y = make_moons(12, seed=3)
    options = dict(X=X, y=y, loss="mse", epochs=3, batch_size=batch_size, seed=0,
                   optimizer=lambda m: optimizer_class(m.parameters(), lr=0.05))  # fmt: skip
    eager_history, eager_weights = _train(lambda: MLP(2, [3, 1], rng=2), False, **dict(options))
    with pytest.warns(ReplayFallback, match=rf"optimiser {optimizer_class.__name__} changes step\(\) or _update\(\)"):
        history, weights = _train(lambda: MLP(2, [3, 1], rng=2), True, **dict(options))
    assert weights == eager_weights  # the float Tape steps with step() itself: bit for bit
    assert history.loss == eager_history.loss


def test_nn_optimisers_step_arrays_as_they_step_values() -> None:
    model = MLP(2, [2, 1], rng=0)
    for optimizer in (SGD(model.parameters(), lr=0.1), SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True),
                      Adam(model.parameters(), lr=0.1), AdamW(model.parameters(), lr=0.1)):  # fmt: skip
        assert optimizer.steps_arrays_as_values()


def test_without_numpy_fit_replays_with_the_float_tape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "autograd_lite.batched", None)  # import now raises ImportError
    X, y = make_moons(10, seed=0)
    model = MLP(2, [3, 1], rng=0)
    with pytest.warns(ReplayFallback, match=r"numpy is not installed.*autograd-lite\[batched\].*float Tape"):
        chosen = compile_training(model, X, y, resolve_loss("hinge"), SGD(model.parameters(), lr=0.1), l2=0.0,
                                  rule="sign", full_batch=True)  # fmt: skip
    assert isinstance(chosen, CompiledBatch)


def test_in_a_browser_tab_the_advice_is_micropip_not_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pyodide reports sys.platform "emscripten"; pip cannot run there, so advising it would be wrong.
    monkeypatch.setitem(sys.modules, "autograd_lite.batched", None)
    monkeypatch.setattr(sys, "platform", "emscripten")
    X, y = make_moons(10, seed=0)
    model = MLP(2, [3, 1], rng=0)
    with pytest.warns(ReplayFallback) as caught:
        compile_training(model, X, y, resolve_loss("hinge"), SGD(model.parameters(), lr=0.1), l2=0.0,
                         rule="sign", full_batch=True)  # fmt: skip
    message = str(caught[0].message)
    assert "micropip.install('numpy')" in message and "pip install" not in message.replace("micropip.install", "")


def test_the_engine_and_nn_work_without_numpy() -> None:
    # A fresh interpreter in which numpy cannot be imported at all.
    script = (
        "import sys, warnings; sys.modules['numpy'] = None\n"
        "import autograd_lite, nn\n"
        "X, y = nn.make_moons(8, seed=0); m = nn.MLP(2, [3, 1], rng=0)\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    h = nn.fit(m, X, y, loss='hinge', optimizer=nn.SGD(m.parameters(), lr=0.1), epochs=2,\n"
        "               progress=False, compiled=True)\n"
        "print(len(h.loss), [str(w.message).split(';')[0] for w in caught])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "2 ['fit(compiled=True): numpy is not installed" in done.stdout


def test_fit_relaxes_the_collector_while_training_and_restores_it() -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, ...]] = []
    X, y = make_moons(6, seed=0)
    model = MLP(2, [2, 1], rng=0)
    fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), epochs=2, progress=False,
        callbacks=[lambda epoch, history: seen.append(gc.get_threshold())])  # fmt: skip
    assert gc.get_threshold() == before
    assert before[0] == 0 or all(threshold[0] > before[0] for threshold in seen)
