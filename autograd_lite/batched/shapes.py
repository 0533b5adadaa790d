"""Sort samples by the shape of their graphs, so that samples built by the same code from
different numbers share one ``BatchedTape``: ``record_batch(outputs, parameters)``.

Two graphs have the same shape when, walked breadth first from the output, their nodes apply
the same ops to the same operands: the corresponding node, the same parameter, the same other
leaf, or a plain number in the same place. The numbers (data rows, targets, and the values of
leaves that are not parameters) may differ; they become the columns of the batch. Graphs whose
shape differs were built by Python code that took another branch for another sample (``x if
x.data > 0 else -x``, a loop that stops on a value, a target that picks a logit); the recorder
sorts them into shapes, and ``record_batch`` refuses them, naming the place where they part.

The first sample of a shape is walked once into a ``_Plan``; every later sample is matched
against it node by node, the parameters and the numbers of a node gathered in one step each,
so recording costs little next to building the samples' graphs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple, cast

import numpy as np

from ..recording import Recording
from ..value import Value
from .program import Position, Program
from .rules import Array
from .tape import BatchedTape

Gather = Callable[[tuple[Any, ...]], tuple[Any, ...]]
_FLOAT = {float}


class ShapeMismatch(ValueError):
    """Raised when samples that should share a batched replay have graphs of different shapes."""


def _gather(positions: Sequence[int]) -> Gather:
    """A function picking ``positions`` out of a tuple, always as a tuple (one C call)."""
    if not positions:
        return lambda operands: ()
    if len(positions) == 1:
        only = positions[0]
        return lambda operands: (operands[only],)
    return cast(Gather, itemgetter(*positions))  # several positions: itemgetter gives a tuple


class _Expected(NamedTuple):
    """What one node of a template requires of the corresponding node of a sample."""

    node: Value
    rule: Any
    arity: int
    params: Gather
    param_values: tuple[Value, ...]
    numbers: Gather
    children: Gather
    child_nodes: tuple[Value, ...]
    leaves: tuple[tuple[int, Value], ...]


class _Plan:
    """One shape: its template graph walked breadth first, as the steps a sample must match."""

    def __init__(self, output: Value, watch: tuple[Value, ...], params: dict[Value, int]) -> None:
        self.output = output
        self.watch = watch
        self.params = params
        self.steps: list[_Expected] = []
        self.positions: list[Position] = []  # where each number of a sample sits in the template
        queued = {output}
        leaves_seen: set[Value] = set()
        queue = [output] if not output.is_leaf else []
        for node in queue:  # grows as children are found: breadth first
            operands = node.operands
            param_at, number_at, children, leaves = [], [], [], []
            for k, operand in enumerate(operands):
                if not isinstance(operand, Value):
                    number_at.append(k)
                elif operand in params:
                    param_at.append(k)
                elif operand.is_leaf:
                    leaves.append((k, operand))
                else:
                    children.append((k, operand))
                    if operand not in queued:
                        queued.add(operand)
                        queue.append(operand)
            self.positions.extend((node, k) for k in number_at)
            for _, leaf in leaves:
                if leaf not in leaves_seen:
                    leaves_seen.add(leaf)
                    self.positions.append(leaf)
            param_values = tuple(operands[k] for k in param_at)
            self.steps.append(_Expected(node, node._rule, len(operands), _gather(param_at), param_values,  # type: ignore[arg-type]
                                    _gather(number_at), _gather([k for k, _ in children]),
                                    tuple(child for _, child in children), tuple(leaves)))  # fmt: skip
        for end in (output, *watch):
            if end.is_leaf and end not in params and end not in leaves_seen:
                leaves_seen.add(end)
                self.positions.append(end)
            elif not end.is_leaf and end not in queued:
                raise ValueError("record_batch: a watched node is not part of the output's graph")

    def match(self, output: Value, watch: tuple[Value, ...]) -> list[float] | str:
        """The sample's numbers in the template's order, or where its graph departs from the template.

        ``twin`` maps each template node and leaf to the sample's, and ``mate`` back: the match is
        one to one, so a node used twice in one graph (``h * h``) never matches two in the other.
        """
        twin: dict[Value, Value] = {} if self.output.is_leaf else {self.output: output}
        mate: dict[Value, Value] = {} if self.output.is_leaf else {output: self.output}
        numbers: list[float] = []
        params = self.params
        for place, step in enumerate(self.steps):
            node = twin[step.node]
            where = f"operation {place} ({step.node.op!r})"
            if node._rule is not step.rule:
                return f"operation {place} from the output is {step.node.op!r} in one and {node.op!r} in the other"
            operands = node.operands
            if len(operands) != step.arity:
                return f"{where} has {step.arity} operands in one and {len(operands)} in the other"
            their_params = step.params(operands)
            if their_params != step.param_values:
                mine, other = next((a, b) for a, b in zip(step.param_values, their_params, strict=True) if a is not b)
                return f"{where} reads {self._name(mine)} in one and {self._name(other)} in the other"
            found = step.numbers(operands)
            if found and not set(map(type, found)) <= _FLOAT:
                return f"{where} reads a number in one and a Value in the other"
            numbers.extend(found)
            their_children = step.children(operands)
            # One comparison when every child has been met already (a layer's dots share their inputs).
            if tuple(map(twin.get, step.child_nodes)) != their_children:
                for child, operand in zip(step.child_nodes, their_children, strict=True):
                    seen = twin.get(child)
                    if seen is None:
                        if not isinstance(operand, Value) or operand.is_leaf:
                            return f"{where} reads an operation in one and {self._name(operand)} in the other"
                        if operand in mate:
                            return f"{where} reads two different operations in one and one operation twice in the other"
                        twin[child] = operand
                        mate[operand] = child
                    elif seen is not operand:
                        return f"{where} reads one operation twice in one and two different operations in the other"
            for k, leaf in step.leaves:
                their_leaf = operands[k]
                if not isinstance(their_leaf, Value) or not their_leaf.is_leaf or their_leaf in params:
                    return f"{where} reads a leaf in one and {self._name(their_leaf)} in the other"
                known = twin.get(leaf)
                if known is None:
                    if their_leaf in mate:
                        return f"{where} reads two different leaves in one and one leaf twice in the other"
                    twin[leaf] = their_leaf
                    mate[their_leaf] = leaf
                    numbers.append(their_leaf._data)
                elif known is not their_leaf:
                    return f"{where} reads one leaf twice in one and two different leaves in the other"
        if len(watch) != len(self.watch):
            return f"{len(self.watch)} watched nodes in one and {len(watch)} in the other"
        for end, theirs in zip((self.output, *self.watch), (output, *watch), strict=True):
            if end.is_leaf and end not in twin and end not in params:
                if not isinstance(theirs, Value) or not theirs.is_leaf or theirs in params or theirs in mate:
                    return "the output or a watched node is a leaf in one and not in the other"
                twin[end] = theirs
                mate[theirs] = end
                numbers.append(theirs._data)
            if (end if end in params else twin.get(end)) is not theirs:
                return "the output or a watched node sits elsewhere in the graph"
        return numbers

    def _name(self, operand: Any) -> str:
        """A parameter by its number; anything else by what it is."""
        if not isinstance(operand, Value):
            return "a number"
        if operand in self.params:
            return f"parameter {self.params[operand]}"
        return "a leaf" if operand.is_leaf else "a node"


class _Shape:
    """The samples of one shape: the plan, and each sample's number and numbers."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.samples: list[int] = []
        self.numbers: list[list[float]] = []


class BatchRecorder:
    """Collect samples' graphs (``add``), sorted by shape; ``compile`` one BatchedTape per shape."""

    def __init__(self, parameters: Iterable[Value]) -> None:
        self.parameters = tuple(parameters)
        self._index = {p: j for j, p in enumerate(self.parameters)}
        self._shapes: list[_Shape] = []
        self._count = 0

    def add(self, output: Value, watch: Iterable[Value] = (), *, likely: int = 0) -> int:
        """Add one sample's graph; returns the number of its shape (0 for the first shape seen).

        ``likely`` is the shape to try first (the shape of the last sample with this target, say).
        """
        if not isinstance(output, Value):
            raise TypeError(f"record_batch: output must be a Value, got {type(output).__name__}")
        watched = tuple(watch)
        tries = sorted(range(len(self._shapes)), key=lambda number: number != likely)
        for number in tries:
            shape = self._shapes[number]
            found = shape.plan.match(output, watched)
            if not isinstance(found, str):
                break
        else:
            shape = _Shape(_Plan(output, watched, self._index))
            self._shapes.append(shape)
            number = len(self._shapes) - 1
            found = shape.plan.match(output, watched)
            assert not isinstance(found, str), found  # a graph always matches its own plan
        shape.samples.append(self._count)
        shape.numbers.append(found)
        self._count += 1
        return number

    @property
    def shapes(self) -> int:
        """How many different shapes the samples added so far have."""
        return len(self._shapes)

    def samples(self, shape: int) -> list[int]:
        """The samples (numbered in the order added) that have shape ``shape``."""
        return list(self._shapes[shape].samples)

    def difference(self, first: int, second: int) -> str:
        """Where the graphs of two shapes part, in words."""
        other = self._shapes[second].plan
        found = self._shapes[first].plan.match(other.output, other.watch)
        return found if isinstance(found, str) else "they have the same shape"

    def compile(self) -> list[tuple[BatchedTape, Array, list[int]]]:
        """For each shape: its BatchedTape, the batch of its samples' numbers, and which samples they are."""
        return [(*_compile(shape, self.parameters), list(shape.samples)) for shape in self._shapes]


def record_batch(
    outputs: Sequence[Value],
    parameters: Iterable[Value],
    *,
    watch: Sequence[Sequence[Value]] | None = None,
    recording: Recording | None = None,
) -> tuple[BatchedTape, Array]:
    """One BatchedTape for samples whose graphs have the same shape, and the batch to replay:
    one row per sample holding the numbers that differ between samples.

    ``outputs[i]`` is sample i's output, built from its own data and the shared ``parameters``;
    ``watch[i]`` names nodes of sample i whose values ``watched()`` gives. Raises ShapeMismatch,
    naming the sample and the place, when the graphs' shapes differ. Graphs of one shape can
    still hide a branch that Python took on a number (the same way for every sample now, another
    way after an update): give ``recording`` (``with recording() as rec:`` around building the
    graphs) to prove it did not, or be refused with ``ReplayRefused``.
    """
    if recording is not None:
        recording.refuse("record_batch")
    if not outputs:
        raise ValueError("record_batch: no samples")
    recorder = BatchRecorder(parameters)
    for index, output in enumerate(outputs):
        if recorder.add(output, watch[index] if watch is not None else ()) != 0:
            raise ShapeMismatch(
                f"record_batch: sample {index}'s graph has another shape than sample 0's: {recorder.difference(0, 1)}"
            )
    ((tape, batch, _),) = recorder.compile()
    return tape, batch


def _compile(shape: _Shape, parameters: tuple[Value, ...]) -> tuple[BatchedTape, Array]:
    """The tape of one shape, and its batch. Numbers equal in every sample (the same data column
    read by several nodes, or a constant) share one row, so a layer's dot nodes read the same rows."""
    positions = shape.plan.positions
    numbers = np.array(shape.numbers, dtype=np.float64).reshape(len(shape.numbers), len(positions))
    columns = np.ascontiguousarray(numbers.T)
    row_of: dict[bytes, int] = {}
    input_rows: dict[Position, int] = {}
    first_columns: list[int] = []
    for column, position in enumerate(positions):
        key = columns[column].tobytes()
        row = row_of.get(key)
        if row is None:
            row = row_of[key] = len(first_columns)
            first_columns.append(column)
        input_rows[position] = row
    program = Program(shape.plan.output, parameters, input_rows, len(first_columns), False, shape.plan.watch)
    return BatchedTape.from_program(program, parameters), np.ascontiguousarray(numbers[:, first_columns])
