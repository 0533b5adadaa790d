"""The options of a graph picture, checked once: ``DrawOptions`` (every keyword ``draw_graph``
and ``backward_steps`` take, named and checked here only) and ``PassState`` (the moment of a
backward pass that a ``backward_steps`` frame shows).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from ..value import Value
from .model import Describes
from .style import GradScale

RANKDIRS = ("LR", "RL", "TB", "BT")
COLORS = ("grad", "role", None)
COLLAPSES = (None, "neuron")


@dataclass(frozen=True)
class DrawOptions:
    """How to draw a graph, checked once when made.

    ``rankdir`` 'LR', 'RL', 'TB' or 'BT'; ``show_data``, ``show_grad``: what each box shows;
    ``edge_labels``: each edge's local derivative and the gradient it carried; ``color``: 'grad'
    (purple negative, green positive, darker when larger, grey 0, red NaN/inf), 'role' (input,
    parameter, constant, output) or None; ``precision``: significant digits; ``max_nodes``: draw
    the nodes nearest the root and count the rest; ``cluster``: a model (``nn.Module``) whose
    neurons and layers get boxes; ``collapse='neuron'``: a neuron as one node; ``parameters``:
    more leaves to colour as parameters; ``grad_range=(low, high)``: the gradient magnitudes the
    colour scale spans (default: this graph's own), so pictures compare.
    """

    rankdir: str = "LR"
    show_data: bool = True
    show_grad: bool = True
    edge_labels: bool = False
    color: str | None = "grad"
    precision: int = 4
    max_nodes: int | None = 300
    cluster: Describes | None = None
    collapse: str | None = None
    parameters: tuple[Value, ...] = ()
    grad_range: tuple[float, float] | None = None

    @classmethod
    def from_keywords(cls, where: str, options: dict[str, object]) -> DrawOptions:
        """The options named in ``options`` (the rest at their defaults); an unknown name is an error."""
        known = cls.__dataclass_fields__
        for name in options:
            if name not in known:
                raise TypeError(f"{where}: unknown option {name!r}; the options are {', '.join(known)}")
        if "parameters" in options:
            parameters = options["parameters"]
            if not isinstance(parameters, Iterable):
                raise TypeError(f"{where}: parameters must be an iterable of Values, got {type(parameters).__name__}")
            options = {**options, "parameters": tuple(parameters)}
        return cls(**options)  # type: ignore[arg-type]  # each field checks its own type below

    def __post_init__(self) -> None:
        if self.rankdir not in RANKDIRS:
            raise ValueError(
                f"draw_graph: rankdir must be one of {', '.join(RANKDIRS)}, got {self.rankdir!r}"
            )
        if self.color not in COLORS:
            raise ValueError(f"draw_graph: color must be 'grad', 'role' or None, got {self.color!r}")
        for flag in ("show_data", "show_grad", "edge_labels"):
            if not isinstance(getattr(self, flag), bool):
                raise TypeError(f"draw_graph: {flag} must be True or False, got {getattr(self, flag)!r}")
        if type(self.precision) is not int or not 1 <= self.precision <= 17:
            raise ValueError(f"draw_graph: precision must be an int from 1 to 17, got {self.precision!r}")
        if self.max_nodes is not None and (type(self.max_nodes) is not int or self.max_nodes < 1):
            raise ValueError(f"draw_graph: max_nodes must be an int >= 1 or None, got {self.max_nodes!r}")
        if self.collapse not in COLLAPSES:
            raise ValueError(f"draw_graph: collapse must be None or 'neuron', got {self.collapse!r}")
        if self.collapse is not None and self.cluster is None:
            raise ValueError("draw_graph: collapse='neuron' needs cluster=model to know the neurons")
        if self.grad_range is not None:
            low, high = _magnitude_range(self.grad_range)
            object.__setattr__(self, "grad_range", (low, high))
        for index, parameter in enumerate(self.parameters):
            if not isinstance(parameter, Value):
                raise TypeError(
                    f"draw_graph: parameters[{index}] must be a Value, got {type(parameter).__name__}"
                )


def _magnitude_range(value: object) -> tuple[float, float]:
    """A (low, high) pair of gradient magnitudes with 0 < low < high, both finite."""
    message = f"draw_graph: grad_range must be (low, high) magnitudes with 0 < low < high, got {value!r}"
    if not isinstance(value, tuple) or len(value) != 2:
        raise ValueError(message)
    try:
        low, high = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not (0.0 < low < high < math.inf):
        raise ValueError(message)
    return low, high


@dataclass(frozen=True)
class PassState:
    """The state of a backward pass that a frame shows, instead of the Values' own ``.grad``.

    ``grads`` holds the running gradient of every node reached so far; ``processed`` the nodes
    that have already passed their gradient to their operands; ``current`` the one doing so now.
    """

    grads: Mapping[Value, float]
    processed: Collection[Value]
    current: Value | None
    scale: GradScale
    caption: str = ""
