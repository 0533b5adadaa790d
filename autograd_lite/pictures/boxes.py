"""What each box of a graph picture says: the HTML-like labels of a value, an op, a neuron drawn
as one node, a folded loss, and the box that counts what was left out.

Each function gets the numbers it shows and returns the label text; nothing here decides what to
draw or where. Every piece of user text is shortened and escaped here, so a label of any length
and any characters renders.
"""

from __future__ import annotations

from ..text import format_number, shorten
from .style import MARK_TEXT, TOOLTIP_TEXT, escape_html, wrapped_html

# How the non-commutative ops name their operands on the edges, and how the op nodes read.
OPERAND_MARKS = {"-": ("a", "b"), "/": ("a", "b"), "**": ("base", "exp")}
OP_SYMBOLS = {"-": "a − b", "/": "a ÷ b", "**": "base ** exp", "*": "×"}
NOTE_WIDTH = 40
NOTE_LINES = 4


def _table(rows: list[str]) -> str:
    body = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows) or "<TR><TD> </TD></TR>"
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{body}</TABLE>>'


def mark_row(note: str | None) -> list[str]:
    """The note of a marked node as a box row, red on white so it reads on any fill."""
    if note is None:
        return []
    text = wrapped_html(f"✗ {note}", NOTE_WIDTH, NOTE_LINES)
    return [f'<TABLE BORDER="0" CELLPADDING="1" BGCOLOR="#ffffff"><TR><TD BALIGN="LEFT"><FONT COLOR="{MARK_TEXT}">{text}</FONT></TD></TR></TABLE>']


def grad_text(grad: float | None, precision: int, waiting: bool = False) -> str:
    """'grad 1.5', 'grad 1.5 so far' while more is still to come, or 'grad —' before any arrives."""
    if grad is None:
        return "<I>grad —</I>"
    so_far = " <I>so far</I>" if waiting else ""
    return f"grad {escape_html(format_number(grad, precision))}{so_far}"


def value_label(
    label: str,
    data: float,
    grad: float | None,
    *,
    constant: bool,
    show_data: bool,
    show_grad: bool,
    precision: int,
    waiting: bool = False,
    note: str | None = None,
    formula: str = "",
) -> str:
    """A value's box: its label in bold, then 'data' and 'grad' on lines of their own (narrow
    boxes keep a left-to-right picture narrow), the formula of a folded loss, a mark's note."""
    rows: list[str] = []
    if label:
        rows.append(f"<B>{escape_html(shorten(label))}</B>")
    if constant:
        rows.append(escape_html(format_number(data, precision)))
    else:
        if show_data:
            rows.append(f"data {escape_html(format_number(data, precision))}")
        if show_grad:
            rows.append(grad_text(grad, precision, waiting))
    if formula:
        rows.append(f'<FONT POINT-SIZE="10">= {escape_html(shorten(formula))}</FONT>')
    return _table(rows + mark_row(note))


def value_tooltip(label: str, data: float, grad: float | None, constant: bool) -> str:
    """The hover text of a value: its label (shortened), data and gradient at full precision."""
    tooltip = f"{shorten(label, TOOLTIP_TEXT) + ': ' if label else ''}data={data!r}"
    if not constant:
        tooltip += f", grad={'not reached' if grad is None else repr(grad)}"
    return tooltip


def op_label(op: str) -> str:
    """An op node's text: its symbol (a − b, ×, ...) or its name."""
    return f"<{escape_html(shorten(OP_SYMBOLS.get(op, op), 24))}>"


def neuron_label(
    title: str,
    norm: float | None,
    out: tuple[float, float | None] | None,
    *,
    show_data: bool,
    show_grad: bool,
    precision: int,
    note: str | None = None,
) -> str:
    """A neuron drawn as one node: its title, the norm of its parameters' gradient and, when it has
    one output in the picture, that output's data and gradient."""
    rows = [f"<B>{escape_html(shorten(title, 24))}</B>"]
    if show_grad:
        norm_text = "—" if norm is None else format_number(norm, precision)
        rows.append(f'<FONT POINT-SIZE="10">‖grad‖ {escape_html(norm_text)}</FONT>')
    if out is not None:
        data, grad = out
        if show_data:
            rows.append(f'<FONT POINT-SIZE="10">out {escape_html(format_number(data, precision))}</FONT>')
        if show_grad:
            rows.append(f'<FONT POINT-SIZE="10">{grad_text(grad, precision)}</FONT>')
    return _table(rows + mark_row(note))


def more_label(hidden: int, reason: str, marked: int) -> str:
    """The box that counts the nodes left out, and which option left them out."""
    lines = [f"… {hidden:,} more nodes not shown"]
    if marked:
        lines.append(f"{marked} marked node{'s' if marked > 1 else ''} among them")
    small = [*lines[1:], *reason.split("\n")]
    rows = [lines[0], *(f'<FONT POINT-SIZE="9">{escape_html(line)}</FONT>' for line in small)]
    return "<" + "<BR/>".join(rows) + ">"
