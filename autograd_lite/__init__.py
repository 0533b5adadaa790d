"""autograd-lite: a scalar reverse-mode automatic-differentiation engine you can read and see.

>>> from autograd_lite import Value
>>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
>>> f = (x + y) * z
>>> f.backward()
>>> x.grad, y.grad, z.grad
(-4.0, -4.0, 3.0)
"""

from .backward_steps import Frame, backward_steps, save_animation, show_frames
from .engine import backward, count_uses, grad, hessian, topological_order
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .graph import Graph, GraphvizError, draw_dot, draw_graph, graphviz_available
from .mode import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .ops import OPS
from .tape import Tape
from .value import Value, dot, logsumexp, value_sum

__version__ = "0.1.0"

__all__ = [
    "OPS",
    "Tape",
    "AnomalyError",
    "Frame",
    "Graph",
    "GraphvizError",
    "GradcheckError",
    "Value",
    "__version__",
    "backward",
    "backward_steps",
    "count_uses",
    "detect_anomaly",
    "dot",
    "draw_dot",
    "draw_graph",
    "enable_grad",
    "grad",
    "gradcheck",
    "graphviz_available",
    "hessian",
    "is_grad_enabled",
    "logsumexp",
    "no_grad",
    "numerical_grad",
    "save_animation",
    "show_frames",
    "topological_order",
    "value_sum",
]
