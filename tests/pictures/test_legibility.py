"""Every picture the project shows stays legible in a 1,000-px-wide cell: its smallest text is at
least 9 px once the picture is scaled to fit (SVG pt are 4/3 px; a PNG drawn at d dpi has d/72
pixels per pt; a narrower picture is not scaled up).

Measured with the test's own reader (svg_reader.py): every committed SVG (docs/, notebook
outputs, SVGs inside saved HTML), every PNG a notebook shows (a matplotlib figure, whose output
records the dpi and smallest font it was drawn with: ``nn.show_figure``), and the pictures of the
networks the lessons are about, drawn with the defaults.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograd_lite import Value
from autograd_lite.pictures import draw_graph
from autograd_lite.pictures.legibility import PNG_TEXT
from tests.pictures.dot_reader import parse_dot
from tests.pictures.svg_reader import (
    RULE_PX,
    PngOutput,
    committed_notebooks,
    committed_svgs,
    legibility,
    notebook_pngs,
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
ROOT = Path(__file__).resolve().parents[2]
COMMITTED = list(committed_svgs(ROOT))
PNGS = [png for path in committed_notebooks(ROOT) for png in notebook_pngs(path, PNG_TEXT, ROOT)]


def test_the_repository_shows_pictures() -> None:
    # The walker must find the README's picture and the step-through page, or it checks nothing.
    found = {where.split(" ")[0] for where, _ in COMMITTED}
    assert {"docs/worked_example.svg", "docs/backward_steps.html"} <= found


@pytest.mark.parametrize(("where", "svg"), COMMITTED, ids=[where for where, _ in COMMITTED])
def test_every_committed_picture_is_legible_at_1000_px(where: str, svg: str) -> None:
    measured = legibility(svg, where)
    assert measured.smallest_px >= RULE_PX - 1e-6, str(measured)


def test_the_notebooks_show_figures() -> None:
    # The walker must find the lessons' matplotlib figures, or it checks nothing.
    assert {png.where.split(" ")[0] for png in PNGS} >= {"notebooks/03_a_neuron.ipynb", "notebooks/08_gradient_flow.ipynb"}


@pytest.mark.parametrize("png", PNGS, ids=[png.where for png in PNGS])
def test_every_figure_a_notebook_shows_is_legible_at_1000_px(png: PngOutput) -> None:
    assert png.record is not None, f"{png.where}: a PNG without the record of its dpi and fonts; show figures with nn.show_figure"
    assert png.smallest_px() >= RULE_PX - 1e-6, (
        f"{png.where}: {png.width_px} px wide, smallest text {png.record['smallest_pt']:g} pt at "
        f"{png.record['dpi']:g} dpi = {png.smallest_px():.1f} px at 1000 px"
    )


def _mlp_loss() -> tuple[object, Value]:
    import nn

    model = nn.MLP(2, [16, 16, 1], rng=1337)
    loss = nn.hinge([model([Value(0.3, "x0"), Value(-0.4, "x1")])], [-1])
    loss.label = "loss"
    loss.backward()
    return model, loss


@needs_dot
def test_an_mlp_16_16_1_with_cluster_model_folds_to_stay_legible_and_says_so() -> None:
    model, loss = _mlp_loss()
    picture = draw_graph(loss, cluster=model)  # type: ignore[arg-type]
    assert legibility(picture.pipe("svg")).smallest_px >= RULE_PX
    dot = parse_dot(picture.source)
    assert sum(n.startswith("neuron") for n in dot.nodes) == 33
    note = dot.graph["label"]
    assert "Folded to fit a 1000-px view" in note and "33 neurons drawn as one node each" in note
    assert "fit_width=None" in note
    # The 16 x 16 weights between the hidden layers are one edge with their count.
    bundled = [a for _, _, a in dot.edges if "256 connections" in a.get("label", "")]
    assert len(bundled) == 1 and bundled[0]["ltail"] == "cluster_layer0" and bundled[0]["lhead"] == "cluster_layer1"
    # The loss tail is the loss's own box, with what it computes.
    loss_box = dot.nodes[dot.named("loss")]["label"]
    assert "= " in loss_box and "relu" in loss_box
    # Asked for in full, every node is drawn, and far too wide to read.
    whole = draw_graph(loss, cluster=model, fit_width=None, max_nodes=None)  # type: ignore[arg-type]
    assert legibility(whole.pipe("svg")).smallest_px < RULE_PX
    assert sum(c.startswith("cluster_neuron") for c in parse_dot(whole.source).clusters) == 33


@needs_dot
def test_an_mlp_16_16_1_collapsed_by_neuron_is_legible() -> None:
    model, loss = _mlp_loss()
    picture = draw_graph(loss, cluster=model, collapse="neuron")  # type: ignore[arg-type]
    assert legibility(picture.pipe("svg")).smallest_px >= RULE_PX
    assert "Folded" not in parse_dot(picture.source).graph["label"], "what was asked needs no note"


@needs_dot
def test_a_9_layer_width_8_sigmoid_network_collapsed_by_neuron_is_legible_and_whole() -> None:
    import nn

    net = nn.MLP(2, [8] * 9 + [1], "sigmoid", rng=0)
    loss = nn.hinge([net([Value(0.5, "x0"), Value(-0.2, "x1")])], [1])
    loss.backward()
    picture = draw_graph(loss, cluster=net, collapse="neuron", show_data=False, grad_range=(1e-6, 1.0))
    assert legibility(picture.pipe("svg")).smallest_px >= RULE_PX
    dot = parse_dot(picture.source)
    # Every neuron is still there (the early layers are the point of the picture): it reads top to bottom.
    assert sum(n.startswith("neuron") for n in dot.nodes) == 73 and "more" not in dot.nodes
    assert dot.graph["rankdir"] == "TB" and "top to bottom" in dot.graph["label"]


@needs_dot
def test_the_xor_network_with_skip_connections_is_legible_and_shows_the_skips() -> None:
    import nn

    net = nn.Network(["x1", "x2"], [nn.Unit("h", ["x1", "x2"]), nn.Unit("y", ["x1", "x2", "h"])], rng=0)
    error = nn.sse(net([1.0, 0.0]), 1)
    error.backward()
    picture = draw_graph(error, cluster=net)
    assert legibility(picture.pipe("svg")).smallest_px >= RULE_PX
    dot = parse_dot(picture.source)
    skips = [(t, h) for t, h, a in dot.edges if a.get("style") == "dashed" and "2166ac" in a.get("color", "")]
    assert sorted(dot.nodes[t]["label"].split("</B>")[0].rsplit("<B>", 1)[1] for t, _ in skips) == ["x1", "x2"]
    assert "skip connection" in dot.graph["label"]
    collapsed = parse_dot(draw_graph(error, cluster=net, collapse="neuron").source)
    jumps = [(t, h) for t, h, a in collapsed.edges if a.get("style") == "dashed"]
    assert len(jumps) == 2 and all("<B>y</B>" in collapsed.nodes[h]["label"] for _, h in jumps)
    assert {collapsed.nodes[t]["label"].split("</B>")[0].rsplit("<B>", 1)[1] for t, _ in jumps} == {"x1", "x2"}


@needs_dot
@pytest.mark.timeout(120)
def test_the_demos_graph_svg_is_legible(tmp_path: Path) -> None:
    from autograd_lite.cli.demo import DemoOptions, run

    result = run(DemoOptions(steps=2, out=tmp_path, progress=False))
    graph = next(path for path in result.files if path.name == "graph.svg")
    svg = graph.read_text(encoding="utf-8")
    assert legibility(svg).smallest_px >= RULE_PX
    # The hinge loss's tail is one box that says what it computes, not five "grad 1" nodes.
    assert "relu" in svg and svg.count("grad 1<") <= 1
