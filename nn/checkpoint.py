"""Save and load parameters as JSON: atomically, without executing anything, and checked key by key.

A file looks like ``{"format": "autograd-lite/nn", "version": 1, "architecture": "...",
"parameters": {"layers.0.neurons.0.w.0": 0.25, ...}}``. Saving writes a temporary file in the
same directory and renames it over the target, so an interrupted save leaves the old file whole.
Loading reads regular files only (a named pipe or a device is refused, never waited on), parses
JSON only, and validates every value before the caller assigns any of them.
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Mapping, Sequence
from typing import Any

from autograd_lite import Value
from autograd_lite.atomic_file import write_atomically
from autograd_lite.real_numbers import to_float
from autograd_lite.text import describe, digit_count

FORMAT = "autograd-lite/nn"
VERSION = 1

PathLike = str | os.PathLike[str]


class LongInteger:
    """A JSON integer with more digits than Python turns into an int (``sys.get_int_max_str_digits``):
    kept as its digit count, so the check of its key can name the key instead of failing inside
    the JSON parser."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"a {self.digits}-digit integer"


def _parse_int(text: str) -> int | LongInteger:
    try:
        return int(text)
    except ValueError:  # only Python's int-to-str limit: the JSON parser has checked the digits
        return LongInteger(len(text.lstrip("-")))


def check_number(key: str, value: object, where: str) -> float:
    """The value as a finite float, or an error naming the key."""
    if isinstance(value, Value):
        raise TypeError(f"{where}: key {key!r}: expected a number, got a Value")
    if isinstance(value, LongInteger):
        raise ValueError(f"{where}: key {key!r}: {value.digits}-digit integer is too large for a float")
    try:
        number = to_float(value, where)
    except TypeError:
        raise TypeError(f"{where}: key {key!r}: expected a number, got {type(value).__name__} {describe(value)}") from None
    except OverflowError:
        size = f"{digit_count(value)}-digit integer" if isinstance(value, int) else describe(value)
        raise ValueError(f"{where}: key {key!r}: {size} is too large for a float") from None
    if not math.isfinite(number):
        raise ValueError(f"{where}: key {key!r}: expected a finite number, got {number!r}")
    return number


def validate_parameters(
    names: Sequence[str], state: Mapping[Any, object], strict: bool, where: str
) -> dict[str, float]:
    """Check ``state`` against the parameter ``names``; return the values to assign.

    The first bad key raises: in the model's order a missing key (when strict) or a value that is
    not a finite number, then (when strict) the first key the model does not have.
    """
    values: dict[str, float] = {}
    for name in names:
        if name in state:
            values[name] = check_number(name, state[name], where)
        elif strict:
            raise ValueError(f"{where}: missing key {name!r} (a parameter of this model)")
    if strict:
        known = set(names)
        for key in state:
            if key not in known:
                raise ValueError(f"{where}: unexpected key {describe(key)} (the model has no such parameter)")
    return values


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate key {key!r}")
        document[key] = value
    return document


def size_limit(names: Sequence[str], architecture: str) -> int:
    """The most bytes a checkpoint of this model can sensibly take: generous room per name and
    number, so a file far larger than that (a wrong file, or a hostile one) is never read whole."""
    return 64 * 1024 + 4 * (len(architecture) + sum(len(name) + 40 for name in names))


# What a path that is not a regular file is, for the message that refuses it.
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _read_regular_file(path: PathLike, max_bytes: int | None, where: str) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``; anything else raises.

    The file is opened without blocking and checked by the descriptor itself before one byte is
    read: a plain ``open`` of a named pipe waits forever for a writer, and a device never ends.
    """
    try:
        # O_NONBLOCK makes opening a FIFO return at once; for a regular file it changes nothing.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        _refuse_other_kinds(os.stat(path).st_mode, where)  # a socket cannot be opened at all
        raise
    try:
        status = os.fstat(descriptor)
        _refuse_other_kinds(status.st_mode, where)
        if max_bytes is not None and status.st_size > max_bytes:
            raise _too_large(where, max_bytes)
    except BaseException:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as file:
        raw = file.read() if max_bytes is None else file.read(max_bytes + 1)
    if max_bytes is not None and len(raw) > max_bytes:  # the file grew after fstat
        raise _too_large(where, max_bytes)
    return raw


def _refuse_other_kinds(mode: int, where: str) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "a special file")
        raise ValueError(f"{where}: the path is {kind}, not a regular file; a checkpoint is a file written by save")


def _too_large(where: str, max_bytes: int) -> ValueError:
    return ValueError(
        f"{where}: the file is larger than {max_bytes} bytes, far more than this model's "
        f"parameters need; it is not a checkpoint of this model"
    )


def read_checkpoint(path: PathLike, max_bytes: int | None = None) -> tuple[dict[str, Any], str]:
    """The (parameters, architecture) of a checkpoint file, after checking its kind, size and envelope."""
    where = f"load {os.fspath(path)!r}"
    raw = _read_regular_file(path, max_bytes, where)
    try:
        document = json.loads(raw.decode("utf-8"), object_pairs_hook=_reject_duplicates, parse_int=_parse_int)
    except UnicodeDecodeError as error:
        raise ValueError(f"{where}: not UTF-8 text ({error})") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{where}: not valid JSON, the file is truncated or corrupt ({error})") from None
    except ValueError as error:  # a duplicate key
        raise ValueError(f"{where}: {error}") from None
    except RecursionError:
        raise ValueError(f"{where}: JSON nested too deeply") from None
    if not isinstance(document, dict):
        raise TypeError(f"{where}: expected a JSON object at the top level, got {type(document).__name__}")
    for key in ("format", "version", "architecture", "parameters"):
        if key not in document:
            raise ValueError(f"{where}: missing key {key!r}")
    if document["format"] != FORMAT:
        raise ValueError(f"{where}: key 'format': expected {FORMAT!r}, got {describe(document['format'])}")
    version = document["version"]
    if isinstance(version, bool) or version != VERSION:
        raise ValueError(f"{where}: key 'version': expected {VERSION}, got {describe(version)}")
    architecture = document["architecture"]
    if not isinstance(architecture, str):
        raise TypeError(f"{where}: key 'architecture': expected a string, got {type(architecture).__name__}")
    parameters = document["parameters"]
    if not isinstance(parameters, dict):
        raise TypeError(f"{where}: key 'parameters': expected an object, got {type(parameters).__name__}")
    return parameters, architecture


def write_checkpoint(path: PathLike, parameters: Sequence[tuple[str, float]], architecture: str) -> None:
    """Write a checkpoint atomically (``autograd_lite.atomic_file.write_atomically``); a non-finite parameter writes nothing."""
    where = f"save {os.fspath(path)!r}"
    for name, value in parameters:
        if not math.isfinite(value):
            raise ValueError(f"{where}: key {name!r}: parameter is not finite ({value!r}); nothing was written")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": architecture,
        "parameters": dict(parameters),
    }
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    write_atomically(path, text.encode("utf-8"))
