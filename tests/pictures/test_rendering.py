"""Rendering with Graphviz's ``dot``: SVG that parses and holds the labels and values, PNG and
PDF files, Graphviz's own reading of our DOT, a 100,000-node graph, and the fallback when
``dot`` is missing from PATH."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd_lite import Value, value_sum
from autograd_lite.pictures.render import INSTALL_HINT, Graph, GraphvizError, draw_graph, graphviz_available
from tests.pictures.dot_reader import all_nodes, parse_dot
from tests.strategies import Expression, build_or_reject, expressions
from tests.worked_example import worked_example

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@needs_dot
def test_the_worked_example_renders_to_svg_with_its_labels_and_values() -> None:
    *_, f = worked_example()
    f.backward()
    texts = svg_texts(draw_graph(f, edge_labels=True).pipe("svg"))
    for expected in ("x", "y", "z", "q", "f", "data -2", "grad -4", "grad 3", "data -12", "grad 1"):
        assert expected in texts, expected
    assert "carries 1 × -4 = -4" in texts and "carries -4 × 1 = -4" in texts


@needs_dot
def test_png_and_pdf_come_out_as_such(tmp_path: Path) -> None:
    *_, f = worked_example()
    picture = draw_graph(f)
    png = picture.save(tmp_path / "f.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 100 and height > 50
    assert picture.save(tmp_path / "f.pdf").read_bytes()[:5] == b"%PDF-"
    ET.fromstring(picture.save(tmp_path / "f.svg").read_bytes())
    assert (tmp_path / "f.dot").exists() is False
    assert picture.save(tmp_path / "f.dot").read_text(encoding="utf-8") == picture.source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.dot", "f.pdf", "f.png", "f.svg"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "f.png").stat().st_mode & 0o777 == 0o666 & ~umask
    small = picture.save(tmp_path / "small.png", dpi=48).read_bytes()
    assert struct.unpack(">II", small[16:24])[0] < width


def test_save_refuses_an_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"Graph.save: the suffix of .*\.jpg.* must be one of"):
        draw_graph(Value(1.0)).save(tmp_path / "f.jpg")
    with pytest.raises(ValueError, match=r"Graph\.pipe: format must be one of"):
        draw_graph(Value(1.0)).pipe("gif")
    with pytest.raises(ValueError, match=r"Graph\.pipe: dpi must be an int >= 1, got 0"):
        draw_graph(Value(1.0)).pipe("png", dpi=0)


@needs_dot
def test_a_dot_failure_is_reported_with_its_message() -> None:
    with pytest.raises(GraphvizError, match=r"Graph.pipe\('svg'\): dot failed .*syntax error"):
        Graph("digraph { a -> }").pipe("svg")


@needs_dot
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(max_steps=6), st.lists(st.floats(0.2, 2.0), min_size=3, max_size=3))
def test_graphviz_reads_the_same_nodes_and_edges_as_our_parser(
    expression: Expression, point: list[float]
) -> None:
    _, out = build_or_reject(expression, point)
    out.backward()
    picture = draw_graph(out, edge_labels=True, fit_width=None)
    laid_out = json.loads(picture.pipe("json"))
    names = [o["name"] for o in laid_out.get("objects", []) if "nodes" not in o]
    ours = parse_dot(picture.source)
    assert sorted(names) == sorted(ours.nodes)
    index = {o["_gvid"]: o["name"] for o in laid_out["objects"]}
    theirs = sorted((index[e["tail"]], index[e["head"]]) for e in laid_out.get("edges", []))
    assert theirs == sorted((t, h) for t, h, _ in ours.edges)
    assert len([n for n in names if not n.endswith("op")]) == len(all_nodes(out))


@needs_dot
@settings(max_examples=20, deadline=None)
@given(
    st.text(
        st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_categories=("Cs", "Cc")),
        min_size=1,
        max_size=30,
    )
)
def test_any_label_renders_and_reads_back(label: str) -> None:
    assume(label.strip() == label and "  " not in label)
    node = Value(1.0, label)
    texts = svg_texts(draw_graph(node).pipe("svg"))
    assert label in texts


@needs_dot
def test_control_characters_are_shown_not_passed_to_graphviz() -> None:
    texts = svg_texts(draw_graph(Value(1.0, "bell\x07tab\x09del\x7f")).pipe("svg"))
    assert "bell\\x07tab\\x09del\\x7f" in texts


@needs_dot
@pytest.mark.timeout(120)
def test_a_100000_node_graph_renders_with_the_default_max_nodes() -> None:
    h = Value(0.5, "x")
    for _ in range(50_000):
        h = h * 1.0001 + 0.001  # two nodes and two constants per step
    wide = value_sum(Value(float(i)) for i in range(1000))
    root = h + wide
    total = len(all_nodes(root))
    assert total > 100_000
    root.backward()
    picture = draw_graph(root, fit_width=None)
    assert picture.nodes == 300 and picture.hidden == total - 300
    assert f"{total - 300:,} more nodes not shown" in " ".join(svg_texts(picture.pipe("svg")))


# ---- without Graphviz ----------------------------------------------------------------------


@pytest.fixture
def no_dot_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH with every directory that holds ``dot`` left out."""
    kept = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "dot").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path), *kept]))
    assert shutil.which("dot") is None


@pytest.mark.usefixtures("no_dot_on_path")
def test_without_dot_source_works_and_rendering_says_how_to_install(tmp_path: Path) -> None:
    *_, f = worked_example()
    picture = draw_graph(f)
    assert graphviz_available() is False
    assert picture.source.startswith("digraph autograd {")
    for attempt in (lambda: picture.save(tmp_path / "f.svg"), lambda: picture.pipe("png")):
        with pytest.raises(GraphvizError) as caught:
            attempt()
        message = str(caught.value)
        assert "'dot' program is not on PATH" in message
        assert all(
            hint in message
            for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz")
        )
    assert not (tmp_path / "f.svg").exists()
    assert picture.save(tmp_path / "f.dot").read_text(encoding="utf-8") == picture.source


@pytest.mark.usefixtures("no_dot_on_path")
def test_without_dot_notebooks_show_the_source_and_the_hint() -> None:
    *_, f = worked_example()
    bundle = draw_graph(f)._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert bundle["text/plain"].startswith("digraph autograd {")
    assert INSTALL_HINT in bundle["text/plain"]


@needs_dot
def test_with_dot_notebooks_get_svg() -> None:
    *_, f = worked_example()
    bundle = draw_graph(f)._repr_mimebundle_()
    assert graphviz_available() is True
    assert "data -12" in svg_texts(bundle["image/svg+xml"].encode("utf-8"))


def test_graphviz_available_agrees_with_running_dot() -> None:
    works = (
        subprocess.run(["dot", "-V"], capture_output=True).returncode == 0 if shutil.which("dot") else False
    )
    assert graphviz_available() is works


def test_to_graphviz_hands_the_same_source_to_the_graphviz_package() -> None:
    import graphviz

    from autograd_lite import Value, draw_graph

    x = Value(2.0, "x")
    picture = draw_graph(x * x)
    source = picture.to_graphviz()
    assert isinstance(source, graphviz.Source) and source.source == picture.source
