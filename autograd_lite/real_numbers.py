"""Reading real numbers: ``to_float`` turns whatever a user gives as a number (int, float, numpy
scalars, Fraction, Decimal) into a float, or refuses it with a clear error, with one overflow
rule for every kind of number.

A class says it is never data, though it has a ``__float__``, by a class attribute
``not_data = True`` (``Value`` does: a Value is never the data of another), so this module needs
to know nothing of the classes above it.
"""

from __future__ import annotations

import math

from .text import describe

# Types that have a __float__ (or look like numbers) but are not real numbers for our purposes.
_REFUSED_TYPES: tuple[type, ...] = (bool, str, bytes, bytearray, complex)


def to_float(data: object, where: str = "Value") -> float:
    """A real number as a float: int, float, numpy scalars, Fraction, Decimal, anything with a
    __float__; TypeError for bool, str, bytes, complex, None and containers; OverflowError for a
    finite number too large for a float (10**400 and Decimal('1e400') alike)."""
    kind = type(data)
    if kind is float:
        return data  # type: ignore[return-value]  # checked by the line above
    if kind is int:
        try:
            return float(data)  # type: ignore[arg-type]  # an int
        except OverflowError:
            raise OverflowError(f"{where}: {describe(data)} is too large for a float") from None
    if (
        isinstance(data, _REFUSED_TYPES)
        or getattr(kind, "not_data", False) is True
        or kind.__name__ in ("bool_", "bool")
        or not hasattr(kind, "__float__")
    ):
        raise TypeError(f"{where}: data must be a real number, got {kind.__name__}")
    if isinstance(data, float):  # a float subclass such as numpy.float64
        return float(data)
    try:
        result = float(data)  # type: ignore[arg-type]  # has __float__, checked above
    except OverflowError:
        raise OverflowError(f"{where}: {describe(data)} is too large for a float") from None
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where}: data must be a real number, got {kind.__name__} ({error})") from None
    if type(result) is not float:
        raise TypeError(f"{where}: {kind.__name__}.__float__ returned {type(result).__name__}")
    if math.isinf(result) and not _is_infinite(data, result):
        # Decimal('1e400') and Fraction(10**400) become inf silently; 10**400 raises: one rule for all.
        raise OverflowError(f"{where}: {describe(data)} is too large for a float")
    return result


def _is_infinite(data: object, result: float) -> bool:
    """True when ``data`` itself is infinite (Decimal('Infinity')), not a finite number that overflowed."""
    try:
        return bool(data == result)
    except Exception:
        return False
