"""Say what a student's ``backward()`` does wrong, once every operation's backward step is known to
be right: watch it run. Each node's ``_backward`` is wrapped so that the order of the calls, how
often each node is called and the gradient the output holds when its own step runs are recorded;
from those, ``diagnose_backward`` names the fault: no seed ``self.grad = 1``, a node called twice
(a topological sort without a visited set), a node called before one of its users (the order not
reversed), a node never called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .expressions import Recipe, entry_texts, step_formulas
from .naming import show
from .time_limit import Deadline, OutOfTime

ORDER = (
    "Every operation's _backward is right: run once each, every node after all of the nodes that "
    "use it, they give autograd-lite's gradients. So the fault is in backward(): it must call each "
    "node's _backward exactly once, after all of that node's users (a topological sort that keeps "
    "a set of the nodes it has visited)."
)


@dataclass
class _Record:
    """What the wrapped ``_backward`` calls saw: the nodes in call order, and the output's
    ``.grad`` when its own step ran (None while it has not run)."""

    calls: list[int] = field(default_factory=list)
    output_grad: float | None = None


def diagnose_backward(recipe: Recipe, value_class: type, seconds: float) -> str:
    """The hint for a ``backward()`` that gives wrong gradients on ``recipe`` though each
    operation's backward step is right: what its run did wrong, or ``ORDER`` when that cannot be
    seen."""
    try:
        with Deadline(seconds):
            leaves, results = recipe.build(value_class)
            pool = [*leaves, *results]
            output = pool[-1]
            nodes, users, names = _graph(pool, recipe)
            record = _Record()
            for node in nodes:
                _watch(node, output, record)
            output.backward()
    except (Exception, OutOfTime):
        return ORDER
    return _verdict(output, nodes, users, names, record) or ORDER


def _graph(pool: list[Any], recipe: Recipe) -> tuple[list[Any], dict[int, list[Any]], dict[int, str]]:
    """Every node below the output (through ``_prev``), each node's users, and each node's name
    in the report's program ('x', 'a', 'x * y', or 'a node inside x - y' for one an operation
    made on its way)."""
    texts = entry_texts(recipe)
    formulas = [*texts[: len(recipe.inputs)], *step_formulas(recipe)]
    names: dict[int, str] = {}
    nodes: list[Any] = []
    users: dict[int, list[Any]] = {}
    for index, entry in enumerate(pool):
        stack = [entry]
        while stack:
            node = stack.pop()
            if id(node) in names:
                continue
            names[id(node)] = texts[index] if node is entry else f"a node inside {formulas[index]}"
            nodes.append(node)
            for child in getattr(node, "_prev", ()):
                users.setdefault(id(child), []).append(node)
                stack.append(child)
    return nodes, users, names


def _watch(node: Any, output: Any, record: _Record) -> None:
    """Wrap ``node._backward`` so that each call is recorded before it runs."""
    step: Callable[[], None] = node._backward

    def watched() -> None:
        record.calls.append(id(node))
        if node is output:
            record.output_grad = float(output.grad)
        step()

    node._backward = watched


def _verdict(output: Any, nodes: list[Any], users: dict[int, list[Any]], names: dict[int, str], record: _Record) -> str:
    if not record.calls:
        return ""
    if record.output_grad is None:
        return (
            "backward() never called f._backward(), the first step of the pass: the order it walks must "
            "start at the output itself."
        )
    if record.output_grad != 1.0:
        return (
            f"backward() called f._backward() while f.grad was {show(record.output_grad)}: it "
            "must first set self.grad = 1 (df/df = 1), the seed every other gradient is a multiple of."
        )
    counts: dict[int, int] = {}
    for called in record.calls:
        counts[called] = counts.get(called, 0) + 1
    # A result called twice is the one whose gradient went out twice; a leaf's call does nothing.
    twice = sorted((node for node in nodes if counts.get(id(node), 0) > 1), key=lambda n: not getattr(n, "_prev", ()))
    if twice:
        node = twice[0]
        return (
            f"backward() called the _backward of {names[id(node)]} {counts[id(node)]} times: a node reached "
            "along two paths went into the order once per path. The topological sort must keep a set of "
            "the nodes it has visited and skip a node it has seen."
        )
    position = {called: k for k, called in enumerate(record.calls)}
    called_pairs = [(n, u) for n in nodes if id(n) in position for u in users.get(id(n), []) if id(u) in position]
    early = [(n, u) for n, u in called_pairs if position[id(u)] > position[id(n)]]
    if early:
        node, user = early[0]
        if len(early) == len(called_pairs):
            return (
                "backward() runs the _backward steps from the inputs up to the output: the topological "
                "order puts every node after its children, so it must be walked reversed "
                "(for node in reversed(topo)), the output first."
            )
        return (
            f"backward() called the _backward of {names[id(node)]} before that of {names[id(user)]}, which "
            f"uses it, so {names[id(node)]} passed on its gradient before it was complete. Each node's step "
            "must come after all of its users' steps: walk a topological order reversed."
        )
    missed = [node for node in nodes if id(node) not in position and len(getattr(node, "_prev", ())) > 0]
    if missed:
        return (
            f"backward() never called the _backward of {names[id(missed[0])]}: the topological sort must "
            "reach every node below the output through _prev."
        )
    return ""
