"""Record a graph once, replay it many times: a ``Tape`` runs the forward and backward passes of
a recorded graph again for new values of chosen leaves, on flat lists of floats, without
creating a single Value, and gives bit for bit the numbers the eager engine gives.

>>> from autograd_lite import Value
>>> from autograd_lite.tape import Tape
>>> x, y = Value(2.0), Value(3.0)
>>> tape = Tape(x * y + x, [x, y])
>>> tape.value_and_grad([4.0, 5.0])
(24.0, [6.0, 4.0])

Define-by-run against define-and-run. The eager engine records whatever Python did this time;
a tape replays the operations it recorded. The two agree whenever the recorded operations do not
depend on the values. A choice made inside an op is made again on every replay: relu's and
abs's kink, sigmoid's two formulas, the branches inside each derivative. A choice made in Python
is frozen as recorded: ``x if x.data > 0 else -x``, ``max(a, b)`` on Values, a loop that runs
until a value is small. A tape cannot see such a choice in a graph built before it; build the
graph inside ``autograd_lite.recording()`` and pass ``recording=``, and the tape refuses
(``ReplayRefused``, naming the line) whenever Python read a number meanwhile. Leaves that are
not inputs (data rows, constants) keep the values they had when the tape was recorded.

Threads may share a tape: each thread replays in a workspace of its own (a copy of the recorded
numbers, made on its first replay).

How it stays exact: each operation is evaluated by the same rule of ``ops``, on the same
floats, as the eager engine evaluates it (the most frequent ones, ``+ - * neg relu dot sum``,
written inline with the identical arithmetic), and gradients are accumulated in the eager
engine's Kahn order, operand slot by operand slot. How it is fast: every node has a slot in one flat list of floats; the operands of
a ``dot`` or ``sum`` get consecutive slots wherever the graph allows, so they are read and
updated a slice at a time; and only the operations on a path to an input are walked backwards.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from operator import add, itemgetter
from typing import Any, NamedTuple

from . import ops
from .engine import backward_anomaly_message
from .graph import leads_to, topological_order
from .mode import ANOMALY, OPEN, AnomalyError, current
from .real_numbers import to_float
from .recording import Recording
from .value import Value, check_power_base, forward_anomaly_message, needs_power_check

Gather = Callable[[list[float]], Sequence[float]]
Target = slice | tuple[int, ...]
Instruction = tuple[Any, ...]

# Instruction codes, tested in this order, the most frequent first. The seven ops with a code of
# their own are fast copies, written inline in the interpreters below, of the blocks ops.DOT,
# ops.ADD, ops.RELU, ops.MUL, ops.SUB, ops.NEG and ops.SUM; tests/engine/test_tape.py checks each
# against its block's rules on random points. Every other op runs its block's rules themselves.
(_CODE_DOT, _CODE_ADD, _CODE_RELU, _CODE_MUL, _CODE_SUB, _CODE_NEG, _CODE_SUM,
 _CODE_UNARY, _CODE_BINARY, _CODE_POWER, _CODE_VARIADIC) = range(11)  # fmt: skip
_CODE_OF_OP = {"dot": _CODE_DOT, "+": _CODE_ADD, "relu": _CODE_RELU, "*": _CODE_MUL, "-": _CODE_SUB, "neg": _CODE_NEG,
               "sum": _CODE_SUM}  # fmt: skip


class _Recorded(NamedTuple):
    """One recorded operation: what detect_anomaly() needs to check and name it."""

    op: str
    out: int
    operands: tuple[int, ...]


def _consecutive(slots: Sequence[int]) -> slice | None:
    """The slice covering ``slots`` when they are consecutive and ascending, else None."""
    first = slots[0]
    return slice(first, first + len(slots)) if list(slots) == list(range(first, first + len(slots))) else None


def _gather(slots: Sequence[int]) -> Gather:
    """Read the values in ``slots`` from a list: one slice when they are consecutive."""
    span = _consecutive(slots)
    return itemgetter(span) if span is not None else itemgetter(*slots)


def _target(slots: Sequence[int]) -> Target:
    """Where a group of contributions goes: a slice when the slots are consecutive."""
    span = _consecutive(slots)
    return span if span is not None else tuple(slots)


def _scatter(grads: list[float], target: Target, contributions: Iterable[float]) -> None:
    """grads[slot] += contribution for each slot of ``target``, in order."""
    if type(target) is slice:
        grads[target] = map(add, grads[target], contributions)
    else:
        # One by one, so a slot listed twice (dot(w, w)) receives both contributions in turn.
        for slot, contribution in zip(target, contributions, strict=False):
            grads[slot] += contribution


class _Workspace:
    """One thread's numbers: a value for every slot, and whether its last forward finished."""

    __slots__ = ("values", "ready")

    def __init__(self, values: list[float]) -> None:
        self.values = values
        self.ready = False


class Tape:
    """The graph below ``output``, recorded so it can be replayed for new values of ``inputs``.

    A Tape made from a graph built before (``Tape(loss, params)``) cannot know whether Python
    branched on a number while that graph was built; one made with ``recording=`` can, and
    refuses (``ReplayRefused``) when it did. Threads may share a Tape: each thread replays in a
    workspace of its own, so ``forward`` then ``backward`` in one thread never sees another's.
    """

    __slots__ = (
        "_inputs", "_in_graph", "_template", "_forward", "_backward", "_steps", "_output",
        "_output_is_leaf", "_labels", "_constant", "_local", "_watched",
    )

    def __init__(
        self,
        output: Value,
        inputs: Iterable[Value],
        *,
        watch: Iterable[Value] = (),
        recording: Recording | None = None,
    ) -> None:
        """Record the graph below ``output``; ``watch`` names other nodes whose replayed values you
        want; ``recording`` (from ``with recording() as rec:`` around building the graph) proves
        that Python read no number meanwhile, or refuses."""
        if not isinstance(output, Value):
            raise TypeError(f"Tape: output must be a Value, got {type(output).__name__}")
        if recording is not None:
            recording.refuse("Tape")
        chosen = tuple(inputs)
        order = topological_order(output)
        operations = [node for node in reversed(order) if not node.is_leaf]
        slot, operand_slots, constants = _assign_slots(chosen, operations, output)
        leads = leads_to(order, chosen)
        present = set(order)
        watched = []
        for index, node in enumerate(watch):
            if not isinstance(node, Value) or node not in present:
                raise ValueError(f"Tape: watch[{index}] is not a node of the output's graph")
            watched.append(slot[node])
        self._watched = tuple(watched)

        size = len(slot) + len(constants)
        self._inputs = chosen
        self._in_graph = tuple(leaf in present for leaf in chosen)
        self._template = [0.0] * size
        self._labels = [""] * size
        self._constant = [True] * size
        for node, index in slot.items():
            self._labels[index] = node.label
            self._constant[index] = node.is_constant
            if node.is_leaf:
                self._template[index] = node._data
        for index, number in constants.items():
            self._template[index] = number
        self._steps = tuple(_Recorded(node.op, slot[node], operand_slots[node]) for node in operations)
        self._forward = [_forward_instruction(node, step) for node, step in zip(operations, self._steps, strict=True)]
        # Backwards in Kahn order (the reverse of the forward order), skipping what leads nowhere.
        self._backward = [
            _backward_instruction(node, step, leads)
            for node, step in zip(reversed(operations), reversed(self._steps), strict=True)
            if node in leads
        ]
        self._output = slot[output]
        self._output_is_leaf = output.is_leaf
        self._local = threading.local()

    # ---- public interface -----------------------------------------------------------------

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The leaves whose values each replay sets, in the order ``forward`` takes them."""
        return self._inputs

    def __len__(self) -> int:
        """The number of recorded operations."""
        return len(self._forward)

    def __repr__(self) -> str:
        return f"Tape({len(self._forward)} operations, {len(self._inputs)} inputs)"

    def forward(self, values: Iterable[float]) -> float:
        """The output for these input values (in ``inputs`` order); every node is recomputed."""
        numbers = list(values)
        if len(numbers) != len(self._inputs):
            raise ValueError(f"Tape.forward: expected {len(self._inputs)} values, got {len(numbers)}")
        for index, number in enumerate(numbers):
            if type(number) is not float:
                numbers[index] = to_float(number, "Tape.forward")
        workspace = self._workspace()
        v = workspace.values
        v[: len(numbers)] = numbers
        workspace.ready = False
        _run_forward(v, self._forward)
        if OPEN.count and current() & ANOMALY:
            _check_forward(v, self._steps, self._labels)
        workspace.ready = True
        return v[self._output]

    def watched(self) -> list[float]:
        """The values this thread's last ``forward`` gave the nodes named in ``watch`` (a model's scores)."""
        workspace = self._workspace()
        if not workspace.ready:
            raise RuntimeError("Tape.watched: call forward() first (the last forward failed or never ran)")
        values = workspace.values
        return [values[index] for index in self._watched]

    def backward(self, grad: float = 1.0) -> list[float]:
        """d output / d input * grad for each input, at the values of the last ``forward``."""
        return self._gradients(to_float(grad, "Tape.backward"))

    def value_and_grad(self, values: Iterable[float], grad: float = 1.0) -> tuple[float, list[float]]:
        """``forward(values)`` and then ``backward(grad)``."""
        value = self.forward(values)
        return value, self.backward(grad)

    def replay(self, grad: float = 1.0) -> float:
        """Forward from the inputs' ``.data``, then add the gradients to their ``.grad``.

        This is ``output.backward(grad)`` on a freshly built graph: each input in the graph
        gains d output / d input * grad, accumulated exactly as the eager engine accumulates it.
        """
        seed = to_float(grad, "Tape.replay")
        inputs = self._inputs
        value = self.forward([leaf._data for leaf in inputs])
        # As backward() does: this pass's gradient is summed on its own, then added to .grad.
        grads = self._gradients(seed)
        for leaf, total, used in zip(inputs, grads, self._in_graph, strict=True):
            if used:
                so_far = leaf._grad
                leaf._grad = total if so_far is None else so_far + total
        return value

    # ---- the passes -------------------------------------------------------------------------

    def _workspace(self) -> _Workspace:
        """This thread's workspace, made from the recorded numbers on its first replay."""
        try:
            workspace: _Workspace = self._local.workspace
        except AttributeError:
            workspace = self._local.workspace = _Workspace(list(self._template))
        return workspace

    def _gradients(self, seed: float) -> list[float]:
        """d output / d input * seed for each input, at this thread's last forward."""
        workspace = self._workspace()
        if not workspace.ready:
            raise RuntimeError("Tape.backward: call forward() first (the last forward failed or never ran)")
        values = workspace.values
        inputs = len(self._inputs)
        grads = self._seeded(len(values), seed)
        if OPEN.count and current() & ANOMALY:
            _run_checked_backward(values, grads, self._steps, self._labels, self._constant)
            return grads[:inputs]
        _run_backward(values, grads, self._backward)
        result = grads[:inputs]
        # The zero-derivative rule (ops.blocks) changes a gradient only where the plain products
        # make a NaN (inf x 0), so the fast pass stands unless a result is NaN; then run carefully.
        if any(map(math.isnan, result)):
            grads = self._seeded(len(values), seed)
            _run_careful_backward(values, grads, self._steps)
            result = grads[:inputs]
        return result

    def _seeded(self, size: int, seed: float) -> list[float]:
        """Where every backward pass starts: zeros, and ``seed`` at the output."""
        grads = [0.0] * size
        if self._output_is_leaf:
            grads[self._output] += seed  # 0.0 + seed, as eager accumulation adds it (so -0.0 gives 0.0)
        else:
            grads[self._output] = seed
        return grads


# ---- recording ---------------------------------------------------------------------------


def _assign_slots(
    chosen: tuple[Value, ...], operations: list[Value], output: Value
) -> tuple[dict[Value, int], dict[Value, tuple[int, ...]], dict[int, float]]:
    """A slot in the list of floats for every node and every plain-number operand, inputs first.

    Returns the slot of each Value, the slots of each operation's operands in order, and the
    number each plain-number operand's slot holds (it never changes).
    """
    slot: dict[Value, int] = {}
    for index, leaf in enumerate(chosen):
        if not isinstance(leaf, Value):
            raise TypeError(f"Tape: inputs[{index}] must be a Value, got {type(leaf).__name__}")
        if not leaf.is_leaf:
            raise ValueError(f"Tape: inputs[{index}] was computed by {leaf.op!r}; a tape replays new values of leaves")
        if leaf in slot:
            raise ValueError(f"Tape: inputs[{index}] is listed twice")
        slot[leaf] = index
    # Then in the order operands are first read, so the operands of a dot or sum (a layer's
    # activations; a neuron's weights, when the inputs come in parameter order) are consecutive.
    for node in operations:
        for operand in node.operands:
            if isinstance(operand, Value) and operand not in slot:
                slot[operand] = len(slot)
    if output not in slot:
        slot[output] = len(slot)
    # A plain-number operand gets a slot of its own after all the Values, holding that number.
    constants: dict[int, float] = {}
    operand_slots: dict[Value, tuple[int, ...]] = {}
    for node in operations:
        refs: list[int] = []
        for operand in node.operands:
            if isinstance(operand, Value):
                refs.append(slot[operand])
            else:
                index = len(slot) + len(constants)
                constants[index] = operand
                refs.append(index)
        operand_slots[node] = tuple(refs)
    return slot, operand_slots, constants


# ---- compiling one node -------------------------------------------------------------------


def _forward_instruction(node: Value, step: _Recorded) -> Instruction:
    out, args = step.out, step.operands
    code = _CODE_OF_OP.get(step.op)
    if code == _CODE_DOT:
        n = len(args) // 2
        return (_CODE_DOT, out, _gather(args[:n]), _gather(args[n:]))
    if code == _CODE_SUM:
        return (_CODE_SUM, out, _gather(args))
    if code is not None:
        return (code, out, *args)
    rule = ops.OPS[step.op]
    if needs_power_check(node):
        return (_CODE_POWER, out, rule.forward, rule.refuse, *args)
    if rule.arity == 1:
        return (_CODE_UNARY, out, rule.forward, rule.refuse, args[0])
    if rule.arity == 2:
        return (_CODE_BINARY, out, rule.forward, rule.refuse, *args)
    return (_CODE_VARIADIC, out, rule.forward, rule.refuse, _gather(args))


def _backward_instruction(node: Value, step: _Recorded, leads: set[Value]) -> Instruction:
    out, args = step.out, step.operands
    code = _CODE_OF_OP.get(step.op)
    if code == _CODE_DOT:
        n = len(args) // 2
        weights, inputs = node.operands[:n], node.operands[n:]
        # A half none of whose operands leads to an input (the data rows of a first layer) is
        # skipped; a half that leads anywhere is updated whole, which costs less than picking.
        weight_target = _target(args[:n]) if any(p in leads for p in weights) else None
        input_target = _target(args[n:]) if any(p in leads for p in inputs) else None
        return (_CODE_DOT, out, _gather(args[:n]), _gather(args[n:]), weight_target, input_target)
    if code == _CODE_SUM:
        return (_CODE_SUM, out, _target(args))
    if code is not None:
        return (code, out, *args)
    rule = ops.OPS[step.op]
    if rule.arity == 1:
        return (_CODE_UNARY, out, rule.local_grads, args[0])
    if rule.arity == 2:
        return (_CODE_BINARY, out, rule.local_grads, *args)
    return (_CODE_VARIADIC, out, rule.local_grads, _gather(args), args)


# ---- the interpreters ----------------------------------------------------------------------
# Each op below computes exactly what the eager operator computes: the same operand order in
# every float operation, and upstream * local with the same local derivative.


def _run_forward(v: list[float], program: list[Instruction]) -> None:
    dot_product, total = ops.dot_product, ops.total
    for instruction in program:
        code = instruction[0]
        if code == _CODE_DOT:
            _, out, weights, inputs = instruction
            v[out] = dot_product(weights(v), inputs(v))
        elif code == _CODE_ADD:
            _, out, a, b = instruction
            v[out] = v[a] + v[b]
        elif code == _CODE_RELU:
            _, out, a = instruction
            x = v[a]
            v[out] = x if x > 0.0 or x != x else 0.0  # NaN stays NaN, as in ops.relu
        elif code == _CODE_MUL:
            _, out, a, b = instruction
            v[out] = v[a] * v[b]
        elif code == _CODE_SUB:
            _, out, a, b = instruction
            v[out] = v[a] - v[b]
        elif code == _CODE_NEG:
            _, out, a = instruction
            v[out] = -v[a]
        elif code == _CODE_SUM:
            _, out, terms = instruction
            v[out] = total(*terms(v))
        elif code == _CODE_UNARY:
            _, out, fn, refuse, a = instruction
            x = v[a]
            v[out] = y = fn(x)
            if refuse is not None:
                refuse(x, y)
        elif code == _CODE_BINARY:
            _, out, fn, refuse, a, b = instruction
            x, y = v[a], v[b]
            v[out] = z = fn(x, y)
            if refuse is not None:
                refuse(x, y, z)
        elif code == _CODE_POWER:
            _, out, fn, refuse, a, b = instruction
            x, y = v[a], v[b]
            check_power_base(x, y)
            v[out] = z = fn(x, y)
            refuse(x, y, z)
        else:
            _, out, fn, refuse, operands = instruction
            terms = operands(v)
            v[out] = z = fn(*terms)
            if refuse is not None:
                refuse(*terms, z)


def _run_backward(v: list[float], g: list[float], program: list[Instruction]) -> None:
    for instruction in program:
        code = instruction[0]
        upstream = g[instruction[1]]
        if code == _CODE_DOT:
            _, _, weights, inputs, weight_target, input_target = instruction
            # d/dw_i = x_i and d/dx_i = w_i; a comprehension over a slice beats map() here.
            if type(weight_target) is slice:
                g[weight_target] = [a + upstream * x for a, x in zip(g[weight_target], inputs(v), strict=True)]
            elif weight_target is not None:
                _scatter(g, weight_target, [upstream * x for x in inputs(v)])
            if type(input_target) is slice:
                g[input_target] = [a + upstream * w for a, w in zip(g[input_target], weights(v), strict=True)]
            elif input_target is not None:
                _scatter(g, input_target, [upstream * w for w in weights(v)])
        elif code == _CODE_ADD:
            _, _, a, b = instruction
            g[a] += upstream * 1.0
            g[b] += upstream * 1.0
        elif code == _CODE_RELU:
            _, _, a = instruction
            x = v[a]
            g[a] += upstream * (1.0 if x > 0.0 else (0.0 if x == x else math.nan))  # ops._step
        elif code == _CODE_MUL:
            _, _, a, b = instruction
            x, y = v[a], v[b]
            g[a] += upstream * y
            g[b] += upstream * x
        elif code == _CODE_SUB:
            _, _, a, b = instruction
            g[a] += upstream * 1.0
            g[b] += upstream * -1.0
        elif code == _CODE_NEG:
            _, _, a = instruction
            g[a] += upstream * -1.0
        elif code == _CODE_SUM:
            _, _, target = instruction
            _scatter(g, target, repeat(upstream * 1.0))
        elif code == _CODE_UNARY:
            _, out, local_grads, a = instruction
            g[a] += upstream * local_grads(v[a], v[out])[0]
        elif code == _CODE_BINARY:
            _, out, local_grads, a, b = instruction
            local_a, local_b = local_grads(v[a], v[b], v[out])
            g[a] += upstream * local_a
            g[b] += upstream * local_b
        else:
            _, out, local_grads, operands, slots = instruction
            for slot, local in zip(slots, local_grads(*operands(v), v[out]), strict=True):
                g[slot] += upstream * local


def _check_forward(v: list[float], steps: Sequence[_Recorded], labels: list[str]) -> None:
    """Raise AnomalyError for the first recorded operation whose result is NaN or infinite."""
    for step in steps:
        result = v[step.out]
        if not math.isfinite(result):
            names = [labels[p] or repr(v[p]) for p in step.operands]
            raise AnomalyError(forward_anomaly_message(step.op, result, names))


def _run_careful_backward(v: list[float], g: list[float], steps: Sequence[_Recorded]) -> None:
    """The backward pass edge by edge, each contribution by ``ops.contribution`` (the zero-derivative rule)."""
    for step in reversed(steps):
        upstream = g[step.out]
        local_grads = ops.OPS[step.op].local_grads(*(v[p] for p in step.operands), v[step.out])
        for slot, local in zip(step.operands, local_grads, strict=True):
            g[slot] += ops.contribution(upstream, local)


def _run_checked_backward(
    v: list[float], g: list[float], steps: Sequence[_Recorded], labels: list[str], constant: list[bool]
) -> None:
    """The backward pass edge by edge, stopping at the first gradient that is not finite."""

    def name(slot: int) -> str:
        return labels[slot] or f"Value({v[slot]!r})"

    for step in reversed(steps):
        upstream = g[step.out]
        local_grads = ops.OPS[step.op].local_grads(*(v[p] for p in step.operands), v[step.out])
        for slot, local in zip(step.operands, local_grads, strict=True):
            total = g[slot] + ops.contribution(upstream, local)
            g[slot] = total
            if not constant[slot] and not math.isfinite(total):
                raise AnomalyError(backward_anomaly_message(step.op, name(step.out), name(slot), upstream, local))
