"""The live playground's widget without a browser (ipywidgets with no frontend attached): the
buttons step, play, pause and reset the run, the controls change it or say what is wrong with
them, and the views are redrawn from the new state."""

from __future__ import annotations

import shutil
import time
from typing import Any

import pytest

from nn import Playground
from nn.playground.widgets import PlaygroundWidget

pytest.importorskip("ipywidgets")
pytest.importorskip("numpy")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def make() -> Playground:
    return Playground("moons", n_points=40, hidden=[4], seed=3)


def test_one_step_trains_an_epoch_and_redraws_the_views() -> None:
    pg = make()
    widget = pg.widget()
    assert pg.widget() is widget
    boundary, loss, status = widget.boundary.value, widget.loss.value, widget.status.value
    assert "epoch 0 · 0 updates" in status
    widget.step_button.click()
    assert pg.epoch == 1
    assert "epoch 1 · 3 updates" in widget.status.value
    assert widget.boundary.value != boundary and widget.loss.value != loss
    assert widget.network.value.startswith("<svg")


def test_reset_goes_back_to_the_seeds_weights() -> None:
    pg = make()
    widget = pg.widget()
    start = pg.model.state_dict()
    for _ in range(3):
        widget.step_button.click()
    widget.reset_button.click()
    assert pg.epoch == 0 and pg.model.state_dict() == start
    assert "epoch 0 · 0 updates" in widget.status.value


def buttons(widget: PlaygroundWidget, css_class: str) -> list[Any]:
    """The buttons over the network with this CSS class (as the browser finds them)."""
    found: list[Any] = []
    stack = [widget.network_buttons.box]
    while stack:
        item = stack.pop()
        stack.extend(getattr(item, "children", ()))
        if css_class in getattr(item, "_dom_classes", ()):
            found.append(item)
    return found


def test_controls_change_the_run_and_bad_settings_are_explained_not_raised() -> None:
    pg = make()
    widget = pg.widget()
    widget.step_button.click()
    widget.controls["lr"].value = 0.3
    assert pg.settings.lr == 0.3 and pg.epoch == 1
    # Turning off the last feature is refused; the toggle goes back on and the message says why.
    widget.controls.features["x1"].value = False
    assert pg.settings.features == ("x2",) and pg.epoch == 0
    widget.controls.features["x2"].value = False
    assert "features must name at least one input" in widget.message.value
    assert pg.settings.features == ("x2",) and widget.controls.features["x2"].value is True
    widget.controls.features["x1"].value = True
    assert pg.settings.features == ("x1", "x2") and widget.message.value == ""
    (more_layers,) = buttons(widget, "pg-layer-plus")
    more_layers.click()
    assert pg.settings.hidden == (4, 4) and pg.epoch == 0
    for _ in range(2):
        (fewer_units,) = buttons(widget, "pg-units-minus-1")  # drawn again for every new network
        fewer_units.click()
    assert pg.settings.hidden == (4, 2)
    assert widget.network.value.count("<image") == 2 + 4 + 2 + 1
    widget.controls["batch_mode"].value = "full batch"
    assert pg.settings.batch_size is None and widget.controls["batch_size"].disabled
    widget.controls["batch_mode"].value = "mini-batch"
    widget.controls["batch_size"].value = 7
    assert pg.settings.batch_size == 7
    widget.controls["dataset"].value = "xor"
    assert pg.settings.dataset == "xor" and widget.index.max == len(pg.data.train_X) - 1


@pytest.mark.timeout(60)
def test_play_trains_in_the_background_until_paused() -> None:
    pg = make()
    widget = pg.widget()
    widget.play.value = True
    assert widget.play.description == "❚❚ pause"
    deadline = time.monotonic() + 30
    while pg.epoch < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    widget.play.value = False
    assert pg.epoch >= 3
    time.sleep(0.5)  # the frame in progress finishes
    with widget.lock:
        stopped = pg.epoch
    time.sleep(0.5)
    assert pg.epoch == stopped and widget.play.description == "▶ play"
    assert f"epoch {stopped} ·" in widget.status.value


@pytest.mark.timeout(60)
def test_a_run_that_diverges_stops_playing_and_says_why() -> None:
    pg = Playground(n_points=200, hidden=[4, 3], activation="linear", loss="sse", lr=10.0, batch_size="full", seed=5)
    widget = pg.widget()
    widget.play.value = True
    deadline = time.monotonic() + 30
    while widget.play.value and time.monotonic() < deadline:
        time.sleep(0.05)
    assert widget.play.value is False
    assert "training stopped at epoch" in widget.message.value and "try a smaller learning rate" in widget.message.value


@needs_dot
def test_choosing_a_point_draws_its_graph() -> None:
    pg = make()
    widget = pg.widget()
    widget.index.value = 4
    assert "loss of training point 4" in widget.graph.value and "<svg" in widget.graph.value
    widget.which.value = "test"
    assert widget.index.max == len(pg.data.test_X) - 1
    assert "loss of test point" in widget.graph.value


def test_code_in_a_cell_moves_the_live_view_and_its_controls() -> None:
    pg = make()
    widget = pg.widget()
    pg.step(5)
    assert "epoch 5 · " in widget.status.value
    pg.configure(lr=0.25, batch_size="full", l2=0.002, hidden=[2, 2])
    c = widget.controls
    assert c["lr"].value == 0.25 and c["batch_mode"].value == "full batch" and c["batch_size"].disabled
    assert c["l2"].value == 0.002 and c.text.value == pg.settings_text()
    assert len(buttons(widget, "pg-units-plus-1")) == 1 and not buttons(widget, "pg-units-plus-2")
    assert "epoch 0 · " in widget.status.value and widget.network.value.count("<image") == 2 + 2 + 2 + 1
    assert widget.message.value == ""
