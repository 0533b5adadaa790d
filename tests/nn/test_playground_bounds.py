"""Every setting of the playground takes what its documentation allows and refuses anything else
with a short message that names the setting: a 5,000-digit int, a megabyte of text, NaN,
infinity, a bool or a numpy scalar never reach Python's "Exceeds the limit (4300 digits)" or a
message as long as the value."""

from __future__ import annotations

import math
import numbers
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nn import Playground
from nn.playground.features import FEATURES
from nn.playground.settings import ACTIVATIONS, CLASSIFICATION_SETS, LOSSES, OPTIMIZERS, SCHEDULES

MESSAGE_LIMIT = 300


def digits_long(digits: int, sign: int) -> int:
    """An int with exactly ``digits`` decimal digits (10**(digits - 1) plus a little)."""
    return sign * (10 ** (digits - 1) + 7)


huge_ints = st.builds(digits_long, st.integers(21, 6000), st.sampled_from([1, -1]))
extreme_floats = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -5e-324, -0.0])
# Text that no setting takes ('?' is never a name, a width or a batch word), long text, and
# numbers written as text (the playground wants numbers, not their text).
hostile_text = st.one_of(
    st.text(max_size=12).map(lambda text: "?" + text),
    st.sampled_from(["?" * 100_000, "9" * 5000, "9" * 4000, "1e999", "nan", "-1"]),
)
numpy_scalars = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.floats().map(np.float64),
    st.booleans().map(np.bool_),
)
hostile = st.one_of(
    huge_ints,
    extreme_floats,
    st.floats(),
    st.integers(-3, 3),
    st.booleans(),
    hostile_text,
    numpy_scalars,
    st.sampled_from([None, b"\x04", b"?" * 10_000, [10**5000], [2, 10**5000], [1, 2], Fraction(10**5000, 3), 1j]),
    # Lists of feature names: a valid one, a repeated one, an unknown one, one with a number in it.
    st.sampled_from([["x1", "sin(x2)"], ("x1^2",), ["x1", "x1"], ["x3"], ["x1", 2], []]),
)


def an_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def a_real(value: object) -> float | None:
    """The value as a finite float if it is a real number (never a bool), else None."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def real_in(low: float, high: float, *, low_open: bool = False) -> Callable[[object], bool]:
    def valid(value: object) -> bool:
        number = a_real(value)
        return number is not None and (low < number if low_open else low <= number) and number <= high

    return valid


def one_of(choices: tuple[str, ...]) -> Callable[[object], bool]:
    return lambda value: isinstance(value, str) and value in choices


def int_in(low: int, high: int) -> Callable[[object], bool]:
    return lambda value: an_int(value) and low <= value <= high  # type: ignore[operator]


def valid_features(value: object) -> bool:
    # The hostile text above never names a feature, so only lists can be valid.
    names = value if isinstance(value, (list, tuple)) else []
    return bool(names) and all(isinstance(n, str) and n in FEATURES for n in names) and len(set(names)) == len(names)


def valid_hidden(value: object) -> bool:
    # The hostile text above is never a list of widths, so only ints and lists can be valid.
    widths = [value] if an_int(value) else value
    return isinstance(widths, (list, tuple)) and len(widths) <= 6 and all(int_in(1, 16)(width) for width in widths)


# What each setting takes, from the documentation (PlaygroundSettings and the site's playground page).
VALID: dict[str, Callable[[object], bool]] = {
    "dataset": one_of(CLASSIFICATION_SETS),  # the run's loss, hinge, is for classes
    "n_points": int_in(4, 2000),
    "noise": real_in(0.0, 1.0),
    "test_fraction": real_in(0.1, 0.9),
    "features": valid_features,
    "hidden": valid_hidden,
    "activation": one_of(ACTIVATIONS),
    "loss": lambda value: value is None or one_of(LOSSES)(value),  # None: the data set's own
    "lr": real_in(0.0, 10.0, low_open=True),
    "schedule": one_of(SCHEDULES),
    "batch_size": lambda value: value is None or value in ("online", "full") or int_in(1, 2000)(value),
    "l1": real_in(0.0, math.inf),
    "l2": real_in(0.0, math.inf),
    "optimizer": one_of(OPTIMIZERS),
    "seed": int_in(-(2**53), 2**53),
    "show_test_data": lambda value: isinstance(value, bool),
    "discretize": lambda value: isinstance(value, bool),
}

SMALL: dict[str, Any] = {"dataset": "xor", "n_points": 8, "hidden": [2], "seed": 0}


def assert_refused_by_name(error: BaseException, name: str) -> None:
    message = str(error)
    assert isinstance(error, (TypeError, ValueError)), repr(error)
    assert message.startswith("Playground") and name in message, message[:MESSAGE_LIMIT]
    assert len(message) < MESSAGE_LIMIT and "\n" not in message, message[:MESSAGE_LIMIT]


def assert_reads_back(pg: Playground, name: str, value: object) -> None:
    """An accepted number is kept as the plain Python number it stands for."""
    kept = getattr(pg.settings, name)
    if name in ("n_points", "seed") or (name == "batch_size" and an_int(value)):
        assert type(kept) is int and kept == value
    elif name in ("noise", "test_fraction", "lr", "l1", "l2"):
        assert type(kept) is float and kept == float(value)  # type: ignore[arg-type]


@given(name=st.sampled_from(sorted(VALID)), value=hostile)
def test_every_setting_takes_what_it_documents_and_refuses_the_rest_by_name(name: str, value: Any) -> None:
    valid = VALID[name](value)
    try:
        made = Playground(**{**SMALL, name: value})
    except (TypeError, ValueError) as error:
        assert not valid, f"{name}={value!r:.80} was refused: {error}"
        assert_refused_by_name(error, name)
    else:
        assert valid, f"{name}={value!r:.80} was accepted"
        assert_reads_back(made, name, value)
    pg = Playground(**SMALL)
    before = pg.settings
    try:
        pg.configure(**{name: value})
    except (TypeError, ValueError) as error:
        assert not valid
        assert_refused_by_name(error, name)
        assert pg.settings == before
    else:
        assert valid
        assert_reads_back(pg, name, value)


# The arguments of the playground's methods: (call, argument name, what it takes).
METHOD_ARGUMENTS: dict[str, tuple[Callable[[Playground, Any], object], str, Callable[[object], bool]]] = {
    "step": (lambda pg, n: pg.step(n), "n", int_in(1, 100_000)),
    "reset": (lambda pg, seed: pg.reset(seed), "seed", lambda value: value is None or int_in(-(2**53), 2**53)(value)),
    "unit_maps": (lambda pg, resolution: pg.unit_maps(resolution), "resolution", int_in(2, 1000)),
    "graph": (lambda pg, index: pg.graph(index), "index", int_in(0, 5)),
    "save_html max_frames": (
        lambda pg, frames: pg.save_html(Path(tempfile.mkdtemp()) / "run.html", max_frames=frames),
        "max_frames",
        int_in(2, 5000),
    ),
    "save_html max_bytes": (
        lambda pg, size: pg.save_html(Path(tempfile.mkdtemp()) / "run.html", max_bytes=size),
        "max_bytes",
        int_in(200_000, 2**31),
    ),
}


@given(method=st.sampled_from(sorted(METHOD_ARGUMENTS)), value=hostile)
def test_every_method_refuses_a_bad_argument_by_name(method: str, value: Any) -> None:
    call, name, valid = METHOD_ARGUMENTS[method]
    assume(not valid(value))  # valid arguments are the other tests' business (and some take long)
    pg = Playground(**SMALL)
    with pytest.raises((TypeError, ValueError)) as caught:
        call(pg, value)
    assert_refused_by_name(caught.value, name)
    assert pg.epoch == 0


# ---- the cases of the report, by hand ---------------------------------------------------------


@pytest.mark.parametrize(
    ("controls", "message"),
    [
        ({"n_points": 10**5000}, "Playground: n_points must be from 4 to 2000, got an int with 5001 digits"),
        ({"n_points": -(10**5000)}, "Playground: n_points must be a positive int, got an int with 5001 digits"),
        ({"hidden": 10**5000}, "Playground: hidden layers may be at most 16 units wide, got an int with 5001 digits"),
        ({"hidden": [4, -(10**5000)]}, "Playground: hidden (every layer width) must be a positive int, got an int with 5001 digits"),
        ({"batch_size": 10**5000}, "Playground: batch_size must be at most 2000 or 'full', got an int with 5001 digits"),
        ({"batch_size": -(10**5000)}, "Playground: batch_size must be a positive int, got an int with 5001 digits"),
        ({"noise": 10**5000}, "Playground: noise must be a number in [0.0, 1.0], got an int with 5001 digits"),
        ({"lr": 10**5000}, "Playground: lr must be a finite number > 0, got an int with 5001 digits"),
        ({"activation": 10**5000}, "Playground: activation must be one of 'tanh', 'relu', 'sigmoid', 'leaky_relu', 'linear', got an int with 5001 digits"),
        ({"noise": "?" * 100_000}, "Playground: noise must be a number in [0.0, 1.0], got '" + "?" * 56 + "..."),
    ],
)
def test_a_huge_value_is_named_with_its_digit_count_not_printed(controls: dict[str, Any], message: str) -> None:
    # 10**5000 has 5001 digits; the message says so in a line instead of printing them.
    with pytest.raises((TypeError, ValueError)) as made:
        Playground(**controls)
    assert str(made.value) == message
    with pytest.raises((TypeError, ValueError)) as changed:
        Playground(**SMALL).configure(**controls)
    assert str(changed.value) == message


def test_step_with_a_huge_count_names_n() -> None:
    with pytest.raises(ValueError) as caught:
        Playground(**SMALL).step(10**5000)
    assert str(caught.value) == "Playground.step: n must be an int from 1 to 100,000, got an int with 5001 digits"


def test_numpy_ints_are_taken_as_the_ints_they_hold() -> None:
    pg = Playground("xor", n_points=np.int64(8), hidden=np.int64(3), batch_size=np.int64(4), seed=np.int64(11))
    same = Playground("xor", n_points=8, hidden=3, batch_size=4, seed=11)
    assert pg.settings == same.settings
    assert [type(v) for v in (pg.settings.n_points, pg.settings.batch_size, pg.settings.seed, *pg.settings.hidden)] == [int] * 4
    assert pg.step(np.int64(2)).train_loss == same.step(2).train_loss


def test_your_own_points_with_a_huge_coordinate_are_refused_by_row() -> None:
    X = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [10**5000, 0.0]]
    with pytest.raises(ValueError) as caught:
        Playground((X, [0, 1, 0, 1]))
    assert str(caught.value) == "Playground: X[3] must hold two finite numbers, got an int with 5001 digits"


def test_a_huge_label_is_named_by_its_length_in_the_legend() -> None:
    X = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    pg = Playground((X, [0, 10**5000, 0, 10**5000]), hidden=[2])
    assert pg.data.class_names == ("0", "an int with 5001 digits")
    assert "an int" in pg.boundary_svg()
