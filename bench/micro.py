"""The measurements behind the engine's speed tricks: ``python -m bench.micro``.

Each trick in the engine's code keeps its reason in a comment and its figure here, where it is
measured again on every run instead of going stale: the time of the code as it is, the time of
the plainer way it avoids, and the ratio. Times are the best of several repeats of many calls
(timeit), in one process, so the two sides of each line share the machine's state.
"""

from __future__ import annotations

import inspect
import time
import timeit
from collections.abc import Callable

from autograd_lite import Value, count_uses, engine, ops
from autograd_lite.engine import PASS_LOCK, chain_rule_pass
from autograd_lite.mode import OPEN, current
from autograd_lite.value import _new, check_new_node, make_node, number


def best(statement: Callable[[], object], number: int = 20_000) -> float:
    """The best time of one call, over five repeats of ``number`` calls, in nanoseconds."""
    return min(timeit.repeat(statement, number=number, repeat=5)) / number * 1e9


def _operator_variant(
    name: str, *, isinstance_first: bool = False, through_make_node: bool = False
) -> Callable[[Value, object], Value]:
    """``value._operator(name)`` written again, or with one trick undone: the other operand tested
    with isinstance before its type, or the node made by a call to ``make_node``."""
    rule = ops.OPS[name]
    forward, local_grads, refuse = rule.forward, rule.local_grads, rule.refuse

    def method(self: Value, other: object) -> Value:
        b: Value | float
        if isinstance_first:
            b = other if isinstance(other, Value) else number(other, name)
            y = b._data if isinstance(b, Value) else b
        else:
            kind = type(other)
            if kind is Value or (kind is not float and isinstance(other, Value)):
                b, y = other, other._data  # type: ignore[assignment, union-attr]
            elif kind is float:
                b = y = other  # type: ignore[assignment]
            else:
                b = y = number(other, name)
        x = self._data
        data = forward(x, y)
        da, db = local_grads(x, y, data)
        if through_make_node:
            out = make_node(rule, data, self, da, b, db)
        else:
            out = _new(Value)
            out._data = data
            out._grad = None
            out._flow = None
            out._label = ""
            out._rule = rule
            out._a = self
            out._da = da
            out._b = b
            out._db = db
        if OPEN.count:
            check_new_node(out, (x, y))
        elif refuse is not None:
            refuse(x, y, data)
        return out

    return method


def _backward_with_dict(root: Value) -> dict[Value, float]:
    """The chain rule with the running gradients in a dictionary rather than on the nodes."""
    uses = count_uses(root)
    grads = {root: 1.0}
    ready = [root]
    while ready:
        node = ready.pop()
        upstream = grads[node]
        for operand, local in zip(node.operands, node.local_grads, strict=True):
            if isinstance(operand, Value):
                grads[operand] = grads.get(operand, 0.0) + upstream * local
                uses[operand] -= 1
                if not uses[operand]:
                    ready.append(operand)
    return grads


def _chain(steps: int) -> Value:
    y = Value(0.5)
    for _ in range(steps):
        y = y * 0.999 + 0.001
    return y


def _first_backward_seconds(chain: Value, warmed: bool) -> float:
    """The first call of the chain-rule pass on ``chain``: the engine's own, warmed up at import, or
    a fresh copy of the same code, which CPython has not yet specialised."""
    passes = chain_rule_pass
    if not warmed:
        namespace = dict(vars(engine))
        exec(compile(inspect.getsource(engine.chain_rule_pass), engine.__file__, "exec"), namespace)
        passes = namespace["chain_rule_pass"]
    started = time.perf_counter()
    with PASS_LOCK:
        passes(chain, 1.0, into_grad=True)
    return time.perf_counter() - started


def rows() -> list[tuple[str, float, str, float]]:
    """(what, our time, the plainer way, its time) for every trick."""
    a, b = Value(1.5), Value(-0.5)
    typed = _operator_variant("*")
    generic = _operator_variant("*", isinstance_first=True)
    called = _operator_variant("*", through_make_node=True)
    measured = [
        ("a * b, the node's slots set in the operator", best(lambda: typed(a, b), 100_000),
         "the node made by a call to make_node", best(lambda: called(a, b), 100_000)),
        ("y * 0.999, the operand tested by type first", best(lambda: typed(a, 0.999)),
         "isinstance first", best(lambda: generic(a, 0.999))),
        ("an op outside every mode block (one count read)", best(lambda: a * b),
         "an op plus the ContextVar read it skips", best(lambda: (current(), a * b))),
    ]
    chain = _chain(20_000)

    def ours() -> None:
        with PASS_LOCK:
            chain_rule_pass(chain, 1.0, into_grad=True)

    measured.append(("backward of a 20,000-step chain, gradients on the nodes", best(ours, 5),
                     "gradients in a dictionary", best(lambda: _backward_with_dict(chain), 5)))
    long_chain = _chain(200_000)
    measured.append(("first backward of a 200,000-step chain, warmed up at import",
                     _first_backward_seconds(long_chain, warmed=True) * 1e9,
                     "a first call not warmed up", _first_backward_seconds(long_chain, warmed=False) * 1e9))
    try:
        import numpy as np

        from autograd_lite.batched.rules import _relu_send
    except ImportError:
        return measured
    upstream, inputs = np.random.default_rng(0).normal(size=(2, 128, 2000))
    measured.append(("relu's backward on 128 x 2,000, a product with the mask", best(lambda: _relu_send(upstream, inputs), 50),
                     "np.where over a scalar", best(lambda: np.where(inputs > 0.0, upstream, 0.0), 50)))
    return measured


def main() -> None:
    """Print every trick's time beside the plainer way's."""
    print("| trick | ours (ns) | the plainer way | its time (ns) | plainer / ours |")
    print("|---|---:|---|---:|---:|")
    for what, ours, plainer, theirs in rows():
        print(f"| {what} | {ours:,.0f} | {plainer} | {theirs:,.0f} | {theirs / ours:.2f}x |")


if __name__ == "__main__":
    main()
