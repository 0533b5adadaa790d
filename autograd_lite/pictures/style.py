"""How the graph pictures look: number formatting, safe labels, colours and legends.

Lets the drawing code turn numbers and any user text into Graphviz HTML-like labels that cannot
break the DOT syntax or the SVG that Graphviz writes, colour a gradient by its sign and size (one
meaning in every picture), and draw a legend that says what the colours and marks mean. Nothing
here knows about Values.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..text import format_number, shorten

# ColorBrewer's PRGn diverging palette, light to dark: purple for negative gradients, green for
# positive ones (and for a neuron's gradient norm, which is never negative). It is colour-blind
# safe and leaves red free to mean NaN or inf. Five stops, so neighbouring sizes differ visibly.
NEGATIVE_RAMP = ("#e7d4e8", "#c2a5cf", "#9970ab", "#762a83", "#40004b")
POSITIVE_RAMP = ("#d9f0d3", "#a6dba0", "#5aae61", "#1b7837", "#00441b")
ZERO_FILL = "#d0d0d0"
NONFINITE_FILL = "#e31a1c"
UNREACHED_FILL = "#ffffff"
PLAIN_FILL = "#ffffff"
OP_FILL = "#f2f2f2"
MUTED_TEXT = "#8c8c8c"
HIGHLIGHT = "#e6550d"
# A marked node (an answer to check, say): a red border, and its note in red on white.
MARK = "#d7191c"
MARK_TEXT = "#b2182b"
# Skip connections in blue, which no fill uses, so they stand out from the layer-to-layer edges.
SKIP = "#2166ac"
BUNDLE = "#555555"

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
# A graph whose gradients span less than a decade is still drawn on a decade, so 1 and 1.2 are
# not shown as the two extremes of the palette; a wider minimum would make 0.5, 1 and 1.5 one shade.
_MIN_DECADES = 1.0

# Graphviz expands escapes such as \N and \E even inside HTML-like labels; a doubled
# backslash is its way to write one literal backslash.
_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "\\": "\\\\"}
_CONTROLS = (*range(32), 127)
# Control characters are invalid in Graphviz input; they are shown instead of dropped.
_HTML_LINE = str.maketrans({**_HTML_ESCAPES, **{chr(code): f"\\x{code:02x}" for code in _CONTROLS}})
# In a double-quoted DOT string the DOT lexer halves the backslashes, then Graphviz's escapes
# (\N, \E) halve them again.
_DOT_STRING = str.maketrans(
    {**{chr(code): f"\\\\x{code:02x}" for code in _CONTROLS}, '"': '\\"', "\\": "\\\\\\\\", "\n": "\\n"}
)
REPLACEMENT = "\ufffd"

TOOLTIP_TEXT = 200
"""The longest user text a tooltip repeats (the box itself shows ``text.MAX_TEXT``)."""


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot carry (lone surrogates, U+FFFE, U+FFFF) replaced by U+FFFD."""
    if text.isascii():
        return text
    return "".join(
        REPLACEMENT if 0xD800 <= ord(char) <= 0xDFFF or ord(char) in (0xFFFE, 0xFFFF) else char for char in text
    )


def escape_html(text: str) -> str:
    """Text made safe inside a Graphviz HTML-like label: markup characters become entities."""
    return "<BR/>".join(_escape_line(line) for line in xml_safe(text).split("\n"))


def _escape_line(line: str) -> str:
    if line in ("]", "]]"):
        # Graphviz's HTML lexer refuses a text that is just "]" or "]]"; a reference reads the same.
        return "&#93;" * len(line)
    return line.translate(_HTML_LINE)


def escape_dot_string(text: str) -> str:
    """Text made safe inside a double-quoted DOT string (tooltips), with no escape sequences left."""
    return xml_safe(text).translate(_DOT_STRING)


def wrapped_html(text: str, width: int, lines: int) -> str:
    """``text`` as at most ``lines`` escaped lines of about ``width`` characters, joined by <BR/>."""
    pieces = textwrap.wrap(text, width, break_long_words=True, replace_whitespace=True) or [""]
    if len(pieces) > lines:
        pieces = [*pieces[: lines - 1], shorten(" ".join(pieces[lines - 1 :]), width)]
    return '<BR ALIGN="LEFT"/>'.join(escape_html(piece) for piece in pieces) + '<BR ALIGN="LEFT"/>'


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


def _cell(fill: str, extra: str = "") -> str:
    return f'<TD BGCOLOR="{fill}" WIDTH="10" HEIGHT="9"{extra}> </TD>'


def _key(swatches: Sequence[str], text: str) -> str:
    """One legend entry (two table cells): a few colour cells, then what they mean."""
    cells = "".join(swatches)
    return (
        '<TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="0" COLOR="#999999">'
        f'<TR>{cells}</TR></TABLE></TD><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{text}</FONT></TD>'
    )


def _line_key(colour: str, style: str, text: str) -> str:
    """A legend entry for an edge style: a short line drawn as a cell border, then its meaning."""
    border = f' BORDER="2" COLOR="{colour}" STYLE="{style}"' if style else f' BORDER="2" COLOR="{colour}"'
    return _key([f'<TD WIDTH="28" HEIGHT="2" SIDES="B"{border}> </TD>'], text)


@dataclass(frozen=True)
class LegendKeys:
    """Which entries a legend needs beyond its colours: the looks a picture actually uses."""

    unreached: bool = False
    neurons: bool = False
    steps: bool = False
    marks: bool = False
    skips: bool = False
    bundles: bool = False


_UNREACHED_KEY = _key([_cell(UNREACHED_FILL, ' STYLE="dashed"')], "dashed: not reached by backward")
_NEURON_KEY = _key([_cell(ramp_colour(POSITIVE_RAMP, 0.6))], "neuron: green by ‖grad‖ of its parameters")
_STEP_KEYS = (
    _key([_cell(UNREACHED_FILL, f' BORDER="2" COLOR="{HIGHLIGHT}"')], "orange: this step"),
    _key([_cell(UNREACHED_FILL, f' COLOR="{MUTED_TEXT}"')], "grey border: waiting"),
)
_MARK_KEY = _key([_cell(UNREACHED_FILL, f' BORDER="2" COLOR="{MARK}"')], "red border: marked, the note is in the box")
_SKIP_KEY = _line_key(SKIP, "dashed", "blue dashed: a skip connection (jumps a layer)")
_BUNDLE_KEY = _line_key(BUNDLE, "", "thick grey: many edges drawn as one, with their count")


def _extra_keys(keys: LegendKeys) -> list[str]:
    extra: list[str] = []
    if keys.unreached:
        extra.append(_UNREACHED_KEY)
    if keys.neurons:
        extra.append(_NEURON_KEY)
    if keys.steps:
        extra.extend(_STEP_KEYS)
    if keys.marks:
        extra.append(_MARK_KEY)
    if keys.skips:
        extra.append(_SKIP_KEY)
    if keys.bundles:
        extra.append(_BUNDLE_KEY)
    return extra


def _legend_rows(title: str, keys: Sequence[str]) -> list[str]:
    """The legend's rows: the title, then the entries two to a row to keep the legend short."""
    head = f'<TR><TD COLSPAN="4" ALIGN="LEFT"><FONT POINT-SIZE="10"><B>{escape_html(title)}</B></FONT></TD></TR>'
    return [head, *("<TR>" + "".join(keys[i : i + 2]) + "</TR>" for i in range(0, len(keys), 2))]


def legend_table(rows: Sequence[str], note: str = "") -> str:
    """A bordered table of legend rows, with an optional note (already HTML) on top."""
    top = f'<TR><TD COLSPAN="4" ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="10">{note}</FONT></TD></TR>' if note else ""
    return (
        '<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="1" CELLPADDING="1" COLOR="#999999">'
        f"{top}{''.join(rows)}</TABLE>"
    )


def grad_legend_rows(scale: GradScale, keys: LegendKeys) -> list[str]:
    """Legend rows explaining the gradient colours over the range of ``scale``, and the other looks in use."""
    small = format_number(10.0**scale.low, 2)
    large = format_number(10.0**scale.high, 2)
    shades = [_MIN_INTENSITY + (1.0 - _MIN_INTENSITY) * i / 3 for i in range(4)]
    entries = [
        _key([_cell(ramp_colour(POSITIVE_RAMP, t)) for t in shades], f"grad &gt; 0: {small} … {large}"),
        _key([_cell(ramp_colour(NEGATIVE_RAMP, t)) for t in shades], f"grad &lt; 0: -{small} … -{large}"),
        _key([_cell(ZERO_FILL)], "grad = 0"),
        _key([_cell(NONFINITE_FILL)], "NaN or inf"),
        *_extra_keys(keys),
    ]
    return _legend_rows("gradient colour (darker: larger |grad|, log scale)", entries)


def role_legend_rows(roles: Sequence[str], keys: LegendKeys) -> list[str]:
    """Legend rows naming the fill colour of each role in ``roles``, and the other looks in use."""
    entries = [_key([_cell(ROLE_FILLS[role])], ROLE_NAMES[role]) for role in roles]
    return _legend_rows("node role", [*entries, *_extra_keys(keys)])


def marks_legend_rows(keys: LegendKeys) -> list[str]:
    """Legend rows for a picture whose colours mean nothing: only its marks, skips and bundles."""
    entries = _extra_keys(keys)
    return _legend_rows("what the looks mean", entries) if entries else []
