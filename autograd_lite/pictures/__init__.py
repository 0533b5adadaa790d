"""Everything that draws: pictures of a computation graph (``draw_graph``, ``draw_dot``), boxes
around a model's neurons and layers, the backward pass step by step (``backward_steps``), as a
web page (``save_animation``) or in a notebook (``show_frames``).

The pictures sit above the engine: they read graphs and run the engine's own pass, and the
engine knows nothing of them (``Value.draw`` reaches ``draw_graph`` through a hook registered
here).
"""

from ..value import register_drawer
from .notebook import show_frames
from .options import DrawOptions
from .page import animation_html, save_animation
from .render import Graph, GraphvizError, draw_dot, draw_graph, graphviz_available
from .steps import Frame, backward_steps

register_drawer(draw_graph)

__all__ = [
    "DrawOptions",
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
