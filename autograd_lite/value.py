"""The ``Value`` type: one float, its gradient, and the record of how it was computed. With it you
write ``x * y + 1`` and get a node that knows its operands and the derivative with respect to
each, ready for ``backward()``.

Follow one op from end to end: ``x * y`` calls ``Value.__mul__``, the method ``_operator("*")``
made from the rule ``ops.OPS["*"]``. It computes the result with the rule's ``forward`` and the
local derivatives d(x*y)/dx = y and d(x*y)/dy = x with its ``local_grads``, and stores them in
the new node. ``backward`` (in ``engine``) later multiplies each by the upstream gradient. The
file reads: how a rule becomes a method, the Value type, then the ops with many operands and
``define_op`` for ops of your own.

How a node is stored, and why:

- The operands sit in two slots, ``_a`` and ``_b``, with their local derivatives in ``_da`` and
  ``_db`` (a one-operand op leaves ``_b`` None); an op with many operands (``dot``, ``sum``,
  ``logsumexp``) keeps a tuple of operands in ``_a`` and a tuple of derivatives in ``_da``. Slots
  rather than tuples because then a node is a single object the cyclic garbage collector must
  track, not three: that halves the memory of a node and the collector's share of a training step.
- A plain number operand (the 0.999 in ``y * 0.999``) is stored as the number itself. It takes no
  gradient, so backward has nothing to do with it; ``parents`` shows it as a constant leaf.
- A node holds no closures and no references to the nodes that use it, so a graph is freed by
  reference counting the moment its last reference goes, and it pickles. Nothing ever rewrites
  a node after it is made, so any number of threads may read a graph at once.
- ``_flow`` and ``_pending`` are the engine's scratch space during a backward pass (the gradient
  of this pass and the uses still to come); they mean nothing outside one.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

from . import ops
from .checked_io import describe, format_number, refuse_as_data, to_float
from .mode import ANOMALY, LIMITS, NO_GRAD, OPEN, AnomalyError, current
from .recording import OPEN_RECORDINGS, note_read

Operand = Union["Value", int, float]
Slot = Union["Value", float]


# ---- making nodes from rules: x * y runs the method _operator("*") made ------------------


def _function(name: str) -> Callable[[Value], Value]:
    """The method that applies the one-operand rule ``ops.OPS[name]``: ``x.exp()``, ``-x``, ..."""
    rule = ops.OPS[name]
    forward, local_grads, refuse = rule.forward, rule.local_grads, rule.refuse

    def method(self: Value) -> Value:
        x = self._data
        data = forward(x)
        (local,) = local_grads(x, data)
        out = _new(Value)
        out._data = data
        out._grad = None
        out._flow = None
        out._label = ""
        out._rule = rule
        out._a = self
        out._da = local
        out._b = None
        if OPEN.count:
            _check_new_node(out, (x,))
        elif refuse is not None:
            refuse(x, data)
        return out

    method.__name__ = method.__qualname__ = name
    method.__doc__ = forward.__doc__
    return method


def _operator(name: str, reflected: bool = False) -> Callable[[Value, Operand], Value]:
    """The method that applies the two-operand rule ``ops.OPS[name]``: ``a * b``, or with
    ``reflected`` ``b * a`` for a plain number b on the left (Python's ``__rmul__``)."""
    rule = ops.OPS[name]
    forward, local_grads, refuse = rule.forward, rule.local_grads, rule.refuse

    def method(self: Value, other: Operand) -> Value:
        # The operands in the order they were written; a plain number is stored as a float.
        # The two common cases first, tested by type alone: isinstance() and _number() are
        # calls, a tenth of the time of ``y * 0.999`` or more (timeit: 535 ns before, 482 after).
        b: Value | float
        y: float
        kind = type(other)
        if kind is Value or (kind is not float and isinstance(other, Value)):
            b = other
            y = other._data  # type: ignore[union-attr]  # a Value: mypy does not narrow on a saved type(x)
        elif kind is float:
            b = y = other  # type: ignore[assignment]
        else:
            b = y = _number(other, name)
        a: Value | float = self
        x = self._data
        if reflected:
            a, b, x, y = b, a, y, x
        data = forward(x, y)
        da, db = local_grads(x, y, data)
        out = _new(Value)
        out._data = data
        out._grad = None
        out._flow = None
        out._label = ""
        out._rule = rule
        out._a = a
        out._da = da
        out._b = b
        out._db = db
        if OPEN.count:
            _check_new_node(out, (x, y))
        elif refuse is not None:
            refuse(x, y, data)
        return out

    dunder = _DUNDER.get(name, name)
    method.__name__ = method.__qualname__ = f"__r{dunder}__" if reflected else f"__{dunder}__"
    method.__doc__ = forward.__doc__
    return method


# The Python method each built-in two-operand rule becomes.
_DUNDER = {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "**": "pow"}


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back through it."""

    __slots__ = ("_data", "_grad", "_label", "_rule", "_a", "_b", "_da", "_db", "_flow", "_pending",
                 "__dict__", "__weakref__")  # fmt: skip

    # numpy scalars defer to our reflected operators instead of wrapping us in object arrays.
    __array_ufunc__ = None

    _data: float
    _grad: float | None
    _label: str
    _rule: ops.Op | None
    _a: Slot | tuple[Slot, ...] | None
    _b: Slot | None
    _da: float | tuple[float, ...]
    _db: float
    _flow: float | None
    _pending: int

    def __init__(self, data: Any, label: str = "") -> None:
        self._data = to_float(data)
        self._grad = None
        self._label = _check_label(label, "Value")
        self._rule = None
        self._a = None
        self._b = None
        self._flow = None

    @staticmethod
    def constant(data: Any) -> Value:
        """A constant leaf: a number that takes part in a graph but is not differentiated."""
        out = _leaf(to_float(data, "Value.constant"))
        out._rule = CONSTANT
        return out

    # ---- what a node holds -----------------------------------------------------------------

    @property
    def data(self) -> float:
        """The number this Value holds (a read that ``recording()`` notes)."""
        if OPEN_RECORDINGS.count and self._rule is not CONSTANT:
            note_read("Value.data")
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = to_float(value, "Value.data")

    @property
    def grad(self) -> float:
        """d(output)/d(self) from the backward passes so far; 0.0 before any has reached it."""
        grad = self._grad
        return 0.0 if grad is None else grad

    @grad.setter
    def grad(self, value: Any) -> None:
        self._grad = to_float(value, "Value.grad")

    @property
    def grad_reached(self) -> bool:
        """False until a backward pass (or an assignment to ``grad``) has set the gradient."""
        return self._grad is not None

    def zero_grad(self) -> None:
        """Forget the gradient: back to 0.0 and not yet reached by a backward pass."""
        self._grad = None

    @property
    def label(self) -> str:
        """A name for pictures and messages ('' for none)."""
        return self._label

    @label.setter
    def label(self, text: str) -> None:
        self._label = _check_label(text, "Value.label")

    @property
    def op(self) -> str:
        """The name of the operation that made this Value (a key of ``ops.OPS``), '' for a leaf."""
        rule = self._rule
        return "" if rule is None or self._a is None else rule.name

    @property
    def operands(self) -> tuple[Value | float, ...]:
        """The operands in order, repeats kept: Values, and plain numbers as the numbers themselves."""
        a = self._a
        if a is None:
            return ()
        if type(a) is tuple:
            return a
        return (a,) if self._b is None else (a, self._b)  # type: ignore[return-value]  # a is a Slot here

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands in order, repeats kept, with each plain number shown as a new constant leaf."""
        return tuple(p if isinstance(p, Value) else Value.constant(p) for p in self.operands)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d operand_i for each operand, computed in the forward pass."""
        a = self._a
        if a is None:
            return ()
        if type(a) is tuple:
            return self._da  # type: ignore[return-value]  # a tuple exactly when _a is one
        return (self._da,) if self._b is None else (self._da, self._db)  # type: ignore[return-value]

    @property
    def is_leaf(self) -> bool:
        """True for a Value with no operands (an input, a parameter or a constant)."""
        return self._a is None

    @property
    def is_constant(self) -> bool:
        """True for a number that takes part in a graph without a gradient, such as ``Value.constant(2)``."""
        return self._rule is CONSTANT

    # ---- micrograd's names, so code written for micrograd and its lecture runs unchanged ------

    @property
    def _prev(self) -> frozenset[Value]:
        """micrograd's name: the set of this node's operands (plain numbers as constant leaves)."""
        return frozenset(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name for the operation: '+', '*', 'tanh', 'ReLU', '**2', ... ('' for a leaf)."""
        rule = self._rule
        if rule is None or self._a is None:
            return ""
        if rule.name == "**" and type(self._b) is float:
            return f"**{format_number(self._b)}"
        return rule.spelling or rule.name

    def _backward(self) -> None:
        """One node's chain-rule step, as micrograd's lecture calls it: operand.grad += self.grad * local
        (a local derivative of exactly 0 passes nothing on, as in ``backward``)."""
        upstream = self.grad
        for operand, local in zip(self.operands, self.local_grads, strict=True):
            if isinstance(operand, Value):
                operand._grad = operand.grad + ops.contribution(upstream, local)

    # ---- Python protocol -------------------------------------------------------------------

    def __repr__(self) -> str:
        label = f", label={self._label!r}" if self._label else ""
        return f"Value(data={self._data!r}, grad={self.grad!r}{label})"

    # Every way Python can get this Value's number: each is a read that recording() notes,
    # because a replay would keep whatever Python decided with the number.

    def __float__(self) -> float:
        if OPEN_RECORDINGS.count and self._rule is not CONSTANT:
            note_read("float()")
        return self._data

    def __int__(self) -> int:
        if OPEN_RECORDINGS.count and self._rule is not CONSTANT:
            note_read("int()")
        return int(self._data)

    def __bool__(self) -> bool:
        """``data != 0``, as for a float (so ``if v:`` tests the number, and a recording notes it)."""
        if OPEN_RECORDINGS.count and self._rule is not CONSTANT:
            note_read("bool()")
        return self._data != 0.0

    def __round__(self, ndigits: int | None = None) -> float | int:
        if OPEN_RECORDINGS.count and self._rule is not CONSTANT:
            note_read("round()")
        return round(self._data, ndigits)

    def __trunc__(self) -> int:
        if OPEN_RECORDINGS.count and self._rule is not CONSTANT:
            note_read("math.trunc()")
        return math.trunc(self._data)

    def __floor__(self) -> int:
        if OPEN_RECORDINGS.count and self._rule is not CONSTANT:
            note_read("math.floor()")
        return math.floor(self._data)

    def __ceil__(self) -> int:
        if OPEN_RECORDINGS.count and self._rule is not CONSTANT:
            note_read("math.ceil()")
        return math.ceil(self._data)

    def __format__(self, spec: str) -> str:
        """The repr for ``f"{v}"``; the number formatted as a float for ``f"{v:.3f}"`` (a read)."""
        if not spec:
            return repr(self)
        if OPEN_RECORDINGS.count and self._rule is not CONSTANT:
            note_read("format()")
        return format(self._data, spec)

    def __lt__(self, other: Operand) -> bool:
        if OPEN_RECORDINGS.count:
            _note_comparison(self, other, "<")
        return self._data < _compare_data(other, "<")

    def __le__(self, other: Operand) -> bool:
        if OPEN_RECORDINGS.count:
            _note_comparison(self, other, "<=")
        return self._data <= _compare_data(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        if OPEN_RECORDINGS.count:
            _note_comparison(self, other, ">")
        return self._data > _compare_data(other, ">")

    def __ge__(self, other: Operand) -> bool:
        if OPEN_RECORDINGS.count:
            _note_comparison(self, other, ">=")
        return self._data >= _compare_data(other, ">=")

    # ---- operators: each is its rule in ops.OPS, made into a method below the class --------

    __add__ = _operator("+")
    __radd__ = _operator("+", reflected=True)
    __sub__ = _operator("-")
    __rsub__ = _operator("-", reflected=True)
    __mul__ = _operator("*")
    __rmul__ = _operator("*", reflected=True)
    __truediv__ = _operator("/")
    __rtruediv__ = _operator("/", reflected=True)

    def __pow__(self, other: Operand, modulo: None = None) -> Value:
        """a ** b; d/da = b * a**(b-1), d/db = a**b * log(a) (a Value exponent needs a >= 0)"""
        if modulo is not None:
            raise TypeError("**: a modulo argument is not supported")
        if isinstance(other, Value) and not other.is_constant:
            check_power_base(self._data, other._data)
        return _POWER(self, other)

    def __rpow__(self, other: Operand) -> Value:
        """b ** a with a number b >= 0; d/da = b**a * log(b)"""
        base = _number(other, "**")
        if not self.is_constant:
            check_power_base(base, self._data)
        return _POWER_REFLECTED(self, base)

    __neg__ = _function("neg")

    def __pos__(self) -> Value:
        return self

    __abs__ = _function("abs")

    # ---- functions: each is its rule in ops.OPS ----------------------------------------------

    exp = _function("exp")
    log = _function("log")
    tanh = _function("tanh")
    sigmoid = _function("sigmoid")
    relu = _function("relu")
    leaky_relu = _function("leaky_relu")
    softplus = _function("softplus")
    sin = _function("sin")
    cos = _function("cos")
    sqrt = _function("sqrt")

    # ---- the graph as a whole ----------------------------------------------------------------

    def detach(self) -> Value:
        """A new leaf with the same data and no history (a read: the number leaves the graph)."""
        if OPEN_RECORDINGS.count and self._rule is not CONSTANT:
            note_read("detach()")
        return Value(self._data, self._label)

    def backward(self, grad: float = 1.0) -> None:
        """Backpropagate from this Value: every leaf below it gains d self / d leaf * grad."""
        from .engine import backward  # the engine sits above value: import at call time, as PyTorch does

        backward(self, grad)

    def draw(self, **options: Any) -> Any:
        """A picture of the graph that ends at this Value; see ``autograd_lite.draw_graph``."""
        if _drawer is None:
            raise RuntimeError("Value.draw: the pictures are not loaded; import autograd_lite.pictures")
        return _drawer(self, **options)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle without recursion, so a graph of any depth pickles.

        A leaf is its fields. A computed Value is a flat table of the computed nodes below it,
        operands before users, whose leaves stay Values: pickled once each, so they remain
        shared with anything else in the same pickle (a model's parameters, say).
        """
        extra = _own_attributes(self)
        if self._a is None:
            return (_rebuild_leaf, (self._data, self._grad, self._label, self._rule is CONSTANT, extra))
        index: dict[Value, int] = {}
        table: list[tuple[Any, ...]] = []
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, operands_done = stack.pop()
            if node in index:
                continue
            if operands_done:
                refs = tuple(index[p] if isinstance(p, Value) and p._a is not None else p for p in node.operands)
                index[node] = len(table)
                rule = node._rule
                assert rule is not None
                table.append((node._data, node._grad, node._label, rule.name, refs, node.local_grads,
                              _own_attributes(node)))  # fmt: skip
                continue
            stack.append((node, True))
            stack.extend((p, False) for p in node.operands if isinstance(p, Value) and p._a is not None and p not in index)
        return (_rebuild_graph, (table,))


refuse_as_data(Value)

CONSTANT = ops.Op("constant", 0, float, lambda out: (), lambda out: (), ops.ALL, True, spelling="")
"""The rule of a constant leaf: it marks the leaf (``is_constant``); no op ever applies it."""

_POWER = _operator("**")
_POWER_REFLECTED = _operator("**", reflected=True)

_new = object.__new__
_drawer: Callable[..., Any] | None = None


def register_drawer(draw: Callable[..., Any]) -> None:
    """Let ``Value.draw()`` reach the pictures, which sit above the engine and register themselves."""
    global _drawer
    _drawer = draw


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


def _check_label(label: object, where: str) -> str:
    if not isinstance(label, str):
        raise TypeError(f"{where}: label must be a str, got {type(label).__name__}")
    return label


def _leaf(data: float) -> Value:
    """A new leaf holding ``data``, already a float."""
    out = _new(Value)
    out._data = data
    out._grad = None
    out._label = ""
    out._rule = None
    out._a = None
    out._b = None
    out._flow = None
    return out


def _rebuild_leaf(data: float, grad: float | None, label: str, constant: bool, extra: dict[str, Any] | None) -> Value:
    """Unpickle a leaf or a constant."""
    out = _leaf(data)
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
        out = _leaf(data)
        out._grad, out._label, out._rule = grad, label, rule
        operands = tuple(nodes[r] if type(r) is int else r for r in refs)
        if rule.arity == -1:
            out._a, out._da = operands, tuple(local_grads)
        else:
            out._a, out._da = operands[0], local_grads[0]
            if len(operands) == 2:
                out._b, out._db = operands[1], local_grads[1]
        if extra:
            out.__dict__.update(extra)
        nodes.append(out)
    return nodes[-1]


def _variadic(rule: ops.Op, operands: tuple[Slot, ...], inputs: Sequence[float]) -> Value:
    """The node for ``rule`` applied to many operands (Values and plain numbers) at once."""
    data = rule.forward(*inputs)
    out = _new(Value)
    out._data = data
    out._grad = None
    out._flow = None
    out._label = ""
    out._rule = rule
    out._a = operands
    out._da = rule.local_grads(*inputs, data)
    out._b = None
    if OPEN.count or rule.refuse is not None:
        _check_new_node(out, inputs)
    return out


def _check_new_node(out: Value, inputs: Sequence[float]) -> None:
    """The rare path of making a node: a refused input, or a no_grad or detect_anomaly block."""
    flags = current() if OPEN.count else 0
    rule = out._rule
    assert rule is not None
    if rule.refuse is not None and not flags & LIMITS:
        rule.refuse(*inputs, out._data)
    if flags & ANOMALY and not flags & LIMITS and not math.isfinite(out._data):
        names = [p.label or repr(p.data) if isinstance(p, Value) else repr(p) for p in out.operands]
        raise AnomalyError(forward_anomaly_message(rule.name, out._data, names))
    if flags & NO_GRAD:
        if OPEN_RECORDINGS.count and any(isinstance(p, Value) and not p.is_constant for p in out.operands):
            note_read(f"{rule.name} inside no_grad()")  # the result is a number cut loose from the graph
        out._rule = None
        out._a = None
        out._b = None
        del out._da
        if hasattr(out, "_db"):
            del out._db


def forward_anomaly_message(op: str, result: float, operand_names: Iterable[str]) -> str:
    """What detect_anomaly() says when ``op`` produced NaN or infinity (the eager engine and the tape)."""
    return f"{op}: forward produced {result!r} from ({', '.join(operand_names)})"


def _number(other: object, op: str) -> float:
    """The other side of a binary operator when it is not a Value: a real number as a float."""
    if type(other) is float:
        return other
    try:
        return to_float(other, op)
    except TypeError:
        raise TypeError(f"{op}: operands must be Values or real numbers, got {type(other).__name__}") from None


def _compare_data(other: object, op: str) -> float:
    return other._data if isinstance(other, Value) else to_float(other, op)


def _note_comparison(value: Value, other: object, op: str) -> None:
    """A comparison reads the number of each side that is a Value and not a constant."""
    if not value.is_constant or (isinstance(other, Value) and not other.is_constant):
        note_read(f"comparison {op}")


def check_power_base(base: float, exponent: float) -> None:
    """Refuse base ** Value for a negative base: d/db = a**b * log a, and a**b would be complex."""
    if base < 0.0:
        raise ValueError(
            f"**: the base must be >= 0 when the exponent is a Value (d/db = a**b * log a), "
            f"got {base!r} ** Value({exponent!r})"
        )


def needs_power_check(node: Value) -> bool:
    """True for a node ``a ** b`` whose exponent is a Value and not a constant: on every replay its
    base must pass ``check_power_base``, as it did when ``__pow__`` made it."""
    if node.op != "**":
        return False
    exponent = node.operands[1]
    return isinstance(exponent, Value) and not exponent.is_constant


def _slot(operand: object, op: str) -> Slot:
    """One operand of a variadic op: a Value as it is, anything else as a float (or TypeError)."""
    return operand if isinstance(operand, Value) else _number(operand, op)


def _data_of(operands: Sequence[Slot]) -> list[float]:
    return [p._data if isinstance(p, Value) else p for p in operands]


# ---- ops with many operands -------------------------------------------------------------------


def value_sum(terms: Iterable[Operand], start: Operand = 0.0) -> Value:
    """One node for start + t_1 + ... + t_n; d/dt_i = 1 (shallower and faster than chained +)."""
    operands = [_slot(t, "sum") for t in terms]
    if not (isinstance(start, (int, float)) and not isinstance(start, bool) and start == 0):
        operands.insert(0, _slot(start, "sum"))
    if not operands:
        return Value.constant(0.0)
    return _variadic(ops.OPS["sum"], tuple(operands), _data_of(operands))


def logsumexp(terms: Iterable[Operand]) -> Value:
    """One node for log sum_i e**z_i, without overflow; d/dz_i = softmax(z)_i = e**(z_i - lse)."""
    operands = tuple(_slot(t, "logsumexp") for t in terms)
    if not operands:
        raise ValueError("logsumexp: needs at least one term")
    return _variadic(ops.OPS["logsumexp"], operands, _data_of(operands))


def dot(weights: Sequence[Operand], inputs: Sequence[Operand]) -> Value:
    """One node for w . x = sum_i w_i x_i; d/dw_i = x_i, d/dx_i = w_i."""
    n = len(weights)
    if n != len(inputs):
        raise ValueError(f"dot: lengths differ, got {n} weights and {len(inputs)} inputs")
    # The common cases read every operand in one comprehension each: Values times Values (a
    # hidden layer) and Values times plain floats (a first layer fed rows of data).
    wd = [w._data for w in weights if type(w) is Value]
    xd = [x._data for x in inputs if type(x) is Value]
    if len(xd) != n:
        xd = [x for x in inputs if type(x) is float]
    if len(wd) != n or len(xd) != n:
        operands = tuple(_slot(p, "dot") for p in (*weights, *inputs))
        data = _data_of(operands)
        wd, xd = data[:n], data[n:]
    else:
        operands = (*weights, *inputs)
    rule = _DOT
    out = _new(Value)
    out._data = ops.dot_product(wd, xd)
    out._grad = None
    out._flow = None
    out._label = ""
    out._rule = rule
    out._a = operands
    out._da = (*xd, *wd)
    out._b = None
    if OPEN.count:
        _check_new_node(out, (*wd, *xd))
    return out


_DOT = ops.OPS["dot"]


# ---- ops of your own ------------------------------------------------------------------------


def apply(op: str, *operands: Operand) -> Value:
    """Apply the op named ``op`` (a key of ``ops.OPS``, including your own) to ``operands``."""
    rule = ops.OPS.get(op)
    if rule is None:
        raise ValueError(f"apply: no op named {describe(op)}")
    if rule.arity != -1 and len(operands) != rule.arity:
        raise TypeError(f"{op}: takes {rule.arity} operand{'s' if rule.arity > 1 else ''}, got {len(operands)}")
    slots = tuple(_slot(p, op) for p in operands)
    if rule.arity == -1:
        return _variadic(rule, slots, _data_of(slots))
    first: Slot = slots[0]
    if not any(isinstance(p, Value) for p in slots):
        first = Value.constant(first)  # plain numbers only: a constant leaf, so the result is a computed node
    if rule.arity == 1:
        return _made(op, "one")(first)
    second = slots[1]
    if isinstance(first, Value):
        return _made(op, "two")(first, second)
    return _made(op, "reflected")(second, first)


def _made(op: str, kind: str) -> Callable[..., Value]:
    """The method ``_function`` or ``_operator`` makes for ``op``, made once per rule."""
    key = (op, kind)
    rule = ops.OPS[op]
    made = _METHODS.get(key)
    # A rule deleted from OPS and defined again under its name is a new rule, with a new method.
    if made is None or made[0] is not rule:
        made = (rule, _function(op) if kind == "one" else _operator(op, reflected=kind == "reflected"))
        _METHODS[key] = made
    return made[1]


_METHODS: dict[tuple[str, str], tuple[ops.Op, Callable[..., Value]]] = {}


def define_op(
    name: str,
    forward: ops.FloatFn,
    local_grads: ops.LocalGradFn,
    value_grads: ops.ValueGradFn,
    *,
    arity: int = 1,
    domain: ops.Domain = ops.ALL,
    commutative: bool = False,
    refuse: ops.RefuseFn | None = None,
) -> Callable[..., Value]:
    """Add an op to the table and return a function that applies it to Values or numbers.

    ``forward(*inputs)`` gives the result on floats; ``local_grads(*inputs, out)`` its derivative
    with respect to each input, on floats; ``value_grads(*inputs, out)`` the same derivatives
    built from Values, so ``grad(create_graph=True)`` can differentiate them again. Check all
    three with ``gradcheck(fn, point, order=2)``. ``arity`` is 1, 2 or -1 (any number of
    operands). What your rules return is checked on every call, as ``Value(...)`` checks data:
    an int becomes a float; a complex number, a str or None, or a count of derivatives other
    than one per operand, is refused naming the op.
    """
    given = ops.Op(name, arity, forward, local_grads, value_grads, domain, commutative, refuse, name)
    ops.check_new_rule(given)
    # The checks wrap your rules here, once: the built-in rules are trusted and run unwrapped.
    rule = ops.register(
        given._replace(
            forward=_checked_forward(name, forward),
            local_grads=_checked_derivatives(name, "local_grads", local_grads, _rule_number),
            value_grads=_checked_derivatives(name, "value_grads", value_grads, _rule_value),
        )
    )

    def applied(*operands: Operand) -> Value:
        return apply(rule.name, *operands)

    applied.__name__ = applied.__qualname__ = name
    applied.__doc__ = forward.__doc__
    return applied


def _checked_forward(op: str, forward: ops.FloatFn) -> ops.FloatFn:
    """``forward`` with its result checked as ``Value(...)`` checks data, naming ``op``."""

    @functools.wraps(forward)
    def checked(*inputs: float) -> float:
        return _rule_number(forward(*inputs), op, "the result of forward")

    return checked


def _checked_derivatives(
    op: str, which: str, rule: Callable[..., Any], check: Callable[[object, str, str], Any]
) -> Callable[..., tuple[Any, ...]]:
    """``rule`` (local_grads or value_grads of ``op``) checked on every call: a tuple or list of one
    derivative per operand, each passed through ``check``."""

    @functools.wraps(rule)
    def checked(*inputs_then_out: Any) -> tuple[Any, ...]:
        derivatives = rule(*inputs_then_out)
        expected = len(inputs_then_out) - 1
        if not isinstance(derivatives, (tuple, list)):
            kind = type(derivatives).__name__
            raise TypeError(f"{op}: {which} must return a tuple of one derivative per operand, got {kind}")
        if len(derivatives) != expected:
            given, operands = _count(len(derivatives), "derivative"), _count(expected, "operand")
            raise ValueError(f"{op}: {which} gave {given} for {operands}; it must give one per operand")
        return tuple([check(d, op, f"{which}[{i}]") for i, d in enumerate(derivatives)])

    return checked


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _rule_number(number: object, op: str, what: str) -> float:
    """A number a rule of your own gave, as a float (what ``Value(...)`` takes), or an error naming ``op``."""
    if type(number) is float:
        return number
    try:
        return to_float(number, op)
    except TypeError:
        kind = type(number).__name__
        raise TypeError(f"{op}: {what} must be a real number, got {kind} {describe(number)}") from None
    except OverflowError:
        raise OverflowError(f"{op}: {what} is {describe(number)}, too large for a float") from None


def _rule_value(derivative: object, op: str, what: str) -> Value | float:
    """A derivative ``value_grads`` gave: a Value as it is, a plain number as ``_rule_number`` takes it."""
    return derivative if isinstance(derivative, Value) else _rule_number(derivative, op, what)
