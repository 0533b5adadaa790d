"""Parse a formula typed on the command line, such as ``"(x + y) * tanh(z)"``, into a tree you can
evaluate with Values.

The text goes through ``ast.parse`` and is then checked against a closed set: numbers, the names
you give, ``+ - * / **``, unary ``-`` and ``+``, parentheses, and calls of exp, log, tanh, sigmoid,
relu, sin, cos, sqrt and abs. Anything else is refused with an ``ExpressionError`` that names what
was refused. Nothing is ever passed to eval or exec, the input length and nesting depth are
bounded, and a constant exponent larger than ``MAX_CONSTANT_EXPONENT`` is refused, so no input
can hang or exhaust memory.
"""

from __future__ import annotations

import ast
import keyword
import math
import unicodedata
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from ..value import Value

MAX_LENGTH = 1000
"""The longest expression accepted, in characters."""

MAX_DEPTH = 100
"""The deepest nesting of operations accepted (well inside Python's recursion limit)."""

MAX_CONSTANT_EXPONENT = 1024.0
"""The largest |exponent| accepted when the exponent does not depend on any name."""

FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "abs": abs,
    "cos": Value.cos,
    "exp": Value.exp,
    "log": Value.log,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "sin": Value.sin,
    "sqrt": Value.sqrt,
    "tanh": Value.tanh,
}
"""The functions an expression may call, each with one argument."""

_BINARY: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
_REFUSED_OPERATORS: dict[type[ast.AST], str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
}
_KINDS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Slice: "slice",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "generator expression",
    ast.JoinedStr: "string",
    ast.FormattedValue: "string",
    ast.Compare: "comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "conditional expression",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "starred expression",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.Dict: "dict",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


class ExpressionError(ValueError):
    """An expression, or a name given for it, was refused; the message says what and why."""


@dataclass(frozen=True)
class Number:
    """A numeric literal."""

    value: float


@dataclass(frozen=True)
class Name:
    """A name whose value comes from the command line."""

    name: str


@dataclass(frozen=True)
class Unary:
    """Unary minus or plus."""

    op: str
    operand: Node
    constant: bool


@dataclass(frozen=True)
class Binary:
    """One of + - * / ** applied to two operands."""

    op: str
    left: Node
    right: Node
    constant: bool


@dataclass(frozen=True)
class Call:
    """One of the allowed functions applied to one argument."""

    function: str
    argument: Node
    constant: bool


Node = Number | Name | Unary | Binary | Call


@dataclass(frozen=True)
class Expression:
    """A checked expression: its source text, its tree, and the names it uses."""

    text: str
    tree: Node
    names: frozenset[str]

    def evaluate(self, values: Mapping[str, Value]) -> Value:
        """The expression built from Values, so it can be differentiated."""
        missing = sorted(self.names - values.keys())
        if missing:
            raise ExpressionError(_undefined(missing[0]))
        return _evaluate(self.tree, values)


def normalize_name(name: str) -> str:
    """The form Python's parser gives an identifier (NFKC), so a command-line name matches it."""
    return unicodedata.normalize("NFKC", name)


def check_name(name: str) -> str:
    """The normalized name, or ExpressionError if it cannot be a variable of an expression."""
    normal = normalize_name(name)
    if not normal.isidentifier() or keyword.iskeyword(normal):
        raise ExpressionError(f"{_snippet(name)!r} is not a valid name (use letters, digits and _)")
    if normal in FUNCTIONS:
        raise ExpressionError(f"{normal!r} is a function name and cannot be a variable")
    return normal


def parse(text: str, names: Collection[str] | None = None) -> Expression:
    """Check ``text`` and build its tree; with ``names``, refuse any other name it uses."""
    if not isinstance(text, str):
        raise TypeError(f"parse: text must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression too long: {len(text)} characters (the limit is {MAX_LENGTH})")
    if not text.strip():
        raise ExpressionError("empty expression")
    try:
        check_characters(text)
    except ExpressionError as error:
        raise ExpressionError(f"not a valid expression: {error}") from None
    _check_bracket_depth(text)
    try:
        with warnings.catch_warnings():
            # Python warns about odd literals such as "1if"; a refusal below says all there is to say.
            warnings.simplefilter("ignore")
            body = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(_syntax_message(error)) from None
    except ValueError as error:
        raise ExpressionError(f"not a valid expression: {_snippet(str(error), 80)}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"expression nested too deeply (the limit is {MAX_DEPTH})") from None
    _check_depth(body)
    allowed = None if names is None else {normalize_name(n) for n in names}
    used: set[str] = set()
    tree = _build(body, text.strip(), allowed, used)
    return Expression(text, tree, frozenset(used))


def check_characters(text: str) -> None:
    """Refuse a NUL character, and text that is not Unicode, naming the column.

    Python's parser reports both as a bare ValueError (or, for a NUL, a SyntaxError that differs
    between versions); this says what is wrong. A byte the shell passed that is not UTF-8 (as in
    $'x+\\xff') reaches Python as a lone surrogate, U+DC80 to U+DCFF, holding that byte.
    """
    for column, char in enumerate(text, 1):
        if char == "\0":
            raise ExpressionError(f"a NUL character at column {column}")
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            raise ExpressionError(f"the byte \\x{code - 0xDC00:02x} at column {column} is not UTF-8 text")
        if 0xD800 <= code <= 0xDFFF:
            raise ExpressionError(f"U+{code:04X} at column {column} is half of a surrogate pair, not a character")


def _check_bracket_depth(text: str) -> None:
    """Refuse deep parentheses before the parser sees them (its own limit raises oddly)."""
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise ExpressionError(f"expression nested too deeply (the limit is {MAX_DEPTH})")


def _check_depth(root: ast.AST) -> None:
    """Iteratively measure the tree, so the recursive builder below can never overflow the stack."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested too deeply (the limit is {MAX_DEPTH})")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _build(node: ast.AST, source: str, allowed: set[str] | None, used: set[str]) -> Node:
    """Translate one checked ast node, refusing anything outside the closed set."""
    if isinstance(node, ast.Constant):
        return Number(_number(node, source))
    if isinstance(node, ast.Name):
        if allowed is not None and node.id not in allowed:
            if node.id in FUNCTIONS:
                raise ExpressionError(f"refused function {node.id!r} without a call: write {node.id}(...)")
            raise ExpressionError(_undefined(node.id))
        used.add(node.id)
        return Name(node.id)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = _build(node.operand, source, allowed, used)
            return Unary("-" if isinstance(node.op, ast.USub) else "+", operand, _is_constant(operand))
        raise ExpressionError(
            f"refused operator {_REFUSED_OPERATORS[type(node.op)]!r}: only - and + are unary"
        )
    if isinstance(node, ast.BinOp):
        op = _BINARY.get(type(node.op))
        if op is None:
            symbol = _REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(f"refused operator {symbol!r}: only + - * / ** are allowed")
        left = _build(node.left, source, allowed, used)
        right = _build(node.right, source, allowed, used)
        return Binary(op, left, right, _is_constant(left) and _is_constant(right))
    if isinstance(node, ast.Call):
        return _build_call(node, source, allowed, used)
    kind = _KINDS.get(type(node), type(node).__name__)
    raise ExpressionError(f"refused {kind}: {_segment(node, source)}")


def _build_call(node: ast.Call, source: str, allowed: set[str] | None, used: set[str]) -> Node:
    if isinstance(node.func, ast.Attribute):
        raise ExpressionError(f"refused attribute access: {_segment(node.func, source)}")
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        callee = node.func.id if isinstance(node.func, ast.Name) else _snippet(_source(node.func, source))
        raise ExpressionError(f"refused call of {callee!r}: only {', '.join(FUNCTIONS)} may be called")
    name = node.func.id
    if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
        raise ExpressionError(f"refused call {_segment(node, source)}: {name} takes exactly one argument")
    argument = _build(node.args[0], source, allowed, used)
    return Call(name, argument, _is_constant(argument))


def _is_constant(node: Node) -> bool:
    """True when no name occurs in ``node``, so it stands for a plain number."""
    return isinstance(node, Number) or (not isinstance(node, Name) and node.constant)


def _number(node: ast.Constant, source: str) -> float:
    value = node.value
    if isinstance(value, bool) or value is None or value is Ellipsis:
        raise ExpressionError(f"refused constant {value!r}: only numbers are allowed")
    if isinstance(value, (str, bytes)):
        raise ExpressionError(f"refused string: {_segment(node, source)}")
    if isinstance(value, complex):
        raise ExpressionError(f"refused complex number: {_segment(node, source)}")
    if not isinstance(value, (int, float)):
        raise ExpressionError(f"refused constant: {_segment(node, source)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ExpressionError(f"refused number {_segment(node, source)}: too large for a float")
    return number


def _evaluate(node: Node, values: Mapping[str, Value]) -> Value:
    """Build the Value graph; the depth is bounded by MAX_DEPTH, so recursion is safe."""
    if isinstance(node, Number):
        return Value.constant(node.value)
    if isinstance(node, Name):
        return values[node.name]
    result = _apply(node, values)
    # A part without names is a plain number to the engine, as a literal is: so in x ** -1 the
    # exponent stays a constant and a negative x remains legal.
    return Value.constant(result.data) if node.constant else result


def _apply(node: Unary | Binary | Call, values: Mapping[str, Value]) -> Value:
    """One operation applied to its evaluated operands."""
    if isinstance(node, Unary):
        operand = _evaluate(node.operand, values)
        return -operand if node.op == "-" else operand
    if isinstance(node, Call):
        return FUNCTIONS[node.function](_evaluate(node.argument, values))
    left = _evaluate(node.left, values)
    right = _evaluate(node.right, values)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if node.op == "/":
        return left / right
    if _is_constant(node.right) and not abs(right.data) <= MAX_CONSTANT_EXPONENT:
        # A float power cannot hang, but an exponent like 9**9 is almost surely a mistake.
        raise ExpressionError(
            f"refused constant exponent {right.data:g}: the limit is {MAX_CONSTANT_EXPONENT:g}"
        )
    return left**right


def _undefined(name: str) -> str:
    return f"undefined name {name!r} (give it a value on the command line: {name}=NUMBER)"


def _syntax_message(error: SyntaxError) -> str:
    where = ""
    if error.offset:
        line = f"line {error.lineno}, " if error.lineno and error.lineno > 1 else ""
        where = f" at {line}column {error.offset}"
    return f"not a valid expression: {_snippet(error.msg or 'invalid syntax', 80)}{where}"


def _source(node: ast.AST, source: str) -> str:
    return ast.get_source_segment(source, node) or type(node).__name__


def _segment(node: ast.AST, source: str) -> str:
    """The source text of ``node``, quoted, shortened and on one line, for an error message."""
    return repr(_snippet(_source(node, source)))


def _snippet(text: str, limit: int = 40) -> str:
    """``text`` on one line with no control characters, shortened to ``limit`` characters."""
    flat = "".join(char if char.isprintable() else " " for char in text)
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
