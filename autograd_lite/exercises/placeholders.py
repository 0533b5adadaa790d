"""What counts as "not answered yet": an exercise ships with ``...`` where the student's number
goes, and with methods whose body is only ``...`` (or ``pass``, or ``raise NotImplementedError``)
where their code goes. The checks report those as still to do, never as mistakes.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any


def is_placeholder(answer: object) -> bool:
    """True for ``...``, the placeholder an unanswered exercise cell holds."""
    return answer is Ellipsis


def is_unwritten(function: Any) -> bool:
    """True when ``function``'s body is only a docstring, ``...``, ``pass`` or a ``raise
    NotImplementedError``: a stub the student has not filled in. Its source is read the way
    ``inspect`` reads it (a notebook cell's too); without a source it counts as written."""
    code = getattr(function, "__func__", function)
    try:
        source = textwrap.dedent(inspect.getsource(code))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return False
    definition = tree.body[0] if tree.body else None
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = definition.body
    if body and _is_docstring(body[0]):
        body = body[1:]
    return all(_is_stub_statement(statement) for statement in body)


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(
        statement.value.value, str
    )


def _is_stub_statement(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return statement.value.value is Ellipsis
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"
    return False
