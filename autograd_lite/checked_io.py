"""What every layer needs at its edges: turning what comes in into a float (or a clear error),
turning numbers and text into something short enough to show, and writing a file so that
nobody ever sees half of it.

It sits below everything else in the package and imports nothing from it, so the engine, the
pictures, the command line and ``nn`` all check numbers, shorten text and write files the same
way.
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
from pathlib import Path

# Types that have a __float__ (or look like numbers) but are not real numbers for our purposes;
# ``value`` adds Value itself (a Value is never data for another), through ``refuse_as_data``.
_REFUSED_TYPES: tuple[type, ...] = (bool, str, bytes, bytearray, complex)


def refuse_as_data(kind: type) -> None:
    """Make ``to_float`` refuse ``kind`` as a TypeError even though it has a __float__."""
    global _REFUSED_TYPES
    if kind not in _REFUSED_TYPES:
        _REFUSED_TYPES = (*_REFUSED_TYPES, kind)

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
    if isinstance(data, _REFUSED_TYPES) or kind.__name__ in ("bool_", "bool") or not hasattr(kind, "__float__"):
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


def finite_float(data: object, where: str) -> float:
    """``to_float`` that also refuses NaN and infinity, naming ``where``."""
    number = to_float(data, where)
    if not math.isfinite(number):
        raise ValueError(f"{where}: must be a finite number, got {number!r}")
    return number


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


def _temporary_name(target: Path) -> str:
    """A hidden temporary file name beside ``target`` that stays within the file-name limit."""
    token = secrets.token_hex(6)
    try:
        limit = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    # ".{name}.{token}.tmp": shorten the name part, never the token, so it stays unique.
    room = limit - len(token) - len("...tmp")
    name = target.name
    while len(name.encode("utf-8", "surrogateescape")) > room:
        name = name[:-1]
    return f".{name}.{token}.tmp"


def resolve_target(path: str | os.PathLike[str]) -> Path:
    """Where writing to ``path`` should land: through a symbolic link to the file it points at."""
    target = Path(path)
    # Editors write through a link; replacing the link itself with a regular file would leave
    # the file it points at stale. A dangling link is followed too, creating its target.
    hops = 0
    while target.is_symlink() and hops < 40:
        link = Path(os.readlink(target))
        target = link if link.is_absolute() else target.parent / link
        hops += 1
    return target


def write_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never half.

    The bytes go to a temporary file in the same directory, are flushed to disk (fsync), take
    the permissions of the file they replace (a new file gets what the umask allows), and are
    renamed over the target; a symbolic link is written through to the file it names. On any
    error the temporary file is removed and the target is left as it was.
    """
    target = resolve_target(path)
    directory = target.parent
    temporary = directory / _temporary_name(target)
    try:
        mode: int | None = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    # 0o666 lets the umask decide for a new file, as for any file a program creates.
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_directory(directory)
    return target


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable; not every platform can open a directory, so best effort."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
