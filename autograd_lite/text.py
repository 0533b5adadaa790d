"""Numbers and text made short enough to show in a one-line message or a picture: ``describe``
any value (a 5,000-digit integer by its length, never printed), ``shorten`` and ``quote`` text,
and ``format_number`` a float for people.

It sits below everything else in the package and imports nothing from it, so the engine, the
pictures, the command line and ``nn`` all say numbers and text the same way.
"""

from __future__ import annotations

import math

MAX_TEXT = 60
"""The longest a piece of user text may be inside a one-line message."""


def describe(data: object, limit: int = MAX_TEXT) -> str:
    """A short, safe description of a value for an error message (a huge int is never printed)."""
    if isinstance(data, int) and not isinstance(data, bool):
        digits = digit_count(data)
        if digits > 20:
            return f"an int with {digits} digits"
    try:
        text = repr(data)
    except Exception:  # a hostile __repr__ must not hide the real error
        text = f"<{type(data).__name__}>"
    return shorten(text, limit, ellipsis="...")


def digit_count(number: int) -> int:
    """How many decimal digits ``number`` has, without str() (which refuses above 4,300 digits)."""
    magnitude = abs(number)
    if magnitude == 0:
        return 1
    estimate = int(magnitude.bit_length() * math.log10(2)) + 1
    # The estimate is exact or one too many; 10**(estimate - 1) is the smallest number of that length.
    return estimate if magnitude >= 10 ** (estimate - 1) else estimate - 1


def shorten(text: str, limit: int = MAX_TEXT, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``limit`` characters, ending in ``ellipsis`` when something was cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ellipsis))] + ellipsis


def quote(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` quoted on one line (control characters escaped) and shortened, for a one-line message."""
    flat = repr(text)
    return flat if len(flat) <= limit else flat[: limit - 4] + "...'"


def format_number(x: float, precision: int | None = None) -> str:
    """A float for people: with ``precision`` significant digits, or (None) in its shortest exact
    form with integers written without '.0'; 'nan', 'inf' and '-inf' as themselves, -0.0 as 0."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "0"
    if precision is None:
        return str(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)
    return f"{x:.{precision}g}"
