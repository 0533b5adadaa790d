"""Show a backward pass in Jupyter: ``show_frames(frames)`` displays every frame in one still
picture (each frame once, the legend once), which a notebook saved with its outputs keeps for
any rendering without a kernel (GitHub, nbconvert, a PDF), and, with ipywidgets, a slider and a
play button above it that replace the picture with one step at a time ("all" brings the whole
pass back). Without ipywidgets or Graphviz the frames are shown one after another."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from .filmstrip import Filmstrip
from .runner import graphviz_available
from .steps import Frame

ALL = "all"
"""The slider's first position: the whole pass in one picture."""


def show_frames(frames: Iterable[Frame]) -> None:
    """Show the frames in a notebook: the slider and play button (ipywidgets), then one picture
    that holds every frame until the slider picks one; without ipywidgets or Graphviz, the
    frames one by one."""
    frame_list = list(frames)
    display: Any = importlib.import_module("IPython.display").display
    try:
        widgets: Any = importlib.import_module("ipywidgets")
    except ImportError:
        widgets = None
    if widgets is None or not graphviz_available():
        for frame in frame_list:
            display(frame)
        return
    if not frame_list:
        return
    still = Filmstrip(frame_list)
    steps = [str(number) for number in range(1, len(frame_list) + 1)]
    slider = widgets.SelectionSlider(options=[ALL, *steps], value=ALL, description="step")
    player = widgets.Play(value=0, min=0, max=len(frame_list), interval=1200)
    widgets.jslink((player, "value"), (slider, "index"))
    display(widgets.HBox([player, slider]))
    # The picture is an ordinary output, so what a saved notebook keeps is the whole pass (the
    # slider has not moved while the notebook ran); moving the slider replaces it in place.
    picture = display(still, display_id=True)

    def on_change(change: dict[str, Any]) -> None:
        picture.update(still if change["new"] == 0 else frame_list[change["new"] - 1])

    slider.observe(on_change, names="index")
