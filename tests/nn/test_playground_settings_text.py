"""A playground's settings as one short text: any settings survive the trip to text and back,
the text runs the same run again (same seed, same losses, bit for bit), and a text cut short at
any point, or written by anyone with any intent, gives a short error that names a setting,
never runs code and never becomes part of a page unescaped."""

from __future__ import annotations

import builtins
import dataclasses
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import Playground, make_moons
from nn.playground.features import FEATURES
from nn.playground.settings import (
    ACTIVATIONS,
    CLASSIFICATION_SETS,
    LOSSES,
    OPTIMIZERS,
    REGRESSION_LOSSES,
    REGRESSION_SETS,
    SCHEDULES,
    PlaygroundSettings,
)
from nn.playground.settings_text import FIELDS, parse_settings_text, settings_text

MESSAGE_LIMIT = 300


def reals(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def any_settings(draw: st.DrawFn) -> PlaygroundSettings:
    regression = draw(st.booleans())
    return PlaygroundSettings(
        dataset=draw(st.sampled_from(REGRESSION_SETS if regression else CLASSIFICATION_SETS)),
        n_points=draw(st.integers(4, 2000)),
        noise=draw(reals(0.0, 1.0)),
        test_fraction=draw(reals(0.1, 0.9)),
        features=draw(st.lists(st.sampled_from(FEATURES), min_size=1, unique=True)),  # type: ignore[arg-type]
        hidden=draw(st.lists(st.integers(1, 16), max_size=6)),  # type: ignore[arg-type]
        activation=draw(st.sampled_from(ACTIVATIONS)),
        loss=draw(st.sampled_from(REGRESSION_LOSSES if regression else LOSSES)),
        lr=draw(reals(5e-324, 10.0).filter(lambda lr: lr > 0)),
        schedule=draw(st.sampled_from(SCHEDULES)),
        batch_size=draw(st.one_of(st.none(), st.integers(1, 2000))),
        l1=draw(st.one_of(st.just(0.0), reals(0.0, 1e300))),
        l2=draw(st.one_of(st.just(0.0), reals(0.0, 1e300))),
        optimizer=draw(st.sampled_from(OPTIMIZERS)),
        seed=draw(st.integers(-(2**53), 2**53)),
        show_test_data=draw(st.booleans()),
        discretize=draw(st.booleans()),
    )


@given(settings=any_settings())
def test_any_settings_survive_the_text_and_the_text_is_short(settings: PlaygroundSettings) -> None:
    text = settings_text(settings)
    assert PlaygroundSettings(**parse_settings_text(text)) == settings  # type: ignore[arg-type]
    assert len(text) < 400 and text.isascii() and " " not in text and "<" not in text and '"' not in text


def test_the_text_names_every_setting_in_order_and_escapes_what_an_address_may_not_hold() -> None:
    pg = Playground("moons", features=["x1", "x1^2", "sin(x1)"], hidden=[8, 8], batch_size="full", l1=1e-4, seed=3)
    text = pg.settings_text()
    assert [part.split("=")[0] for part in text.split("&")] == list(FIELDS)
    assert "features=x1,x1%5E2,sin(x1)" in text and "batch_size=full" in text and "l1=0.0001" in text
    assert text.endswith("&show_test_data=1&discretize=0")
    assert set(FIELDS) == {field.name for field in dataclasses.fields(PlaygroundSettings)}


RUNS: list[dict[str, Any]] = [
    {"dataset": "spirals", "features": ["x1", "x2", "sin(x1)", "x1*x2"], "hidden": [6, 4], "batch_size": 7, "l1": 0.003,
     "optimizer": "adam", "lr": 0.03, "seed": 11},
    {"dataset": "multi_gaussian", "hidden": [5], "batch_size": "online", "l2": 1e-3, "schedule": "step", "seed": -4},
    {"dataset": "gaussian", "noise": 0.35, "hidden": [], "batch_size": "full", "optimizer": "momentum", "seed": 2**40},
]  # fmt: skip


@pytest.mark.parametrize("controls", RUNS)
def test_the_text_runs_the_same_run_again_loss_for_loss(controls: dict[str, Any]) -> None:
    pg = Playground(n_points=60, **controls)
    pg.step(6)
    again = Playground.from_settings(pg.settings_text())
    assert again.settings == pg.settings
    again.step(6)
    assert again.history.train_loss == pg.history.train_loss and again.history.test_loss == pg.history.test_loss
    assert again.model.state_dict() == pg.model.state_dict()
    # A saved page's whole address works too.
    assert Playground.from_settings(f"file:///tmp/run.html#{pg.settings_text()}").settings == pg.settings


def test_load_settings_changes_a_run_in_place_and_keeps_your_own_points() -> None:
    X, y = make_moons(30, seed=1)
    pg = Playground((X, y), hidden=[3], seed=0)
    other = Playground(hidden=[2], seed=5, lr=0.3)
    text = other.settings_text().replace("dataset=moons", "dataset=custom")
    assert pg.load_settings(text) is True
    assert pg.settings == dataclasses.replace(other.settings, dataset="custom") and pg.has_custom_data
    with pytest.raises(ValueError, match="dataset 'custom' needs your own points"):
        Playground.from_settings(text)
    assert Playground.from_settings(text, points=(X, y)).settings == pg.settings


def good_text() -> str:
    return Playground(n_points=20, hidden=[3], features=["x1", "x2", "x1^2"], seed=123, lr=0.03).settings_text()


def assert_names_a_setting(error: BaseException) -> None:
    message = str(error)
    assert isinstance(error, (ValueError, TypeError)), repr(error)
    assert message.startswith("Playground"), message[:MESSAGE_LIMIT]
    assert any(name in message for name in FIELDS) or "settings text" in message, message[:MESSAGE_LIMIT]
    assert len(message) < MESSAGE_LIMIT and "\n" not in message, message[:MESSAGE_LIMIT]


def test_a_text_cut_short_anywhere_is_refused_with_the_setting_it_stops_at() -> None:
    text = good_text()
    for end in range(len(text)):
        with pytest.raises((ValueError, TypeError)) as caught:
            Playground.from_settings(text[:end])
        assert_names_a_setting(caught.value)
    with pytest.raises(ValueError, match=r"the settings text has no discretize \(is it cut short\?\)"):
        Playground.from_settings(text.rsplit("&", 1)[0])
    with pytest.raises(ValueError, match=r"discretize must be 0 or 1, got ''"):
        Playground.from_settings(text[:-1])
    with pytest.raises(ValueError, match=r"'discr' is not a setting \(is the text cut short\?\)"):
        Playground.from_settings(text[: text.rindex("discretize") + 5])


GOOD = good_text()
HOSTILE: list[tuple[str, str]] = [
    ("<script>alert(1)</script>", "'<script>alert\\(1\\)</script>' is not a setting"),
    ("lr=__import__('os').system('true')", "lr must be a decimal number such as 0.03, got \"__import__"),
    (GOOD.replace("dataset=moons", "dataset=<img src=x onerror=alert(1)>"), "dataset must be a name such as 'moons'"),
    (GOOD.replace("dataset=moons", "dataset=mooons"), "dataset must be one of"),
    (GOOD.replace("lr=0.03", "lr=nan"), "lr must be a decimal number such as 0.03, got 'nan'"),
    (GOOD.replace("lr=0.03", "lr=-0.1"), "Playground: lr must be a finite number > 0, got -0.1"),
    (GOOD.replace("lr=0.03", "lr=1e999"), "Playground: lr must be a finite number > 0, got inf"),
    (GOOD.replace("l1=0.0", "l1=-1"), "Playground: l1 must be a finite number >= 0, got -1.0"),
    (GOOD.replace("features=x1,x2,x1%5E2", "features=x1,cos(x1)"), "features must be chosen from .*, got 'cos\\(x1\\)'"),
    (GOOD.replace("features=x1,x2,x1%5E2", "features=x1,x2,x1%5"), "features must be text whose every % starts an escape"),
    (GOOD.replace("features=x1,x2,x1%5E2", "features=%C3%28"), "features must be text whose escapes spell UTF-8"),
    (GOOD.replace("hidden=3", "hidden=8,x"), "hidden must be layer widths such as 8,8"),
    (GOOD.replace("hidden=3", "hidden=" + "9" * 30), "hidden must be layer widths such as 8,8"),
    (GOOD.replace("seed=123", "seed=1_000"), "seed must be a whole number such as 200, got '1_000'"),
    (GOOD.replace("seed=123", "seed=0x10"), "seed must be a whole number such as 200, got '0x10'"),
    (GOOD + "&lr=0.1", "lr is given twice"),
    (GOOD + "&eval=1", "'eval' is not a setting"),
    (GOOD.replace("show_test_data=1", "show_test_data=true"), "show_test_data must be 0 or 1, got 'true'"),
    (GOOD + "&" * 300, "'' is not a setting"),
    ("x" * 5000, "the settings text has 5,000 characters; a playground's settings take at most 1,000"),
    ("", "'' is not a setting \\(is the text cut short\\?\\)"),
    (pickle.dumps({"lr": 1}).decode("latin-1"), "is not a setting"),
]


@pytest.mark.parametrize(("text", "message"), HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_a_hostile_text_is_refused_by_name_and_never_run(text: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*_: object, **__: object) -> None:
        raise AssertionError("the settings text was run as code")

    for name in ("eval", "exec"):
        monkeypatch.setattr(builtins, name, never)
    monkeypatch.setattr(pickle, "loads", never)
    with pytest.raises((ValueError, TypeError)) as caught:
        Playground.from_settings(text)
    assert_names_a_setting(caught.value)
    assert caught.match(message)


def test_a_settings_text_must_be_text() -> None:
    with pytest.raises(TypeError, match=r"Playground\.from_settings: the settings text must be a str, got bytes"):
        Playground.from_settings(b"dataset=moons")  # type: ignore[arg-type]


@given(text=st.text(max_size=300))
def test_any_text_gives_a_run_or_a_short_error_naming_a_setting(text: str) -> None:
    try:
        values = parse_settings_text(text)
        PlaygroundSettings(**values)  # type: ignore[arg-type]
    except (ValueError, TypeError) as error:
        assert_names_a_setting(error)


@given(position=st.integers(0, 400), junk=st.text(min_size=1, max_size=8))
def test_junk_put_anywhere_in_a_good_text_is_refused_or_harmless(position: int, junk: str) -> None:
    good = good_text()
    text = good[:position] + junk + good[position:]
    try:
        values = parse_settings_text(text)
        settings = PlaygroundSettings(**values)  # type: ignore[arg-type]
    except (ValueError, TypeError) as error:
        assert_names_a_setting(error)
    else:
        # Whatever was accepted is plain settings: written back and read again, the same settings.
        assert PlaygroundSettings(**parse_settings_text(settings_text(settings))) == settings  # type: ignore[arg-type]
