"""Compile one sample's graph into a program that runs a whole batch at once, and run it.

Every value that depends on a per-sample input is a *row*: one float per sample, a row of the
2-D array ``rows`` (rows x samples). Everything else (parameters, constants, and nodes made from
them alone) is a *scalar*: one float for the whole batch, computed by the float rules of
``ops`` exactly as the eager engine computes it.

Row nodes are run in groups. Nodes at the same depth (the longest path from an input) that
apply the same op to operands of the same kinds cannot depend on each other, so one numpy call
computes them all for every sample: a layer's 16 relus are one call on a 16 x batch block, and a
layer's 16 dot nodes over the same inputs are one matrix product. A group's results get
consecutive rows, so the next group usually reads them as a slice, without copying.

Backward runs the groups in reverse. A row operand gains upstream x local for each sample; a
scalar operand (a parameter) gains the sum over the batch of upstream x local, which is the
mini-batch gradient: the sum of every sample's gradient.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, NoReturn

import numpy as np
from numpy.typing import NDArray

from .. import ops
from ..engine import backward_anomaly_message
from ..graph import topological_order
from ..mode import AnomalyError
from ..value import Value, check_power_base, forward_anomaly_message, needs_power_check
from .rules import Array, Local, NumpyRule, numpy_rule

Position = Value | tuple[Value, int]
"""Where a per-sample number sits in a graph: a leaf, or the plain-number operand k of a node."""

Index = slice | NDArray[np.intp]


class Ref(NamedTuple):
    """Where a value lives: a row of the batch array (``row``) or a scalar, and which one."""

    row: bool
    slot: int


def _progression(indices: Sequence[int]) -> slice | None:
    """The slice covering ``indices`` when they step evenly upwards (a layer's outputs, or its
    biases between the weights), else None: reading a slice is a view, not a copy."""
    first = indices[0]
    step = indices[1] - first if len(indices) > 1 else 1
    if step > 0 and list(indices) == list(range(first, first + step * len(indices), step)):
        return slice(first, first + step * (len(indices) - 1) + 1, step)
    return None


def _index(indices: Sequence[int]) -> Index:
    span = _progression(indices)
    return span if span is not None else np.array(indices, dtype=np.intp)


class _StridedMatrix(NamedTuple):
    """A (members x n) matrix of scalars laid out row after row at a fixed stride: a view."""

    start: int
    stride: int
    members: int
    width: int

    def view(self, scalars: Array) -> Array:
        """The matrix as a view of ``scalars``, so reading and adding into it copy nothing."""
        rows: Array = scalars[self.start : self.start + self.stride * self.members].reshape(self.members, self.stride)
        return rows[:, : self.width]


def _strided_matrix(matrix: list[list[int]]) -> _StridedMatrix | None:
    """The strided block a weight matrix of indices is, when it is one (each neuron's weights
    consecutive, neurons at a fixed stride: nn's order w_1..w_n, b), else None."""
    width = len(matrix[0])
    starts = [row[0] for row in matrix]
    stride = starts[1] - starts[0] if len(starts) > 1 else width
    if stride < width or starts != list(range(starts[0], starts[0] + stride * len(starts), stride)):
        return None
    if any(row != list(range(row[0], row[0] + width)) for row in matrix):
        return None
    return _StridedMatrix(starts[0], stride, len(matrix), width)


def _fail(error: Exception, sample: int) -> NoReturn:
    """Raise ``error`` again, of the same type, naming the sample it happened in."""
    raise type(error)(f"{error} (batched replay, sample {sample})") from None


def _times(upstream: Array, local: Local, careful: bool = False) -> Array:
    """upstream x local; a local derivative of 1 or -1 needs no multiplication (and gives the same
    bits). ``careful`` applies the zero-derivative rule (``ops.blocks``): where local is exactly 0,
    0 whatever upstream is; the fast product differs from it only where it makes a NaN."""
    if type(local) is float:
        if local == 1.0:
            return upstream
        if local == -1.0:
            return -upstream
        if careful and local == 0.0:
            return np.zeros_like(upstream)
    product: Array = upstream * local
    if careful:
        product = np.where(np.broadcast_to(local, product.shape) == 0.0, 0.0, product)
    return product


def _blocked_matmul(local: Array, upstream: Array, transpose: bool) -> Array:
    """``local.T @ upstream`` (or ``upstream @ local.T`` with ``transpose``) under the zero-derivative
    rule: a product whose local factor is exactly 0 adds 0 even where upstream is inf or NaN."""
    finite = np.isfinite(upstream)
    tame = np.where(finite, upstream, 0.0)
    result: Array = tame @ local.T if transpose else local.T @ tame
    for member, sample in np.argwhere(~finite):  # few: each is one infinite or NaN gradient
        wild = upstream[member, sample]
        if transpose:  # d/dW[member, :] += wild * X[:, sample], with X the local derivatives
            column = local[:, sample]
            result[member] += np.where(column == 0.0, 0.0, wild * column)
        else:  # d/dX[:, sample] += W[member, :] * wild, with W the local derivatives
            row = local[member]
            result[:, sample] += np.where(row == 0.0, 0.0, row * wild)
    return result


class _Read:
    """One operand position of a group: a row of the batch or a scalar for each member."""

    __slots__ = ("row", "index", "repeats", "needs_grad")

    def __init__(self, row: bool, indices: Sequence[int], needs_grad: bool) -> None:
        self.row = row
        self.index = _index(indices)
        # The indices, when one of them comes twice: += through them would drop a contribution.
        self.repeats = None if len(set(indices)) == len(indices) else np.array(indices, dtype=np.intp)
        self.needs_grad = needs_grad

    def block(self, rows: Array, scalars: Array) -> Array:
        """The operand for every member: a (members x samples) block, or (members x 1) scalars."""
        if self.row:
            return rows[self.index]
        return scalars[self.index][:, None]

    def add_grad(self, row_grads: Array, scalar_grads: Array, contribution: Array) -> None:
        """Add each member's contribution; a scalar takes its sum over the batch."""
        target, added = (row_grads, contribution) if self.row else (scalar_grads, contribution.sum(axis=1))
        if self.repeats is None:
            target[self.index] += added
        else:  # a row read by two members (x * x across them) receives both contributions
            np.add.at(target, self.repeats, added)


class _Names(NamedTuple):
    """What a message about a group needs: the op, each member's label and its operands' labels."""

    op: str
    members: tuple[str, ...]
    operands: tuple[tuple[str, ...], ...]


Saved = tuple[list[Array], Array]
"""What a group's forward keeps for its backward: its operand blocks and its result."""


class _Group:
    """Nodes of one op at one depth, computed together by the op's numpy rule. A group holds no
    numbers of a pass: forward returns what backward needs, so threads may share a program."""

    def __init__(self, rule: ops.Op, out: slice, reads: list[_Read], check_power: bool, names: _Names) -> None:
        self.rule = rule
        self.numpy: NumpyRule = numpy_rule(rule)
        self.out = out
        self.reads = reads
        self.check_power = check_power
        self.names = names

    def forward(self, rows: Array, scalars: Array, checked: bool) -> Saved:
        """Compute every member for every sample into the group's rows."""
        blocks = [read.block(rows, scalars) for read in self.reads]
        if self.check_power:
            _check_power(blocks[0], blocks[1])
        result = rows[self.out]
        if self.numpy.writes_out:
            self.numpy.forward(*blocks, out=result)
        else:
            result[...] = self.numpy.forward(*blocks)
        if self.rule.refuse is not None:
            _refuse(self.rule, self.numpy, blocks, result)
        if checked and not np.isfinite(result).all():
            self._forward_anomaly(blocks, result)
        return blocks, result

    def backward(self, saved: Saved, row_grads: Array, scalar_grads: Array, checked: bool, careful: bool) -> None:
        """Add upstream x local to every operand that leads to a parameter or a wanted input
        (``careful``: under the zero-derivative rule, see ``_times``)."""
        upstream = row_grads[self.out]
        blocks, result = saved
        send = self.numpy.send
        if send is not None and self.reads[0].needs_grad:
            (read,) = self.reads
            read.add_grad(row_grads, scalar_grads, send(upstream, blocks[0]))
            if checked:
                (local,) = self.numpy.local_grads(*blocks, result)
                self._backward_check(0, read, row_grads, scalar_grads, upstream, local)
            return
        local_grads = self.numpy.local_grads(*blocks, result)
        for position, (read, local) in enumerate(zip(self.reads, local_grads, strict=True)):
            if read.needs_grad:
                read.add_grad(row_grads, scalar_grads, _times(upstream, local, careful))
                if checked:
                    self._backward_check(position, read, row_grads, scalar_grads, upstream, local)

    def _forward_anomaly(self, blocks: list[Array], result: Array) -> NoReturn:
        member, sample = np.argwhere(~np.isfinite(result))[0]
        operands = [np.broadcast_to(b, result.shape)[member, sample] for b in blocks]
        labels = self.names.operands[member]
        shown = [label or repr(float(v)) for label, v in zip(labels, operands, strict=True)]
        message = forward_anomaly_message(self.names.op, float(result[member, sample]), shown)
        _fail(AnomalyError(message), int(sample))

    def _backward_check(
        self, position: int, read: _Read, row_grads: Array, scalar_grads: Array, upstream: Array, local: Local
    ) -> None:
        total = read.block(row_grads, scalar_grads)
        bad = ~np.isfinite(np.broadcast_to(total, upstream.shape))
        if not bad.any():
            return
        member, sample = np.argwhere(bad)[0]
        local_here = float(np.broadcast_to(local, upstream.shape)[member, sample])
        node = self.names.members[member] or "a node"
        operand = self.names.operands[member][position] or "an operand"
        message = backward_anomaly_message(self.names.op, node, operand, float(upstream[member, sample]), local_here)
        _fail(AnomalyError(message), int(sample))


class _MatMul(_Group):
    """Dot nodes whose weights are scalars and whose inputs are the same rows (a layer of
    neurons): one matrix product, weights (members x n) @ inputs (n x samples)."""

    def __init__(self, rule: ops.Op, out: slice, weights: list[list[int]], inputs: _Read, names: _Names) -> None:
        super().__init__(rule, out, [], False, names)
        flat = [index for row in weights for index in row]
        self.weights = np.array(weights, dtype=np.intp)
        self.strided = _strided_matrix(weights)
        self.weights_unique = len(set(flat)) == len(flat)
        self.inputs = inputs

    def forward(self, rows: Array, scalars: Array, checked: bool) -> Saved:
        """out = W @ X for every member and sample at once."""
        matrix = scalars[self.weights] if self.strided is None else self.strided.view(scalars)
        inputs_block = self.inputs.block(rows, scalars)
        np.matmul(matrix, inputs_block, out=rows[self.out])
        result = rows[self.out]
        if checked and not np.isfinite(result).all():
            member, sample = np.argwhere(~np.isfinite(result))[0]
            shown = [self.names.members[member] or "a dot node"]
            _fail(AnomalyError(forward_anomaly_message("dot", float(result[member, sample]), shown)), int(sample))
        return [matrix, inputs_block], result

    def backward(self, saved: Saved, row_grads: Array, scalar_grads: Array, checked: bool, careful: bool) -> None:
        """dL/dX += W.T @ U for each sample, and dL/dW += U @ X.T summed over the batch."""
        upstream = row_grads[self.out]
        (matrix, inputs_block), _ = saved
        if self.inputs.needs_grad:
            grads = _blocked_matmul(matrix, upstream, False) if careful else matrix.T @ upstream
            self.inputs.add_grad(row_grads, scalar_grads, grads)
        weight_grads = _blocked_matmul(inputs_block, upstream, True) if careful else upstream @ inputs_block.T
        if self.strided is not None:
            self.strided.view(scalar_grads)[...] += weight_grads
        elif self.weights_unique:
            scalar_grads[self.weights] += weight_grads
        else:  # a weight used twice receives both contributions
            np.add.at(scalar_grads, self.weights, weight_grads)
        if checked and not (np.isfinite(weight_grads).all() and np.isfinite(row_grads[self.inputs.index]).all()):
            raise AnomalyError("dot: backward gradient is not finite (batched replay, a layer's matrix product)")


def _check_power(base: Array, exponent: Array) -> None:
    """Refuse a negative base under a Value exponent, as the eager ``**`` does, naming the sample."""
    negative = np.broadcast_to(base, np.broadcast_shapes(base.shape, exponent.shape)) < 0.0
    if negative.any():
        member, sample = np.argwhere(negative)[0]
        try:
            check_power_base(float(np.broadcast_to(base, negative.shape)[member, sample]),
                             float(np.broadcast_to(exponent, negative.shape)[member, sample]))  # fmt: skip
        except ValueError as error:
            _fail(error, int(sample))


def _refuse(rule: ops.Op, numpy: NumpyRule, blocks: list[Array], result: Array) -> None:
    """Run the op's refuse rule where it could refuse (a non-finite result for a built-in op)."""
    assert rule.refuse is not None
    suspects = ~np.isfinite(result) if numpy.limits_only else np.ones(result.shape, dtype=bool)
    if not suspects.any():
        return
    shaped = [np.broadcast_to(block, result.shape) for block in blocks]
    for member, sample in np.argwhere(suspects):
        try:
            rule.refuse(*(float(b[member, sample]) for b in shaped), float(result[member, sample]))
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            _fail(error, int(sample))


class Pass(NamedTuple):
    """The numbers of one forward pass, which its backward pass reads."""

    rows: Array
    values: Array
    size: int
    saved: list[Saved]


class _ScalarStep(NamedTuple):
    """A node made from parameters and constants alone: computed once per replay, on floats."""

    rule: ops.Op
    out: int
    operands: tuple[int, ...]
    check_power: bool


class Program:
    """One sample's graph, compiled: scalars, groups of rows, and where the output is.

    A program holds no numbers of a pass: ``forward`` returns a ``Pass`` that ``read`` and
    ``backward`` take, so threads may run one program at once.
    """

    def __init__(
        self,
        output: Value,
        parameters: Sequence[Value],
        input_rows: Mapping[Position, int],
        n_inputs: int,
        grad_inputs: bool,
        watch: Sequence[Value] = (),
    ) -> None:
        params = {p: j for j, p in enumerate(parameters)}
        self.n_params = len(params)
        self.n_inputs = n_inputs
        self.grad_inputs = grad_inputs
        scalars: list[float] = [0.0] * self.n_params
        scalar_needs = [True] * self.n_params
        seen_params: set[int] = set()
        leaf_refs: dict[Value, Ref] = {}

        def constant(number: float) -> Ref:
            scalars.append(number)
            scalar_needs.append(False)
            return Ref(False, len(scalars) - 1)

        def leaf_ref(leaf: Value) -> Ref:
            known = leaf_refs.get(leaf)
            if known is None:
                if leaf in params:
                    seen_params.add(params[leaf])
                    known = Ref(False, params[leaf])
                elif leaf in input_rows:
                    known = Ref(True, input_rows[leaf])
                else:
                    known = constant(leaf._data)
                leaf_refs[leaf] = known
            return known

        # Pass 1: each computed node's operands, whether it is a row, and its depth.
        computed = [node for node in reversed(topological_order(output)) if not node.is_leaf]
        sources: dict[Value, list[Ref | Value]] = {}
        is_row: dict[Value, bool] = {}
        needs: dict[Value, bool] = {}
        depth: dict[Value, int] = {}
        node_refs: dict[Value, Ref] = {}
        steps: list[_ScalarStep] = []
        for node in computed:
            operands: list[Ref | Value] = []
            for k, operand in enumerate(node.operands):
                if isinstance(operand, Value):
                    operands.append(leaf_ref(operand) if operand.is_leaf else operand)
                elif (node, k) in input_rows:
                    operands.append(Ref(True, input_rows[(node, k)]))
                else:
                    operands.append(constant(operand))
            sources[node] = operands
            row_depths = [depth[p] if isinstance(p, Value) else 0 for p in operands if _is_row(p, is_row)]
            is_row[node] = bool(row_depths)
            needs[node] = any(_needs(p, needs, scalar_needs, grad_inputs) for p in operands)
            if row_depths:
                depth[node] = 1 + max(row_depths)
            else:
                rule = node.rule
                assert rule is not None
                refs = tuple(node_refs[p].slot if isinstance(p, Value) else p.slot for p in operands)
                scalars.append(node._data)
                scalar_needs.append(needs[node])
                node_refs[node] = Ref(False, len(scalars) - 1)
                steps.append(_ScalarStep(rule, len(scalars) - 1, refs, needs_power_check(node)))

        # Pass 2: group the row nodes and give each group consecutive rows, shallowest first.
        groups: dict[tuple[Any, ...], list[Value]] = {}
        for node in computed:
            if is_row[node]:
                pattern = tuple((_is_row(p, is_row), _needs(p, needs, scalar_needs, grad_inputs)) for p in sources[node])
                key = (depth[node], node.op, pattern, needs_power_check(node))
                groups.setdefault(key, []).append(node)
        ordered = sorted(groups.items(), key=lambda item: item[0][0])
        next_row = n_inputs
        for _, members in ordered:
            for node in members:
                node_refs[node] = Ref(True, next_row)
                next_row += 1

        def resolve(p: Ref | Value) -> Ref:
            return node_refs[p] if isinstance(p, Value) else p

        # Pass 3: an instruction per group.
        self.groups: list[_Group] = []
        for (_, _, pattern, power), members in ordered:
            first = node_refs[members[0]].slot
            out = slice(first, first + len(members))
            rule = members[0].rule
            assert rule is not None
            operand_refs = [[resolve(p) for p in sources[node]] for node in members]
            names = _Names(rule.name, tuple(m.label for m in members),
                           tuple(tuple(_label(p) for p in node.operands) for node in members))  # fmt: skip
            self.groups.append(_instruction(rule, out, operand_refs, pattern, power, names))

        self.n_rows = next_row
        self.scalars = scalars
        self.constants = np.array(scalars, dtype=np.float64)
        self.steps = steps
        self.output = resolve(output) if not output.is_leaf else leaf_ref(output)
        for index, node in enumerate(watch):
            if not node.is_leaf and node not in node_refs:
                raise ValueError(f"BatchedTape: watch[{index}] is not a node of the output's graph")
        self.watch = [resolve(node) if not node.is_leaf else leaf_ref(node) for node in watch]
        self.in_graph = [j in seen_params for j in range(self.n_params)]

    # ---- running ------------------------------------------------------------------------------

    def forward(self, parameters: Array, batch: Array, checked: bool) -> Pass:
        """Every node's value for these parameter values and this (samples x inputs) batch."""
        size = batch.shape[0]
        values = self.constants.copy()
        values[: self.n_params] = parameters
        if self.steps:  # nodes of parameters alone: float rules on floats, as the eager engine
            scalars = values.tolist()
            for step in self.steps:
                _scalar_forward(step, scalars, checked)
            values = np.array(scalars, dtype=np.float64)
        rows = np.empty((self.n_rows, size))
        rows[: self.n_inputs] = batch.T
        saved = [group.forward(rows, values, checked) for group in self.groups]
        return Pass(rows, values, size, saved)

    def read(self, run: Pass, ref: Ref) -> Array:
        """The value at ``ref`` for every sample of the pass ``run``."""
        column: Array = run.rows[ref.slot].copy() if ref.row else np.full(run.size, run.values[ref.slot])
        return column

    def backward(self, run: Pass, seed: Array, checked: bool) -> tuple[Array, Array]:
        """(d sum_s seed_s out_s / d parameter, per parameter; d out_s / d input * seed_s per sample).

        The zero-derivative rule (``ops.blocks``: a local derivative of exactly 0 passes 0 even
        where the gradient from above is inf or NaN) changes a result only where the plain
        products would make a NaN there, so the pass runs plainly and again, carefully, only when
        a result holds a NaN.
        """
        params, inputs = self._backward(run, seed, checked, careful=False)
        if np.isnan(params).any() or (self.grad_inputs and np.isnan(inputs).any()):
            params, inputs = self._backward(run, seed, checked, careful=True)
        return params, inputs

    def _backward(self, run: Pass, seed: Array, checked: bool, careful: bool) -> tuple[Array, Array]:
        row_grads = np.zeros((self.n_rows, run.size))
        scalar_grads = np.zeros(len(self.scalars))
        if self.output.row:
            row_grads[self.output.slot] += seed
        else:
            scalar_grads[self.output.slot] += seed.sum()
        for group, saved in zip(reversed(self.groups), reversed(run.saved), strict=True):
            group.backward(saved, row_grads, scalar_grads, checked, careful)
        if self.steps:  # nodes of parameters alone: float rules on floats
            grads = scalar_grads.tolist()
            values = run.values.tolist()
            for step in reversed(self.steps):
                upstream = grads[step.out]
                operands = [values[i] for i in step.operands]
                for index, local in zip(step.operands, step.rule.local_grads(*operands, values[step.out]), strict=True):
                    grads[index] += ops.contribution(upstream, local)
            scalar_grads = np.array(grads)
        return scalar_grads[: self.n_params].copy(), row_grads[: self.n_inputs].T.copy()


def _is_row(p: Ref | Value, is_row: Mapping[Value, bool]) -> bool:
    return is_row[p] if isinstance(p, Value) else p.row


def _needs(p: Ref | Value, needs: Mapping[Value, bool], scalar_needs: Sequence[bool], grad_inputs: bool) -> bool:
    """Does a gradient have to reach this operand (it leads to a parameter or a wanted input)?"""
    if isinstance(p, Value):
        return needs[p]
    return grad_inputs if p.row else scalar_needs[p.slot]


def _label(operand: Value | float) -> str:
    return operand.label if isinstance(operand, Value) else repr(operand)


def _instruction(
    rule: ops.Op, out: slice, refs: list[list[Ref]], pattern: tuple[tuple[bool, bool], ...], power: bool, names: _Names
) -> _Group:
    """A matrix product for a layer of dot nodes over shared rows, else the op's numpy rule."""
    if rule.name == "dot" and ops.OPS.get("dot") is rule:
        n = len(pattern) // 2
        kinds = [row for row, _ in pattern]
        for weights_half, inputs_half in ((slice(0, n), slice(n, 2 * n)), (slice(n, 2 * n), slice(0, n))):
            inputs = [tuple(r.slot for r in member[inputs_half]) for member in refs]
            if not any(kinds[weights_half]) and all(kinds[inputs_half]) and len(set(inputs)) == 1:
                needs = any(needs for _, needs in pattern[inputs_half])
                weights = [[r.slot for r in member[weights_half]] for member in refs]
                return _MatMul(rule, out, weights, _Read(True, inputs[0], needs), names)
    reads = [
        _Read(row, [member[position].slot for member in refs], needs)
        for position, (row, needs) in enumerate(pattern)
    ]
    return _Group(rule, out, reads, power, names)


def _scalar_forward(step: _ScalarStep, scalars: list[float], checked: bool) -> None:
    """One parameter-only node by its float rules, refused and checked as the eager engine does."""
    operands = [scalars[i] for i in step.operands]
    if step.check_power:
        check_power_base(operands[0], operands[1])
    result = step.rule.forward(*operands)
    if step.rule.refuse is not None:
        step.rule.refuse(*operands, result)
    if checked and not np.isfinite(result):
        raise AnomalyError(forward_anomaly_message(step.rule.name, result, [repr(v) for v in operands]))
    scalars[step.out] = result
