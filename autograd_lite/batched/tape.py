"""``BatchedTape``: record one sample's graph, then run its forward and backward passes for a
whole batch of samples at once.

>>> from autograd_lite import Value
>>> from autograd_lite.batched import BatchedTape
>>> x, w = Value(1.0), Value(3.0)
>>> tape = BatchedTape(w * x + x, inputs=[x], parameters=[w])
>>> tape.forward([[1.0], [2.0]]).tolist()
[4.0, 8.0]
>>> tape.backward().tolist()                  # d/dw of out_1 + out_2 = x_1 + x_2
[3.0]

``inputs`` are the leaves that take a new value in every sample (a row of the batch each);
``parameters`` are shared by all samples, and their gradient is the sum over the batch, the
classic mini-batch rule (give ``seed=1/len(batch)`` for a mean). The recorded graph is
*define-and-run*, as a ``Tape``: a branch taken in Python is frozen as recorded, and leaves that
are neither inputs nor parameters keep their recorded values.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..mode import ANOMALY, OPEN, current
from ..recording import Recording
from ..value import Value
from .program import Pass, Program
from .rules import Array


def _leaves(values: Iterable[Value], what: str) -> tuple[Value, ...]:
    chosen = tuple(values)
    for index, leaf in enumerate(chosen):
        if not isinstance(leaf, Value):
            raise TypeError(f"BatchedTape: {what}[{index}] must be a Value, got {type(leaf).__name__}")
        if not leaf.is_leaf:
            raise ValueError(f"BatchedTape: {what}[{index}] was computed by {leaf.op!r}; it must be a leaf")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"BatchedTape: a Value is listed twice in {what}")
    return chosen


def _real_array(data: Any, where: str) -> Array:
    """``data`` as a float64 array; TypeError for booleans, text and other things that are not numbers."""
    raw = np.asarray(data)
    if raw.dtype.kind not in "iuf":
        raise TypeError(f"{where}: expected real numbers, got an array of {raw.dtype}")
    return np.asarray(raw, dtype=np.float64)


class _Workspace:
    """One thread's last forward pass and its input gradients."""

    __slots__ = ("run", "input_grads")

    def __init__(self) -> None:
        self.run: Pass | None = None
        self.input_grads: Array = np.empty((0, 0))


class BatchedTape:
    """One sample's graph below ``output``, replayed for many samples at once with numpy.

    Threads may share a BatchedTape: each thread's ``forward`` and ``backward`` use its own
    workspace. As for a ``Tape``, give ``recording=`` to prove that Python read no number while
    the graph was built (or be refused with ``ReplayRefused``).
    """

    __slots__ = ("_program", "_inputs", "_parameters", "_local")

    def __init__(
        self,
        output: Value,
        inputs: Iterable[Value],
        parameters: Iterable[Value],
        *,
        watch: Iterable[Value] = (),
        recording: Recording | None = None,
        input_grads: bool = True,
    ) -> None:
        """Record the graph below ``output``; ``watch`` names other nodes whose per-sample values you
        want; ``input_grads=False`` spares ``backward`` the per-sample input gradients."""
        if not isinstance(output, Value):
            raise TypeError(f"BatchedTape: output must be a Value, got {type(output).__name__}")
        if recording is not None:
            recording.refuse("BatchedTape")
        chosen = _leaves(inputs, "inputs")
        params = _leaves(parameters, "parameters")
        if set(chosen) & set(params):
            raise ValueError("BatchedTape: a Value cannot be both an input and a parameter")
        watched = list(watch)
        for index, node in enumerate(watched):
            if not isinstance(node, Value):
                raise TypeError(f"BatchedTape: watch[{index}] must be a Value, got {type(node).__name__}")
        rows: dict[Any, int] = {leaf: index for index, leaf in enumerate(chosen)}
        program = Program(output, params, rows, len(chosen), input_grads, watched)
        self._setup(program, chosen, params)

    @classmethod
    def from_program(cls, program: Program, parameters: Sequence[Value]) -> BatchedTape:
        """A tape around a compiled program whose inputs are numbers, not leaves (``record_batch``)."""
        tape = cls.__new__(cls)
        tape._setup(program, (), tuple(parameters))
        return tape

    def _setup(self, program: Program, inputs: tuple[Value, ...], parameters: tuple[Value, ...]) -> None:
        self._program = program
        self._inputs = inputs
        self._parameters = parameters
        self._local = threading.local()

    def _workspace(self) -> _Workspace:
        try:
            workspace: _Workspace = self._local.workspace
        except AttributeError:
            workspace = self._local.workspace = _Workspace()
        return workspace

    # ---- what was recorded --------------------------------------------------------------------

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The leaves that take a value per sample, in the order of a batch row's columns."""
        return self._inputs

    @property
    def parameters(self) -> tuple[Value, ...]:
        """The leaves shared by every sample, whose gradients ``backward`` sums over the batch."""
        return self._parameters

    @property
    def uses(self) -> tuple[bool, ...]:
        """For each parameter, whether the recorded graph uses it (one it does not use gets no gradient)."""
        return tuple(self._program.in_graph)

    @property
    def width(self) -> int:
        """How many numbers each row of a batch holds."""
        return self._program.n_inputs

    @property
    def calls(self) -> int:
        """How many grouped operations (numpy calls) one forward pass makes, whatever the batch size."""
        return len(self._program.groups)

    def __repr__(self) -> str:
        return f"BatchedTape({self.calls} grouped operations, {self.width} inputs, {len(self._parameters)} parameters)"

    # ---- the passes ---------------------------------------------------------------------------

    def forward(self, batch: Any, parameters: Any = None) -> Array:
        """Each sample's output: ``batch`` has one row per sample, one column per input.

        ``parameters`` gives the parameters' values in order; by default their ``.data``.
        """
        rows = _real_array(batch, "BatchedTape.forward")
        if rows.ndim != 2 or rows.shape[1] != self.width or rows.shape[0] == 0:
            raise ValueError(
                f"BatchedTape.forward: batch must have shape (samples >= 1, {self.width}), got {rows.shape}"
            )
        if parameters is None:
            values = np.array([p._data for p in self._parameters], dtype=np.float64)
        else:
            values = _real_array(parameters, "BatchedTape.forward")
            if values.shape != (len(self._parameters),):
                raise ValueError(f"BatchedTape.forward: expected {len(self._parameters)} parameter values")
        workspace = self._workspace()
        workspace.run = None
        with np.errstate(all="ignore"):
            run = self._program.forward(values, rows, _checked())
        workspace.run = run
        return self._program.read(run, self._program.output)

    def watched(self) -> list[Array]:
        """The per-sample values this thread's last ``forward`` gave the nodes named in ``watch``."""
        run = self._last_run("watched")
        return [self._program.read(run, ref) for ref in self._program.watch]

    def backward(self, seed: Any = 1.0) -> Array:
        """d (sum over samples of seed_s * output_s) / d parameter, for each parameter.

        ``seed`` is one number for every sample or one per sample; 1/len(batch) gives the
        gradient of the batch's mean. Per-sample input gradients are in ``input_grads()``.
        """
        run = self._last_run("backward")
        weights = np.broadcast_to(_real_array(seed, "BatchedTape.backward"), (run.size,))
        with np.errstate(all="ignore"):
            grads, input_grads = self._program.backward(run, weights, _checked())
        self._workspace().input_grads = input_grads
        return grads

    def input_grads(self) -> Array:
        """d output_s / d input * seed_s for every sample and input, from this thread's last ``backward``."""
        if not self._program.grad_inputs:
            raise RuntimeError("BatchedTape.input_grads: this tape was made with input_grads=False")
        grads: Array = self._workspace().input_grads.copy()
        return grads

    def value_and_grad(self, batch: Any, parameters: Any = None, seed: Any = 1.0) -> tuple[Array, Array]:
        """``forward(batch, parameters)`` and then ``backward(seed)``."""
        outputs = self.forward(batch, parameters)
        return outputs, self.backward(seed)

    def replay(self, batch: Any, seed: Any = 1.0) -> Array:
        """Forward at the parameters' ``.data``, then add the summed gradients to their ``.grad``."""
        outputs = self.forward(batch)
        grads = self.backward(seed).tolist()
        for param, total, used in zip(self._parameters, grads, self._program.in_graph, strict=True):
            if used:
                so_far = param._grad
                param._grad = total if so_far is None else so_far + total
        return outputs

    def _last_run(self, where: str) -> Pass:
        run = self._workspace().run
        if run is None:
            raise RuntimeError(f"BatchedTape.{where}: call forward() first (the last forward failed or never ran)")
        return run


def _checked() -> bool:
    """Is a detect_anomaly() block open in this context?"""
    return bool(OPEN.count and current() & ANOMALY)
