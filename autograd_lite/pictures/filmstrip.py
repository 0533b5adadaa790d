"""Every frame of a backward pass in one still picture: ``Filmstrip(frames)`` shows in a notebook
as a single SVG with the frames side by side where they fit and one under another where they do
not, so a notebook saved without a kernel (GitHub, nbconvert, a PDF) still shows the whole pass
that the slider steps through. Each frame keeps its own size, so its text stays as legible as in
the frame itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from .legibility import CELL_PX, MIN_TEXT_PX, PX_PER_PT, measure
from .page import inline_svg
from .steps import Frame

GAP_PT = 12.0
_VIEWBOX = re.compile(r'viewBox="([^"]*)"')


def _body(svg: str) -> tuple[str, str]:
    """The viewBox of an SVG element and everything inside it."""
    start = svg.index(">", svg.index("<svg")) + 1
    box = _VIEWBOX.search(svg[: start])
    assert box is not None, "Graphviz writes a viewBox"
    return box.group(1), svg[start : svg.rindex("</svg>")]


def filmstrip_svg(svgs: Sequence[str], view_px: float = CELL_PX) -> str:
    """The pictures in a grid of as many columns as keep their text legible in a view ``view_px`` wide."""
    sizes = [measure(svg) for svg in svgs]
    width = max(s.width_px for s in sizes) / PX_PER_PT
    height = max(s.height_px for s in sizes) / PX_PER_PT
    smallest = min((s.smallest_text_px for s in sizes if s.smallest_text_px is not None), default=MIN_TEXT_PX)
    # Scaled to fit the view, the strip's text stays at MIN_TEXT_PX up to this natural width.
    room = max(view_px, smallest * view_px / MIN_TEXT_PX) / PX_PER_PT
    columns = max(1, min(len(svgs), math.floor((room + GAP_PT) / (width + GAP_PT))))
    rows = math.ceil(len(svgs) / columns)
    total_width = columns * width + (columns - 1) * GAP_PT
    total_height = rows * height + (rows - 1) * GAP_PT
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{total_width:.0f}pt" height="{total_height:.0f}pt" viewBox="0 0 {total_width:.2f} {total_height:.2f}">'
    ]
    for index, (svg, size) in enumerate(zip(svgs, sizes, strict=True)):
        box, body = _body(inline_svg(svg, f"s{index}-"))
        x = (index % columns) * (width + GAP_PT)
        y = (index // columns) * (height + GAP_PT)
        w, h = size.width_px / PX_PER_PT, size.height_px / PX_PER_PT
        parts.append(f'<svg x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" viewBox="{box}">{body}</svg>')
        if index % columns == 0 and index:
            parts.append(f'<line x1="0" y1="{y - GAP_PT / 2:.2f}" x2="{total_width:.2f}" y2="{y - GAP_PT / 2:.2f}" stroke="#cccccc"/>')
    parts.append("</svg>")
    return "".join(parts)


class Filmstrip:
    """The frames of a backward pass as one still picture (an SVG a notebook saves with its outputs)."""

    def __init__(self, frames: Iterable[Frame]) -> None:
        self.frames = list(frames)
        if not self.frames:
            raise ValueError("show_frames: there are no frames to show")

    def svg(self) -> str:
        """The filmstrip as SVG text (it needs Graphviz to draw the frames)."""
        return filmstrip_svg([frame.graph.pipe("svg").decode("utf-8") for frame in self.frames])

    def __repr__(self) -> str:
        return f"<Filmstrip: {len(self.frames)} frames of the backward pass>"

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, str]:
        """Jupyter's hook: the filmstrip as SVG, scaled down to the width of the cell."""
        svg = self.svg().replace("<svg ", '<svg style="max-width: 100%; height: auto" ', 1)
        return {"image/svg+xml": svg, "text/plain": repr(self)}
