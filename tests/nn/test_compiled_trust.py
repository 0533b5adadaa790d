"""fit(compiled=True) is never silently wrong. The oracle is eager training from the same start:
either the replay trains to eager's weights (1e-12 relative), or a ReplayFallback warning names
why (for a branch taken in Python, the user's own line) and the weights are eager's exactly.
Also: setup records once whatever the number of samples; the Values are in step with the arrays
whenever Python code may look (callbacks, the end, an error, a KeyboardInterrupt)."""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite import Value
from nn import MLP, SGD, Adam, Module, Network, Unit, fit, make_moons
from nn.compiled import ReplayFallback
from tests.nn.eager_oracle import close, eager_then_compiled

pytest.importorskip("numpy")

def _train(make: Callable[[], Module], compiled: bool, **options: Any) -> tuple[list[float], Any]:
    model = make()
    optimizer = options.pop("optimizer", lambda m: SGD(m.parameters(), lr=0.1))(model)
    history = fit(model, options.pop("X"), options.pop("y"), optimizer=optimizer, progress=False,
                  compiled=compiled, **options)  # fmt: skip
    return [p.data for p in model.parameters()], history


def _regression(n: int = 30, seed: int = 2) -> tuple[list[list[float]], list[float]]:
    X, _ = make_moons(n, noise=0.1, seed=seed)
    return X, [0.3 * a - b + 0.1 * a * b for a, b in X]  # every target different


# ---- the first example -----------------------------------------------------------------


def _branching_mlp() -> MLP:
    return MLP(2, [4, 1], activation=lambda v: v if v.data > 0 else v * 0.1, rng=3)  # the README's branch


def test_an_activation_that_branches_on_values_trains_eagerly_naming_its_line() -> None:
    X, y = _regression()
    eager, eager_history = _train(_branching_mlp, False, X=X, y=y, loss="mse", epochs=8)
    with pytest.warns(ReplayFallback, match=r"test_compiled_trust.py, line \d+: return MLP\(2, \[4, 1\], activation=lambda v: v if v.data > 0.*eagerly"):
        compiled, history = _train(_branching_mlp, True, X=X, y=y, loss="mse", epochs=8)
    assert compiled == eager and history.loss == eager_history.loss


def test_a_loss_of_your_own_that_branches_falls_back_from_the_float_tape_too() -> None:
    def branching_loss(outputs: Any, targets: Any) -> Value:
        terms = [(o - t) ** 2 if o.data > t else abs(o - t) for o, t in zip(outputs, targets, strict=True)]
        return sum(terms, Value(0.0)) * (1.0 / len(terms))

    X, y = _regression()
    make = lambda: MLP(2, [4, 1], activation="tanh", rng=5)  # noqa: E731
    eager, _ = _train(make, False, X=X, y=y, loss=branching_loss, epochs=6)
    with pytest.warns(ReplayFallback, match=r"line \d+: terms = \[\(o - t\) \*\* 2 if o.data > t.*eagerly"):
        compiled, _ = _train(make, True, X=X, y=y, loss=branching_loss, epochs=6)
    assert compiled == eager


def test_python_state_that_no_recording_sees_is_caught_by_the_eager_spot_checks() -> None:
    # No number is read, yet the graph changes from call to call: a random activation per unit.
    chooser = random.Random(0)

    def make() -> MLP:
        return MLP(2, [6, 1], activation=lambda v: v.tanh() if chooser.random() < 0.5 else v.relu(), rng=1)

    X, y = _regression()
    with pytest.warns(ReplayFallback, match=r"replaying sample \d+ gives other numbers than evaluating it eagerly.*eagerly"):
        _train(make, True, X=X, y=y, loss="mse", epochs=2)


# ---- never a third outcome -----------------------------------------------------------------------

BRANCHES: list[tuple[str, Callable[[Value], Value]]] = [
    ("relu-like by .data", lambda v: v if v.data > 0.1 else v * 0.2),
    ("by comparison", lambda v: v.tanh() if v > 0 else v.sigmoid()),
    ("by float()", lambda v: v * (1.0 if float(v) > -0.2 else -0.5)),
    ("by max()", lambda v: max(v, v * 0.3)),
    ("by bool()", lambda v: v.relu() if v else v),
]
NAMED = ["relu", "tanh", "sigmoid", "leaky_relu", "linear"]


@st.composite
def _setups(draw: st.DrawFn) -> dict[str, Any]:
    branching = draw(st.booleans())
    activation: Any = draw(st.sampled_from(BRANCHES))[1] if branching else draw(st.sampled_from(NAMED))
    hidden = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    loss = draw(st.sampled_from(["mse", "sse", "hinge"]))
    batch = draw(st.sampled_from([None, 1, 4]))
    seed = draw(st.integers(0, 50))
    return {"activation": activation, "hidden": hidden, "loss": loss, "batch_size": batch, "seed": seed}


@given(_setups())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_compiled_either_matches_eager_or_falls_back_to_eager(setup: dict[str, Any]) -> None:
    X, _ = make_moons(12, noise=0.2, seed=setup["seed"])
    y: Sequence[Any] = [1 if a + b > 0.5 else -1 for a, b in X] if setup["loss"] == "hinge" else [a - b for a, b in X]

    def make() -> MLP:
        return MLP(2, [*setup["hidden"], 1], activation=setup["activation"], rng=setup["seed"])

    options = dict(X=X, y=y, loss=setup["loss"], epochs=2, batch_size=setup["batch_size"], seed=1)
    eager, _ = _train(make, False, **dict(options))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled, _ = _train(make, True, **dict(options))
    fell_back = any(issubclass(w.category, ReplayFallback) for w in caught)
    if fell_back:
        assert compiled == eager
    else:
        assert all(map(close, compiled, eager)), (compiled, eager)


# ---- setup grows with shapes, not samples --------------------------------------------------------


class _Counting(Module):
    """An MLP that counts how often it is called."""

    def __init__(self, classes: int) -> None:
        self.inner = MLP(2, [5, classes], activation="tanh", rng=4)
        self.calls = 0

    def __call__(self, x: Any) -> Any:
        self.calls += 1
        return self.inner(x)

    def named_children(self) -> Any:
        yield "inner", self.inner


@pytest.mark.parametrize("n", [12, 400])
def test_setup_builds_a_handful_of_graphs_whatever_the_number_of_samples(n: int) -> None:
    X, _ = make_moons(n, noise=0.1, seed=1)
    y = [k % 4 for k in range(n)]  # four classes: cross_entropy still needs one recording
    model = _Counting(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReplayFallback)
        fit(model, X, y, loss="cross_entropy", optimizer=SGD(model.parameters(), lr=0.1), epochs=3,
            progress=False, compiled=True)  # fmt: skip
    assert model.calls <= 5  # one recording and at most four eager spot checks


# ---- the Values are in step whenever Python code may look -------------------------------------


def _moons_setup() -> dict[str, Any]:
    X, y = make_moons(40, noise=0.2, seed=3)
    return dict(X=X, y=y, loss="hinge", l2=1e-3, batch_size=8, seed=2,
                optimizer=lambda m: Adam(m.parameters(), lr=0.05))  # fmt: skip


def _moons_model() -> MLP:
    return MLP(2, [6, 6, 1], rng=7)


def test_callbacks_see_the_weights_and_gradients_of_the_epoch_and_may_change_them() -> None:
    def run(compiled: bool) -> tuple[list[list[float]], list[float]]:
        seen: list[list[float]] = []
        model = _moons_model()
        params = model.parameters()

        def look(epoch: int, history: Any) -> None:
            seen.append([p.data for p in params] + [p.grad for p in params])
            if epoch == 1:
                params[0].data = 0.25  # a callback changes a weight: training goes on from it

        options = _moons_setup()
        fit(model, options.pop("X"), options.pop("y"), optimizer=options.pop("optimizer")(model), epochs=4,
            progress=False, compiled=compiled, callbacks=[look], **options)  # fmt: skip
        return seen, [p.data for p in params]

    (eager_seen, eager_final), (seen, final) = eager_then_compiled(run)
    for epoch, (got, want) in enumerate(zip(seen, eager_seen, strict=True)):
        assert all(map(close, got, want)), epoch
    assert all(map(close, final, eager_final))


def _interrupting_schedule(at: int, error: BaseException) -> Callable[[int], float]:
    def schedule(step: int) -> float:
        if step == at:
            raise error
        return 0.05

    return schedule


@pytest.mark.parametrize("error", [KeyboardInterrupt(), ValueError("the schedule broke")])
def test_an_interrupted_fit_leaves_the_last_completed_update(error: BaseException) -> None:
    X, y = make_moons(30, noise=0.2, seed=4)

    def run(compiled: bool, stop_at: int | None) -> tuple[list[float], list[float], int]:
        model = _moons_model()
        lr = 0.05 if stop_at is None else _interrupting_schedule(stop_at, error)
        optimizer = SGD(model.parameters(), lr=lr, momentum=0.9)
        epochs = 7 // 3 + 1 if stop_at is not None else 1
        try:
            fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=epochs, batch_size=10, shuffle=False,
                progress=False, compiled=compiled)  # fmt: skip
        except type(error):
            pass
        return [p.data for p in model.parameters()], [p.grad for p in model.parameters()], optimizer.steps

    weights, grads, steps = run(True, stop_at=7)
    eager_weights, eager_grads, eager_steps = run(False, stop_at=7)
    assert steps == eager_steps == 7
    assert all(map(close, weights, eager_weights)) and all(map(close, grads, eager_grads))


@pytest.mark.parametrize("make_optimizer", [lambda p: Adam(p, lr=0.03), lambda p: SGD(p, lr=0.1, momentum=0.8)])
def test_the_optimiser_state_carries_on_after_a_compiled_fit(make_optimizer: Callable[[Any], Any]) -> None:
    X, y = _regression(30, seed=5)

    def run(compiled: bool) -> list[float]:
        model = MLP(2, [6, 6, 1], activation="tanh", rng=7)
        optimizer = make_optimizer(model.parameters())
        fit(model, X, y, loss="mse", optimizer=optimizer, epochs=3, progress=False, compiled=compiled)
        for _ in range(3):  # then by hand: momenta and step count must be where eager left them
            optimizer.zero_grad()
            sum((model(x) - t) ** 2 for x, t in zip(X[:5], y[:5], strict=True)).backward()
            optimizer.step()
        return [p.data for p in model.parameters()]

    eager, compiled = eager_then_compiled(run)
    assert all(map(close, compiled, eager))


# ---- bad input keeps its clear errors ------------------------------------------------------------


def test_bad_data_is_refused_as_clearly_as_eagerly() -> None:
    model = MLP(2, [3, 1], rng=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="X has 0 rows"):
        fit(model, [], [], loss="mse", optimizer=optimizer, epochs=1, progress=False, compiled=True)
    with pytest.raises(ValueError, match=r"row 1 of X has 3 numbers where row 0 has 2"):
        fit(model, [[0.0, 1.0], [1.0, 2.0, 3.0]], [0.0, 1.0], loss="mse", optimizer=optimizer, epochs=1,
            progress=False, compiled=True)  # fmt: skip
    before = [p.data for p in model.parameters()]
    with pytest.raises(FloatingPointError, match=r"SGD.step: gradient of .* is nan"):
        fit(model, [[0.0, math.nan], [1.0, 2.0]], [0.0, 1.0], loss="mse", optimizer=optimizer, epochs=1,
            progress=False, compiled=True)  # fmt: skip
    assert [p.data for p in model.parameters()] == before  # nothing half-updated
    with pytest.raises(ValueError, match=r"hinge: targets must be -1 or \+1, got 0.5 at index 1"):
        fit(model, [[0.0, 1.0], [1.0, 2.0]], [1, 0.5], loss="hinge", optimizer=optimizer, epochs=1,
            progress=False, compiled=True)  # fmt: skip


def test_a_network_with_skip_connections_records_without_reading() -> None:
    X, y = make_moons(20, seed=2, labels=(0, 1))
    units = [Unit("h", ["x1", "x2"], "tanh"), Unit("y", ["x1", "x2", "h"], "sigmoid")]
    make = lambda: Network(["x1", "x2"], units, rng=1)  # noqa: E731
    (eager, _), (compiled, _) = eager_then_compiled(
        lambda compiled: _train(make, compiled, X=X, y=y, loss="binary_cross_entropy", epochs=5)
    )
    assert all(map(close, compiled, eager))
