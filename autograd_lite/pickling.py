"""Pickling graphs: a Value pickles at any depth, without recursion, and an unpickled graph is a
graph again, with its leaves shared as they were.

A leaf is its fields. A computed Value is a flat table of the computed nodes below it, operands
before users, whose leaves stay Values: pickled once each, so they remain shared with anything
else in the same pickle (a model's parameters, say). ``Value.__reduce__`` calls ``reduce_value``.
"""

from __future__ import annotations

from typing import Any

from . import ops
from .text import describe
from .value import CONSTANT, Value, leaf, make_node


def reduce_value(value: Value) -> tuple[Any, tuple[Any, ...]]:
    """What pickle stores for ``value``: how to rebuild it, and from what."""
    extra = _own_attributes(value)
    if value._a is None:
        return (_rebuild_leaf, (value._data, value._grad, value._label, value._rule is CONSTANT, extra))
    index: dict[Value, int] = {}
    table: list[tuple[Any, ...]] = []
    stack: list[tuple[Value, bool]] = [(value, False)]
    while stack:
        node, operands_done = stack.pop()
        if node in index:
            continue
        if operands_done:
            refs = tuple(index[p] if isinstance(p, Value) and p._a is not None else p for p in node.operands)
            index[node] = len(table)
            rule = node.rule
            assert rule is not None
            table.append((node._data, node._grad, node._label, rule.name, refs, node.local_grads,
                          _own_attributes(node)))  # fmt: skip
            continue
        stack.append((node, True))
        stack.extend((p, False) for p in node.operands if isinstance(p, Value) and p._a is not None and p not in index)
    return (_rebuild_graph, (table,))


def _own_attributes(node: Value) -> dict[str, Any] | None:
    """The attributes a user set on ``node`` (``p.m``, ``v._vis_color``), or None.

    Reading ``node.__dict__`` would give every node that has none an empty dictionary of its own,
    kept for good (80 bytes a node after pickling a graph): so pickling would change what it
    reads. ``object.__getstate__`` (Python 3.11) looks without making one.
    """
    getstate = getattr(node, "__getstate__", None)
    if getstate is None:  # Python 3.10
        return getattr(node, "__dict__", None) or None
    state = getstate()
    attributes = state[0] if isinstance(state, tuple) else state
    return attributes or None


def _rebuild_leaf(data: float, grad: float | None, label: str, constant: bool, extra: dict[str, Any] | None) -> Value:
    """Unpickle a leaf or a constant."""
    out = leaf(data)
    out._grad, out._label = grad, label
    if constant:
        out._rule = CONSTANT
    if extra:
        out.__dict__.update(extra)
    return out


def _rebuild_graph(table: list[tuple[Any, ...]]) -> Value:
    """Unpickle a computed Value from the flat table ``__reduce__`` wrote; the root comes last."""
    nodes: list[Value] = []
    for data, grad, label, name, refs, local_grads, extra in table:
        rule = ops.OPS.get(name)
        if rule is None:
            raise ValueError(
                f"unpickling a graph: it uses the op {describe(name)}, which this process has not defined; "
                f"run define_op({describe(name)}, ...) before loading it"
            )
        operands = tuple(nodes[r] if type(r) is int else r for r in refs)
        if rule.arity == -1:
            out = make_node(rule, data, operands, tuple(local_grads))
        elif len(operands) == 2:
            out = make_node(rule, data, operands[0], local_grads[0], operands[1], local_grads[1])
        else:
            out = make_node(rule, data, operands[0], local_grads[0])
        out._grad, out._label = grad, label
        if extra:
            out.__dict__.update(extra)
        nodes.append(out)
    return nodes[-1]


