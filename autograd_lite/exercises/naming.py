"""Names and numbers for exercise reports: ``node_name`` says which node a message is about
(its label, or a short formula when it has none), ``show`` writes a number for people, and
``derivative`` and ``partial`` write total (df/dq) and local (∂f/∂q) derivatives apart.
"""

from __future__ import annotations

from ..text import format_number
from ..value import Value

# A formula for an unlabelled node is spelled out only while it stays this short.
_LONGEST_FORMULA = 24
_INFIX = {"+", "-", "*", "/", "**"}


def show(x: float) -> str:
    """``x`` with at most 6 significant digits, -0 as 0 (0.4999999999999998 reads 0.5)."""
    return format_number(x, 6)


def shown_pair(yours: float, expected: float) -> tuple[str, str]:
    """Both numbers short, unless that would make two different numbers look the same."""
    short = show(yours), show(expected)
    return short if short[0] != short[1] else (repr(yours), repr(expected))


def bracketed_number(x: float) -> str:
    """``x`` shown, in brackets when negative, so '2 × (-4)' is not read as a subtraction."""
    text = show(x)
    return f"({text})" if text.startswith("-") else text


def node_name(node: Value) -> str:
    """The label of ``node``, else a short formula of its operands ('x*y'), else 'the tanh node'."""
    if node.label:
        return node.label
    if node.is_leaf:
        return show(node.data)
    formula = _formula(node, depth=3)
    if formula is not None and len(formula) <= _LONGEST_FORMULA:
        return formula
    return f"the {node.op} node"


def _formula(node: Value, depth: int) -> str | None:
    """``node`` written from its operands' names, descending at most ``depth`` unlabelled levels."""
    if node.label:
        return node.label
    if node.is_leaf:
        return show(node.data)
    if depth == 0:
        return None
    parts: list[str] = []
    for operand in node.operands:
        if not isinstance(operand, Value):
            parts.append(show(operand))
            continue
        part = _formula(operand, depth - 1)
        if part is None:
            return None
        # An operand that is itself a formula gets brackets, so 'x+y' times z reads (x+y)*z.
        parts.append(f"({part})" if not operand.label and not operand.is_leaf else part)
    if node.op in _INFIX and len(parts) == 2:
        return f"{parts[0]}{node.op}{parts[1]}"
    if node.op == "neg" and len(parts) == 1:
        return f"-{parts[0]}"
    return f"{node.op}({', '.join(parts)})"


def spelled(node: Value) -> str:
    """``node`` one level deep, its operands by name: 'q * z', 'tanh(h)', 'dot(w0, w1, x0, x1)'."""
    names = [node_name(p) if isinstance(p, Value) else show(p) for p in node.operands]
    if node.op in _INFIX and len(names) == 2:
        return f"{names[0]} {node.op} {names[1]}"
    if node.op == "neg" and len(names) == 1:
        return f"-{names[0]}"
    return f"{node.op}({', '.join(names)})"


def derivative(of: str, by: str) -> str:
    """How a message writes the total derivative d of / d by: 'df/dq' for short names,
    'd(f)/d(x*y)' for formulas."""
    return f"d{bracketed(of)}/d{bracketed(by)}"


def partial(of: str, by: str) -> str:
    """How a message writes a local (partial) derivative, so it never looks like a total one:
    '∂f/∂q'."""
    return f"∂{bracketed(of)}/∂{bracketed(by)}"


def bracketed(name: str) -> str:
    """``name`` in brackets when it is a formula or a negative number, so a fraction or product
    reads one way; a label as it is."""
    return f"({name})" if any(mark in name for mark in " +-*/(),") else name
