"""autograd-lite: a scalar reverse-mode automatic-differentiation engine you can read and see.

>>> from autograd_lite import Value
>>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
>>> f = (x + y) * z
>>> f.backward()
>>> x.grad, y.grad, z.grad
(-4.0, -4.0, 3.0)

The engine is ``ops`` (the rule table, one block per op), ``mode`` and ``recording``, ``value``
(the Value type), ``graph`` (walks), ``functions`` and ``define`` (ops of many operands, ops of
your own), ``engine`` (the backward pass); ``tape`` and ``batched`` replay, ``gradcheck`` checks;
``pictures`` draws; ``exercises`` checks a student; ``cli`` is the command.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .collector import collector_relaxed
from .define import define_op
from .engine import backward, grad, hessian, watch_pass
from .functions import apply, dot, logsumexp, value_sum
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .graph import count_uses, topological_order
from .mode import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .ops import OPS
from .recording import Recording, ReplayFallback, ReplayRefused, recording
from .value import Value

if TYPE_CHECKING:
    from .exercises import check_answer, check_answers, check_engine, check_gradients, check_op
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
    from .tape import Tape

# Loaded when first asked for, so that ``from autograd_lite import Value`` is the engine alone:
# the pictures need the graphviz package, the exercises the pictures, and a replay is not used
# by every program.
_LAZY = {
    "check_answer": "exercises",
    "check_answers": "exercises",
    "check_engine": "exercises",
    "check_gradients": "exercises",
    "check_op": "exercises",
    "DrawOptions": "pictures",
    "Frame": "pictures",
    "Graph": "pictures",
    "GraphvizError": "pictures",
    "backward_steps": "pictures",
    "draw_dot": "pictures",
    "draw_graph": "pictures",
    "graphviz_available": "pictures",
    "save_animation": "pictures",
    "show_frames": "pictures",
    "Tape": "tape",
}


def __getattr__(name: str) -> Any:
    """The names of the pictures, the exercises and the replay, imported on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


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
    "watch_pass",
]
