"""Watch the backward pass happen: ``backward_steps(root)`` yields one picture per step, in the
engine's own order; ``save_animation(frames, "backward.html")`` writes them into one
self-contained web page with a slider and a play button; ``show_frames(frames)`` shows them in
a notebook.

The frames replay the pass on the side: they show this pass's gradients (what ``grad()``
would return) and never touch any ``.grad``.
"""

from __future__ import annotations

import html
import importlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import topological_order
from .graph import Graph, GraphvizError, graphviz_available, write_atomically
from .graph_dot import Prepared, build_dot, prepare
from .graph_model import NamedParameters
from .graph_options import DrawOptions, PassState
from .graph_style import GradScale, format_number
from .value import Value, to_float

# Captions name at most this many operands, so a dot product over 100 inputs stays one line.
_CAPTION_OPERANDS = 4


@dataclass(frozen=True)
class _Pass:
    """One backward pass to replay: its order (the engine's) and its seed gradient."""

    order: list[Value]
    seed: float

    def grads_after(self, steps: int) -> dict[Value, float]:
        """The running gradients once the first ``steps`` nodes of the order have passed theirs on."""
        grads = {self.order[0]: self.seed}
        for node in self.order[:steps]:
            upstream = grads[node]  # Kahn's order: every user of node came before it
            for parent, local in zip(node.parents, node.local_grads, strict=True):
                grads[parent] = grads.get(parent, 0.0) + upstream * local
        return grads


@dataclass(frozen=True)
class Frame:
    """One step of the backward pass: the node processed, the gradients so far, and the picture."""

    index: int
    total: int
    node: Value
    caption: str
    graph: Graph
    backward_pass: _Pass = field(repr=False, compare=False)

    @property
    def grads(self) -> dict[Value, float]:
        """The running gradient of every node reached once this step is done."""
        # Replayed on demand: a copy per frame would cost memory quadratic in the graph size.
        return self.backward_pass.grads_after(self.index + 1)

    @property
    def processed(self) -> frozenset[Value]:
        """The nodes that have passed their gradient on, this frame's node included."""
        return frozenset(self.backward_pass.order[: self.index + 1])

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, str]:
        """Jupyter's hook: the frame's picture (its caption is drawn on it)."""
        return self.graph._repr_mimebundle_(include, exclude)


def _name(node: Value) -> str:
    if node.label:
        return node.label
    if node.is_constant:
        return f"the constant {format_number(node.data, 4)}"
    if node.is_leaf:
        return f"the leaf {format_number(node.data, 4)}"
    return f"the {node.op} node"


def _caption(step: int, total: int, node: Value, upstream: float, precision: int) -> str:
    head = f"step {step} of {total}: "
    grad = format_number(upstream, precision)
    if node.is_leaf:
        if node.is_constant:
            return head + f"{_name(node)} is a constant: nothing to pass on"
        return head + f"{_name(node)} is a leaf: its gradient {grad} is final"
    sends = [
        f"{_name(parent)} += {grad} × {format_number(local, precision)}"
        for parent, local in zip(node.parents, node.local_grads, strict=True)
    ]
    more = len(sends) - _CAPTION_OPERANDS
    listed = ", ".join(sends[:_CAPTION_OPERANDS]) + (f" and {more} more" if more > 0 else "")
    return head + f"{_name(node)} ({node.op}) has its full gradient {grad} and passes it on: {listed}"


def backward_steps(
    root: Value,
    grad: float = 1.0,
    *,
    rankdir: str = "LR",
    show_data: bool = True,
    edge_labels: bool = False,
    color: str | None = "grad",
    precision: int = 4,
    max_nodes: int | None = 300,
    cluster: NamedParameters | None = None,
    parameters: Iterable[Value] = (),
) -> Iterator[Frame]:
    """One frame per node of ``topological_order(root)``: the order ``backward()`` processes them.

    Each frame shows the state after its node has added upstream x local to each operand:
    that node and those edges highlighted, nodes already done, nodes still waiting (grey
    border, "so far" on a partial gradient) and the running gradients. The drawing options
    are those of ``draw_graph``; the edges being used are labelled even with edge_labels off.
    Meant for graphs small enough to watch: each frame keeps its own copy of the gradients.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {type(root).__name__}")
    seed = to_float(grad, "backward_steps")
    options = DrawOptions(
        rankdir=rankdir,
        show_data=show_data,
        edge_labels=edge_labels,
        color=color,
        precision=precision,
        max_nodes=max_nodes,
        cluster=cluster,
        parameters=tuple(parameters),
    )
    backward_pass = _Pass(topological_order(root), seed)
    final = backward_pass.grads_after(len(backward_pass.order))
    # One colour scale for every frame (from the final gradients), so a colour keeps its meaning.
    scale = GradScale.fit(g for node, g in final.items() if not node.is_constant)
    return _frames(prepare(root, options), backward_pass, scale)


def _frames(prepared: Prepared, backward_pass: _Pass, scale: GradScale) -> Iterator[Frame]:
    order = backward_pass.order
    running: dict[Value, float] = {order[0]: backward_pass.seed}
    processed: set[Value] = set()
    total = len(order)
    for index, node in enumerate(order):
        # Kahn's order reaches a node only after all of its users, so its gradient is complete.
        upstream = running[node]
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            running[parent] = running.get(parent, 0.0) + upstream * local
        processed.add(node)
        caption = _caption(index + 1, total, node, upstream, prepared.options.precision)
        # The picture is drawn now, from the live state, so nothing needs copying per frame.
        drawn = build_dot(prepared, PassState(running, processed, node, scale, caption))
        graph = Graph(drawn.source, drawn.nodes, drawn.edges, drawn.hidden)
        yield Frame(index, total, node, caption, graph, backward_pass)


# ---- one self-contained web page ----------------------------------------------------------

_ID = re.compile(r'\bid="([^"]*)"')
_REFERENCE = re.compile(r'(href="#|url\(#)([^")]*)')

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1em; }}
#controls {{ display: flex; align-items: center; gap: 0.8em; margin-bottom: 0.5em; }}
#slider {{ flex: 1; max-width: 40em; }}
/* Each picture carries its caption; this copy is for screen readers and text search. */
#caption {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }}
.frame svg {{ max-width: 100%; height: auto; }}
</style>
</head>
<body data-frame="0">
<h1 style="font-size: 1.2em">{title}</h1>
<div id="controls">
<button id="play" type="button">&#9654; play</button>
<input id="slider" type="range" min="0" max="{last}" value="0" step="1" aria-label="step">
<span id="counter">1 / {count}</span>
</div>
<div id="caption" aria-live="polite">{first_caption}</div>
{frames}
<script>
(function () {{
  var frames = document.querySelectorAll(".frame");
  var slider = document.getElementById("slider");
  var play = document.getElementById("play");
  var caption = document.getElementById("caption");
  var counter = document.getElementById("counter");
  var last = frames.length - 1;
  var timer = null;
  function show(n) {{
    n = Math.max(0, Math.min(last, n | 0));
    for (var i = 0; i <= last; i++) {{ frames[i].hidden = i !== n; }}
    slider.value = n;
    slider.setAttribute("value", n);
    caption.textContent = frames[n].getAttribute("data-caption");
    counter.textContent = (n + 1) + " / " + frames.length;
    document.body.setAttribute("data-frame", n);
  }}
  function stop() {{
    clearInterval(timer);
    timer = null;
    play.innerHTML = "&#9654; play";
  }}
  slider.addEventListener("input", function () {{ show(Number(slider.value)); }});
  play.addEventListener("click", function () {{
    if (timer !== null) {{ stop(); return; }}
    if (Number(slider.value) >= last) {{ show(0); }}
    play.innerHTML = "&#10074;&#10074; pause";
    timer = setInterval(function () {{
      if (Number(slider.value) >= last) {{ stop(); return; }}
      show(Number(slider.value) + 1);
    }}, {interval});
  }});
  document.addEventListener("keydown", function (event) {{
    if (event.key === "ArrowRight") {{ show(Number(slider.value) + 1); }}
    if (event.key === "ArrowLeft") {{ show(Number(slider.value) - 1); }}
  }});
  // #frame=N opens a given step and #play starts playing: links can point into the pass.
  function fromHash() {{
    var match = /frame=(\\d+)/.exec(location.hash);
    if (match) {{
      slider.value = match[1];
      slider.dispatchEvent(new Event("input"));
    }}
    if (/play/.test(location.hash) && timer === null) {{ play.click(); }}
  }}
  window.addEventListener("hashchange", fromHash);
  show(0);
  fromHash();
}})();
</script>
</body>
</html>
"""


def _inline_svg(svg: str, prefix: str) -> str:
    """An SVG document as an element for an HTML page, its ids made unique with ``prefix``."""
    start = svg.find("<svg")
    if start < 0:
        raise GraphvizError("save_animation: dot did not return an SVG picture")
    body = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg[start:])
    return _REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", body)


def _frame_picture(frame: Frame, index: int) -> str:
    return _inline_svg(frame.graph.pipe("svg").decode("utf-8"), f"f{index}-")


def animation_html(
    frames: Iterable[Frame], *, title: str = "The backward pass, step by step", interval_ms: int = 1200
) -> str:
    """The text of the web page ``save_animation`` writes (it needs Graphviz to draw the frames)."""
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
        f"{_frame_picture(frame, i)}</div>"
        for i, frame in enumerate(frame_list)
    ]
    return _PAGE.format(
        title=html.escape(title),
        last=len(frame_list) - 1,
        count=len(frame_list),
        first_caption=html.escape(frame_list[0].caption),
        frames="\n".join(blocks),
        interval=interval_ms,
    )


def save_animation(
    frames: Iterable[Frame],
    path: str | os.PathLike[str],
    *,
    title: str = "The backward pass, step by step",
    interval_ms: int = 1200,
) -> Path:
    """Write ``frames`` to one HTML file (inline SVG, slider, play button, no network needed)."""
    target = Path(path)
    write_atomically(target, animation_html(frames, title=title, interval_ms=interval_ms).encode("utf-8"))
    return target


# ---- notebooks ----------------------------------------------------------------------------


def _frame_html(frame: Frame) -> str:
    if graphviz_available():
        return _frame_picture(frame, frame.index)
    mime = frame.graph._repr_mimebundle_()
    return f"<p>{html.escape(frame.caption)}</p><pre>{html.escape(mime['text/plain'])}</pre>"


def show_frames(frames: Iterable[Frame]) -> None:
    """Show the frames in a notebook: with an ipywidgets slider if installed, else one by one."""
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
