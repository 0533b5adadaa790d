"""Pictures of a playground without a frontend: the numpy heat maps are the engine's own forward
pass, the decision line lies where the output is zero, the SVG views draw every point, weight
and gradient as they are, the static figure and one point's graph render, and the saved page is
one self-contained file, written atomically and bounded in frames and bytes."""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import pytest

from autograd_lite import no_grad
from nn import Playground
from nn.losses import LOSSES

np = pytest.importorskip("numpy")
pytest.importorskip("PIL")

from autograd_lite.pictures.style import GradScale  # noqa: E402
from nn.playground import raster  # noqa: E402
from nn.playground.contour import zero_segments  # noqa: E402
from nn.playground.grid import plane  # noqa: E402
from nn.playground.page import page_html  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


@pytest.fixture(scope="module")
def trained() -> Playground:
    pg = Playground("moons", n_points=60, hidden=[4, 3], lr=0.2, seed=2)
    pg.step(8)
    return pg


# ---- the heat maps are the engine's forward pass -------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "leaky_relu", "linear"])
def test_every_units_heat_map_is_what_the_engine_computes_there(activation: str) -> None:
    pg = Playground("circles", n_points=30, hidden=[3, 2], activation=activation, seed=4)
    pg.step(2)
    maps = pg.unit_maps(resolution=7)
    assert list(maps) == ["L0.N0", "L0.N1", "L0.N2", "L1.N0", "L1.N1", "L2.N0"]
    points = plane(pg.data.extent, 7)
    with no_grad():
        for k, (a, b) in enumerate(points.tolist()):
            layer_values: list[float] = [a, b]
            for i, layer in enumerate(pg.model.layers):
                outputs = layer(layer_values)
                layer_values = [v.data for v in outputs]
                for j, value in enumerate(layer_values):
                    assert maps[f"L{i}.N{j}"][k // 7, k % 7] == pytest.approx(value, rel=1e-12, abs=1e-14)


def test_the_plane_runs_row_by_row_from_the_top_left() -> None:
    points = plane((0.0, 4.0, -2.0, 2.0), 4)
    assert points[0].tolist() == [0.5, 1.5] and points[3].tolist() == [3.5, 1.5] and points[-1].tolist() == [3.5, -1.5]
    with pytest.raises(ValueError, match=re.escape("Playground.unit_maps: resolution must be an int from 2 to 1,000, got 1")):
        Playground(n_points=20).unit_maps(resolution=1)


# ---- the decision line -------------------------------------------------------------------------


def test_the_line_of_a_linear_function_is_exactly_where_it_is_zero() -> None:
    columns = np.arange(10, dtype=np.float64)
    values = np.tile(columns - 3.3, (6, 1))  # zero at column 3.3, i.e. x = 3.8 in cell units
    segments = zero_segments(values)
    assert len(segments) == 5  # one per pair of neighbouring rows
    assert np.allclose(segments[:, :, 0], 3.8)


def test_the_line_of_a_circle_stays_on_the_circle() -> None:
    n = 80
    centres = (np.arange(n) + 0.5) / n * 2 - 1
    gx, gy = np.meshgrid(centres, centres)
    values = gx**2 + gy**2 - 0.5**2
    segments = zero_segments(values)
    radius = np.hypot(segments[..., 0] / n * 2 - 1, segments[..., 1] / n * 2 - 1)
    assert len(segments) > 100
    # Linear interpolation on a grid of pitch 2/80 is off by far less than one cell.
    assert np.abs(radius - 0.5).max() < 0.2 / n
    assert len(zero_segments(np.ones((5, 5)))) == 0


# ---- the SVG views ---------------------------------------------------------------------------


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_the_boundary_shows_every_point_once_in_its_class_colour(trained: Playground) -> None:
    root = parse(trained.boundary_svg())
    circles = root.findall(f"{SVG}circle")
    n_train, n_test = len(trained.data.train_X), len(trained.data.test_X)
    points = circles[: n_train + n_test]
    assert len(circles) == n_train + n_test + 4  # and four legend marks
    classes = [*trained.data.train_y, *trained.data.test_y]
    assert [c.get("fill") for c in points] == [raster.POSITIVE if k > 0 else raster.NEGATIVE for k in classes]
    assert [c.get("stroke") for c in points] == ["#ffffff"] * n_train + ["#111111"] * n_test
    (image,) = root.findall(f"{SVG}image")
    assert image.get("href", "").startswith("data:image/png;base64,")
    assert root.find(f"{SVG}path") is not None


def test_the_network_draws_each_weight_by_sign_and_size_and_its_gradient(trained: Playground) -> None:
    svg = trained.network_svg()
    root = parse(svg)
    groups = root.findall(f"{SVG}g")
    edges = groups[0].findall(f"{SVG}line")
    ports = groups[1].findall(f"{SVG}rect")
    snapshot = trained.latest
    sizes = (2, 4, 3, 1)
    weights, grads = [], []
    position = 0
    for fan_in, width in pairwise(sizes):
        for _ in range(width):
            weights.extend(snapshot.weights[position : position + fan_in])
            grads.extend(snapshot.grads[position : position + fan_in])
            position += fan_in + 1
    assert len(edges) == len(ports) == len(weights) == 2 * 4 + 4 * 3 + 3
    scale = GradScale.fit(snapshot.grads)
    for edge, port, w, g in zip(edges, ports, weights, grads, strict=True):
        assert edge.get("stroke") == (raster.POSITIVE if w > 0 else raster.NEGATIVE)
        assert float(edge.get("stroke-width", "0")) == pytest.approx(min(6.0, 0.4 + 1.6 * abs(w)), abs=0.006)
        assert port.get("fill") == scale.fill(g)
        title = port.find(f"{SVG}title")
        assert title is not None and "gradient" in (title.text or "")
    # A heat map per input feature and per unit (hidden and output), and each unit's formula on hover.
    images = [img for img in root.iter(f"{SVG}image")]
    assert len(images) == 2 + 4 + 3 + 1
    assert "L0.N0 = tanh(" in svg and "L2.N0 = (" in svg and "·x1 + " in svg


def test_the_loss_curves_have_a_point_per_epoch_and_the_status_says_where_the_run_is(trained: Playground) -> None:
    from nn.playground.views import status_text

    root = parse(trained.loss_svg())
    train, test = root.findall(f"{SVG}polyline")[:2]
    assert len(train.get("points", "").split()) == len(test.get("points", "").split()) == trained.epoch + 1
    text = status_text(trained.state)
    assert text.startswith(f"epoch {trained.epoch} · {trained.history.updates[-1]} updates · lr 0.2")


def test_heat_maps_are_small_palette_pngs_with_white_at_zero() -> None:
    data = raster.png(raster.indices(np.array([[-1.0, 0.0, 1.0]])), raster.FULL)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    picture = Image.open(io.BytesIO(data)).convert("RGB")
    assert picture.getpixel((0, 0)) == (0xB2, 0x18, 0x2B)
    assert picture.getpixel((1, 0)) == (0xF7, 0xF7, 0xF7)
    assert picture.getpixel((2, 0)) == (0x21, 0x66, 0xAC)
    assert raster.value_colour(float("nan")) == "#f7f7f7"


def test_the_static_figure_and_the_notebook_picture(trained: Playground) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    figure = trained.figure()
    assert len(figure.axes) == 3
    assert figure.axes[0].get_title() == f"Decision boundary, epoch {trained.epoch}"
    bundle, metadata = trained._repr_mimebundle_()
    assert bundle["image/png"][:8] == b"\x89PNG\r\n\x1a\n" and len(bundle["image/png"]) > 20_000
    # The notebook output records how its text was drawn, and it is legible in a 1000-px cell.
    record = metadata["image/png"]["autograd-lite/text"]
    width = int.from_bytes(bundle["image/png"][16:20], "big")
    assert record["dpi"] == 100.0 and record["smallest_pt"] * 100 / 72 * min(1.0, 1000 / width) >= 9.0
    assert bundle["text/plain"].startswith("Playground(moons, 2 -> 4 -> 3 -> 1 tanh, hinge, epoch 8")


# ---- one point's computation graph --------------------------------------------------------


@needs_dot
def test_a_points_graph_shows_its_loss_and_leaves_the_training_gradients_alone(trained: Playground) -> None:
    from nn.playground.sample import sample_loss

    before = [p.grad for p in trained.model.parameters()]
    loss, copy = sample_loss(trained.state, 3)
    with no_grad():
        score = trained.model(trained.data.train_X[3])
        expected = LOSSES["hinge"](score, float(trained.data.train_y[3])).data  # type: ignore[arg-type]
    assert loss.data == pytest.approx(expected, rel=1e-15)
    assert [p.grad for p in trained.model.parameters()] == before
    assert copy.state_dict() == trained.model.state_dict()
    graph = trained.graph(3)
    assert graph.nodes > 5 and "loss of training point 3" in graph.source
    assert "<svg" in graph.pipe("svg").decode()
    assert "test point 0" in trained.graph(0, test=True).source
    with pytest.raises(ValueError, match=re.escape("Playground.graph: index must be an int from 0 to 44 (training points), got 45")):
        trained.graph(45)


# ---- the saved page -----------------------------------------------------------------------------


def frames_on(page: str) -> int:
    return page.count('class="boundary-frame"')


def test_the_page_is_one_file_that_needs_nothing_from_the_network(trained: Playground, tmp_path: Path) -> None:
    path = trained.save_html(tmp_path / "run.html")
    assert [p.name for p in tmp_path.iterdir()] == ["run.html"]
    page = path.read_text(encoding="utf-8")
    assert frames_on(page) == page.count('class="network-frame"') == trained.epoch + 1
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", page)
    assert not re.search(r"""(src|href)=["'](https?:|//)""", page)
    assert re.findall(r'href="([^"]*)"', page) and all(h.startswith("data:image/png") for h in re.findall(r'href="([^"]*)"', page))
    assert 'type="range"' in page and 'max="8"' in page
    assert "The run trained" not in page  # every epoch is on the page, so nothing is said about leaving any out


def test_a_long_run_is_thinned_to_the_frame_limit_and_the_page_says_so(tmp_path: Path) -> None:
    pg = Playground("xor", n_points=20, hidden=[3], batch_size="full", lr=0.3, seed=1)
    pg.step(300)
    page = page_html(pg.state, max_frames=12)
    assert frames_on(page) == 12
    assert "The run trained 300 epochs; this page shows 12 of them, evenly spread" in page
    epochs = [int(e) for e in re.findall(r'"epoch": (\d+)', page)]
    assert epochs[0] == 0 and epochs[-1] == 300 and epochs == sorted(epochs)


def test_a_page_over_the_byte_limit_keeps_fewer_frames_and_stays_under_it(tmp_path: Path) -> None:
    pg = Playground("spirals", n_points=40, hidden=[6], seed=1)
    pg.step(40)
    limit = 300_000
    page = page_html(pg.state, max_frames=41, max_bytes=limit)
    assert 2 <= frames_on(page) < 41
    assert len(page.encode("utf-8")) <= limit
    assert f"to stay under 41 frames and {limit / 1e6:.3g} MB" in page


def test_the_page_is_written_atomically_and_bad_arguments_leave_the_old_file(trained: Playground, tmp_path: Path) -> None:
    target = tmp_path / "run.html"
    target.write_text("the old page")
    os.chmod(target, 0o640)
    for arguments, message in (
        ({"max_frames": 1}, "Playground.save_html: max_frames must be an int from 2 to 5,000, got 1"),
        ({"max_bytes": 1000}, "Playground.save_html: max_bytes must be an int from 200,000 to"),
        ({"max_frames": True}, "max_frames must be an int"),
    ):
        with pytest.raises(ValueError, match=message):
            trained.save_html(target, **arguments)  # type: ignore[arg-type]
        assert target.read_text() == "the old page"
    with pytest.raises(TypeError, match=re.escape("Playground.save_html: title must be a str, got int")):
        trained.save_html(target, title=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=re.escape("Playground.save_html: path must be a str or a path, got int")):
        trained.save_html(3)  # type: ignore[arg-type]
    trained.save_html(target, title="Moons & more")
    assert "<title>Moons &amp; more</title>" in target.read_text()
    assert (target.stat().st_mode & 0o777) == 0o640  # the replaced file keeps its permissions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.html"]  # no temporary file left behind


def test_frame_texts_are_the_historys_numbers(trained: Playground) -> None:
    page = page_html(trained.state)
    run = trained.history
    expected = f"train loss {run.train_loss[5]:.4g} ({run.train_accuracy[5]:.0%} right)"
    assert expected in page
    assert math.isfinite(run.test_loss[5])
