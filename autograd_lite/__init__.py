"""autograd-lite: a scalar reverse-mode automatic-differentiation engine you can read and see.

>>> from autograd_lite import Value
>>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
>>> f = (x + y) * z
>>> f.backward()
>>> x.grad, y.grad, z.grad
(-4.0, -4.0, 3.0)

The engine is ``ops`` (the rule table), ``mode``, ``value`` (the Value type), ``engine`` (the
backward pass), ``tape`` (replay) and ``gradcheck``; ``pictures`` draws; ``cli`` is the command.
"""

from .collector import collector_relaxed
from .engine import backward, count_uses, grad, hessian, topological_order
from .exercises import check_answer, check_answers, check_engine, check_gradients, check_op
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .mode import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .ops import OPS
from .pictures import (
    DrawOptions,
    Frame,
    Graph,
    GraphvizError,
    backward_steps,
    draw_dot,
    draw_graph,
    graphviz_available,
    save_animation,
    show_frames,
)
from .recording import Recording, ReplayFallback, ReplayRefused, recording
from .tape import Tape
from .value import Value, apply, define_op, dot, logsumexp, value_sum

__version__ = "0.1.0"

__all__ = [
    "OPS",
    "AnomalyError",
    "Recording",
    "ReplayFallback",
    "ReplayRefused",
    "DrawOptions",
    "Frame",
    "GradcheckError",
    "Graph",
    "GraphvizError",
    "Tape",
    "Value",
    "__version__",
    "apply",
    "backward",
    "backward_steps",
    "collector_relaxed",
    "check_answer",
    "check_answers",
    "check_engine",
    "check_gradients",
    "check_op",
    "count_uses",
    "define_op",
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
    "recording",
    "save_animation",
    "show_frames",
    "topological_order",
    "value_sum",
]
