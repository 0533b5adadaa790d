"""The ``Value`` type: one float, its gradient, and the record of how it was computed. With it you
write ``x * y + 1`` and get a node that knows its operands and the derivative with respect to
each, ready for ``backward()``.

Follow ``x * y`` to ``x.grad`` (three files): ``Value.__mul__`` is the rule ``ops.MUL`` made into
a method by ``_operator`` below. It computes the result with the rule's ``forward`` and the local
derivatives d(x*y)/dx = y and d(x*y)/dy = x with its ``local_grads``, and stores both in a new
node. ``Value.backward`` runs ``engine.backward``, whose ``chain_rule_pass`` multiplies each local
derivative by the gradient arriving from above and adds it to the operand's gradient.

How a node is stored, and why:

- The operands sit in two slots, ``_a`` and ``_b``, with their local derivatives in ``_da`` and
  ``_db`` (a one-operand op leaves ``_b`` None); an op with many operands (``dot``, ``sum``,
  ``logsumexp``, made in ``functions``) keeps a tuple of operands in ``_a`` and a tuple of
  derivatives in ``_da``. Slots rather than tuples because then a node is a single object the
  cyclic garbage collector must track, not three: that halves the memory of a node and the
  collector's share of a training step.
- A plain number operand (the 0.999 in ``y * 0.999``) is stored as the number itself. It takes no
  gradient, so backward has nothing to do with it; ``parents`` shows it as a constant leaf.
- A node holds no closures and no references to the nodes that use it, so a graph is freed by
  reference counting the moment its last reference goes, and it pickles. Nothing ever rewrites
  a node after it is made, so any number of threads may read a graph at once.
- ``_flow`` and ``_pending`` are the engine's scratch space during a backward pass (the gradient
  of this pass and the uses still to come); they mean nothing outside one.

The layers above (the engine, pickling, the pictures) are reached the one way this package
reaches up: an import at call time, in ``backward``, ``__reduce__`` and ``draw``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

from . import ops
from .mode import ANOMALY, LIMITS, NO_GRAD, OPEN, AnomalyError, current
from .real_numbers import to_float
from .recording import OPEN_RECORDINGS, note_read
from .text import format_number

Operand = Union["Value", int, float]
Slot = Union["Value", float]


# ---- making nodes ---------------------------------------------------------------------------


def make_node(rule: ops.Op, data: float, a: Any, da: Any, b: Slot | None = None, db: float = 0.0) -> Value:
    """A new computed node: ``rule`` gave ``data`` from the operand slots ``a`` (and ``b``), whose
    local derivatives are ``da`` (and ``db``). Every node but those of the operators is made here."""
    out = _new(Value)
    out._data = data
    out._grad = None
    out._flow = None
    out._label = ""
    out._rule = rule
    out._a = a
    out._da = da
    out._b = b
    if b is not None:
        out._db = db
    return out


# The two methods below set a node's slots themselves, as make_node does, instead of calling it:
# they make almost every node of a training step, and the call costs a measurable part of each
# (``python -m bench.micro`` times both ways).


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
            check_new_node(out, (x,))
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
        # The two common cases first, tested by type alone: isinstance() and number() are
        # calls, and testing them first costs ``y * 0.999`` a good part of its time
        # (``python -m bench.micro``).
        b: Value | float
        y: float
        kind = type(other)
        if kind is Value or (kind is not float and isinstance(other, Value)):
            b = other
            y = other._data  # type: ignore[union-attr]  # a Value: mypy does not narrow on a saved type(x)
        elif kind is float:
            b = y = other  # type: ignore[assignment]
        else:
            b = y = number(other, name)
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
            check_new_node(out, (x, y))
        elif refuse is not None:
            refuse(x, y, data)
        return out

    dunder = _DUNDER.get(name, name)
    method.__name__ = method.__qualname__ = f"__r{dunder}__" if reflected else f"__{dunder}__"
    method.__doc__ = forward.__doc__
    return method


# The Python method each built-in two-operand rule becomes.
_DUNDER = {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "**": "pow"}


class ConstantLeaf:
    """What the rule slot of a constant leaf holds (``Value.constant(2)``): a mark, not a rule."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "CONSTANT"


CONSTANT = ConstantLeaf()
"""The mark of a constant leaf: ``v.is_constant`` is ``v._rule is CONSTANT``."""


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back through it."""

    __slots__ = ("_data", "_grad", "_label", "_rule", "_a", "_b", "_da", "_db", "_flow", "_pending",
                 "__dict__", "__weakref__")  # fmt: skip

    # numpy scalars defer to our reflected operators instead of wrapping us in object arrays.
    __array_ufunc__ = None
    # A Value is never the data of another, though it has a __float__ (real_numbers.to_float reads this).
    not_data = True

    _data: float
    _grad: float | None
    _label: str
    _rule: ops.Op | ConstantLeaf | None
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
        out = leaf(to_float(data, "Value.constant"))
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
        return rule.name if isinstance(rule, ops.Op) and self._a is not None else ""

    @property
    def rule(self) -> ops.Op | None:
        """The rule of ``ops.OPS`` that made this Value, None for a leaf."""
        rule = self._rule
        return rule if isinstance(rule, ops.Op) and self._a is not None else None

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
        if not isinstance(rule, ops.Op) or self._a is None:
            return ""
        if rule.name == "**" and type(self._b) is float:
            return f"**{format_number(self._b)}"
        return rule.spelling

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
        base = number(other, "**")
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
        from .pictures import draw_graph  # the pictures sit above the engine: import at call time

        return draw_graph(self, **options)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle without recursion, so a graph of any depth pickles (see ``pickling``)."""
        from .pickling import reduce_value  # pickling sits above value: import at call time

        return reduce_value(self)


_POWER = _operator("**")
_POWER_REFLECTED = _operator("**", reflected=True)

_new = object.__new__


def _check_label(label: object, where: str) -> str:
    if not isinstance(label, str):
        raise TypeError(f"{where}: label must be a str, got {type(label).__name__}")
    return label


def leaf(data: float) -> Value:
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


def check_new_node(out: Value, inputs: Sequence[float]) -> None:
    """The rare path of making a node: a refused input, or a no_grad or detect_anomaly block."""
    flags = current() if OPEN.count else 0
    rule = out._rule
    assert isinstance(rule, ops.Op)
    if rule.refuse is not None and not flags & LIMITS:
        rule.refuse(*inputs, out._data)
    if flags & ANOMALY and not flags & LIMITS and not math.isfinite(out._data):
        names = [p.label or repr(p._data) if isinstance(p, Value) else repr(p) for p in out.operands]
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


def number(other: object, op: str) -> float:
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


def slot(operand: object, op: str) -> Slot:
    """One operand of a variadic op: a Value as it is, anything else as a float (or TypeError)."""
    return operand if isinstance(operand, Value) else number(operand, op)


def data_of(operands: Sequence[Slot]) -> list[float]:
    """The numbers of operand slots: a Value's data, a plain number as it is."""
    return [p._data if isinstance(p, Value) else p for p in operands]
