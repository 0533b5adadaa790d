"""draw_graph's DOT text: labels, one edge per use, operand marks, gradient and role colours,
the unreached look, edge labels, escaping, truncation, determinism and bad input.

These tests read the DOT source only, so they run without Graphviz; test_graph_render.py
renders with ``dot`` and cross-checks the small parser below against Graphviz's own.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd_lite import Value, grad
from autograd_lite.pictures import Graph, draw_dot, draw_graph
from tests.pictures.dot_reader import (
    all_nodes,
    brightness,
    parse_dot,
    rgb,
)
from tests.strategies import Expression, build_or_reject, expressions
from tests.worked_example import worked_example

# ---- the worked example ------------------------------------------------------------------


def test_worked_example_after_backward_shows_data_grads_and_the_chain_rule_on_edges() -> None:
    *_, f = worked_example()
    f.backward()
    dot = parse_dot(draw_graph(f, edge_labels=True).source)
    # By hand: df/dx = df/dy = z = -4, df/dz = q = 3, df/dq = -4.
    expected = {"x": ("-2", "-4"), "y": ("5", "-4"), "z": ("-4", "3"), "q": ("3", "-4"), "f": ("-12", "1")}
    for label, (data, gradient) in expected.items():
        text = dot.nodes[dot.named(label)]["label"]
        assert f"data {data}<" in text and f"grad {gradient}<" in text, (label, text)
    times, plus = dot.named("f") + "op", dot.named("q") + "op"
    assert dot.nodes[times]["label"] == "×" and dot.nodes[plus]["label"] == "+"
    # Edge from q into the product: local derivative z = -4, carrying 1 x -4.
    (q_edge,) = dot.edges_between(dot.named("q"), times)
    assert "local -4" in q_edge["label"] and "carries 1 × -4 = -4" in q_edge["label"]
    (z_edge,) = dot.edges_between(dot.named("z"), times)
    assert "local 3" in z_edge["label"] and "carries 1 × 3 = 3" in z_edge["label"]
    (x_edge,) = dot.edges_between(dot.named("x"), plus)
    assert "local 1" in x_edge["label"] and "carries -4 × 1 = -4" in x_edge["label"]
    assert dot.edges_between(plus, dot.named("q")) and dot.edges_between(times, dot.named("f"))


def test_before_backward_grads_are_drawn_unreached_and_edges_show_only_local_derivatives() -> None:
    *_, f = worked_example()
    dot = parse_dot(draw_graph(f, edge_labels=True).source)
    for name in dot.value_nodes():
        assert "grad —" in dot.nodes[name]["label"]
        assert "dashed" in dot.nodes[name]["style"]
    labels = [attrs.get("label", "") for _, _, attrs in dot.edges]
    assert any("local" in text for text in labels)
    assert not any("carries" in text for text in labels)


def test_a_computed_zero_looks_different_from_an_unreached_gradient() -> None:
    a, b, c = Value(2.0, "a"), Value(0.0, "b"), Value(7.0, "c")
    f = a * b  # df/da = b = 0: computed, and zero
    f.label = "f"
    f.backward()
    unrelated = c * 2.0
    unrelated.label = "u"
    dot = parse_dot(draw_graph(f).source)
    zero = dot.nodes[dot.named("a")]
    assert "grad 0<" in zero["label"] and "dashed" not in zero["style"]
    r, g, bl = rgb(zero["fillcolor"])
    assert r == g == bl, "a computed zero is grey"
    c_dot = parse_dot(draw_graph(unrelated).source)
    untouched = c_dot.nodes[c_dot.named("c")]
    assert "grad —" in untouched["label"] and "dashed" in untouched["style"]
    assert untouched["fillcolor"] != zero["fillcolor"]


def test_grad_leaves_dot_grad_untouched_so_the_picture_stays_unreached() -> None:
    x, y, _, _, f = worked_example()
    assert grad(f, [x, y]) == [-4.0, -4.0]
    dot = parse_dot(draw_graph(f).source)
    assert "grad —" in dot.nodes[dot.named("x")]["label"]


# ---- one edge per use, operand marks -------------------------------------------------------


def test_a_times_a_draws_two_edges() -> None:
    a = Value(3.0, "a")
    square = a * a
    dot = parse_dot(draw_graph(square).source)
    assert len(dot.edges_between(dot.named("a"), "n0op")) == 2


@pytest.mark.parametrize(
    ("build", "marks"),
    [
        (lambda a, b: a - b, ("a", "b")),
        (lambda a, b: a / b, ("a", "b")),
        (lambda a, b: a**b, ("base", "exp")),
        (lambda a, b: b - a, ("b", "a")),
    ],
)
def test_non_commutative_ops_mark_which_operand_is_which(build: object, marks: tuple[str, str]) -> None:
    a, b = Value(3.0, "a"), Value(2.0, "b")
    out = build(a, b)  # type: ignore[operator]
    dot = parse_dot(draw_graph(out).source)
    (from_a,) = dot.edges_between(dot.named("a"), "n0op")
    (from_b,) = dot.edges_between(dot.named("b"), "n0op")
    assert f"<B>{marks[0]}</B>" in from_a["label"]
    assert f"<B>{marks[1]}</B>" in from_b["label"]


def test_a_minus_a_has_two_edges_marked_a_and_b() -> None:
    a = Value(3.0, "a")
    dot = parse_dot(draw_graph(a - a).source)
    marks = sorted(e["label"] for e in dot.edges_between(dot.named("a"), "n0op"))
    assert marks == ["<B>a</B>", "<B>b</B>"]


def test_commutative_ops_carry_no_marks() -> None:
    a, b = Value(3.0, "a"), Value(2.0, "b")
    dot = parse_dot(draw_graph(a * b + a).source)
    assert all("label" not in attrs for _, _, attrs in dot.edges)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.lists(st.floats(0.2, 2.0), min_size=3, max_size=3))
def test_every_operand_slot_is_one_edge_and_every_value_one_node(
    expression: Expression, point: list[float]
) -> None:
    _, out = build_or_reject(expression, point)
    nodes = all_nodes(out)
    dot = parse_dot(draw_graph(out, max_nodes=None, fit_width=None).source)
    assert len(dot.value_nodes()) == len(nodes)
    computed = [n for n in nodes if n.parents]
    assert len(dot.edges) == sum(len(n.parents) + 1 for n in computed)
    incoming: dict[str, int] = {}
    for _tail, head, _ in dot.edges:
        incoming[head] = incoming.get(head, 0) + 1
    assert sorted(v for k, v in incoming.items() if k.endswith("op")) == sorted(
        len(n.parents) for n in computed
    )


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.lists(st.floats(0.2, 2.0), min_size=3, max_size=3))
def test_the_same_graph_built_twice_gives_the_same_text(expression: Expression, point: list[float]) -> None:
    try:
        first = expression.with_values([Value(v) for v in point[: expression.n_inputs]])
        second = expression.with_values([Value(v) for v in point[: expression.n_inputs]])
    except (ValueError, ZeroDivisionError, OverflowError):
        assume(False)
        return
    first.backward()
    second.backward()
    assert draw_graph(first, edge_labels=True).source == draw_graph(second, edge_labels=True).source


def test_names_follow_traversal_order_with_the_root_first() -> None:
    *_, f = worked_example()
    dot = parse_dot(draw_graph(f).source)
    assert dot.named("f") == "n0"
    assert sorted(dot.value_nodes(), key=lambda n: int(n[1:])) == [f"n{i}" for i in range(5)]


# ---- colours -------------------------------------------------------------------------------


def _leaf_fill(value: float, *others: float) -> str:
    """The fill of a leaf whose gradient was set to ``value`` next to leaves with ``others``."""
    leaves = [Value(1.0, f"l{i}") for i in range(len(others) + 1)]
    for leaf, g in zip(leaves, (value, *others), strict=True):
        leaf.grad = g
    dot = parse_dot(draw_graph(sum(leaves, Value(0.0))).source)
    return dot.nodes[dot.named("l0")]["fillcolor"]


def test_gradient_colours_diverge_by_sign_with_grey_zero_and_red_nonfinite() -> None:
    r, g, b = rgb(_leaf_fill(2.0))
    assert g > r and g > b, "positive is green"
    r, g, b = rgb(_leaf_fill(-2.0))
    assert g < r and g < b, "negative is purple"
    r, g, b = rgb(_leaf_fill(0.0, 1.0))
    assert r == g == b
    for bad in (math.nan, math.inf, -math.inf):
        r, g, b = rgb(_leaf_fill(bad, 1.0))
        assert r > 200 and g < 60 and b < 60, "NaN and inf are red"


@settings(max_examples=40)
@given(st.floats(1e-6, 1e6), st.floats(1e-6, 1e6), st.sampled_from([1.0, -1.0]))
def test_a_larger_gradient_is_never_lighter(small: float, large: float, sign: float) -> None:
    small, large = sorted((small, large))
    fills = _leaf_fill(sign * small, sign * large), _leaf_fill(sign * large, sign * small)
    assert brightness(fills[0]) >= brightness(fills[1])


def test_the_legend_explains_the_colours_in_use() -> None:
    *_, f = worked_example()
    f.backward()
    legend = parse_dot(draw_graph(f).source).graph["label"]
    assert "NaN or inf" in legend and "grad = 0" in legend and "log scale" in legend
    assert "node role" in parse_dot(draw_graph(f, color="role").source).graph["label"]
    assert "label" not in parse_dot(draw_graph(f, color=None).source).graph


def test_role_colours_tell_inputs_parameters_constants_and_output_apart() -> None:
    x, w = Value(2.0, "x"), Value(0.5, "w")
    out = w * x + 3.0
    out.label = "out"
    dot = parse_dot(draw_graph(out, color="role", parameters=[w]).source)
    constant = next(n for n in dot.value_nodes() if "dotted" in dot.nodes[n]["style"])
    fills = {
        "input": dot.nodes[dot.named("x")]["fillcolor"],
        "parameter": dot.nodes[dot.named("w")]["fillcolor"],
        "constant": dot.nodes[constant]["fillcolor"],
        "output": dot.nodes[dot.named("out")]["fillcolor"],
    }
    assert len(set(fills.values())) == 4, fills
    legend = dot.graph["label"]
    assert all(word in legend for word in ("input", "parameter", "constant", "output"))


def test_color_none_draws_every_value_plain() -> None:
    *_, f = worked_example()
    f.backward()
    dot = parse_dot(draw_graph(f, color=None).source)
    assert {dot.nodes[n]["fillcolor"] for n in dot.value_nodes()} == {"#ffffff"}


# ---- what the boxes say --------------------------------------------------------------------


def test_precision_show_data_and_show_grad() -> None:
    third = Value(1.0, "t") / 3.0
    third.label = "third"
    third.backward()
    assert "data 0.33<" in draw_graph(third, precision=2).source
    assert "data 0.333333<" in draw_graph(third, precision=6).source
    plain = parse_dot(draw_graph(third, show_data=False, show_grad=False).source)
    assert not any("data" in a["label"] or "grad" in a["label"] for a in plain.nodes.values() if "label" in a)


def test_labels_are_escaped_for_html_labels() -> None:
    nasty = Value(1.0, "a<b>&\"c'\\N{}]|\nline2")
    dot_text = draw_graph(nasty * 2.0).source
    # A literal backslash is doubled: Graphviz would otherwise read \N as the node's name.
    assert "a&lt;b&gt;&amp;&quot;c&#39;\\\\N{}]|<BR/>line2" in dot_text
    label = parse_dot(dot_text).nodes["n1"]["label"]
    assert "<b>" not in label and "\n" not in label
    assert 'tooltip="a<b>&\\"c\'\\\\\\\\N{}]|\\nline2: data=1.0' in dot_text


def test_rankdir_is_passed_on() -> None:
    assert parse_dot(draw_graph(Value(1.0), rankdir="TB").source).graph["rankdir"] == "TB"


def test_draw_dot_and_value_draw_are_the_same_picture() -> None:
    *_, f = worked_example()
    assert draw_dot(f, edge_labels=True).source == draw_graph(f, edge_labels=True).source
    picture = f.draw(edge_labels=True)
    assert isinstance(picture, Graph)
    assert picture.source == draw_graph(f, edge_labels=True).source == str(picture)


# ---- large graphs --------------------------------------------------------------------------


def test_above_max_nodes_the_nodes_nearest_the_root_are_drawn_and_the_rest_counted() -> None:
    x = Value(0.5, "x")
    h = x
    for _ in range(200):
        h = (h * 1.01).tanh()
    total = len(all_nodes(h))
    dot = parse_dot(draw_graph(h, max_nodes=50, fit_width=None).source)
    drawn = dot.value_nodes()
    assert len(drawn) == 50
    assert f"{total - 50:,} more nodes not shown" in dot.nodes["more"]["label"]
    # Every drawn node's users are drawn too: each drawn op's output is drawn.
    assert all(h.endswith("op") or h in drawn for _, h, _ in dot.edges)
    cut = [n for n in dot.nodes if n.endswith("op") and "dashed" in dot.nodes[n]["style"]]
    assert cut and dot.edges_between("more", cut[0])


def test_the_nodes_kept_are_those_nearest_the_root() -> None:
    leaves = [Value(float(i), f"leaf{i}") for i in range(10)]
    deep = leaves[0]
    for _ in range(30):
        deep = deep.exp().log()
    root = deep + leaves[1]
    root.label = "root"
    dot = parse_dot(draw_graph(root, max_nodes=4).source)
    labels = " ".join(dot.nodes[n]["label"] for n in dot.value_nodes())
    assert "root" in labels and "leaf1" in labels and "leaf0" not in labels


def test_a_wide_graph_is_cut_without_drawing_every_operand_edge() -> None:
    from autograd_lite import value_sum

    total = value_sum(Value(float(i)) for i in range(1000))
    dot = parse_dot(draw_graph(total, max_nodes=10).source)
    assert len(dot.value_nodes()) == 10
    assert "991 more nodes not shown" in dot.nodes["more"]["label"]
    assert len(dot.edges_between("more", "n0op")) == 1


# ---- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"rankdir": "XY"}, ValueError, "rankdir"),
        ({"color": "rainbow"}, ValueError, "color"),
        ({"precision": 0}, ValueError, "precision"),
        ({"precision": 2.5}, ValueError, "precision"),
        ({"max_nodes": 0}, ValueError, "max_nodes"),
        ({"max_nodes": True}, ValueError, "max_nodes"),
        ({"edge_labels": "yes"}, TypeError, "edge_labels"),
        ({"collapse": "neuron"}, ValueError, "cluster"),
        ({"collapse": "layer"}, ValueError, "collapse"),
        ({"parameters": [1.0]}, TypeError, "parameters"),
        ({"cluster": object()}, TypeError, "neuron_layout"),
    ],
)
def test_bad_options_raise_a_clear_error(
    kwargs: dict[str, object], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=rf"draw_graph: .*{words}"):
        draw_graph(Value(1.0) * 2.0, **kwargs)  # type: ignore[arg-type]


def test_the_root_must_be_a_value() -> None:
    with pytest.raises(TypeError, match="draw_graph: root must be a Value, got float"):
        draw_graph(1.0)  # type: ignore[arg-type]


def _fill_of(source: str, label: str) -> str:
    line = next(line for line in source.splitlines() if f"<B>{label}</B>" in line)
    match = re.search(r'fillcolor="([^"]+)"', line)
    assert match is not None
    return match.group(1)


def test_a_shared_grad_range_makes_pictures_comparable() -> None:
    x = Value(1.0, "x")
    small = x * 1.0  # x.grad = 1, the largest gradient of its picture
    small.backward()
    u, w = Value(1.0, "u"), Value(1.0, "w")
    large = u * 1.0 + w * 1000.0  # u.grad = 1 is the smallest gradient of this picture
    large.backward()
    fitted = _fill_of(draw_graph(small).source, "x"), _fill_of(draw_graph(large).source, "u")
    assert fitted[0] != fitted[1]  # each picture fits its own scale: equal gradients look different
    shared = (1e-3, 1e3)
    same = _fill_of(draw_graph(small, grad_range=shared).source, "x"), _fill_of(
        draw_graph(large, grad_range=shared).source, "u"
    )
    assert same[0] == same[1]


@pytest.mark.parametrize("bad", [(0.0, 1.0), (2.0, 1.0), (1.0,), "1,2", (1.0, math.inf), (None, 1.0)])
def test_a_bad_grad_range_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="grad_range"):
        draw_graph(Value(1.0), grad_range=bad)  # type: ignore[arg-type]
