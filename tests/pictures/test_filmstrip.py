"""The still picture of a backward pass, measured from the rendered SVG: every frame is in it
exactly once, the legend is drawn once (not on every frame), and what a notebook shows, the
slider and the picture together, shows each frame once. Moving the slider replaces the picture
with one frame; "all" brings the whole pass back."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from autograd_lite import backward_steps, show_frames
from autograd_lite.pictures.filmstrip import Filmstrip, split_legend
from tests.pictures.svg_reader import RULE_PX, legibility, svgs_in_html
from tests.worked_example import worked_example

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
SVG = "{http://www.w3.org/2000/svg}"
LEGEND_TITLE = "gradient colour (darker: larger |grad|, log scale)"


def texts(svg: str) -> list[str]:
    """Every text an SVG draws, in document order."""
    return [(t.text or "").strip() for t in ET.fromstring(svg).iter(f"{SVG}text") if (t.text or "").strip()]


def captions(drawn: list[str]) -> list[str]:
    return [text for text in drawn if text.startswith("step ")]


@needs_dot
def test_every_frame_once_and_the_legend_once() -> None:
    *_, f = worked_example()
    frames = list(backward_steps(f))
    assert all(LEGEND_TITLE in texts(frame.graph.pipe("svg").decode()) for frame in frames), "each frame alone keeps its legend"
    drawn = texts(Filmstrip(frames).svg())
    assert captions(drawn) == [frame.caption for frame in frames]
    assert drawn.count(LEGEND_TITLE) == 1
    assert drawn[-1] == "grey border: waiting", "the legend comes last, under the frames"


@needs_dot
def test_the_legend_sits_under_the_last_frame_and_the_strip_stays_legible() -> None:
    *_, f = worked_example()
    svg = Filmstrip(backward_steps(f)).svg()
    root = ET.fromstring(svg)
    pictures = [child for child in root if child.tag == f"{SVG}svg"]
    assert len(pictures) == 6
    last_frame, legend = pictures[-2], pictures[-1]
    assert float(legend.get("y", 0)) >= float(last_frame.get("y", 0)) + float(last_frame.get("height", 0))
    # A frame without its legend is shorter than the frame drawn alone.
    alone = ET.fromstring(next(iter(backward_steps(f))).graph.pipe("svg"))
    assert float(last_frame.get("height", 0)) < float(alone.get("height", "0pt").rstrip("pt"))
    assert legibility(svg).smallest_px >= RULE_PX


def test_the_legend_is_cut_out_of_the_dot_text_whole() -> None:
    source = (
        "digraph autograd {\n"
        '  graph [rankdir=LR, fontname="Helvetica", labelloc=b, labeljust=r, label=<<TABLE><TR><TD>a &lt; b</TD></TR></TABLE>>, '
        'bb="0,0,10,20", lp="5,5"];\n'
        '  n1 [label=<<B>x</B>>];\n'
        "}\n"
    )
    without, legend = split_legend(source)
    assert legend == "<TABLE><TR><TD>a &lt; b</TD></TR></TABLE>"
    assert '  graph [rankdir=LR, fontname="Helvetica"];' in without.split("\n")
    assert '  n1 [label=<<B>x</B>>];' in without, "labels of nodes are left alone"
    assert split_legend("digraph g {\n  graph [rankdir=LR];\n}\n") == ("digraph g {\n  graph [rankdir=LR];\n}\n", "")


class Handle:
    """What IPython's display(..., display_id=True) returns: an output that can be replaced."""

    def __init__(self, shown: list[Any]) -> None:
        self.shown = shown
        self.updates: list[Any] = []

    def update(self, obj: Any) -> None:
        self.updates.append(obj)


def _everything_shown(objects: list[Any]) -> str:
    """The text of every SVG in what was displayed: widget values included (a saved notebook keeps them)."""
    found: list[str] = []
    for obj in objects:
        stack = [obj]
        while stack:
            item = stack.pop()
            for svg in svgs_in_html(str(getattr(item, "value", ""))):
                found.extend(texts(svg))
            stack.extend(getattr(item, "children", ()))
            if hasattr(item, "_repr_mimebundle_") and not hasattr(item, "children"):
                bundle = item._repr_mimebundle_()
                if "image/svg+xml" in bundle:
                    found.extend(texts(bundle["image/svg+xml"]))
    return "\n".join(found)


@needs_dot
def test_a_notebook_shows_each_frame_once_and_the_slider_steps_through_them(monkeypatch: pytest.MonkeyPatch) -> None:
    widgets = pytest.importorskip("ipywidgets")
    import IPython.display

    shown: list[Any] = []
    handles: list[Handle] = []

    def display(obj: Any, display_id: Any = None) -> Handle | None:
        shown.append(obj)
        if display_id:
            handles.append(Handle(shown))
            return handles[-1]
        return None

    monkeypatch.setattr(IPython.display, "display", display)
    *_, f = worked_example()
    frames = list(backward_steps(f))
    show_frames(frames)
    controls, still = shown
    assert isinstance(controls, widgets.HBox) and isinstance(still, Filmstrip)
    everything = _everything_shown(shown)
    for frame in frames:
        assert everything.count(frame.caption) == 1, f"{frame.caption!r} is shown once"
    assert everything.count(LEGEND_TITLE) == 1
    player, slider = controls.children
    assert list(slider.options) == ["all", "1", "2", "3", "4", "5"] and slider.value == "all"
    assert (player.min, player.max) == (0, 5)
    (picture,) = handles
    slider.value = "4"
    assert picture.updates[-1] is frames[3]
    slider.value = "all"
    assert picture.updates[-1] is still
