"""How the pictures are laid out and bounded: one layout for every frame of a step-through, layers
in order with neurons in index order, bounded edges, labels of any length and any characters,
one colour meaning, a legend only when colours mean something, and what folding says."""

from __future__ import annotations

import math
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite import Value, value_sum
from autograd_lite.pictures import GraphvizError, backward_steps, draw_graph, save_animation
from tests.pictures.dot_reader import brightness, parse_dot, rgb
from tests.pictures.svg_reader import NS, node_positions, svgs_in_html
from tests.worked_example import worked_example

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def _texts(svg: bytes | str) -> str:
    return " ".join(t.text or "" for t in ET.fromstring(svg).iter(f"{NS}text"))


# ---- one layout for all frames -------------------------------------------------------------


@needs_dot
def test_every_frame_of_a_step_through_page_has_its_nodes_in_the_same_place(tmp_path: Path) -> None:
    import nn

    model = nn.MLP(2, [2, 1], "tanh", rng=3)
    out = model([Value(0.5, "x0"), Value(-1.5, "x1")])
    loss = (out - 1.0) ** 2
    loss.label = "a loss whose name is long enough to change the caption's width"
    page = save_animation(backward_steps(loss, edge_labels=True), tmp_path / "steps.html")
    pictures = svgs_in_html(page.read_text(encoding="utf-8"))
    assert len(pictures) > 10
    placed = [node_positions(svg) for svg in pictures]
    assert all(p == placed[0] for p in placed[1:]), "no node moves from one frame to the next"
    sizes = {(ET.fromstring(svg).get("width"), ET.fromstring(svg).get("height")) for svg in pictures}
    assert len(sizes) == 1, "every frame has the same size"


@needs_dot
def test_the_worked_examples_frames_hold_still_and_still_show_their_own_numbers() -> None:
    *_, f = worked_example()
    frames = list(backward_steps(f))
    pictures = [frame.graph.pipe("svg") for frame in frames]
    assert all(node_positions(svg) == node_positions(pictures[0]) for svg in pictures)
    assert "grad —" in _texts(pictures[0]) and "grad —" not in _texts(pictures[-1])
    assert "step 1 of 5" in _texts(pictures[0]) and "step 5 of 5" in _texts(pictures[-1])


# ---- model-aware layout ------------------------------------------------------------------


@needs_dot
def test_layers_read_in_order_and_neurons_in_index_order() -> None:
    import nn

    model = nn.MLP(2, [16, 16, 1], rng=1)
    loss = (model([Value(0.2, "x0"), Value(0.9, "x1")]) - 1.0) ** 2
    loss.backward()
    picture = draw_graph(loss, cluster=model, collapse="neuron")
    placed = node_positions(picture.pipe("svg"))
    names = {i: f"neuron{i}" for i in range(33)}
    for layer in (range(0, 16), range(16, 32)):
        tops = [placed[names[i]][1] for i in layer]
        assert tops == sorted(tops) and len(set(tops)) == 16, "top to bottom in index order"
    lefts = [placed[names[i]][0] for i in (0, 16, 32)]
    assert lefts == sorted(lefts), "the layers from left to right"


# ---- bounds --------------------------------------------------------------------------------


@needs_dot
@pytest.mark.timeout(60)
def test_one_operand_used_10000_times_is_one_edge_with_its_count() -> None:
    x = Value(1.5, "x")
    total = value_sum([x] * 10000)
    total.backward()
    picture = draw_graph(total, edge_labels=True)
    assert picture.edges == 2  # x -> sum, sum -> its value
    (edge,) = parse_dot(picture.source).edges_between("n1", "n0op")
    assert "×10,000" in edge["label"] and "carries 1 × 1e+04 = 1e+04" in edge["label"]
    assert "10,000" in _texts(picture.pipe("svg"))


def test_a_few_uses_of_one_operand_stay_separate_edges() -> None:
    a = Value(2.0, "a")
    cube = value_sum([a, a, a])
    assert len(parse_dot(draw_graph(cube).source).edges_between("n1", "n0op")) == 3


def test_max_edges_bounds_the_edges_and_the_picture_says_which_option_cut() -> None:
    leaves = [Value(float(i)) for i in range(3000)]
    products = [leaf * 2.0 for leaf in leaves]
    root = value_sum(products)
    picture = draw_graph(root, max_nodes=None, max_edges=100, fit_width=None)
    dot = parse_dot(picture.source)
    assert len(dot.edges) <= 100 + 12  # and at most a dozen dashed edges showing the cut
    assert "max_edges=100" in dot.nodes["more"]["label"]


@needs_dot
def test_when_dot_is_too_slow_the_advice_names_the_edge_labels() -> None:
    leaves = [Value(float(i), f"v{i}") for i in range(200)]
    root = value_sum(leaf * leaf for leaf in leaves)
    root.backward()
    picture = draw_graph(root, edge_labels=True, fit_width=None)
    with pytest.raises(GraphvizError, match="edge_labels off"):
        picture.pipe("png", timeout=0.001)


def test_fit_width_is_checked() -> None:
    with pytest.raises(ValueError, match="draw_graph: fit_width must be an int >= 100"):
        draw_graph(Value(1.0), fit_width=10)


# ---- any label -----------------------------------------------------------------------------

HOSTILE = ["]", "]]", "a" * 16_001, "x" * 100_000, "\ufffe\uffff", "lone \ud800 and \udfff", "\x00\x1f\x7f", "]]><!--&amp;<b>"]


@needs_dot
@pytest.mark.parametrize("label", HOSTILE, ids=["bracket", "brackets", "16001", "100000", "fffe-ffff", "surrogates", "controls", "markup"])
def test_any_label_renders_everywhere_it_appears(label: str, tmp_path: Path) -> None:
    x = Value(2.0, label)
    y = x * x
    y.label = label
    y.backward()
    picture = draw_graph(y, edge_labels=True, marks={x: label})
    svg = picture.pipe("svg")
    assert ET.fromstring(svg) is not None
    assert picture.pipe("png")[:4] == b"\x89PNG"
    assert len(picture.source) < 20_000, "long labels are shortened in the box, the tooltip and the note"
    page = save_animation(backward_steps(y), tmp_path / "page.html", title=label).read_text(encoding="utf-8")
    assert len(page) < 200_000 and all(ET.fromstring(s) is not None for s in svgs_in_html(page))


@given(st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None), max_size=40))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_unicode_label_gives_dot_text_that_encodes_and_carries_no_xml_invalid_character(label: str) -> None:
    node = Value(1.0, label)
    source = draw_graph(node * 2.0, fit_width=None).source
    source.encode("utf-8")
    assert not any(0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff" for c in source)


# ---- colours and legends ---------------------------------------------------------------------


def _fills(*grads: float) -> list[str]:
    leaves = [Value(1.0, f"l{i}") for i in range(len(grads))]
    for leaf, g in zip(leaves, grads, strict=True):
        leaf.grad = g
    dot = parse_dot(draw_graph(value_sum(leaves), fit_width=None).source)
    return [dot.nodes[dot.named(f"l{i}")]["fillcolor"] for i in range(len(grads))]


def test_gradients_half_one_and_one_and_a_half_get_visibly_different_shades() -> None:
    half, one, one_and_a_half = (brightness(c) for c in _fills(0.5, 1.0, 1.5))
    assert half - one > 15 and one - one_and_a_half > 15, (half, one, one_and_a_half)


def test_a_collapsed_neuron_is_coloured_on_the_same_green_as_positive_gradients() -> None:
    import nn

    model = nn.MLP(2, [3, 1], "tanh", rng=0)
    loss = (model([Value(0.5, "x0"), Value(1.0, "x1")]) - 2.0) ** 2
    loss.backward()
    dot = parse_dot(draw_graph(loss, cluster=model, collapse="neuron", fit_width=None).source)
    for name in (n for n in dot.nodes if n.startswith("neuron")):
        r, g, b = rgb(dot.nodes[name]["fillcolor"])
        assert (r, g, b) == (208, 208, 208) or (g > r and g > b), "green (or grey for a zero norm), never blue"
    positive = {dot.nodes[n]["fillcolor"] for n in dot.value_nodes() if "grad -" not in dot.nodes[n]["label"]}
    assert positive, "the inputs' positive gradients share the ramp"
    assert "neuron: green" in dot.graph["label"] and "blue" not in dot.graph["label"].split("skip")[0]


def test_a_legend_only_when_the_colours_carry_gradients() -> None:
    *_, f = worked_example()
    assert "label" not in parse_dot(draw_graph(f).source).graph, "before backward nothing is coloured"
    f.backward()
    assert "log scale" in parse_dot(draw_graph(f).source).graph["label"]


# ---- folding says what it did ----------------------------------------------------------------


@needs_dot
def test_a_long_chain_folds_to_fit_and_says_how_to_see_it_whole() -> None:
    h = Value(0.5, "x")
    for _ in range(60):
        h = (h * 1.01).tanh()
    h.backward()
    picture = draw_graph(h, rankdir="LR")
    dot = parse_dot(picture.source)
    assert "more" in dot.nodes and "fit_width=None" in dot.nodes["more"]["label"]
    assert math.isclose(float(ET.fromstring(picture.pipe("svg")).get("width", "0pt")[:-2]), 1000, abs_tol=1000)
    upright = parse_dot(draw_graph(h).source)
    assert upright.graph["rankdir"] == "TB", "with no rankdir given a deep chain reads top to bottom"


def test_marks_on_nodes_folded_into_a_neuron_mark_the_neuron() -> None:
    import nn

    model = nn.MLP(2, [2, 1], rng=0)
    loss = (model([Value(0.5, "x0"), Value(1.0, "x1")]) - 2.0) ** 2
    loss.backward()
    weight = model.layers[0].neurons[1].w[0]
    dot = parse_dot(draw_graph(loss, cluster=model, collapse="neuron", marks={weight: "check me"}).source)
    marked = [n for n, a in dot.nodes.items() if "check me" in a.get("label", "")]
    assert marked == ["neuron1"] and float(dot.nodes["neuron1"]["penwidth"]) >= 3


def test_bundle_edges_none_draws_every_connection_between_layers() -> None:
    import nn

    model = nn.MLP(2, [16, 16, 1], rng=1)
    loss = (model([Value(0.2, "x0"), Value(0.9, "x1")]) - 1.0) ** 2
    bundled = parse_dot(draw_graph(loss, cluster=model, collapse="neuron", fit_width=None).source)
    every = parse_dot(draw_graph(loss, cluster=model, collapse="neuron", fit_width=None, bundle_edges=None).source)
    between = [(t, h) for t, h, _ in every.edges if t.startswith("neuron") and h.startswith("neuron")]
    assert len(between) == 16 * 16 + 16
    assert len([e for e in bundled.edges if "connections" in e[2].get("label", "")]) == 4
