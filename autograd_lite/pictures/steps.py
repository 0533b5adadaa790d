"""Watch the backward pass happen: ``backward_steps(root)`` gives one picture per step, in the
engine's own order, drawn from the engine's own chain-rule pass.

The frames record the pass on the side: they show this pass's gradients (what ``grad()`` would
return) and never touch any ``.grad``. ``save_animation`` (in ``page``) puts them on one web page;
``show_frames`` (in ``notebook``) shows them in Jupyter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..engine import PassStep, watch_pass
from ..ops import blocks
from ..real_numbers import to_float
from ..text import format_number, shorten
from ..value import Value
from .graphviz_text import picture_text
from .options import DrawOptions, PassState
from .pinned import pin_frames
from .plan import asked_plan
from .render import Graph
from .runner import graphviz_available
from .style import GradScale, xml_safe
from .walk import Prepared, prepare

# Captions name at most this many operands, so a dot product over 100 inputs stays one line.
_CAPTION_OPERANDS = 4


@dataclass(frozen=True)
class RecordedPass:
    """A whole backward pass as the engine ran it (``engine.watch_pass``): every step in order and the seed."""

    steps: tuple[PassStep, ...]
    seed: float

    def grads_after(self, count: int) -> dict[Value, float]:
        """The running gradient of every node reached once the first ``count`` steps are done."""
        # The recorded totals are replayed as they were, not recomputed: one chain rule, the engine's.
        grads = {self.steps[0].node: self.seed}
        for step in self.steps[:count]:
            grads.update(step.operands_after)
        return grads


def record_pass(root: Value, seed: float) -> RecordedPass:
    """Run the engine's chain-rule pass over ``root`` and keep what each step did."""
    return RecordedPass(tuple(watch_pass(root, seed)), seed)


@dataclass(frozen=True)
class Frame:
    """One step of the backward pass: the node processed, the gradients so far, and the picture."""

    index: int
    total: int
    node: Value
    caption: str
    graph: Graph
    backward_pass: RecordedPass = field(repr=False, compare=False)

    @property
    def grads(self) -> dict[Value, float]:
        """The running gradient of every node reached once this step is done."""
        # Rebuilt on demand: a copy per frame would cost memory quadratic in the graph size.
        return self.backward_pass.grads_after(self.index + 1)

    @property
    def processed(self) -> frozenset[Value]:
        """The nodes that have passed their gradient on, this frame's node included."""
        return frozenset(step.node for step in self.backward_pass.steps[: self.index + 1])

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, str]:
        """Jupyter's hook: the frame's picture (its caption is drawn on it)."""
        return self.graph._repr_mimebundle_(include, exclude)


def _name(node: Value) -> str:
    if node.label:
        return xml_safe(shorten(node.label, 24))
    if node.is_constant:
        return f"the constant {format_number(node.data, 4)}"
    if node.is_leaf:
        return f"the leaf {format_number(node.data, 4)}"
    return f"the {node.op} node"


def _caption(number: int, total: int, step: PassStep, precision: int) -> str:
    head = f"step {number} of {total}: "
    node = step.node
    grad = format_number(step.gradient, precision)
    if node.is_leaf:
        if node.is_constant:
            return head + f"{_name(node)} is a constant: nothing to pass on"
        return head + f"{_name(node)} is a leaf: its gradient {grad} is final"
    sends = [
        f"{_name(operand)} += 0 (a local derivative of 0 stops {grad})"
        if blocks(step.gradient, local)
        else f"{_name(operand)} += {grad} × {format_number(local, precision)}"
        for operand, local in zip(node.operands, node.local_grads, strict=True)
        if isinstance(operand, Value)
    ]
    more = len(sends) - _CAPTION_OPERANDS
    listed = ", ".join(sends[:_CAPTION_OPERANDS]) + (f" and {more} more" if more > 0 else "")
    if not sends:
        listed = "its operands are plain numbers, which take no gradient"
    return head + f"{_name(node)} ({node.op}) has its full gradient {grad} and passes it on: {listed}"


def backward_steps(root: Value, grad: float = 1.0, **options: Any) -> Iterator[Frame]:
    """One frame per node, in the order ``backward()`` processes them.

    Each frame shows the state after its node has added upstream x local to each operand:
    that node and those edges highlighted, nodes already done, nodes still waiting (grey
    border, "so far" on a partial gradient) and the running gradients. The keywords are those of
    ``draw_graph``; the edges being used are labelled even with edge_labels off. Every frame is
    drawn at the positions of one layout (with Graphviz), so nothing moves from step to step.
    Meant for graphs small enough to watch: the frames are not folded to fit a width.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {type(root).__name__}")
    seed = to_float(grad, "backward_steps")
    drawing = DrawOptions.from_keywords("backward_steps", options)
    recorded = record_pass(root, seed)
    final = recorded.grads_after(len(recorded.steps))
    # One colour scale for every frame (from the final gradients), so a colour keeps its meaning.
    scale = GradScale.fit(g for node, g in final.items() if not node.is_constant)
    return _frames(prepare(root, drawing), recorded, scale)


def _states(prepared: Prepared, recorded: RecordedPass, scale: GradScale) -> Iterator[PassState]:
    """The state after each step, updated in place: nothing is copied per frame."""
    running: dict[Value, float] = {recorded.steps[0].node: recorded.seed}
    processed: set[Value] = set()
    total = len(recorded.steps)
    for index, step in enumerate(recorded.steps):
        running.update(step.operands_after)
        processed.add(step.node)
        caption = _caption(index + 1, total, step, prepared.options.precision)
        yield PassState(running, processed, step.node, scale, caption)


def _frames(prepared: Prepared, recorded: RecordedPass, scale: GradScale) -> Iterator[Frame]:
    steps = recorded.steps
    total = len(steps)
    plan = asked_plan(prepared.options)
    if graphviz_available():
        drawn = pin_frames(prepared, plan, _states(prepared, recorded, scale))
        for index, (step, pinned) in enumerate(zip(steps, drawn, strict=True)):
            graph = Graph(pinned.source, pinned.nodes, pinned.edges, pinned.hidden, pinned=True, labelled_edges=pinned.labelled_edges)
            yield Frame(index, total, step.node, _caption(index + 1, total, step, prepared.options.precision), graph, recorded)
        return
    # Without Graphviz nothing can be laid out: each frame is the DOT text of its own picture.
    for index, (step, state) in enumerate(zip(steps, _states(prepared, recorded, scale), strict=True)):
        plain = picture_text(prepared, state, plan)
        graph = Graph(plain.source, plain.nodes, plain.edges, plain.hidden, labelled_edges=plain.labelled_edges)
        yield Frame(index, total, step.node, state.caption, graph, recorded)
