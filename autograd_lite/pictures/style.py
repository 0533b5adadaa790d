"""How the graph pictures look: number formatting, safe labels, colours and legends.

Lets the drawing code turn numbers and user text into Graphviz HTML-like labels
that cannot break the DOT syntax, colour a gradient by its sign and magnitude, and draw a
legend that says what the colours mean. Nothing here knows about Values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..checked_io import format_number

# ColorBrewer's PRGn diverging palette, light to dark: purple for negative gradients, green for
# positive ones. It is colour-blind safe and leaves red free to mean NaN or inf. The darkest
# stop of the published palette is left out so black-on-colour text never gets too dim.
NEGATIVE_RAMP = ("#e7d4e8", "#c2a5cf", "#9970ab", "#762a83")
POSITIVE_RAMP = ("#d9f0d3", "#a6dba0", "#5aae61", "#1b7837")
ZERO_FILL = "#d0d0d0"
NONFINITE_FILL = "#e31a1c"
UNREACHED_FILL = "#ffffff"
PLAIN_FILL = "#ffffff"
OP_FILL = "#f2f2f2"
MUTED_TEXT = "#8c8c8c"
HIGHLIGHT = "#e6550d"
NEURON_RAMP = ("#deebf7", "#9ecae1", "#4292c6", "#08519c")

ROLE_FILLS = {
    "input": "#a6cee3",
    "parameter": "#fdbf6f",
    "constant": "#eeeeee",
    "output": "#b2df8a",
    "intermediate": PLAIN_FILL,
}
ROLE_NAMES = {
    "input": "input (a leaf)",
    "parameter": "parameter",
    "constant": "constant",
    "output": "output (the root)",
    "intermediate": "computed",
}

# The lightest shade still has to be told apart from white and from the grey of zero.
_MIN_INTENSITY = 0.2
# A graph whose gradients span less than this many decades is still drawn on this wide a scale,
# so 1 and 4 are not shown as the two extremes of the palette.
_MIN_DECADES = 3.0

# Graphviz expands escapes such as \N and \E even inside HTML-like labels; a doubled
# backslash is its way to write one literal backslash.
_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "\\": "\\\\"}


def escape_html(text: str) -> str:
    """Text made safe inside a Graphviz HTML-like label: markup characters become entities."""
    pieces: list[str] = []
    for char in text:
        escaped = _HTML_ESCAPES.get(char)
        if escaped is not None:
            pieces.append(escaped)
        elif char == "\n":
            pieces.append("<BR/>")
        elif ord(char) < 32 or ord(char) == 127:
            # Control characters are invalid in Graphviz input; show them instead of dropping them.
            pieces.append(f"\\x{ord(char):02x}")
        else:
            pieces.append(char)
    return "".join(pieces)


def escape_dot_string(text: str) -> str:
    """Text made safe inside a double-quoted DOT string (tooltips), with no escape sequences left."""
    out: list[str] = []
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            # The DOT lexer halves the backslashes, then Graphviz's escapes (\N, \E) halve them again.
            out.append("\\\\\\\\")
        elif char == "\n":
            out.append("\\n")
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"\\\\x{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out)


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _mix(start: str, end: str, t: float) -> str:
    a, b = _hex_to_rgb(start), _hex_to_rgb(end)
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


def ramp_colour(ramp: Sequence[str], t: float) -> str:
    """The colour a fraction ``t`` (0 lightest, 1 darkest) along ``ramp``, linear between stops."""
    t = min(1.0, max(0.0, t))
    position = t * (len(ramp) - 1)
    index = min(int(position), len(ramp) - 2)
    return _mix(ramp[index], ramp[index + 1], position - index)


def luminance(colour: str) -> float:
    """Relative brightness of ``#rrggbb`` in [0, 1] (Rec. 709 weights on the sRGB values)."""
    r, g, b = _hex_to_rgb(colour)
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill``."""
    return "#000000" if luminance(fill) > 0.45 else "#ffffff"


@dataclass(frozen=True)
class GradScale:
    """A log scale of gradient magnitudes: ``low`` and ``high`` are log10 of the range drawn."""

    low: float
    high: float

    @classmethod
    def fit(cls, grads: Iterable[float]) -> GradScale:
        """The scale that spans the finite non-zero magnitudes in ``grads``."""
        logs = [math.log10(abs(g)) for g in grads if g != 0.0 and math.isfinite(g)]
        if not logs:
            return cls(-_MIN_DECADES, 0.0)
        low, high = min(logs), max(logs)
        return cls(min(low, high - _MIN_DECADES), high)

    def intensity(self, magnitude: float) -> float:
        """Where ``magnitude`` (> 0) sits on the scale: _MIN_INTENSITY at the low end, 1 at the high."""
        t = (math.log10(magnitude) - self.low) / (self.high - self.low)
        return _MIN_INTENSITY + (1.0 - _MIN_INTENSITY) * min(1.0, max(0.0, t))

    def fill(self, grad: float) -> str:
        """Purple for negative, green for positive, darker when larger; grey for 0, red for NaN/inf."""
        if not math.isfinite(grad):
            return NONFINITE_FILL
        if grad == 0.0:
            return ZERO_FILL
        return ramp_colour(POSITIVE_RAMP if grad > 0 else NEGATIVE_RAMP, self.intensity(abs(grad)))

    def norm_fill(self, norm: float) -> str:
        """A blue shade for a gradient norm (never negative), on the same log scale."""
        if not math.isfinite(norm):
            return NONFINITE_FILL
        if norm == 0.0:
            return ZERO_FILL
        return ramp_colour(NEURON_RAMP, self.intensity(norm))


def _cell(fill: str, extra: str = "") -> str:
    return f'<TD BGCOLOR="{fill}" WIDTH="10" HEIGHT="9"{extra}> </TD>'


def _key(swatches: Sequence[str], text: str) -> str:
    """One legend entry (two table cells): a few colour cells, then what they mean."""
    cells = "".join(swatches)
    return (
        '<TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="0" COLOR="#999999">'
        f'<TR>{cells}</TR></TABLE></TD><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{text}</FONT></TD>'
    )


def _legend_table(title: str, keys: Sequence[str]) -> str:
    """A bordered table: the title, then the entries two to a row to keep the legend short."""
    head = (
        f'<TR><TD COLSPAN="4" ALIGN="LEFT"><FONT POINT-SIZE="10"><B>{escape_html(title)}</B></FONT></TD></TR>'
    )
    rows = ["<TR>" + "".join(keys[i : i + 2]) + "</TR>" for i in range(0, len(keys), 2)]
    return (
        '<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="1" CELLPADDING="1" COLOR="#999999">'
        f"{head}{''.join(rows)}</TABLE>"
    )


_UNREACHED_KEY = _key([_cell(UNREACHED_FILL, ' STYLE="dashed"')], "dashed: not reached by backward")
_STEP_KEYS = (
    _key([_cell(UNREACHED_FILL, f' BORDER="2" COLOR="{HIGHLIGHT}"')], "orange: this step"),
    _key([_cell(UNREACHED_FILL, f' COLOR="{MUTED_TEXT}"')], "grey border: waiting"),
)


def _shades(ramp: Sequence[str], count: int) -> list[str]:
    return [
        ramp_colour(ramp, _MIN_INTENSITY + (1.0 - _MIN_INTENSITY) * i / (count - 1)) for i in range(count)
    ]


def grad_legend(scale: GradScale, *, neurons: bool = False, steps: bool = False) -> str:
    """An HTML table explaining the gradient colours over the range of ``scale``."""
    small = format_number(10.0**scale.low, 2)
    large = format_number(10.0**scale.high, 2)
    keys = [
        _key([_cell(c) for c in _shades(POSITIVE_RAMP, 4)], f"grad &gt; 0: {small} … {large}"),
        _key([_cell(c) for c in _shades(NEGATIVE_RAMP, 4)], f"grad &lt; 0: -{small} … -{large}"),
        _key([_cell(ZERO_FILL)], "grad = 0"),
        _key([_cell(NONFINITE_FILL)], "NaN or inf"),
        _UNREACHED_KEY,
    ]
    if neurons:
        keys.append(_key([_cell(c) for c in _shades(NEURON_RAMP, 4)], "neuron: ‖grad‖ of its parameters"))
    if steps:
        keys.extend(_STEP_KEYS)
    return _legend_table("gradient colour (darker: larger |grad|, log scale)", keys)


def role_legend(roles: Sequence[str], *, steps: bool = False) -> str:
    """An HTML table naming the fill colour of each role in ``roles``."""
    keys = [_key([_cell(ROLE_FILLS[role])], ROLE_NAMES[role]) for role in roles]
    keys.append(_UNREACHED_KEY)
    if steps:
        keys.extend(_STEP_KEYS)
    return _legend_table("node role", keys)
