"""Every frame of a backward pass in one still picture: ``Filmstrip(frames)`` shows in a notebook
as a single SVG with the frames side by side where they fit and one under another where they do
not, so a notebook saved without a kernel (GitHub, nbconvert, a PDF) still shows the whole pass
that the slider steps through. Every frame of a pass has the same legend, so the strip draws the
frames without it and the legend once, under the last frame. Each frame keeps its own size, so
its text stays as legible as in the frame itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from .graphviz_text import FONT
from .legibility import CELL_PX, MIN_TEXT_PX, PX_PER_PT, measure
from .page import inline_svg
from .render import Graph
from .steps import Frame

GAP_PT = 12.0
_VIEWBOX = re.compile(r'viewBox="([^"]*)"')
# Where the legend sits on a frame (the graph's label at the bottom, right), and the layout box
# that made room for it: without the legend, Graphviz fits the box to what is left.
_LEGEND_PLACEMENT = re.compile(r',\s*(?:labelloc|labeljust)=\w+|,\s*(?:bb|lp)="[^"]*"')


def split_legend(source: str) -> tuple[str, str]:
    """A frame's DOT text without its legend (the graph's own HTML label), and the legend's HTML
    ('' when the frame has none)."""
    lines = source.split("\n")
    for number, line in enumerate(lines):
        if not line.lstrip().startswith("graph ["):
            continue
        start = line.find("label=<")
        if start < 0:
            return source, ""
        end = _closing_bracket(line, start + len("label="))
        legend = line[start + len("label=<") : end]
        kept = (line[:start] + line[end + 1 :]).replace(", ,", ",").replace(", ]", "]")
        lines[number] = _LEGEND_PLACEMENT.sub("", kept)
        return "\n".join(lines), legend
    return source, ""


def _closing_bracket(text: str, opening: int) -> int:
    """The index of the '>' that closes the '<' at ``opening`` (HTML labels nest their tags)."""
    depth = 0
    for index in range(opening, len(text)):
        if text[index] == "<":
            depth += 1
        elif text[index] == ">":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("filmstrip: a frame's legend is not closed")


def legend_graph(legend: str) -> Graph:
    """A picture of the legend alone: an empty graph whose label is the legend's HTML table."""
    return Graph(f'digraph legend {{\n  graph [fontname="{FONT}", margin=0, label=<{legend}>];\n}}\n')


def _body(svg: str) -> tuple[str, str]:
    """The viewBox of an SVG element and everything inside it."""
    start = svg.index(">", svg.index("<svg")) + 1
    box = _VIEWBOX.search(svg[: start])
    assert box is not None, "Graphviz writes a viewBox"
    return box.group(1), svg[start : svg.rindex("</svg>")]


def filmstrip_svg(svgs: Sequence[str], view_px: float = CELL_PX, legend: str = "") -> str:
    """The pictures in a grid of as many columns as keep their text legible in a view ``view_px``
    wide, and ``legend`` (an SVG picture, if any) once under them, at the right."""
    pictures = [*svgs, legend] if legend else list(svgs)
    sizes = [measure(svg) for svg in pictures]
    frame_sizes = sizes[: len(svgs)]
    width = max(s.width_px for s in frame_sizes) / PX_PER_PT
    height = max(s.height_px for s in frame_sizes) / PX_PER_PT
    smallest = min((s.smallest_text_px for s in sizes if s.smallest_text_px is not None), default=MIN_TEXT_PX)
    # Scaled to fit the view, the strip's text stays at MIN_TEXT_PX up to this natural width.
    room = max(view_px, smallest * view_px / MIN_TEXT_PX) / PX_PER_PT
    columns = max(1, min(len(svgs), math.floor((room + GAP_PT) / (width + GAP_PT))))
    rows = math.ceil(len(svgs) / columns)
    frames_width = columns * width + (columns - 1) * GAP_PT
    places = [((index % columns) * (width + GAP_PT), (index // columns) * (height + GAP_PT)) for index in range(len(svgs))]
    total_width, total_height = frames_width, rows * height + (rows - 1) * GAP_PT
    if legend:
        legend_width, legend_height = sizes[-1].width_px / PX_PER_PT, sizes[-1].height_px / PX_PER_PT
        places.append((max(0.0, frames_width - legend_width), total_height + GAP_PT / 2))
        total_width, total_height = max(frames_width, legend_width), total_height + GAP_PT / 2 + legend_height
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{total_width:.0f}pt" height="{total_height:.0f}pt" viewBox="0 0 {total_width:.2f} {total_height:.2f}">'
    ]
    for index, (svg, size, (x, y)) in enumerate(zip(pictures, sizes, places, strict=True)):
        box, body = _body(inline_svg(svg, f"s{index}-"))
        w, h = size.width_px / PX_PER_PT, size.height_px / PX_PER_PT
        parts.append(f'<svg x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" viewBox="{box}">{body}</svg>')
        if index < len(svgs) and index % columns == 0 and index:
            parts.append(f'<line x1="0" y1="{y - GAP_PT / 2:.2f}" x2="{frames_width:.2f}" y2="{y - GAP_PT / 2:.2f}" stroke="#cccccc"/>')
    parts.append("</svg>")
    return "".join(parts)


class Filmstrip:
    """The frames of a backward pass as one still picture (an SVG a notebook saves with its outputs)."""

    def __init__(self, frames: Iterable[Frame]) -> None:
        self.frames = list(frames)
        if not self.frames:
            raise ValueError("show_frames: there are no frames to show")
        self._svg: str | None = None

    def svg(self) -> str:
        """The filmstrip as SVG text (it needs Graphviz to draw the frames): every frame once,
        without its legend, and the legend once. Drawn the first time it is asked for."""
        if self._svg is None:
            self._svg = self._draw()
        return self._svg

    def _draw(self) -> str:
        split = [split_legend(frame.graph.source) for frame in self.frames]
        svgs = [
            Graph(source, pinned=frame.graph.pinned).pipe("svg").decode("utf-8")
            for frame, (source, _) in zip(self.frames, split, strict=True)
        ]
        # The frames of one pass share their legend; the last frame's is the one shown.
        legend = split[-1][1]
        legend_svg = legend_graph(legend).pipe("svg").decode("utf-8") if legend else ""
        return filmstrip_svg(svgs, legend=legend_svg)

    def __repr__(self) -> str:
        return f"<Filmstrip: {len(self.frames)} frames of the backward pass>"

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, str]:
        """Jupyter's hook: the filmstrip as SVG, scaled down to the width of the cell."""
        svg = self.svg().replace("<svg ", '<svg style="max-width: 100%; height: auto" ', 1)
        return {"image/svg+xml": svg, "text/plain": repr(self)}
