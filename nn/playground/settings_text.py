"""Every setting of a playground run as one short text, and back: ``settings_text(settings)``
writes ``dataset=moons&n_points=200&...&discretize=0``, the URL fragment of a saved page, and
``parse_settings_text(text)`` reads it, so a teacher can send a class "this exact set-up".

The text is read strictly and never run: each part is ``name=value``, every setting must be
there exactly once (a text cut short misses its last settings, and the last one holds a single
character, so a cut never leaves a valid text behind), and each value must be written as
``settings_text`` writes it: a name from the setting's choices, a decimal number, or a list of
them. Anything else is refused with an error that names the setting and shows the value
bounded. A value is percent-decoded (``x1%5E2`` is ``x1^2``) and only then checked, so whatever
a text holds it ends up as one of the settings' own values or as an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, unquote

from autograd_lite.text import describe

from .settings import WHERE, PlaygroundSettings

MAX_LENGTH = 1000
"""Longer than any text ``settings_text`` writes (about 250 characters)."""
WHERE_TEXT = f"{WHERE}.from_settings"

_INT = re.compile(r"-?[0-9]{1,20}")
_FLOAT = re.compile(r"-?(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})(?:[eE][-+]?[0-9]{1,3})?")
_NAME = re.compile(r"[a-z_0-9]{1,20}")
_ESCAPES = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _write(name: str, value: object) -> str:
    """One setting's value as the text writes it."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:  # batch_size: the full batch
        return "full"
    if isinstance(value, tuple):
        return ",".join(quote(str(item), safe="()*") for item in value)
    if isinstance(value, float):
        return repr(value)
    return quote(str(value), safe="")


def settings_text(settings: PlaygroundSettings) -> str:
    """Every setting as ``name=value`` parts joined by ``&``, in the order of ``FIELDS``."""
    return "&".join(f"{name}={_write(name, getattr(settings, name))}" for name in FIELDS)


def _refuse(name: str, wanted: str, value: str) -> ValueError:
    return ValueError(f"{WHERE_TEXT}: {name} must be {wanted}, got {describe(value)}")


def _number(pattern: re.Pattern[str], wanted: str, convert: Callable[[str], object]) -> Callable[[str, str], object]:
    def read(name: str, value: str) -> object:
        if not pattern.fullmatch(value):
            raise _refuse(name, wanted, value)
        return convert(value)

    return read


def _word(name: str, value: str) -> object:
    if not _NAME.fullmatch(value):
        raise _refuse(name, "a name such as 'moons'", value)
    return value


def _flag(name: str, value: str) -> object:
    if value not in ("0", "1"):
        raise _refuse(name, "0 or 1", value)
    return value == "1"


def _widths(name: str, value: str) -> object:
    parts = value.split(",") if value else []
    if not all(_INT.fullmatch(part) for part in parts):
        raise _refuse(name, "layer widths such as 8,8 (or nothing for no hidden layer)", value)
    return [int(part) for part in parts]


def _features(name: str, value: str) -> object:
    return value.split(",") if value else []


def _batch(name: str, value: str) -> object:
    if value in ("full", "online"):
        return value
    return _number(_INT, "a whole number, 'online' or 'full'", int)(name, value)


_integer = _number(_INT, "a whole number such as 200", int)
_decimal = _number(_FLOAT, "a decimal number such as 0.03", float)

READERS: dict[str, Callable[[str, str], object]] = {
    "dataset": _word, "n_points": _integer, "noise": _decimal, "test_fraction": _decimal, "features": _features,
    "hidden": _widths, "activation": _word, "loss": _word, "optimizer": _word, "lr": _decimal, "schedule": _word,
    "batch_size": _batch, "l1": _decimal, "l2": _decimal, "seed": _integer, "show_test_data": _flag,
    "discretize": _flag,
}  # fmt: skip
"""How each setting's value is read: only the forms ``settings_text`` writes."""
FIELDS = tuple(READERS)
"""The settings in the order the text lists them; the last takes one character."""


def _decode(name: str, value: str) -> str:
    """A value with its %XX escapes decoded as UTF-8, or an error naming the setting."""
    if _ESCAPES.search(value):
        raise _refuse(name, "text whose every % starts an escape such as %5E", value)
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise _refuse(name, "text whose escapes spell UTF-8", value) from None


def parse_settings_text(text: object) -> dict[str, object]:
    """The settings a text names, by name, each read but not yet checked (``PlaygroundSettings``
    checks them); a text that is not one ``settings_text`` could have written is refused.

    A whole address is taken too: only what follows its ``#`` is read.
    """
    if not isinstance(text, str):
        raise TypeError(f"{WHERE_TEXT}: the settings text must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ValueError(
            f"{WHERE_TEXT}: the settings text has {len(text):,} characters; a playground's settings take at most {MAX_LENGTH:,}"
        )
    fragment = text.partition("#")[2] if "#" in text else text
    values: dict[str, object] = {}
    parts = fragment.strip().split("&")
    for position, part in enumerate(parts):
        name, equals, value = part.partition("=")
        last = position == len(parts) - 1
        if name not in READERS:
            cut = " (is the text cut short?)" if last and any(f.startswith(name) for f in FIELDS) else ""
            raise ValueError(
                f"{WHERE_TEXT}: {describe(name)} is not a setting{cut}; the settings are {', '.join(FIELDS)}"
            )
        if not equals:
            raise ValueError(f"{WHERE_TEXT}: {name} has no value (is the text cut short?)")
        if name in values:
            raise ValueError(f"{WHERE_TEXT}: {name} is given twice")
        values[name] = READERS[name](name, _decode(name, value))
    missing = [name for name in FIELDS if name not in values]
    if missing:
        raise ValueError(f"{WHERE_TEXT}: the settings text has no {missing[0]} (is it cut short?)")
    return values
