"""Looking closer at a playground, headless: a weight typed in by hand is the model's weight and
the losses shown are the model's at it; "show test data" and "discretise output" change only
the picture; every edge and bias square drawn is the parameter a click there chooses, every
unit's square the unit a pointer there shows over the plane; and the live widget does all of
this from the mouse events ipyevents sends it (here sent as ipyevents' own messages)."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from autograd_lite import no_grad
from nn import Playground
from nn.losses import hinge

np = pytest.importorskip("numpy")
Image = pytest.importorskip("PIL.Image")

from nn.playground import raster  # noqa: E402  (needs numpy)
from nn.playground.views import BOUNDARY_RESOLUTION, Renderer  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def small(**controls: Any) -> Playground:
    settings: dict[str, Any] = {"n_points": 40, "hidden": [3], "features": ["x1", "x2", "x1*x2"], "seed": 4}
    settings.update(controls)
    return Playground(**settings)


def colours(uri: str) -> set[tuple[int, int, int]]:
    """The colours of an inline PNG."""
    data = base64.b64decode(uri.split(",", 1)[1])
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).reshape(-1, 3)
    return {(int(r), int(g), int(b)) for r, g, b in np.unique(pixels, axis=0)}


# ---- a weight typed in by hand -------------------------------------------------------------------


def test_a_weight_set_by_hand_is_the_models_and_the_losses_shown_are_its() -> None:
    pg = small()
    pg.step(3)
    pg.set_weight("L0.N1.w2", -2.5)
    pg.set_weight("L1.N0.b", 0.75)
    assert pg.model.layers[0].neurons[1].w[2].data == -2.5 and pg.model.layers[1].neurons[0].b.data == 0.75
    assert pg.latest.weights[pg.model.parameters().index(pg.model.layers[0].neurons[1].w[2])] == -2.5
    with no_grad():
        rows = [[a, b, a * b] for a, b in pg.data.train_X]
        expected = hinge([pg.model(row) for row in rows], [float(t) for t in pg.data.train_y]).data
    assert pg.epoch == 3 and pg.history.train_loss[-1] == pytest.approx(expected, rel=1e-12)
    assert len(pg.history.train_loss) == 4 and pg.history.snapshots[-1].weights == pg.latest.weights
    # Training goes on from the weights set by hand.
    pg.step(1)
    assert pg.epoch == 4 and pg.model.layers[0].neurons[1].w[2].data != -2.5


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("L0.N9.w0", 1.0, "Playground.set_weight: name must be a parameter's label from 'L0.N0.w0' to 'L1.N0.b', got 'L0.N9.w0'"),
        (3, 1.0, "name must be a parameter's label"),
        ("L0.N0.w0", float("nan"), "Playground.set_weight: value must be a finite number from -1e6 to 1e6, got nan"),
        ("L0.N0.w0", 1e7, "value must be a finite number from -1e6 to 1e6, got 10000000.0"),
        ("L0.N0.w0", "1", "value must be a finite number"),
    ],
)
def test_a_bad_weight_is_refused_by_name(name: Any, value: Any, message: str) -> None:
    pg = small()
    before = pg.model.state_dict()
    with pytest.raises(ValueError, match=re.escape(message)):
        pg.set_weight(name, value)
    assert pg.model.state_dict() == before


# ---- what the plane shows -------------------------------------------------------------------------


def test_hiding_the_test_points_takes_them_off_the_picture_and_out_of_reach() -> None:
    pg = small()
    before = pg.model.state_dict()
    assert pg.configure(show_test_data=False) is False and pg.model.state_dict() == before
    root = ET.fromstring(pg.boundary_svg())
    circles = root.findall(f"{SVG}circle")
    assert len(circles) == len(pg.data.train_X) + 3  # the legend keeps class -1, class +1 and train
    assert "test" not in [t.text for t in root.iter(f"{SVG}text")]
    renderer = Renderer(pg.settings, pg.data)
    for index, (a, b) in enumerate(pg.data.test_X):
        found = renderer.nearest(*renderer._to_px(a, b), within=0.5)
        assert found is None or found[0] is False, index


def test_discretised_output_shows_only_the_sign() -> None:
    pg = small(dataset="circles")
    pg.step(2)
    shaded = re.search(r'href="(data:image/png[^"]*)"', pg.boundary_svg())
    pg.configure(discretize=True)
    flat = re.search(r'href="(data:image/png[^"]*)"', pg.boundary_svg())
    assert shaded is not None and flat is not None
    assert len(colours(shaded.group(1))) > 20
    light = {tuple(int(c) for c in raster.LIGHT[i]) for i in (0, raster.LEVELS - 1)}
    assert colours(flat.group(1)) == light


def test_a_hovered_unit_is_shown_over_the_plane_with_a_caption() -> None:
    pg = small()
    pg.step(2)
    renderer = Renderer(pg.settings, pg.data)
    picture = renderer.boundary_image(pg.latest, "L0.N2")
    expected = raster.heat_map(pg.unit_maps(resolution=BOUNDARY_RESOLUTION)["L0.N2"], raster.LIGHT)
    assert f'href="{expected}"' in picture and "unit L0.N2 over the plane" in picture
    assert "over the plane" not in renderer.boundary_image(pg.latest)


# ---- what a click or a pointer finds ----------------------------------------------------------


def drawn_edges(svg: str) -> list[tuple[float, float, float, float, str]]:
    """Every weight's edge as drawn, with the parameter its gradient square's title names."""
    root = ET.fromstring(svg)
    groups = root.findall(f"{SVG}g")
    lines, ports = groups[0].findall(f"{SVG}line"), groups[1].findall(f"{SVG}rect")
    edges = []
    for line, port in zip(lines, ports, strict=True):
        title = port.find(f"{SVG}title")
        assert title is not None and title.text
        name = title.text.split(" ")[0]
        edges.append((*(float(line.get(k, "nan")) for k in ("x1", "y1", "x2", "y2")), name))
    return edges


def test_a_click_on_any_edge_or_bias_square_chooses_the_parameter_drawn_there() -> None:
    pg = small(hidden=[4, 2])
    renderer = Renderer(pg.settings, pg.data)
    svg = renderer.network(pg.latest)
    edges = drawn_edges(svg)
    assert len(edges) == 3 * 4 + 4 * 2 + 2
    for x1, y1, x2, y2, name in edges:
        # A third of the way along: clear of where edges meet at a unit.
        assert renderer.parameter_at(x1 + (x2 - x1) / 3, y1 + (y2 - y1) / 3) == name
    for unit in ET.fromstring(svg).iter(f"{SVG}g"):
        if unit.get("class") == "pg-unit":
            bias = unit.findall(f"{SVG}rect")[1]
            x, y = float(bias.get("x", "0")) + 3.5, float(bias.get("y", "0")) + 3.5
            assert renderer.parameter_at(x, y) == f"{unit.get('data-unit')}.b"
    assert renderer.parameter_at(2.0, 2.0) is None


def test_the_pointer_over_a_units_square_names_that_unit() -> None:
    pg = small(hidden=[4, 2])
    renderer = Renderer(pg.settings, pg.data)
    units = [g for g in ET.fromstring(renderer.network(pg.latest)).iter(f"{SVG}g") if g.get("class") == "pg-unit"]
    assert [g.get("data-unit") for g in units] == ["L0.N0", "L0.N1", "L0.N2", "L0.N3", "L1.N0", "L1.N1", "L2.N0"]
    for g in units:
        image = g.find(f"{SVG}image")
        assert image is not None
        x, y, side = (float(image.get(k, "0")) for k in ("x", "y", "width"))
        assert renderer.unit_at(x + side / 2, y + side / 2) == g.get("data-unit")
        assert renderer.unit_at(x + side - 1, y + 1) == g.get("data-unit")
    assert renderer.unit_at(1.0, 1.0) is None


# ---- the live widget, driven by ipyevents' messages ------------------------------------------------


def send(listener: Any, kind: str, x: float = 0.0, y: float = 0.0) -> None:
    """What ipyevents' frontend sends the kernel for a mouse event on its widget."""
    listener._handle_mouse_msg(None, {"event": kind, "type": kind, "relativeX": x, "relativeY": y}, [])


@pytest.fixture
def live() -> Any:
    pytest.importorskip("ipywidgets")
    pytest.importorskip("ipyevents")
    pg = small(hidden=[3, 2])
    pg.step(2)
    return pg, pg.widget()


def test_clicking_a_weight_and_typing_a_value_changes_the_run_and_every_view(live: Any) -> None:
    pg, widget = live
    _, weights, _, _ = widget._listeners
    x1, y1, x2, y2, name = drawn_edges(widget.network.value)[4]
    send(weights, "click", x1 + (x2 - x1) / 3, y1 + (y2 - y1) / 3)
    assert widget.weight_editor.layout.display == "flex"
    assert name in widget.weight_name.value
    index = widget.renderer.parameter_names.index(name)
    assert widget.weight_value.value == pg.latest.weights[index]
    boundary, network, status = widget.boundary.value, widget.network.value, widget.status.value
    widget.weight_value.value = 4.25
    assert pg.latest.weights[index] == 4.25
    assert widget.boundary.value != boundary and widget.network.value != network and widget.status.value != status
    assert f"{name} (from " in widget.network.value and "= 4.25," in widget.network.value
    widget.weight_value.value = 1e9
    assert "value must be a finite number from -1e6 to 1e6" in widget.message.value
    assert pg.latest.weights[index] == 4.25


def test_the_pointer_over_a_unit_shows_its_map_over_the_plane_until_it_leaves(live: Any) -> None:
    _, widget = live
    _, _, hover, leave = widget._listeners
    layout = widget.renderer.layout
    x, y = layout.centres[2][1]
    send(hover, "mousemove", x, y)
    assert "unit L1.N1 over the plane" in widget.boundary.value
    widget.step_button.click()  # frames keep showing the unit while the pointer stays
    assert "unit L1.N1 over the plane" in widget.boundary.value
    send(leave, "mouseleave")
    assert "over the plane" not in widget.boundary.value


def test_loading_a_settings_text_in_the_widget_runs_it_and_a_bad_one_is_shown_escaped(live: Any) -> None:
    pg, widget = live
    other = Playground("xor", n_points=30, hidden=[2, 2], features=["x1", "x2", "sin(x1)"], seed=9)
    widget.controls.text.value = other.settings_text()
    widget.controls.load.click()
    assert pg.settings == other.settings and pg.epoch == 0 and widget.message.value == ""
    assert widget.controls.features["sin(x1)"].value is True and widget.network.value.count("<image") == 3 + 2 + 2 + 1
    widget.controls.text.value = "dataset=<img src=x onerror=alert(1)>"
    widget.controls.load.click()
    assert "<img" not in widget.message.value and "&lt;img src=x onerror=alert(1)&gt;" in widget.message.value
    assert pg.settings == other.settings
    # The box keeps the refused text for the user to mend, until the settings change.
    assert widget.controls.text.value.startswith("dataset=<img")
    pg.configure(lr=0.3)
    assert widget.controls.text.value == pg.settings_text()


def test_the_view_controls_redraw_without_touching_the_run(live: Any) -> None:
    pg, widget = live
    weights = pg.latest.weights
    test_rims = widget.points.value.count('stroke="#111111"')
    assert test_rims == len(pg.data.test_X)
    widget.controls["show_test_data"].value = False
    assert widget.points.value.count('stroke="#111111"') == 0 and pg.latest.weights == weights
    widget.controls["discretize"].value = True
    assert pg.settings.discretize and pg.latest.weights == weights and pg.epoch == 2
    background = re.search(r'href="(data:image/png[^"]*)"', widget.boundary.value)
    assert background is not None and len(colours(background.group(1))) == 2
