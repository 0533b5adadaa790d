"""autograd-lite: a scalar reverse-mode automatic-differentiation engine you can read and see.

>>> from autograd_lite import Value
>>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
>>> f = (x + y) * z
>>> f.backward()
>>> x.grad, y.grad, z.grad
(-4.0, -4.0, 3.0)
"""

from .engine import backward, count_uses, grad, hessian, topological_order
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .mode import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .ops import OPS
from .value import Value, dot, value_sum

__version__ = "0.1.0"

__all__ = [
    "OPS",
    "AnomalyError",
    "GradcheckError",
    "Value",
    "__version__",
    "backward",
    "count_uses",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "no_grad",
    "numerical_grad",
    "topological_order",
    "value_sum",
]
