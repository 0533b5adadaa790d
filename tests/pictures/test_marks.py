"""draw_graph(root, marks={node: note}): a marked node gets a thick red border and its note in the
box, the legend says what the red border means, and bad marks are refused by name."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest

from autograd_lite import Value
from autograd_lite.pictures import draw_graph
from tests.pictures.dot_reader import parse_dot, rgb
from tests.worked_example import worked_example

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
NOTE = "you wrote 3, the chain rule gives -4"


def test_a_marked_node_has_a_thick_red_border_and_its_note_in_the_box() -> None:
    x, _, _, q, f = worked_example()
    f.backward()
    dot = parse_dot(draw_graph(f, marks={q: NOTE}).source)
    marked = dot.nodes[dot.named("q")]
    r, g, b = rgb(marked["color"])
    assert r > 180 and g < 60 and b < 60, "a red border"
    assert float(marked["penwidth"]) >= 3
    assert NOTE in marked["label"]
    for other in ("x", "y", "z", "f"):
        attributes = dot.nodes[dot.named(other)]
        assert "penwidth" not in attributes and NOTE not in attributes["label"]
    assert "marked" in dot.graph["label"]
    # The unmarked picture says nothing about marks.
    assert "marked" not in parse_dot(draw_graph(f).source).graph["label"]
    assert x.grad == -4.0, "drawing marks changes no gradient"


def test_marks_are_explained_even_when_colours_carry_nothing() -> None:
    *_, q, f = worked_example()
    dot = parse_dot(draw_graph(f, color=None, marks={q: NOTE}).source)
    assert "marked" in dot.graph["label"]
    assert "label" not in parse_dot(draw_graph(f, color=None).source).graph


def test_a_note_is_escaped_and_shortened() -> None:
    *_, q, f = worked_example()
    source = draw_graph(f, marks={q: "<b>&" + "x" * 5000}).source
    label = parse_dot(source).nodes[parse_dot(source).named("q")]["label"]
    assert "&lt;b&gt;&amp;" in label and "<b>" not in label
    assert "x" * 5000 not in source and "…" in label


@needs_dot
def test_the_note_is_in_the_rendered_picture() -> None:
    *_, q, f = worked_example()
    f.backward()
    svg = ET.fromstring(draw_graph(f, marks={q: NOTE}).pipe("svg"))
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert NOTE in texts


@pytest.mark.parametrize(
    ("marks", "words"),
    [
        ([1, 2], "marks must be a mapping"),
        ({1.0: "note"}, "marks must map Values"),
        ({"q": "note"}, "marks must map Values"),
    ],
)
def test_bad_marks_are_refused(marks: object, words: str) -> None:
    with pytest.raises(TypeError, match=f"draw_graph: {words}"):
        draw_graph(Value(1.0) * 2.0, marks=marks)


def test_a_note_must_be_text() -> None:
    node = Value(1.0)
    with pytest.raises(TypeError, match="draw_graph: the note of a marked node must be a str, got int"):
        draw_graph(node * 2.0, marks={node: 3})
