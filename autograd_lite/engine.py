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
        for parent in pop()._parents:
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
    order = topological_order(root)
    for node in order:
        if node._parents or node._grad is None:
            node._grad = 0.0
    if root._parents:
        root._grad = seed
    else:
        root._grad += seed  # type: ignore[operator]
        return
    if MODE.get() & ANOMALY:
        _backward_checked(order)
        return
    for node in order:
        parents = node._parents
        if parents:
            upstream = node._grad
            for parent, local in zip(parents, node._local_grads, strict=False):
                parent._grad += upstream * local  # type: ignore[operator]


def _backward_checked(order: list[Value]) -> None:
    for node in order:
        upstream = node.grad
        for parent, local in zip(node._parents, node._local_grads, strict=False):
            total = parent.grad + upstream * local
            parent._grad = total
            if parent._op != CONSTANT and not math.isfinite(total):
                raise AnomalyError(_anomaly_message(node, parent, upstream, local))


def _anomaly_message(node: Value, parent: Value, upstream: float, local: float) -> str:
    name = node.label or f"Value({node._data!r})"
    target = parent.label or f"Value({parent._data!r})"
    return (
        f"{node.op}: backward gradient is not finite: upstream {upstream!r} x local {local!r} "
        f"from {name} into {target}"
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
