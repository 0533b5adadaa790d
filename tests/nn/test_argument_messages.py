"""Every argument check of ``nn`` shows the value it refuses bounded: a 5,000-digit int, a
megabyte of text, NaN, infinity, a bool or a numpy scalar given to a data set, a network,
``fit`` (eager or compiled), an optimiser, a schedule, a loss, ``accuracy`` or ``to_torch``
gives a short message naming the function and the argument, never Python's "Exceeds the limit
(4300 digits)" or a message as long as the value."""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import nn
from autograd_lite import Value

MESSAGE_LIMIT = 300
HUGE = 10**5000

huge_ints = st.builds(lambda digits, sign: sign * (10 ** (digits - 1) + 7), st.integers(21, 6000), st.sampled_from([1, -1]))
hostile = st.one_of(
    huge_ints,
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308]),
    st.floats(),
    st.integers(-3, 0),
    st.booleans(),
    st.text(max_size=12).map(lambda text: "?" + text),
    st.sampled_from(["?" * 100_000, "9" * 5000, "9" * 4000]),
    st.integers(-(2**63), 0).map(np.int64),
    st.floats().map(np.float64),
    st.booleans().map(np.bool_),
    st.sampled_from([None, b"?" * 10_000, [HUGE], [-HUGE], ["?" * 100_000], (HUGE, 1), Fraction(HUGE, 3), 1j]),
)


def positive_int(value: object) -> bool:
    """Counts that are accepted: skipped, since a huge valid count means a huge network or data set."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value > 0


def finite_real(value: object) -> bool:
    """Numbers that train: skipped, since a huge one makes training diverge (FloatingPointError), as it should."""
    if isinstance(value, (bool, np.bool_, str, bytes, complex)) or not isinstance(value, (int, float, np.number, Fraction)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def never_valid(value: object) -> bool:
    """What no argument here takes: NaN, infinity, a bool, a complex number or bytes."""
    if isinstance(value, (bool, np.bool_, complex, bytes)):
        return True
    return isinstance(value, (float, np.floating)) and not math.isfinite(value)


def any_list_of_positive_ints(value: object) -> bool:
    return isinstance(value, list) and all(positive_int(item) for item in value)


def model() -> nn.MLP:
    return nn.MLP(2, [1], rng=0)


def fit_compiled_classes(target: Any) -> Any:
    mlp = nn.MLP(2, [2], rng=0)
    optimizer = nn.SGD(mlp.parameters(), lr=0.1)
    X = [[0.0, 1.0], [1.0, 0.0]]
    return nn.fit(mlp, X, [0, target], loss="cross_entropy", optimizer=optimizer, epochs=1, progress=False, compiled=True)


def fit(targets: Any = (0.0, 1.0), **arguments: Any) -> Any:
    mlp = model()
    settings: dict[str, Any] = {"loss": "mse", "optimizer": nn.SGD(mlp.parameters(), lr=0.1), "epochs": 1, "progress": False}
    return nn.fit(mlp, [[0.0, 1.0], [1.0, 0.0]], list(targets), **{**settings, **arguments})


# (what the message names, the call, values to skip because they are accepted and costly)
ARGUMENTS: dict[str, tuple[str, Callable[[Any], object], Callable[[object], bool]]] = {
    "make_moons n_samples": ("n_samples", lambda v: nn.make_moons(v), positive_int),
    "make_moons noise": ("noise", lambda v: nn.make_moons(10, noise=v), lambda v: False),
    "make_moons labels": ("labels", lambda v: nn.make_moons(10, labels=v), lambda v: False),
    "make_circles factor": ("factor", lambda v: nn.make_circles(10, factor=v), lambda v: False),
    "make_spirals turns": ("turns", lambda v: nn.make_spirals(10, turns=v), lambda v: False),
    "make_xor n_samples": ("n_samples", lambda v: nn.make_xor(v), positive_int),
    "parity n_bits": ("n_bits", lambda v: nn.parity(v), lambda v: positive_int(v) and v <= 20),  # type: ignore[operator]
    "MLP nin": ("nin", lambda v: nn.MLP(v, [1]), positive_int),
    "MLP nouts": ("nouts", lambda v: nn.MLP(2, v), any_list_of_positive_ints),
    "MLP init": ("init", lambda v: nn.MLP(2, [1], init=v), lambda v: False),
    "MLP activation": ("activation", lambda v: nn.MLP(2, [2, 1], activation=v), lambda v: False),
    "Neuron nonlin": ("nonlin", lambda v: nn.Neuron(2, activation=v, nonlin=True), lambda v: False),
    "fit epochs": ("epochs", lambda v: fit(epochs=v), positive_int),
    "fit batch_size": ("batch_size", lambda v: fit(batch_size=v), lambda v: v is None or positive_int(v)),
    "fit restarts": ("restarts", lambda v: fit(restarts=v), positive_int),
    "fit l2": ("l2", lambda v: fit(l2=v), finite_real),
    "fit tol": ("tol", lambda v: fit(tol=v), lambda v: v is None),
    "fit loss": ("loss", lambda v: fit(loss=v), lambda v: False),
    "fit accuracy": ("accuracy", lambda v: fit(accuracy=v), lambda v: v is None),
    "fit targets": ("target", lambda v: fit(targets=(0.0, v)), finite_real),
    "mse target": ("target", lambda v: nn.mse([Value(0.0)], [v]), lambda v: False),
    "compiled fit class index": ("target", fit_compiled_classes, lambda v: False),
    "accuracy target": ("target", lambda v: nn.accuracy(nn.MLP(2, [2], rng=0), [[0.0, 0.0]], [v], rule="sign"), lambda v: False),
    "hinge target": ("target", lambda v: nn.hinge([Value(0.0)], [v]), lambda v: False),
    "cross_entropy target": ("target", lambda v: nn.cross_entropy([[Value(0.0), Value(1.0)]], [v]), lambda v: False),
    "Network inputs": ("input", lambda v: nn.Network([v], [nn.Unit("h", [v], "relu")]), lambda v: False),
    "SGD lr": ("lr", lambda v: nn.SGD(model().parameters(), lr=v), lambda v: False),
    "SGD momentum": ("momentum", lambda v: nn.SGD(model().parameters(), lr=0.1, momentum=v), lambda v: False),
    "Adam betas": ("betas", lambda v: nn.Adam(model().parameters(), betas=v), lambda v: False),
    "Adam eps": ("eps", lambda v: nn.Adam(model().parameters(), eps=v), lambda v: False),
    "LinearDecay steps": ("steps", lambda v: nn.LinearDecay(1.0, 0.1, v), positive_int),
    "StepDecay factor": ("factor", lambda v: nn.StepDecay(1.0, v), lambda v: False),
    "InverseTime a": ("a", lambda v: nn.InverseTime(v), lambda v: False),
    "l2 alpha": ("alpha", lambda v: nn.l2(model().parameters(), v), lambda v: False),
    "accuracy rule": ("rule", lambda v: nn.accuracy(model(), [[0.0, 0.0]], [1], rule=v), lambda v: False),
    "a schedule's lr": ("lr", lambda v: nn.SGD(model().parameters(), lr=lambda step: v).lr, lambda v: False),
}
if importlib.util.find_spec("torch") is not None:
    ARGUMENTS["to_torch dtype"] = ("dtype", lambda v: nn.to_torch(model(), dtype=v), lambda v: v is None)


@given(argument=st.sampled_from(sorted(ARGUMENTS)), value=hostile)
def test_a_refused_argument_is_named_in_a_short_message(argument: str, value: Any) -> None:
    name, call, accepted = ARGUMENTS[argument]
    assume(not accepted(value))
    try:
        call(value)
    except (TypeError, ValueError, OverflowError) as error:
        message = str(error)
        assert name in message, message[:MESSAGE_LIMIT]
        assert len(message) < MESSAGE_LIMIT and "\n" not in message, message[:MESSAGE_LIMIT]
    else:
        assert not never_valid(value), f"{argument} accepted {value!r:.80}"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.make_moons(-HUGE), "make_moons: n_samples must be a positive int, got an int with 5001 digits"),
        (lambda: nn.parity(HUGE), "parity: n_bits must be at most 20 (2**n_bits patterns), got an int with 5001 digits"),
        (lambda: nn.MLP(2, [4, -HUGE]), "MLP: every layer size in nouts must be a positive int, got an int with 5001 digits"),
        (lambda: fit(epochs=-HUGE), "fit: epochs must be a positive int, got an int with 5001 digits"),
        (lambda: fit(l2=HUGE), "fit: l2 must be a finite number >= 0, got an int with 5001 digits"),
        (lambda: nn.SGD(model().parameters(), lr=0.1, momentum=HUGE), "SGD: momentum must be a number in [0.0, 1.0), got an int with 5001 digits"),
        (lambda: nn.cross_entropy([[Value(0.0), Value(1.0)]], [HUGE]), "cross_entropy: target 0 must be a class index, got an int with 5001 digits"),
        (lambda: nn.cross_entropy([[Value(0.0), Value(1.0)]], [1e300]), "cross_entropy: target 0 must be in 0..1, got 1e+300"),
        (lambda: fit_compiled_classes(1e300), "cross_entropy: target 1 must be in 0..1, got 1e+300"),
        (lambda: nn.accuracy(nn.MLP(2, [2], rng=0), [[0.0, 0.0]], [HUGE]), "accuracy: 2 outputs but the target is an int with 5001 digits"),
    ],
)
def test_a_huge_argument_is_named_with_its_digit_count(call: Callable[[], object], message: str) -> None:
    with pytest.raises((TypeError, ValueError)) as caught:
        call()
    assert str(caught.value) == message


def test_to_torch_names_a_huge_dtype() -> None:
    pytest.importorskip("torch")
    with pytest.raises(TypeError) as caught:
        nn.to_torch(model(), dtype=HUGE)
    assert str(caught.value) == (
        "to_torch: dtype must be a floating-point torch dtype such as torch.float32, got an int with 5001 digits"
    )
