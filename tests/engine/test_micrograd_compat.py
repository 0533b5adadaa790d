"""Code written for micrograd runs against autograd-lite with only the import changed: the draw_dot
cells of the "spelled-out intro" lecture and of micrograd's trace_graph.ipynb (written here from
what they do: follow ``_prev``, read ``_op``, ``data``, ``grad`` and ``label``, add nodes and edges
with the graphviz package, render), the lecture's backward pass stepped by hand with
``_backward()``, micrograd's demo training loop (against micrograd itself), optimiser state kept
on the parameters as Eureka Labs' micrograd keeps it (against PyTorch's AdamW), and colours for
pictures in ``_vis_color``. The differences kept by design are checked at the end."""

from __future__ import annotations

import copy
import math
import os
import pickle
import random
import stat
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from graphviz import Digraph

import nn  # micrograd's `from micrograd import nn`, with only the import changed
from autograd_lite import Value, draw_dot, graphviz_available
from nn import MLP, make_moons

needs_dot = pytest.mark.skipif(not graphviz_available(), reason="needs Graphviz's dot program")
SVG = "{http://www.w3.org/2000/svg}"


# ---- the pictures of the lecture and of trace_graph.ipynb, as their cells draw them ----------


def walk_prev(root: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
    """Every value reachable from ``root`` through ``_prev``, and each (child, parent) pair."""
    nodes: set[Any] = set()
    edges: set[tuple[Any, Any]] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in nodes:
            continue
        nodes.add(node)
        for child in node._prev:
            edges.add((child, node))
            stack.append(child)
    return nodes, edges


def add_nodes_and_edges(dot: Digraph, root: Any, record: Callable[[Any], str]) -> Digraph:
    """A box per value (labelled ``record(value)``), an oval per op beside the value it made, and
    an edge from each child into its parent's op, as both cells draw them."""
    nodes, edges = walk_prev(root)
    for node in nodes:
        name = str(id(node))
        dot.node(name=name, label=record(node), shape="record")
        if node._op:
            dot.node(name=name + node._op, label=node._op)
            dot.edge(name + node._op, name)
    for child, parent in edges:
        dot.edge(str(id(child)), str(id(parent)) + parent._op)
    return dot


def lecture_record(node: Any) -> str:
    """The lecture's box: ``{ label | data %.4f | grad %.4f }``."""
    return "{ %s | data %.4f | grad %.4f }" % (node.label, node.data, node.grad)  # noqa: UP031


def trace_graph_record(node: Any) -> str:
    """trace_graph.ipynb's box: ``{ data %.4f | grad %.4f }``."""
    return "{ data %.4f | grad %.4f }" % (node.data, node.grad)  # noqa: UP031


def lecture_draw_dot(root: Any) -> Digraph:
    """The lecture's draw_dot(root): SVG, left to right."""
    return add_nodes_and_edges(Digraph(format="svg", graph_attr={"rankdir": "LR"}), root, lecture_record)


def trace_graph_draw_dot(root: Any, format: str = "svg", rankdir: str = "LR") -> Digraph:
    """trace_graph.ipynb's draw_dot(root, format='svg', rankdir='LR')."""
    assert rankdir in ["LR", "TB"]
    return add_nodes_and_edges(Digraph(format=format, graph_attr={"rankdir": rankdir}), root, trace_graph_record)


def svg_shapes(svg: bytes) -> tuple[list[list[str]], int]:
    """The texts of every node of a rendered graph (one list per node) and the number of edges."""
    tree = ElementTree.fromstring(svg)
    groups = list(tree.iter(f"{SVG}g"))
    nodes = [[t.text or "" for t in g.iter(f"{SVG}text")] for g in groups if g.get("class") == "node"]
    edges = sum(1 for g in groups if g.get("class") == "edge")
    return nodes, edges


def lecture_expression() -> tuple[Value, dict[str, Value]]:
    """The lecture's first example: L = (a*b + c) * f."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    return L, {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "L": L}


@needs_dot
def test_the_lectures_draw_dot_draws_our_graph_with_its_numbers() -> None:
    L, v = lecture_expression()
    L.backward()
    nodes, edges = svg_shapes(lecture_draw_dot(L).pipe())
    # dL/da = b f, dL/db = a f, dL/dc = dL/de = dL/dd = f, dL/df = d = a b + c.
    expected = {
        ("a", 2.0, 6.0), ("b", -3.0, -4.0), ("c", 10.0, -2.0), ("e", -6.0, -2.0),
        ("d", 4.0, -2.0), ("f", -2.0, 4.0), ("L", -8.0, 1.0),
    }  # fmt: skip
    records = sorted(n for n in nodes if len(n) == 3)
    assert records == sorted([label, f"data {data:.4f}", f"grad {g:.4f}"] for label, data, g in expected)
    assert sorted(n[0] for n in nodes if len(n) == 1) == ["*", "*", "+"]
    assert edges == 6 + 3  # a, b -> *; e, c -> +; d, f -> *; and each op into its value
    assert v["a"].grad == 6.0


def lecture_neuron() -> dict[str, Value]:
    """The lecture's neuron: o = tanh(x1 w1 + x2 w2 + b), built and labelled as the lecture does."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return {k: val for k, val in locals().items() if isinstance(val, Value)}


def assert_neuron_gradients(v: dict[str, Value]) -> None:
    """do/dn = 1 - tanh(n)**2, and each product passes it on times the other factor."""
    n = 0.8813735870195432
    do_dn = 1.0 - math.tanh(n) ** 2
    assert v["o"].data == pytest.approx(math.tanh(n), rel=1e-15)
    assert do_dn == pytest.approx(0.5, rel=1e-12)
    for name in ("n", "b", "x1*w1 + x2*w2", "x1*w1", "x2*w2"):
        node = v[name] if name in v else next(x for x in v.values() if x.label == name)
        assert node.grad == pytest.approx(do_dn, rel=1e-15), name
    assert v["x1"].grad == pytest.approx(-3.0 * do_dn, rel=1e-15)
    assert v["w1"].grad == pytest.approx(2.0 * do_dn, rel=1e-15)
    assert v["x2"].grad == pytest.approx(1.0 * do_dn, rel=1e-15)
    assert v["w2"].grad == 0.0


def test_the_lectures_backward_by_hand_with_backward_steps() -> None:
    v = lecture_neuron()
    o, n, b, x1w1x2w2, x2w2, x1w1 = v["o"], v["n"], v["b"], v["x1w1x2w2"], v["x2w2"], v["x1w1"]
    o.grad = 1.0
    o._backward()
    n._backward()
    b._backward()  # a leaf: nothing to pass on
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    assert_neuron_gradients(v)


def build_topo(root: Any) -> list[Any]:
    """The lecture's topological sort over ``_prev``: children before parents."""
    topo: list[Any] = []
    visited: set[Any] = set()

    def build(node: Any) -> None:
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                build(child)
            topo.append(node)

    build(root)
    return topo


def test_the_lectures_topological_backward_over_prev() -> None:
    v = lecture_neuron()
    v["o"].grad = 1.0
    for node in reversed(build_topo(v["o"])):
        node._backward()
    assert_neuron_gradients(v)


def test_tanh_spelled_out_with_exp_gives_the_same_gradients_by_hand() -> None:
    # The lecture rewrites tanh(n) as (e**2n - 1) / (e**2n + 1) with plain numbers mixed in.
    v = lecture_neuron()
    e = (2 * v["n"]).exp()
    o = (e - 1) / (e + 1)
    v["o"] = o
    o.grad = 1.0
    for node in reversed(build_topo(o)):
        node._backward()
    assert_neuron_gradients(v)


def test_the_lectures_reuse_bug_is_fixed_by_accumulating() -> None:
    # b = a + a: the lecture's bug overwrote a.grad; accumulating gives db/da = 2.
    a = Value(3.0, label="a")
    b = a + a
    b.grad = 1.0
    b._backward()
    assert a.grad == 2.0
    assert b._prev == frozenset({a})  # a set: one child, as micrograd's set(children)


@needs_dot
def test_trace_graph_notebook_draws_an_expression_and_a_neuron_and_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    x = Value(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    nodes, edges = svg_shapes(trace_graph_draw_dot(y).pipe())
    # x, 2, x*2, 1, x*2 + 1 and relu(...): the plain numbers are constant leaves, as in micrograd.
    records = sorted(n for n in nodes if len(n) == 2)
    assert records == sorted([
        ["data 1.0000", "grad 2.0000"], ["data 2.0000", "grad 0.0000"], ["data 2.0000", "grad 1.0000"],
        ["data 1.0000", "grad 0.0000"], ["data 3.0000", "grad 1.0000"], ["data 3.0000", "grad 1.0000"],
    ])  # fmt: skip
    assert sorted(n[0] for n in nodes if len(n) == 1) == ["*", "+", "ReLU"]
    assert edges == 5 + 3

    random.seed(1337)
    n = nn.Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = n(x)
    y.backward()
    dot = trace_graph_draw_dot(y)
    dot.render("gout")
    # micrograd draws w from random.uniform(-1, 1) with b = 0: y = relu(w0 * 1 + w1 * -2).
    random.seed(1337)
    w0, w1 = random.uniform(-1, 1), random.uniform(-1, 1)
    out = max(0.0, w0 - 2.0 * w1)
    assert y.data == pytest.approx(out, rel=1e-15)
    assert x[0].grad == (w0 if out > 0 else 0.0) and x[1].grad == (w1 if out > 0 else 0.0)
    svg = (tmp_path / "gout.svg").read_bytes()
    texts = [t for node in svg_shapes(svg)[0] for t in node]
    assert f"data {out:.4f}" in texts and "ReLU" in texts


@needs_dot
def test_our_draw_dot_takes_micrographs_positional_arguments_and_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    L, _ = lecture_expression()
    L.backward()
    dot = draw_dot(L)
    assert dot.render("gout") == "gout.svg"
    assert b"<svg" in (tmp_path / "gout.svg").read_bytes()
    assert (tmp_path / "gout").read_text() == dot.source  # graphviz keeps the DOT text beside it
    assert isinstance(dot.source, str) and dot.source.startswith("digraph")
    assert b"<svg" in dot.pipe()
    tall = draw_dot(L, "png", "TB")
    assert tall.render("tall") == "tall.png"
    assert (tmp_path / "tall.png").read_bytes().startswith(b"\x89PNG")
    assert "rankdir=TB" in tall.source.replace(" ", "").replace('"', "")
    assert tall.pipe().startswith(b"\x89PNG")


@needs_dot
def test_our_draw_dot_view_opens_the_picture_in_the_systems_viewer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.name != "posix":
        pytest.skip("the fake viewer is a shell script")
    # graphviz opens a picture with xdg-open on Linux (open on macOS): a stand-in records the call.
    opened = tmp_path / "opened.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for viewer in ("xdg-open", "open"):
        script = bin_dir / viewer
        script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n')
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(tmp_path)
    L, _ = lecture_expression()
    path = draw_dot(L).view("seen")
    deadline = time.monotonic() + 20  # the viewer is started, not waited for
    while not opened.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path == "seen.svg"
    assert Path(opened.read_text()).name == "seen.svg"


# ---- micrograd's demo loop, against micrograd itself ------------------------------------------


def demo_loop(value: Any, mlp: Any, X: Sequence[Sequence[float]], y: Sequence[int], steps: int) -> tuple[list[tuple[float, float]], list[float]]:
    """The training loop of micrograd's demo.ipynb, word for word apart from the data and the
    number of steps; ``value`` and ``mlp`` are the classes the notebook imports."""
    Value, MLP = value, mlp  # the notebook's own names
    random.seed(1337)
    model = MLP(2, [16, 16, 1])

    def loss() -> tuple[Any, float]:
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, acc))
    return history, [p.data for p in model.parameters()]


def test_micrographs_demo_loop_gives_micrographs_numbers() -> None:
    micrograd_engine = pytest.importorskip("micrograd.engine")
    micrograd_nn = pytest.importorskip("micrograd.nn")
    X, y = make_moons(16, noise=0.1, seed=1337)
    theirs, their_parameters = demo_loop(micrograd_engine.Value, micrograd_nn.MLP, X, y, steps=5)
    ours, our_parameters = demo_loop(Value, MLP, X, y, steps=5)
    # A neuron here is one dot node (micrograd chains n additions): the sums round differently.
    assert [loss for loss, _ in ours] == pytest.approx([loss for loss, _ in theirs], rel=1e-12)
    assert [acc for _, acc in ours] == [acc for _, acc in theirs]
    assert our_parameters == pytest.approx(their_parameters, rel=1e-10, abs=1e-13)


# ---- Eureka Labs' micrograd: state and colours on the Values themselves ----------------------


class AdamWOnParameters:
    """An AdamW as Eureka Labs' micrograd writes one: each parameter carries its moments m and v."""

    def __init__(self, parameters: Iterable[Any], lr: float = 0.1, betas: tuple[float, float] = (0.9, 0.95),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:  # fmt: skip
        self.parameters = list(parameters)
        self.lr, (self.beta1, self.beta2), self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.t = 0
        for p in self.parameters:
            p.m = 0.0
            p.v = 0.0

    def step(self) -> None:
        self.t += 1
        for p in self.parameters:
            p.m = self.beta1 * p.m + (1 - self.beta1) * p.grad
            p.v = self.beta2 * p.v + (1 - self.beta2) * p.grad**2
            m_hat = p.m / (1 - self.beta1**self.t)
            v_hat = p.v / (1 - self.beta2**self.t)
            p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.weight_decay * p.data)

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0


def objective(a: Any, b: Any) -> Any:
    """(a b - 1)**2 + (a - 2)**2 + tanh(b) / 10, for Values and for tensors alike."""
    return (a * b - 1) ** 2 + (a - 2) ** 2 + b.tanh() / 10


def test_optimiser_state_on_parameters_matches_pytorchs_adamw() -> None:
    torch = pytest.importorskip("torch")
    a, b = Value(0.5, label="a"), Value(-1.5, label="b")
    optimiser = AdamWOnParameters([a, b], lr=0.05, weight_decay=0.01)
    ta = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.5, dtype=torch.float64, requires_grad=True)
    reference = torch.optim.AdamW([ta, tb], lr=0.05, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.01)
    for _ in range(30):
        optimiser.zero_grad()
        objective(a, b).backward()
        optimiser.step()
        reference.zero_grad()
        objective(ta, tb).backward()
        reference.step()
        assert (a.data, b.data) == pytest.approx((ta.item(), tb.item()), rel=1e-12)
    moments = reference.state[ta]
    assert a.m == pytest.approx(moments["exp_avg"].item(), rel=1e-12)
    assert a.v == pytest.approx(moments["exp_avg_sq"].item(), rel=1e-12)


def test_state_on_an_nn_parameter_stays_with_it_through_training_and_pickling() -> None:
    model = MLP(2, [3, 1], rng=0)
    for p in model.parameters():
        p.m, p.v = 0.25, 0.5
    out = model([1.0, -1.0])
    assert isinstance(out, Value)
    out.backward()
    model.zero_grad()
    first = model.parameters()[0]
    assert (first.m, first.v, first.label) == (0.25, 0.5, "L0.N0.w0")
    restored = pickle.loads(pickle.dumps(model))
    assert [(p.m, p.v) for p in restored.parameters()] == [(0.25, 0.5)] * model.num_parameters()
    assert copy.deepcopy(first).m == 0.25


@needs_dot
def test_vis_color_on_values_colours_a_hand_drawn_picture() -> None:
    L, v = lecture_expression()
    for leaf in (v["a"], v["b"]):
        leaf._vis_color = "lightblue"
    L._vis_color = "salmon"
    dot = Digraph(format="svg")
    nodes, _ = walk_prev(L)
    for node in nodes:
        dot.node(str(id(node)), label=node.label, style="filled", fillcolor=getattr(node, "_vis_color", "white"))
    svg = dot.pipe().decode()
    assert svg.count('fill="lightblue"') == 2 and svg.count('fill="salmon"') == 1
    assert svg.count('fill="white"') >= 4  # c, d, e, f (the page background may be white too)
    assert pickle.loads(pickle.dumps(L))._vis_color == "salmon"


@needs_dot
def test_attributes_of_our_own_do_not_disturb_our_pictures() -> None:
    L, v = lecture_expression()
    v["a"]._vis_color = "red"
    v["e"].note = "a product"
    L.backward()
    assert b"<svg" in draw_dot(L).pipe()


def test_new_attributes_never_bypass_the_checks_on_values() -> None:
    v = Value(1.0, label="v")
    v.m = 0.5
    with pytest.raises(TypeError, match=r"Value.data"):
        v.data = "2"
    with pytest.raises(TypeError, match="label must be a str"):
        v.label = 5  # type: ignore[assignment]
    with pytest.raises(AttributeError):
        v._prev = set()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        v._op = "+"  # type: ignore[misc]
    assert (v.data, v.label, v.m) == (1.0, "v", 0.5)


# ---- what differs from micrograd by design -----------------------------------------------------


def test_by_design_comparisons_return_bool() -> None:
    # micrograd defines no ordering; here <, <=, >, >= compare data, and == stays identity.
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (b <= 2) is True and (a > 0.5) is True and (b >= a) is True
    assert (a == Value(1.0)) is False and a == a
    assert max(a, b) is b


def test_by_design_data_is_a_float_and_the_repr_says_so() -> None:
    v = Value(2)
    assert type(v.data) is float
    assert repr(v) == "Value(data=2.0, grad=0.0)"  # micrograd prints Value(data=2, grad=0)
    assert repr(Value(-1.5, label="x")) == "Value(data=-1.5, grad=0.0, label='x')"


def test_by_design_plain_numbers_are_constant_leaves_made_when_read() -> None:
    x = Value(3.0)
    y = x * 2
    (two,) = [p for p in y._prev if p is not x]
    assert two.is_constant and two.data == 2.0 and two.grad == 0.0
    # Each read makes new constant leaves (the node stores the number itself).
    assert y._prev != y._prev and x in y._prev


def test_by_design_a_layer_returns_a_list_even_for_one_neuron() -> None:
    # micrograd's Layer returns a bare Value for one neuron; MLP does here as there.
    assert isinstance(nn.Layer(2, 1, rng=0)([1.0, 2.0]), list)
    assert isinstance(nn.MLP(2, [3, 1], rng=0)([1.0, 2.0]), Value)


def test_by_design_intermediate_gradients_start_again_on_each_backward() -> None:
    # micrograd adds into intermediate .grad on every call, so a second backward() without zeroing
    # gives more than twice the leaf gradients; here exactly twice.
    x = Value(3.0)
    y = x * x
    z = y * y  # z = x**4, dz/dx = 4 x**3 = 108
    z.backward()
    z.backward()
    assert x.grad == 2 * 108.0
    assert y.grad == 2 * y.data  # dz/dy = 2y, recomputed, not summed over calls


def test_by_design_micrograds_constructor_with_children_is_refused() -> None:
    # micrograd's Value(data, _children, _op) with closures in _backward: new ops come from define_op.
    with pytest.raises(TypeError, match="positional argument"):
        Value(1.0, (), "+")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, ())  # type: ignore[arg-type]
