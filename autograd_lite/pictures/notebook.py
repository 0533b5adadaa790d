"""Show a backward pass in Jupyter: ``show_frames(frames)`` displays a slider and a play button
(with ipywidgets) and, under it, every frame in one still picture, so a notebook saved with its
outputs shows the whole pass where no kernel runs the slider (GitHub, nbconvert, a PDF). Without
ipywidgets the frames are shown one after another."""

from __future__ import annotations

import html
import importlib
from collections.abc import Iterable
from typing import Any

from .filmstrip import Filmstrip
from .page import frame_picture
from .runner import graphviz_available
from .steps import Frame


def _frame_html(frame: Frame) -> str:
    if graphviz_available():
        return frame_picture(frame, frame.index)
    mime = frame.graph._repr_mimebundle_()
    return f"<p>{html.escape(frame.caption)}</p><pre>{html.escape(mime['text/plain'])}</pre>"


def show_frames(frames: Iterable[Frame]) -> None:
    """Show the frames in a notebook: an ipywidgets slider with a still filmstrip under it, or
    (without ipywidgets) the frames one by one."""
    frame_list = list(frames)
    display: Any = importlib.import_module("IPython.display").display
    try:
        widgets: Any = importlib.import_module("ipywidgets")
    except ImportError:
        for frame in frame_list:
            display(frame)
        return
    if not frame_list:
        return
    pages = [_frame_html(frame) for frame in frame_list]
    last = len(pages) - 1
    picture = widgets.HTML(value=pages[0])
    slider = widgets.IntSlider(value=0, min=0, max=last, description="step")
    player = widgets.Play(value=0, min=0, max=last, interval=1200)
    widgets.jslink((player, "value"), (slider, "value"))

    def on_change(change: dict[str, Any]) -> None:
        picture.value = pages[change["new"]]

    slider.observe(on_change, names="value")
    display(widgets.VBox([widgets.HBox([player, slider]), picture]))
    if graphviz_available():
        display(Filmstrip(frame_list))
