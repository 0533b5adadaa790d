"""Everything that draws: pictures of a computation graph (``draw_graph``, ``draw_dot``), boxes
around a model's neurons and layers, the backward pass step by step (``backward_steps``), as a
web page (``save_animation``) or in a notebook (``show_frames``, with a still ``Filmstrip`` of
every frame for a notebook saved without a kernel). A picture too big to read in a 1,000-px view
folds until it is legible, and says so (``fit_width``).

The pictures sit above the engine: they read graphs and watch the engine's own pass
(``engine.watch_pass``), and the engine knows nothing of them (``Value.draw`` imports
``draw_graph`` when it is called).
"""

from .filmstrip import Filmstrip
from .notebook import show_frames
from .options import DrawOptions
from .page import animation_html, save_animation
from .render import Graph, GraphvizError, draw_dot, draw_graph, graphviz_available
from .steps import Frame, backward_steps

__all__ = [
    "DrawOptions",
    "Filmstrip",
    "Frame",
    "Graph",
    "GraphvizError",
    "animation_html",
    "backward_steps",
    "draw_dot",
    "draw_graph",
    "graphviz_available",
    "save_animation",
    "show_frames",
]
