"""Writing a file so that nobody ever sees half of it: ``write_atomically`` writes beside the
target, flushes to disk and renames over it, through symbolic links, keeping permissions.

It sits below everything else in the package and imports nothing from it, so models, pictures
and pages are all written the same way.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


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
