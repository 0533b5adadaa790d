"""Put a backward pass on one web page: ``save_animation(frames, "backward.html")`` writes a single
self-contained file (inline SVG, a slider, a play button, no network needed) that any browser
opens. The page itself is ``page.html`` beside this file; this module fills in the frames.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from string import Template

from ..atomic_file import write_atomically
from ..text import shorten
from .render import GraphvizError
from .steps import Frame
from .style import xml_safe

_ID = re.compile(r'\bid="([^"]*)"')
_REFERENCE = re.compile(r'(href="#|url\(#)([^")]*)')

DEFAULT_TITLE = "The backward pass, step by step"


def _template() -> Template:
    return Template(resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8"))


def player_script() -> str:
    """The JavaScript frame player (``player.js``: button, slider, arrow keys, #frame=N) that
    every page with a slider inlines: this one and a playground's saved run."""
    return resources.files(__package__).joinpath("player.js").read_text(encoding="utf-8")


def inline_svg(svg: str, prefix: str) -> str:
    """An SVG document as an element for an HTML page, its ids made unique with ``prefix``."""
    start = svg.find("<svg")
    if start < 0:
        raise GraphvizError("save_animation: dot did not return an SVG picture")
    body = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg[start:])
    return _REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", body)


def frame_picture(frame: Frame, index: int) -> str:
    """One frame rendered by Graphviz as an inline SVG element, scaled down to fit its container."""
    svg = inline_svg(frame.graph.pipe("svg").decode("utf-8"), f"f{index}-")
    return svg.replace("<svg ", '<svg style="max-width: 100%; height: auto" ', 1)


def animation_html(frames: Iterable[Frame], *, title: str = DEFAULT_TITLE, interval_ms: int = 1200) -> str:
    """The text of the web page ``save_animation`` writes (it needs Graphviz to draw the frames)."""
    if not isinstance(title, str):
        raise TypeError(f"save_animation: title must be a str, got {type(title).__name__}")
    frame_list = list(frames)
    if not frame_list:
        raise ValueError("save_animation: there are no frames to save")
    for position, frame in enumerate(frame_list):
        if not isinstance(frame, Frame):
            raise TypeError(f"save_animation: frames[{position}] must be a Frame, got {type(frame).__name__}")
    if type(interval_ms) is not int or interval_ms < 1:
        raise ValueError(f"save_animation: interval_ms must be an int >= 1, got {interval_ms!r}")
    blocks = [
        f'<div class="frame" data-caption="{html.escape(frame.caption)}"{" hidden" if i else ""}>'
        f"{frame_picture(frame, i)}</div>"
        for i, frame in enumerate(frame_list)
    ]
    title = xml_safe(shorten(title, 200))
    return _template().substitute(
        title=html.escape(title),
        last=len(frame_list) - 1,
        count=len(frame_list),
        first_caption=html.escape(frame_list[0].caption),
        frames="\n".join(blocks),
        player=player_script(),
        interval=interval_ms,
    )


def save_animation(
    frames: Iterable[Frame],
    path: str | os.PathLike[str],
    *,
    title: str = DEFAULT_TITLE,
    interval_ms: int = 1200,
) -> Path:
    """Write ``frames`` to one HTML file (inline SVG, slider, play button, no network needed)."""
    target = Path(path)
    write_atomically(target, animation_html(frames, title=title, interval_ms=interval_ms).encode("utf-8"))
    return target
