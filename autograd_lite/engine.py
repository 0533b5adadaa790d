"""Walk a graph backwards: ``topological_order``, ``backward``, ``grad`` (with
``create_graph`` for higher-order derivatives) and ``hessian``.

Every walk is iterative, so a chain of a million nodes needs no recursion. The order is
Kahn's: a node is processed once every node that used it has been, which is exactly when its
gradient is complete. The same order drives the step-by-step pictures in ``graph``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import overload

from . import ops
from .mode import ANOMALY, MODE, AnomalyError
from .value import CONSTANT, Value, to_float

GradOutput = float | int | Value


def count_uses(root: Value) -> dict[Value, int]:
    """For every node below ``root``, how many parent slots refer to it (``a*a`` counts 2)."""
    uses: dict[Value, int] = {}
    stack = [root]
    pop, push, get = stack.pop, stack.append, uses.get
    while stack:
        for parent in pop().parents:
            seen = get(parent)
            if seen is None:
                uses[parent] = 1
                push(parent)
            else:
                uses[parent] = seen + 1
    return uses


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, root first, each after all of the nodes that use it."""
    uses = count_uses(root)
    order: list[Value] = []
    ready = [root]
    pop, push, append = ready.pop, ready.append, order.append
    while ready:
        node = pop()
        append(node)
        for parent in node._parents:
            left = uses[parent] - 1
            uses[parent] = left
            if left == 0:
                push(parent)
    return order


def backward(root: Value, grad: GradOutput = 1.0) -> None:
    """Add d root / d leaf * grad to every leaf's ``.grad``; recompute every intermediate ``.grad``.

    Leaf gradients accumulate across calls (summing per-sample passes gives a mini-batch
    gradient); gradients of intermediate nodes start again from zero on every call.
    """
    seed = to_float(grad, "backward")
    if not root._parents:
        so_far = root._grad
        root._grad = (0.0 if so_far is None else so_far) + seed
        return
    _count_pending(root)
    root._grad = seed
    if MODE.get() & ANOMALY:
        _propagate_checked(root)
    else:
        _propagate(root)


# backward walks the same Kahn order as ``topological_order``, restricted to interior nodes:
# leaves sit on that stack without ever pushing anything, so dropping them changes no
# interior node's turn, and every gradient comes out bit for bit as it would from that order.
# Counting interior nodes only, in a slot of the node rather than a dictionary, and handing
# a node its turn as soon as its count reaches zero keeps the work per edge small.


def _count_pending(root: Value) -> None:
    """Zero interior gradients, start unreached leaves at 0.0, and count each interior node's uses."""
    # A float object made now, so `grad is zero` tells a node seen in this pass from a stale
    # gradient of an earlier pass, whatever its value.
    zero = float("0.0")
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        for parent in pop()._parents:
            if parent._parents:
                if parent._grad is zero:
                    parent._pending += 1
                else:
                    parent._grad = zero
                    parent._pending = 1
                    push(parent)
            elif parent._grad is None:
                parent._grad = 0.0


def _propagate(root: Value) -> None:
    """The chain rule in Kahn order: a node passes its gradient on once all its users have."""
    ready = [root]
    pop, push = ready.pop, ready.append
    while ready:
        node = pop()
        upstream = node._grad
        parents = node._parents
        if len(parents) == 1:
            # Most nodes have one Value parent (unary ops, an op with a plain number); skipping
            # zip() for them makes a long chain three times faster.
            parent = parents[0]
            parent._grad += upstream * node._local_grads[0]  # type: ignore[operator]  # set by _count_pending
            if parent._parents:
                parent._pending = left = parent._pending - 1
                if not left:
                    push(parent)
            continue
        # zip stops at the Value parents: a node's recorded plain-number operands come after.
        for parent, local in zip(parents, node._local_grads, strict=False):
            parent._grad += upstream * local  # type: ignore[operator]  # set by _count_pending
            if parent._parents:
                parent._pending = left = parent._pending - 1
                if not left:
                    push(parent)


def _propagate_checked(root: Value) -> None:
    """``_propagate`` that stops at the first gradient that is NaN or infinite."""
    ready = [root]
    pop, push = ready.pop, ready.append
    while ready:
        node = pop()
        upstream = node.grad
        for parent, local in zip(node._parents, node._local_grads, strict=False):
            total = parent.grad + upstream * local
            parent._grad = total
            if parent._op != CONSTANT and not math.isfinite(total):
                raise AnomalyError(_anomaly_message(node, parent, upstream, local))
            if parent._parents:
                parent._pending = left = parent._pending - 1
                if not left:
                    push(parent)


def _anomaly_message(node: Value, parent: Value, upstream: float, local: float) -> str:
    name = node.label or f"Value({node._data!r})"
    target = parent.label or f"Value({parent._data!r})"
    return backward_anomaly_message(node.op, name, target, upstream, local)


def backward_anomaly_message(op: str, node: str, parent: str, upstream: float, local: float) -> str:
    """What detect_anomaly() says when a gradient flowing from ``node`` into ``parent`` is not finite."""
    return (
        f"{op}: backward gradient is not finite: upstream {upstream!r} x local {local!r} "
        f"from {node} into {parent}"
    )


def _leads_to(order: list[Value], inputs: Sequence[Value]) -> set[Value]:
    """The nodes of ``order`` through which some input can be reached."""
    leads = set(inputs)
    for node in reversed(order):
        if node not in leads:
            for parent in node._parents:
                if parent in leads:
                    leads.add(node)
                    break
    return leads


@overload
def grad(
    output: Value, inputs: Sequence[Value] | Value, grad_output: GradOutput = ..., *, create_graph: bool
) -> list[Value] | list[float]: ...
@overload
def grad(
    output: Value, inputs: Sequence[Value] | Value, grad_output: GradOutput = ...
) -> list[float]: ...
def grad(
    output: Value,
    inputs: Sequence[Value] | Value,
    grad_output: GradOutput = 1.0,
    create_graph: bool = False,
) -> list[Value] | list[float]:
    """d output / d input * grad_output for each input, leaving every ``.grad`` untouched.

    An input the output does not depend on gets 0. With ``create_graph=True`` the results are
    Values built from the inputs, so they can be differentiated again (Hessians, Newton's
    method); otherwise they are floats.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    targets = [inputs] if isinstance(inputs, Value) else list(inputs)
    for index, target in enumerate(targets):
        if not isinstance(target, Value):
            raise TypeError(f"grad: inputs[{index}] must be a Value, got {type(target).__name__}")
    order = topological_order(output)
    leads = _leads_to(order, targets)
    checked = bool(MODE.get() & ANOMALY)
    if create_graph:
        seed = grad_output if isinstance(grad_output, Value) else Value.constant(to_float(grad_output, "grad"))
        value_grads: dict[Value, Value] = {output: seed}
        for node in order:
            if not node._parents or node not in leads:
                continue
            upstream = value_grads[node]
            locals_ = ops.OPS[node._op].value_grads(*node._parents, node)
            for parent, local in zip(node._parents, locals_, strict=False):
                if parent in leads:
                    contribution = upstream * local
                    if checked and not math.isfinite(contribution._data):
                        raise AnomalyError(_anomaly_message(node, parent, upstream._data, _data_of(local)))
                    known = value_grads.get(parent)
                    value_grads[parent] = contribution if known is None else known + contribution
        zero = Value.constant(0.0)
        return [value_grads.get(target, zero) for target in targets]
    float_grads: dict[Value, float] = {output: to_float(grad_output, "grad")}
    for node in order:
        if not node._parents or node not in leads:
            continue
        upstream_float = float_grads[node]
        for parent, local_float in zip(node._parents, node._local_grads, strict=False):
            if parent in leads:
                total = float_grads.get(parent, 0.0) + upstream_float * local_float
                if checked and not math.isfinite(total):
                    raise AnomalyError(_anomaly_message(node, parent, upstream_float, local_float))
                float_grads[parent] = total
    return [float_grads.get(target, 0.0) for target in targets]


def _data_of(value: Value | float) -> float:
    return value._data if isinstance(value, Value) else float(value)


def hessian(output: Value, inputs: Sequence[Value]) -> list[list[float]]:
    """The matrix of second derivatives d2 output / d input_i d input_j."""
    first = grad(output, inputs, create_graph=True)
    rows: list[list[float]] = []
    for partial in first:
        assert isinstance(partial, Value)
        rows.append(grad(partial, inputs))
    return rows
