"""The ``Value`` type: one float, its gradient, and the record of how it was computed.

Each operation makes a new Value that keeps its parents (a tuple in operand order, so ``a*a``
has two entries) and the local derivative with respect to each parent, computed in the forward
pass from the rules in ``ops``. A node holds no closures and no references to its children, so
a graph is freed by reference counting the moment its last reference goes, and it pickles.

A plain number operand (the 0.999 in ``y * 0.999``) becomes its constant leaf only when someone
looks at ``parents`` or ``local_grads``: until then the node keeps the number itself, after the
local derivatives of its Value parents, as ``(position, number, local derivative)``. A constant
is not differentiated, so ``backward`` has no use for it; a long chain of ``y * 0.999 + 0.001``
allocates two objects fewer per step, and the cyclic garbage collector has less to traverse.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any, Union, cast

from . import ops
from .mode import ANOMALY, MODE, NO_GRAD, AnomalyError

if TYPE_CHECKING:
    from .graph import Graph

Number = int | float
Operand = Union["Value", int, float]

CONSTANT = "const"
"""The internal op of a constant leaf: a plain number that an operator turned into a Value."""

_REFUSED_TYPES = (bool, str, bytes, bytearray, complex)


def _describe(data: object) -> str:
    """A short, safe description of a refused value for an error message."""
    if isinstance(data, int) and not isinstance(data, bool):
        return f"an int with {len(str(abs(data)))} digits"
    text = repr(data)
    return text if len(text) <= 60 else text[:57] + "..."


def to_float(data: object, where: str = "Value") -> float:
    """Convert a real number to float, refusing bool, str, complex, Value and non-numbers."""
    kind = type(data)
    if kind is float:
        return data  # type: ignore[return-value]
    if kind is int:
        try:
            return float(data)  # type: ignore[arg-type]
        except OverflowError:
            raise OverflowError(f"{where}: {_describe(data)} is too large for a float") from None
    if isinstance(data, (_REFUSED_TYPES, Value)) or kind.__name__ in ("bool_", "bool"):
        raise TypeError(f"{where}: data must be a real number, got {kind.__name__}")
    if not hasattr(kind, "__float__"):
        raise TypeError(f"{where}: data must be a real number, got {kind.__name__}")
    try:
        result = float(data)  # type: ignore[arg-type]
    except OverflowError:
        raise OverflowError(f"{where}: {_describe(data)} is too large for a float") from None
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where}: data must be a real number, got {kind.__name__} ({error})") from None
    if type(result) is not float:
        raise TypeError(f"{where}: {kind.__name__}.__float__ returned {type(result).__name__}")
    return result


def _anomaly_check(out: Value, op: str, parents: tuple[Value, ...]) -> None:
    if math.isfinite(out._data):
        return
    names = [p.label or repr(p._data) for p in parents]
    raise AnomalyError(forward_anomaly_message(op, out._data, names))


def forward_anomaly_message(op: str, result: float, operand_names: Iterable[str]) -> str:
    """What detect_anomaly() says when ``op`` produced NaN or infinity (the eager engine and the tape)."""
    return f"{op}: forward produced {result!r} from ({', '.join(operand_names)})"


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back through it."""

    __slots__ = ("_data", "_grad", "label", "_op", "_parents", "_local_grads", "_pending", "__weakref__")

    # numpy scalars defer to our reflected operators instead of wrapping us in object arrays.
    __array_ufunc__ = None

    _data: float
    _grad: float | None
    label: str
    _op: str
    _parents: tuple[Value, ...]
    _local_grads: tuple[float, ...]
    # Scratch space for backward(): how many uses of this node are still to be processed. Set
    # only while backward runs; the slot fits in the padding of the object's 96-byte memory
    # block, so it costs no memory, and it saves a dictionary lookup per edge.
    _pending: int

    def __init__(self, data: Any, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
        self._data = to_float(data)
        self._grad = None
        self.label = label
        self._op = ""
        self._parents = ()
        self._local_grads = ()

    # ---- construction ---------------------------------------------------------------------

    @staticmethod
    def constant(data: float) -> Value:
        """A constant leaf: a number that takes part in a graph but is not differentiated."""
        out = _new(Value)
        out._data = float(data)
        out._grad = None
        out.label = ""
        out._op = CONSTANT
        out._parents = ()
        out._local_grads = ()
        return out

    @staticmethod
    def from_op(op: str, parents: Sequence[Value]) -> Value:
        """Apply the op named ``op`` (a key of ``ops.OPS``) to ``parents``."""
        rule = ops.OPS[op]
        if rule.arity >= 0 and len(parents) != rule.arity:
            raise TypeError(f"{op}: takes {rule.arity} operands, got {len(parents)}")
        parent_tuple = tuple(parents)
        inputs = tuple(p._data for p in parent_tuple)
        data = rule.forward(*inputs)
        return _record(data, op, parent_tuple, rule.local_grads(*inputs, data))

    # ---- public attributes ----------------------------------------------------------------

    @property
    def data(self) -> float:
        """The number this Value holds."""
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
    def op(self) -> str:
        """The name of the operation that made this Value, '' for a leaf."""
        return "" if self._op == CONSTANT else self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands this Value was computed from, in order, repeats kept."""
        if len(self._local_grads) != len(self._parents):
            _expand_constants(self)
        return self._parents

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d parent_i for each parent, computed in the forward pass."""
        if len(self._local_grads) != len(self._parents):
            _expand_constants(self)
        return self._local_grads

    @property
    def is_leaf(self) -> bool:
        """True for a Value with no parents (an input, a parameter or a constant)."""
        return not self._parents

    @property
    def is_constant(self) -> bool:
        """True for a number that an operator turned into a leaf, such as the 2 in ``2 * x``."""
        return self._op == CONSTANT

    # ---- Python protocol ------------------------------------------------------------------

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return self._data

    def __lt__(self, other: Operand) -> bool:
        return self._data < _compare_data(other, "<")

    def __le__(self, other: Operand) -> bool:
        return self._data <= _compare_data(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return self._data > _compare_data(other, ">")

    def __ge__(self, other: Operand) -> bool:
        return self._data >= _compare_data(other, ">=")

    # ---- arithmetic: the hot path writes the rules of ops.py inline -----------------------

    def __add__(self, other: Operand) -> Value:
        """a + b; d/da = 1, d/db = 1"""
        if type(other) is Value or isinstance(other, Value):
            return _record(self._data + other._data, "+", (self, other), _ONE_ONE)
        b = _number(other, "+")
        return _with_constant(self._data + b, "+", self, 1, b, 1.0, 1.0)

    def __radd__(self, other: Operand) -> Value:
        """b + a; d/db = 1, d/da = 1"""
        if isinstance(other, Value):
            return _record(other._data + self._data, "+", (other, self), _ONE_ONE)
        b = _number(other, "+")
        return _with_constant(b + self._data, "+", self, 0, b, 1.0, 1.0)

    def __sub__(self, other: Operand) -> Value:
        """a - b; d/da = 1, d/db = -1"""
        if type(other) is Value or isinstance(other, Value):
            return _record(self._data - other._data, "-", (self, other), _ONE_MINUS_ONE)
        b = _number(other, "-")
        return _with_constant(self._data - b, "-", self, 1, b, 1.0, -1.0)

    def __rsub__(self, other: Operand) -> Value:
        """b - a; d/db = 1, d/da = -1"""
        if isinstance(other, Value):
            return _record(other._data - self._data, "-", (other, self), _ONE_MINUS_ONE)
        b = _number(other, "-")
        return _with_constant(b - self._data, "-", self, 0, b, -1.0, 1.0)

    def __mul__(self, other: Operand) -> Value:
        """a * b; d/da = b, d/db = a"""
        x = self._data
        if type(other) is Value or isinstance(other, Value):
            y = other._data
            return _record(x * y, "*", (self, other), (y, x))
        b = _number(other, "*")
        return _with_constant(x * b, "*", self, 1, b, b, x)

    def __rmul__(self, other: Operand) -> Value:
        """b * a; d/db = a, d/da = b"""
        y = self._data
        if isinstance(other, Value):
            x = other._data
            return _record(x * y, "*", (other, self), (y, x))
        b = _number(other, "*")
        return _with_constant(b * y, "*", self, 0, b, b, y)

    def __truediv__(self, other: Operand) -> Value:
        """a / b; d/da = 1/b, d/db = -a/b**2"""
        if isinstance(other, Value):
            return _binary("/", self, other)
        return _binary_with_constant("/", self, 1, _number(other, "/"))

    def __rtruediv__(self, other: Operand) -> Value:
        """b / a; d/db = 1/a, d/da = -b/a**2"""
        if isinstance(other, Value):
            return _binary("/", other, self)
        return _binary_with_constant("/", self, 0, _number(other, "/"))

    def __pow__(self, other: Operand, modulo: None = None) -> Value:
        """a ** b; d/da = b * a**(b-1), d/db = a**b * log(a) (a Value exponent needs a > 0)"""
        if modulo is not None:
            raise TypeError("**: a modulo argument is not supported")
        if isinstance(other, Value):
            return _power(self, other)
        return _binary_with_constant("**", self, 1, _number(other, "**"))

    def __rpow__(self, other: Operand) -> Value:
        """b ** a with a number b > 0; d/da = b**a * log(b)"""
        if isinstance(other, Value):
            return _power(other, self)
        base = _number(other, "**")
        if self._op != CONSTANT:
            check_power_base(base, self._data)
        return _binary_with_constant("**", self, 0, base)

    def __neg__(self) -> Value:
        """-a; d/da = -1"""
        return _record(-self._data, "neg", (self,), (-1.0,))

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        """|a|; d/da = sign(a), taken as 0 at a = 0"""
        return _unary("abs", self)

    # ---- functions ------------------------------------------------------------------------

    def exp(self) -> Value:
        """e**a; d/da = e**a"""
        return _unary("exp", self)

    def log(self) -> Value:
        """ln(a) for a > 0; d/da = 1/a"""
        return _unary("log", self)

    def tanh(self) -> Value:
        """tanh(a); d/da = 1 - tanh(a)**2"""
        return _unary("tanh", self)

    def sigmoid(self) -> Value:
        """s(a) = 1 / (1 + e**-a), stable for every input; d/da = s(a) * (1 - s(a))"""
        return _unary("sigmoid", self)

    def relu(self) -> Value:
        """max(0, a); d/da = 1 for a > 0, and 0 for a <= 0 (so the derivative at exactly 0 is 0)"""
        if self._data > 0.0:
            return _record(self._data, "relu", (self,), _ONE)
        return _record(0.0, "relu", (self,), _ZERO)

    def leaky_relu(self) -> Value:
        """a for a > 0, else 0.01 a; d/da = 1 for a > 0, else 0.01 (also at exactly 0, as PyTorch)"""
        return _unary("leaky_relu", self)

    def softplus(self) -> Value:
        """log(1 + e**a), stable for every input; d/da = sigmoid(a)"""
        return _unary("softplus", self)

    def sin(self) -> Value:
        """sin(a); d/da = cos(a)"""
        return _unary("sin", self)

    def cos(self) -> Value:
        """cos(a); d/da = -sin(a)"""
        return _unary("cos", self)

    def sqrt(self) -> Value:
        """sqrt(a) for a >= 0; d/da = 1 / (2 sqrt(a))"""
        return _unary("sqrt", self)

    # ---- pickling --------------------------------------------------------------------------

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle without recursion, so a graph of any depth pickles.

        A leaf is its fields. A computed Value is a flat table of the computed nodes below it,
        parents before children, whose leaves stay Values: pickled once each, so they remain
        shared with anything else in the same pickle (a model's parameters, say).
        """
        if not self._parents:
            return (_rebuild_leaf, (self._data, self._grad, self.label, self._op))
        index: dict[Value, int] = {}
        table: list[tuple[Any, ...]] = []
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if node in index:
                continue
            if parents_done:
                refs = tuple(index[p] if p._parents else p for p in node._parents)
                index[node] = len(table)
                table.append((node._data, node._grad, node.label, node._op, refs, node._local_grads))
                continue
            stack.append((node, True))
            stack.extend((p, False) for p in node._parents if p._parents and p not in index)
        return (_rebuild_graph, (table,))

    # ---- graph-level helpers ---------------------------------------------------------------

    def detach(self) -> Value:
        """A new leaf with the same data and no history."""
        return Value(self._data, self.label)

    def backward(self, grad: float = 1.0) -> None:
        """Backpropagate from this Value: every leaf below it gains d self / d leaf * grad."""
        from .engine import backward  # engine sits above value; import at call time

        backward(self, grad)

    def draw(self, **options: Any) -> Graph:
        """A picture of the graph that ends at this Value; see ``autograd_lite.draw_graph``."""
        from .graph import draw_graph  # the picture layer sits above the engine

        return draw_graph(self, **options)


_new = object.__new__


def _rebuild_leaf(data: float, grad: float | None, label: str, op: str) -> Value:
    """Unpickle a leaf or a constant."""
    out = _new(Value)
    out._data, out._grad, out.label, out._op = data, grad, label, op
    out._parents = ()
    out._local_grads = ()
    return out


def _rebuild_graph(table: list[tuple[Any, ...]]) -> Value:
    """Unpickle a computed Value from the flat table ``__reduce__`` wrote; the root comes last."""
    nodes: list[Value] = []
    for data, grad, label, op, refs, local_grads in table:
        out = _new(Value)
        out._data, out._grad, out.label, out._op = data, grad, label, op
        out._parents = tuple(nodes[r] if type(r) is int else r for r in refs)
        out._local_grads = local_grads
        nodes.append(out)
    return nodes[-1]

# Local-gradient tuples that many nodes share instead of allocating their own.
_ONE = (1.0,)
_ZERO = (0.0,)
_ONE_ONE = (1.0, 1.0)
_ONE_MINUS_ONE = (1.0, -1.0)

# Two threads expanding the same node's constants must agree on one constant leaf per operand.
_EXPAND_LOCK = threading.Lock()


def _record(data: float, op: str, parents: tuple[Value, ...], local_grads: tuple[float, ...]) -> Value:
    """Make the node for one op's result, honouring no_grad and detect_anomaly."""
    out = _new(Value)
    out._data = data
    out._grad = None
    out.label = ""
    if MODE.get():
        return _record_in_mode(out, op, parents, local_grads)
    out._op = op
    out._parents = parents
    out._local_grads = local_grads
    return out


def _record_in_mode(out: Value, op: str, parents: tuple[Value, ...], local_grads: tuple[float, ...]) -> Value:
    """The rare path of ``_record``: inside no_grad() and/or detect_anomaly()."""
    mode = MODE.get()
    if mode & NO_GRAD:
        out._op = ""
        out._parents = ()
        out._local_grads = ()
    else:
        out._op = op
        out._parents = parents
        out._local_grads = local_grads
    if mode & ANOMALY:
        _anomaly_check(out, op, parents)
    return out


def _with_constant(
    data: float,
    op: str,
    parent: Value,
    position: int,
    constant: float,
    parent_grad: float,
    constant_grad: float,
) -> Value:
    """The node for a binary op between ``parent`` and a plain number at operand ``position``."""
    out = _new(Value)
    out._data = data
    out._grad = None
    out.label = ""
    if MODE.get():
        # Anomaly messages name every operand and no_grad records nothing: use a real constant.
        leaf = Value.constant(constant)
        if position:
            return _record_in_mode(out, op, (parent, leaf), (parent_grad, constant_grad))
        return _record_in_mode(out, op, (leaf, parent), (constant_grad, parent_grad))
    out._op = op
    out._parents = (parent,)
    out._local_grads = (parent_grad, position, constant, constant_grad)
    return out


def _record_operands(data: float, op: str, operands: Sequence[Value | float], local_grads: Sequence[float]) -> Value:
    """The node for an op whose operands mix Values and plain numbers (in operand order)."""
    parents = tuple(p for p in operands if isinstance(p, Value))
    if MODE.get() or not parents:
        # With no Value operand at all the node would look like a leaf: make real constants.
        leaves = tuple(p if isinstance(p, Value) else Value.constant(p) for p in operands)
        return _record(data, op, leaves, tuple(local_grads))
    value_grads = tuple(g for p, g in zip(operands, local_grads, strict=True) if isinstance(p, Value))
    tail: list[float] = []
    for position, (operand, local) in enumerate(zip(operands, local_grads, strict=True)):
        if not isinstance(operand, Value):
            tail += (position, operand, local)
    return _record(data, op, parents, (*value_grads, *tail))


def _expand_constants(node: Value) -> None:
    """Give each plain-number operand of ``node`` its constant leaf, in operand order (once)."""
    with _EXPAND_LOCK:
        parents, recorded = node._parents, node._local_grads
        count = len(parents)
        if len(recorded) == count:  # another thread expanded it while we waited
            return
        full_parents = list(parents)
        full_grads = list(recorded[:count])
        # Triples are in increasing position, so each insert lands at its final index.
        for at in range(count, len(recorded), 3):
            position = int(recorded[at])
            full_parents.insert(position, Value.constant(recorded[at + 1]))
            full_grads.insert(position, recorded[at + 2])
        node._parents = tuple(full_parents)
        node._local_grads = tuple(full_grads)


def _number(other: object, op: str) -> float:
    """The other side of a binary operator when it is not a Value: a real number as a float."""
    if type(other) is float:
        return other
    try:
        return to_float(other, op)
    except TypeError:
        raise TypeError(
            f"{op}: operands must be Values or real numbers, got {type(other).__name__}"
        ) from None


def _value_or_number(other: object, op: str) -> Value | float:
    """One operand of a variadic op: a Value as it is, anything else as a float (or TypeError)."""
    return other if isinstance(other, Value) else _number(other, op)


def _compare_data(other: object, op: str) -> float:
    return other._data if isinstance(other, Value) else to_float(other, op)


def _unary(op: str, a: Value) -> Value:
    rule = ops.OPS[op]
    x = a._data
    data = rule.forward(x)
    return _record(data, op, (a,), rule.local_grads(x, data))


def _binary(op: str, a: Value, b: Value) -> Value:
    rule = ops.OPS[op]
    x, y = a._data, b._data
    data = rule.forward(x, y)
    return _record(data, op, (a, b), rule.local_grads(x, y, data))


def _binary_with_constant(op: str, parent: Value, position: int, constant: float) -> Value:
    """``op`` between ``parent`` and a plain number standing at operand ``position``."""
    rule = ops.OPS[op]
    x = parent._data
    if position:
        data = rule.forward(x, constant)
        parent_grad, constant_grad = rule.local_grads(x, constant, data)
    else:
        data = rule.forward(constant, x)
        constant_grad, parent_grad = rule.local_grads(constant, x, data)
    return _with_constant(data, op, parent, position, constant, parent_grad, constant_grad)


def check_power_base(base: float, exponent: float) -> None:
    """Refuse base ** Value unless base > 0 (or NaN): d/db = a**b * log a needs log a."""
    if not base > 0.0 and not math.isnan(base):
        raise ValueError(
            f"**: the base must be > 0 when the exponent is a Value (d/db = a**b * log a), "
            f"got {base!r} ** Value({exponent!r})"
        )


def _power(a: Value, b: Value) -> Value:
    if b._op != CONSTANT:
        check_power_base(a._data, b._data)
    return _binary("**", a, b)


def value_sum(terms: Iterable[Operand], start: Operand = 0.0) -> Value:
    """One node for start + t_1 + ... + t_n; d/dt_i = 1 (shallower and faster than chained +)."""
    operands = tuple(terms)
    if not (isinstance(start, (int, float)) and not isinstance(start, bool) and start == 0):
        operands = (start, *operands)
    if not operands:
        return Value.constant(0.0)
    datas = [t._data for t in operands if type(t) is Value]
    if len(datas) == len(operands):
        parents = cast("tuple[Value, ...]", operands)
        return _record(ops.total(*datas), "sum", parents, (1.0,) * len(parents))
    mixed = [_value_or_number(t, "sum") for t in operands]
    total = ops.total(*(t._data if isinstance(t, Value) else t for t in mixed))
    return _record_operands(total, "sum", mixed, (1.0,) * len(mixed))


def logsumexp(terms: Iterable[Operand]) -> Value:
    """One node for log sum_i e**z_i, without overflow; d/dz_i = softmax(z)_i = e**(z_i - lse)."""
    mixed = [_value_or_number(t, "logsumexp") for t in terms]
    if not mixed:
        raise ValueError("logsumexp: needs at least one term")
    datas = [t._data if isinstance(t, Value) else t for t in mixed]
    out = ops.logsumexp(*datas)
    return _record_operands(out, "logsumexp", mixed, ops.OPS["logsumexp"].local_grads(*datas, out))


def dot(weights: Sequence[Operand], inputs: Sequence[Operand]) -> Value:
    """One node for w . x = sum_i w_i x_i; d/dw_i = x_i, d/dx_i = w_i."""
    n = len(weights)
    if n != len(inputs):
        raise ValueError(f"dot: lengths differ, got {n} weights and {len(inputs)} inputs")
    # The two common cases read every operand in one comprehension each: all Values (a hidden
    # layer), and Values times plain floats (a first layer fed rows of data).
    wd = [w._data for w in weights if type(w) is Value]
    if len(wd) == n:
        xd = [x._data for x in inputs if type(x) is Value]
        if len(xd) == n:
            parents = cast("tuple[Value, ...]", (*weights, *inputs))
            return _record(ops.dot_product(wd, xd), "dot", parents, (*xd, *wd))
        numbers = [x for x in inputs if type(x) is float]
        if len(numbers) == n and not MODE.get():
            constants = chain.from_iterable(zip(range(n, 2 * n), numbers, wd, strict=True))
            weight_parents = cast("tuple[Value, ...]", tuple(weights))
            return _record(ops.dot_product(wd, numbers), "dot", weight_parents, (*numbers, *constants))
    mixed = [_value_or_number(p, "dot") for p in (*weights, *inputs)]
    data = [p._data if isinstance(p, Value) else p for p in mixed]
    return _record_operands(ops.dot_product(data[:n], data[n:]), "dot", mixed, (*data[n:], *data[:n]))
