"""Walk a graph backwards: ``backward`` (gradients into ``.grad``), ``grad`` (gradients as a
list, with ``create_graph`` for higher-order derivatives), ``hessian``, and ``watch_pass`` (the
pass step by step, for the pictures).

``chain_rule_pass`` is the one float loop that serves them all, and it is the fast path: it
visits the nodes in Kahn's order (a node's turn comes once every node that uses it has had its
turn, which is exactly when its gradient is complete) and adds upstream x local to each operand.
To read the same order in 20 lines, see ``graph.topological_order``, which everything else uses.
Every walk is iterative, so a chain of a million nodes needs no recursion. ``create_graph=True``
has its own loop, over Values rather than floats, because its gradients must themselves be
differentiable.

One rule changes the plain product, in every pass: a local derivative of exactly 0 passes no
gradient on (``blocks``). Where an op is flat in an operand (relu below 0, ``a ** 0`` in a), an
infinite or NaN gradient from above stops there and contributes 0, as PyTorch's relu does, so
``sqrt(relu(x))`` at x < 0 has gradient 0 rather than inf x 0 = NaN. ``detect_anomaly()`` still
stops at the op above, where the infinity appears.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, overload

from .functions import dot
from .graph import leads_to, topological_order
from .mode import ANOMALY, OPEN, AnomalyError, current, derivative_limits
from .ops import blocks, contribution
from .real_numbers import to_float
from .value import Value

GradOutput = float | int | Value
Observer = Callable[[Value], None]

# A pass keeps its running gradients and use counts on the nodes (in the slots `_flow` and
# `_pending`): a dictionary per pass makes backward several times slower (``python -m
# bench.micro``). So passes take turns under this lock, which is never held while user code runs.
PASS_LOCK = threading.Lock()


def _operand_slots(node: Value) -> Iterable[tuple[Value | float, float]]:
    """(operand, local derivative) for each operand slot of a computed node."""
    a = node._a
    if type(a) is tuple:
        return zip(a, node._da)  # type: ignore[arg-type]  # a tuple of derivatives beside a tuple
    if node._b is None:
        return ((a, node._da),)  # type: ignore[return-value]  # one Value operand
    return ((a, node._da), (node._b, node._db))  # type: ignore[return-value]


def chain_rule_pass(root: Value, seed: float, observer: Observer | None = None, *, into_grad: bool = False) -> None:
    """The fast path of every backward pass: the one float chain-rule loop, over every node below
    ``root``, seeded with d root / d root = ``seed``.

    Nodes come in Kahn's order: a node is processed only after every node that uses it, so when
    its turn comes its gradient (in ``_flow``) is complete, and it adds upstream x local to the
    ``_flow`` of each operand. A node whose gradient is inf or NaN takes the rare path
    ``_pass_on_non_finite`` instead, where a local derivative of exactly 0 sends nothing
    (``blocks``); the loop tests that once per node, never per operand, so backward keeps its
    speed. ``observer(node)``, if given, is called after each node's turn.
    ``into_grad`` makes it backward(): each computed node's ``.grad`` becomes its gradient of
    this pass and each leaf's ``.grad`` grows by it. The caller holds ``PASS_LOCK``.

    A node keeps one or two operands in its slots ``_a`` and ``_b``, or a tuple of them in ``_a``;
    plain-number operands are floats and take no gradient. Both loops spell those cases out
    rather than build a tuple of operands or of (operand, local) pairs per node: that costs a
    few repeated lines and saves much of backward's time (``python -m bench.micro``).
    """
    # A float made now, so `node._flow is zero` tells a node met in this pass from one whose
    # _flow is left over from an earlier pass, whatever its value.
    zero = float("0.0")
    # Operand slots hold Values, plain floats or tuples of both; the loops test which, so the
    # names that walk them are typed Any.
    node: Any
    operand: Any
    a: Any
    b: Any
    root._flow = zero
    root._pending = 0
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:  # count each node's uses (a*a counts two), so Kahn's order knows its turn
        node = pop()
        a = node._a
        if a is None:
            continue
        if type(a) is tuple:
            for operand in a:
                if type(operand) is not float:
                    if operand._flow is zero:
                        operand._pending += 1
                    else:
                        operand._flow = zero
                        operand._pending = 1
                        push(operand)
            continue
        # The same four lines for the first and the second operand slot.
        if type(a) is not float:
            if a._flow is zero:
                a._pending += 1
            else:
                a._flow = zero
                a._pending = 1
                push(a)
        b = node._b
        if b is not None and type(b) is not float:
            if b._flow is zero:
                b._pending += 1
            else:
                b._flow = zero
                b._pending = 1
                push(b)
    # The ends of the float line: `not below < upstream < above` is True exactly for inf and NaN
    # (every comparison with NaN is False), two float comparisons that make no new float.
    below, above = -math.inf, math.inf
    root._flow = seed
    ready = [root]
    pop, push = ready.pop, ready.append
    while ready:  # the chain rule: operand gradient += upstream x local, in Kahn's order
        node = pop()
        upstream = node._flow
        a = node._a
        if a is None:  # a leaf: every use has added to its gradient
            if into_grad:
                so_far = node._grad
                node._grad = upstream if so_far is None else so_far + upstream
        else:
            if into_grad:
                node._grad = upstream
            if not below < upstream < above:  # inf or NaN: the rare path
                _pass_on_non_finite(node, upstream, push)
            elif type(a) is tuple:
                for operand, local in zip(a, node._da):
                    if type(operand) is not float:
                        operand._flow += upstream * local
                        operand._pending = left = operand._pending - 1
                        if not left:
                            push(operand)
            else:
                if type(a) is not float:
                    a._flow += upstream * node._da
                    a._pending = left = a._pending - 1
                    if not left:
                        push(a)
                b = node._b
                if b is not None and type(b) is not float:
                    b._flow += upstream * node._db
                    b._pending = left = b._pending - 1
                    if not left:
                        push(b)
        if observer is not None:
            observer(node)


def _pass_on_non_finite(node: Value, upstream: float, push: Callable[[Value], object]) -> None:
    """``node``'s turn in ``chain_rule_pass`` when its gradient is inf or NaN: upstream x local into
    each operand, except where the zero-derivative rule (``blocks``) sends nothing."""
    for operand, local in _operand_slots(node):
        if isinstance(operand, Value):
            flow = operand._flow
            assert flow is not None  # the counting walk gave every operand a float
            operand._flow = flow + contribution(upstream, local)
            operand._pending = left = operand._pending - 1
            if not left:
                push(operand)


def _warm_up() -> None:
    """Run the pass on a tiny graph a few times, so that a program's first backward runs fast.

    CPython 3.11 specialises a function's bytecode (attribute reads of slots, builtins) only
    after the function has been *called* about eight times; a long loop inside one call never
    triggers it. A program whose first ``backward()`` walks a million nodes would run all of
    them unspecialised, several times slower (``python -m bench.micro`` times both).
    """
    x, w = Value(0.5), Value(2.0)
    y = (dot((x, w), (w, 1.5)) * x + 1.0).tanh()
    with PASS_LOCK:
        for _ in range(_WARM_UP_CALLS):
            chain_rule_pass(y, 1.0, into_grad=True)
            chain_rule_pass(y, 1.0)


_WARM_UP_CALLS = 10


def _check_step(node: Value) -> None:
    """After ``node``'s turn under detect_anomaly(): raise if it sent a non-finite gradient on."""
    upstream = node._flow
    assert upstream is not None
    for operand, local in _operand_slots(node):
        if isinstance(operand, Value) and not operand.is_constant and not math.isfinite(operand._flow or 0.0):
            raise AnomalyError(_anomaly_message(node, operand, upstream, local))


def _anomaly_message(node: Value, operand: Value, upstream: float, local: float) -> str:
    name = node.label or f"Value({node.data!r})"
    target = operand.label or f"Value({operand.data!r})"
    return backward_anomaly_message(node.op, name, target, upstream, local)


def backward_anomaly_message(op: str, node: str, operand: str, upstream: float, local: float) -> str:
    """What detect_anomaly() says when a gradient flowing from ``node`` into ``operand`` is not finite."""
    return (
        f"{op}: backward gradient is not finite: upstream {upstream!r} x local {local!r} "
        f"from {node} into {operand}"
    )


def _run(root: Value, seed: float, observer: Observer | None = None, *, into_grad: bool = False) -> None:
    """``chain_rule_pass``, checking every step inside ``detect_anomaly()``; the caller holds the lock."""
    if not (OPEN.count and current() & ANOMALY):
        chain_rule_pass(root, seed, observer, into_grad=into_grad)
        return

    def check_then_observe(node: Value) -> None:
        if node._a is not None:
            _check_step(node)
        if observer is not None:
            observer(node)

    chain_rule_pass(root, seed, check_then_observe, into_grad=into_grad)


def backward(root: Value, grad: GradOutput = 1.0) -> None:
    """Add d root / d leaf * grad to every leaf's ``.grad``; recompute every intermediate ``.grad``.

    Leaf gradients accumulate across calls (summing per-sample passes gives a mini-batch
    gradient); gradients of intermediate nodes start again from zero on every call.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward: root must be a Value, got {type(root).__name__}")
    seed = to_float(grad, "backward")
    with PASS_LOCK:
        _run(root, seed, into_grad=True)


class PassStep(NamedTuple):
    """One node's turn in a backward pass: the node, its complete gradient, and the gradient each of
    its operands holds after the turn (what it received so far, this node's part included)."""

    node: Value
    gradient: float
    operands_after: tuple[tuple[Value, float], ...]


def watch_pass(root: Value, seed: float = 1.0) -> list[PassStep]:
    """The backward pass over ``root`` step by step, in the engine's own order (``backward_steps``
    draws it); no ``.grad`` changes."""
    if not isinstance(root, Value):
        raise TypeError(f"watch_pass: root must be a Value, got {type(root).__name__}")
    steps: list[PassStep] = []

    def note(node: Value) -> None:
        upstream = node._flow
        assert upstream is not None
        after = tuple((p, p._flow) for p in node.operands if isinstance(p, Value) and p._flow is not None)
        steps.append(PassStep(node, upstream, after))

    with PASS_LOCK:
        chain_rule_pass(root, to_float(seed, "watch_pass"), note)
    return steps


@overload
def grad(
    output: Value, inputs: Sequence[Value] | Value, grad_output: GradOutput = ..., *, create_graph: bool
) -> list[Value] | list[float]: ...
@overload
def grad(output: Value, inputs: Sequence[Value] | Value, grad_output: GradOutput = ...) -> list[float]: ...
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
    if create_graph:
        return _grad_as_values(output, targets, grad_output)
    seed = to_float(grad_output, "grad")
    with PASS_LOCK:
        for target in targets:
            target._flow = None  # the pass gives every node it reaches a float
        _run(output, seed)
        return [0.0 if target._flow is None else target._flow for target in targets]


def _grad_as_values(output: Value, targets: list[Value], grad_output: GradOutput) -> list[Value]:
    """``grad(..., create_graph=True)``: the chain rule with Values, so the result has a graph too."""
    seed = grad_output if isinstance(grad_output, Value) else Value.constant(to_float(grad_output, "grad"))
    checked = bool(OPEN.count and current() & ANOMALY)
    order = topological_order(output)
    leads = leads_to(order, targets)
    grads: dict[Value, Value] = {output: seed}
    zero = Value.constant(0.0)
    # Derivative rules take IEEE limits at the edges of a domain (d sqrt / dz at 0 is inf, as
    # PyTorch gives) and leave the anomaly check to this loop, which names the op differentiated.
    with derivative_limits():
        for node in order:
            rule = node.rule
            if rule is None or node not in leads:
                continue
            # No entry when every contribution to the node was blocked: its gradient is 0, and it
            # passes 0 x local on as the float pass does (0 x inf is NaN there too).
            upstream = grads.get(node, zero)
            finite = math.isfinite(upstream.data)
            operands = node.parents  # plain numbers as constant leaves, for the Value rules
            for operand, local in zip(operands, rule.value_grads(*operands, node), strict=True):
                if operand not in leads:
                    continue
                if not finite and blocks(upstream.data, _data(local)):
                    # Left out: upstream x local would be NaN. With a finite upstream every
                    # contribution stays, so a local derivative that is 0 only at this point
                    # keeps its own derivative for the next order.
                    continue
                contribution = upstream * local
                if checked and not math.isfinite(contribution.data):
                    raise AnomalyError(_anomaly_message(node, operand, upstream.data, _data(local)))
                known = grads.get(operand)
                grads[operand] = contribution if known is None else known + contribution
    return [grads.get(target, zero) for target in targets]


def _data(local: Value | float) -> float:
    """The number a Value rule's local derivative holds (a rule may give a plain number)."""
    return local.data if isinstance(local, Value) else float(local)


def hessian(output: Value, inputs: Sequence[Value]) -> list[list[float]]:
    """The matrix of second derivatives d2 output / d input_i d input_j."""
    rows: list[list[float]] = []
    for partial in grad(output, inputs, create_graph=True):
        assert isinstance(partial, Value)
        rows.append(grad(partial, inputs))
    return rows


_warm_up()
