"""The ``Value`` type: one float, its gradient, and the record of how it was computed.

Each operation makes a new Value that keeps its parents (a tuple in operand order, so ``a*a``
has two entries) and the local derivative with respect to each parent, computed in the forward
pass from the rules in ``ops``. A node holds no closures and no references to its children, so
a graph is freed by reference counting the moment its last reference goes, and it pickles.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Union

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
    names = ", ".join(p.label or repr(p._data) for p in parents)
    raise AnomalyError(f"{op}: forward produced {out._data!r} from ({names})")


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back through it."""

    __slots__ = ("_data", "_grad", "label", "_op", "_parents", "_local_grads", "__weakref__")

    # numpy scalars defer to our reflected operators instead of wrapping us in object arrays.
    __array_ufunc__ = None

    _data: float
    _grad: float | None
    label: str
    _op: str
    _parents: tuple[Value, ...]
    _local_grads: tuple[float, ...]

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
        return self._parents

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d parent_i for each parent, computed in the forward pass."""
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
        b = other if type(other) is Value else _operand(other, "+")
        return _record(self._data + b._data, "+", (self, b), (1.0, 1.0))

    def __radd__(self, other: Operand) -> Value:
        """b + a; d/db = 1, d/da = 1"""
        a = _operand(other, "+")
        return _record(a._data + self._data, "+", (a, self), (1.0, 1.0))

    def __sub__(self, other: Operand) -> Value:
        """a - b; d/da = 1, d/db = -1"""
        b = other if type(other) is Value else _operand(other, "-")
        return _record(self._data - b._data, "-", (self, b), (1.0, -1.0))

    def __rsub__(self, other: Operand) -> Value:
        """b - a; d/db = 1, d/da = -1"""
        a = _operand(other, "-")
        return _record(a._data - self._data, "-", (a, self), (1.0, -1.0))

    def __mul__(self, other: Operand) -> Value:
        """a * b; d/da = b, d/db = a"""
        b = other if type(other) is Value else _operand(other, "*")
        x, y = self._data, b._data
        return _record(x * y, "*", (self, b), (y, x))

    def __rmul__(self, other: Operand) -> Value:
        """b * a; d/db = a, d/da = b"""
        a = _operand(other, "*")
        x, y = a._data, self._data
        return _record(x * y, "*", (a, self), (y, x))

    def __truediv__(self, other: Operand) -> Value:
        """a / b; d/da = 1/b, d/db = -a/b**2"""
        b = other if type(other) is Value else _operand(other, "/")
        return _binary("/", self, b)

    def __rtruediv__(self, other: Operand) -> Value:
        """b / a; d/db = 1/a, d/da = -b/a**2"""
        return _binary("/", _operand(other, "/"), self)

    def __pow__(self, other: Operand, modulo: None = None) -> Value:
        """a ** b; d/da = b * a**(b-1), d/db = a**b * log(a) (a Value exponent needs a > 0)"""
        if modulo is not None:
            raise TypeError("**: a modulo argument is not supported")
        b = other if type(other) is Value else _operand(other, "**")
        return _power(self, b)

    def __rpow__(self, other: Operand) -> Value:
        """b ** a with a number b > 0; d/da = b**a * log(b)"""
        return _power(_operand(other, "**"), self)

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
        x = self._data
        return _record(x if x > 0.0 else 0.0, "relu", (self,), (1.0 if x > 0.0 else 0.0,))

    def sin(self) -> Value:
        """sin(a); d/da = cos(a)"""
        return _unary("sin", self)

    def cos(self) -> Value:
        """cos(a); d/da = -sin(a)"""
        return _unary("cos", self)

    def sqrt(self) -> Value:
        """sqrt(a) for a >= 0; d/da = 1 / (2 sqrt(a))"""
        return _unary("sqrt", self)

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


def _record(data: float, op: str, parents: tuple[Value, ...], local_grads: tuple[float, ...]) -> Value:
    """Make the node for one op's result, honouring no_grad and detect_anomaly."""
    out = _new(Value)
    out._data = data
    out._grad = None
    out.label = ""
    mode = MODE.get()
    if not mode:
        out._op = op
        out._parents = parents
        out._local_grads = local_grads
        return out
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


def _operand(other: object, op: str) -> Value:
    """The other side of a binary operator: a Value as it is, a real number as a constant."""
    if type(other) is Value:
        return other
    if isinstance(other, Value):
        return other
    try:
        return Value.constant(to_float(other, op))
    except TypeError:
        raise TypeError(
            f"{op}: operands must be Values or real numbers, got {type(other).__name__}"
        ) from None


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


def _power(a: Value, b: Value) -> Value:
    if b._op != CONSTANT and not a._data > 0.0 and not math.isnan(a._data):
        raise ValueError(
            f"**: the base must be > 0 when the exponent is a Value (d/db = a**b * log a), "
            f"got {a._data!r} ** Value({b._data!r})"
        )
    return _binary("**", a, b)


def value_sum(terms: Iterable[Operand], start: Operand = 0.0) -> Value:
    """One node for start + t_1 + ... + t_n; d/dt_i = 1 (shallower and faster than chained +)."""
    parents = tuple(_operand(t, "sum") for t in terms)
    if not (isinstance(start, (int, float)) and not isinstance(start, bool) and start == 0):
        parents = (_operand(start, "sum"), *parents)
    if not parents:
        return Value.constant(0.0)
    return _record(ops.total(*(p._data for p in parents)), "sum", parents, (1.0,) * len(parents))


def dot(weights: Sequence[Operand], inputs: Sequence[Operand]) -> Value:
    """One node for w . x = sum_i w_i x_i; d/dw_i = x_i, d/dx_i = w_i."""
    if len(weights) != len(inputs):
        raise ValueError(f"dot: lengths differ, got {len(weights)} weights and {len(inputs)} inputs")
    ws = tuple(_operand(w, "dot") for w in weights)
    xs = tuple(_operand(x, "dot") for x in inputs)
    wd = tuple(w._data for w in ws)
    xd = tuple(x._data for x in xs)
    return _record(ops.dot(*wd, *xd), "dot", ws + xs, xd + wd)
