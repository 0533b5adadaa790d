"""The options of a graph picture, checked once: ``DrawOptions`` (every keyword ``draw_graph``
and ``backward_steps`` take, named and checked here only) and ``PassState`` (the moment of a
backward pass that a ``backward_steps`` frame shows).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..value import Value
from .model import Describes
from .style import GradScale

RANKDIRS = ("LR", "RL", "TB", "BT")
COLORS = ("grad", "role", None)
COLLAPSES = (None, "neuron")


@dataclass(frozen=True)
class DrawOptions:
    """How to draw a graph, checked once when made.

    ``rankdir`` 'LR', 'RL', 'TB' or 'BT' (None: left to right, or top to bottom when only that
    fits ``fit_width``); ``show_data``, ``show_grad``: what each box shows;
    ``edge_labels``: each edge's local derivative and the gradient it carried; ``color``: 'grad'
    (purple negative, green positive, darker when larger, grey 0, red NaN/inf), 'role' (input,
    parameter, constant, output) or None; ``precision``: significant digits; ``max_nodes``: draw
    the nodes nearest the root and count the rest; ``cluster``: a model (``nn.Module``) whose
    neurons and layers get boxes; ``collapse='neuron'``: a neuron as one node; ``parameters``:
    more leaves to colour as parameters; ``grad_range=(low, high)``: the gradient magnitudes the
    colour scale spans (default: this graph's own), so pictures compare; ``marks``: a note for
    some nodes (``{node: "you wrote 3"}``), drawn with a thick red border and the note in the box;
    ``fit_width``: the width in px of where the picture is shown (a notebook cell is about 1000):
    a drawing whose text would end up under 9 px there folds (each neuron one node, then fewer
    nodes) and says so, None draws what was asked however wide; ``max_edges``: like ``max_nodes``,
    for edges; ``bundle_edges``: between two layers of neurons drawn as nodes, more edges than
    this become one edge with a count (None: never).
    """

    rankdir: str | None = None
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
    # Left out of the hash: a mapping has none, and two options differing only in notes are rare.
    marks: Mapping[Value, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    fit_width: int | None = 1000
    max_edges: int | None = 2000
    bundle_edges: int | None = 12

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
        if self.rankdir is not None and self.rankdir not in RANKDIRS:
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
        for bound in ("max_nodes", "max_edges", "bundle_edges"):
            number = getattr(self, bound)
            if number is not None and (type(number) is not int or number < 1):
                raise ValueError(f"draw_graph: {bound} must be an int >= 1 or None, got {number!r}")
        if self.fit_width is not None and (type(self.fit_width) is not int or self.fit_width < 100):
            raise ValueError(f"draw_graph: fit_width must be an int >= 100 (px) or None, got {self.fit_width!r}")
        if self.collapse not in COLLAPSES:
            raise ValueError(f"draw_graph: collapse must be None or 'neuron', got {self.collapse!r}")
        if self.collapse is not None and self.cluster is None:
            raise ValueError("draw_graph: collapse='neuron' needs cluster=model to know the neurons")
        if self.grad_range is not None:
            low, high = _magnitude_range(self.grad_range)
            object.__setattr__(self, "grad_range", (low, high))
        object.__setattr__(self, "marks", _checked_marks(self.marks))
        for index, parameter in enumerate(self.parameters):
            if not isinstance(parameter, Value):
                raise TypeError(
                    f"draw_graph: parameters[{index}] must be a Value, got {type(parameter).__name__}"
                )


def _checked_marks(marks: object) -> Mapping[Value, str]:
    """A read-only copy of ``marks``: Values as keys, strings as notes."""
    if not isinstance(marks, Mapping):
        raise TypeError(f"draw_graph: marks must be a mapping from Values to notes, got {type(marks).__name__}")
    for node, note in marks.items():
        if not isinstance(node, Value):
            raise TypeError(f"draw_graph: marks must map Values to notes, got a key of type {type(node).__name__}")
        if not isinstance(note, str):
            raise TypeError(f"draw_graph: the note of a marked node must be a str, got {type(note).__name__}")
    return MappingProxyType(dict(marks))


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
