"""Know when Python read a number: ``with recording() as rec:`` notes every time Python code
reads the number of a Value (one that is not a constant) while a graph is built, so that a
replay of that graph can be trusted or refused.

>>> from autograd_lite import Value, recording
>>> with recording() as rec:
...     x = Value(2.0)
...     y = x * 3 if x.data > 0 else -x     # Python branches on x's number
>>> rec.read
True

Why it matters: a replay (``Tape``, ``BatchedTape``, ``fit(compiled=True)``) runs the recorded
operations again for other numbers. A branch that Python took on a number (``x if x.data > 0
else -x``, ``max(a, b)``, a loop that stops on a value) is frozen as recorded, so a replay for
numbers that would take the other branch gives a wrong answer without a word. jax.jit refuses to
branch on a traced number for the same reason. A recording that saw no read proves that the
graph's shape did not depend on the numbers; one that saw a read names the first line that read.

The reads noted are every way Python gets a Value's number: ``.data``, ``float()``, ``int()``,
``bool()``, ``round()``, ``math.floor``/``ceil``/``trunc``, the comparisons ``< <= > >=``,
formatting (``f"{v:.3f}"``), ``detach()``, and any op computed inside ``no_grad()`` (its result
is a number cut loose from the graph). ``repr()`` is not a read (debuggers and error messages
call it), nor is anything that goes around the public protocol (``v._data``).

A block notes reads made in its own thread or task only, so other threads may read Values
meanwhile. A read is named by the first frame of the stack that is neither autograd-lite's,
nn's nor the standard library's: the user's own line.
"""

from __future__ import annotations

import functools
import linecache
import os
import sys
import sysconfig
import threading
from contextvars import ContextVar, Token
from types import FrameType, TracebackType
from typing import NamedTuple

from .open_count import OpenCount


class Read(NamedTuple):
    """One read of a number: how it was read, and the file, line and code that read it."""

    how: str
    filename: str
    line: int
    code: str

    def __str__(self) -> str:
        code = f": {self.code}" if self.code else ""
        return f"{_shown_path(self.filename)}, line {self.line}{code} ({self.how})"


def _shown_path(filename: str) -> str:
    """A file as a person finds it: relative to the working directory when it lies below it."""
    try:
        relative = os.path.relpath(filename)
    except ValueError:  # another drive (Windows)
        return filename
    return filename if relative.startswith("..") else relative


class ReplayRefused(ValueError):
    """A replay was asked for a graph during whose recording Python read a number."""


class ReplayFallback(UserWarning):
    """A fast path (a replay) could not prove it gives eager evaluation's numbers, so the slow and
    sure path runs instead; the message says why."""


MAX_READS = 20
"""How many reads a recording keeps (at different lines); it counts them all."""


class Recording:
    """What Python read while a graph was recorded: ``read``, ``reads``, ``count``, ``first``."""

    __slots__ = ("reads", "count", "_lock", "_places")

    def __init__(self) -> None:
        self.reads: list[Read] = []
        self.count = 0
        self._lock = threading.Lock()
        self._places: set[tuple[str, int]] = set()

    @property
    def read(self) -> bool:
        """True when Python read a number while the graph was recorded."""
        return self.count > 0

    @property
    def first(self) -> Read | None:
        """The first read, or None."""
        return self.reads[0] if self.reads else None

    def add(self, read: Read) -> None:
        """Note one read (kept when its line is new and fewer than ``MAX_READS`` are kept)."""
        with self._lock:
            self.count += 1
            place = (read.filename, read.line)
            if place not in self._places and len(self.reads) < MAX_READS:
                self._places.add(place)
                self.reads.append(read)

    def refuse(self, where: str) -> None:
        """Raise ReplayRefused when a number was read: a replay of this recording could be wrong."""
        if self.read:
            raise ReplayRefused(f"{where}: {why_not_replayable(self)}")

    def __repr__(self) -> str:
        return f"Recording({self.count} reads)" if self.read else "Recording(no reads)"


def why_not_replayable(recording: Recording) -> str:
    """The sentence that says why a recording with reads cannot stand for other numbers."""
    first = recording.first
    more = f" (and {recording.count - 1} more)" if recording.count > 1 else ""
    return (
        f"Python read a number while the graph was recorded, at {first}{more}; a replay would keep "
        "the branch taken then for every other number, so it is not used"
    )


OPEN_RECORDINGS = OpenCount()
"""How many recording blocks are open in all threads: 0 lets every read skip the check."""
_ACTIVE: ContextVar[tuple[Recording, ...]] = ContextVar("autograd_lite_recordings", default=())


class recording:
    """Note every number Python reads from a Value inside this block; ``as rec`` gives the Recording."""

    __slots__ = ("_recording", "_token")

    def __init__(self) -> None:
        self._recording = Recording()
        self._token: Token[tuple[Recording, ...]] | None = None

    def __enter__(self) -> Recording:
        if self._token is not None:
            raise RuntimeError("recording: this block is already open; make a new recording() for each")
        # An outer recording sees the reads of an inner one too: both graphs were built meanwhile.
        self._token = _ACTIVE.set((*_ACTIVE.get(), self._recording))
        OPEN_RECORDINGS.change(+1)
        return self._recording

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        token, self._token = self._token, None
        if token is None:
            return
        OPEN_RECORDINGS.change(-1)
        try:
            _ACTIVE.reset(token)
        except ValueError:  # closed in another context than the one that opened it: step out
            _ACTIVE.set(tuple(r for r in _ACTIVE.get() if r is not self._recording))


def note_read(how: str) -> None:
    """Note that Python read a number, in every recording open in this context, at the user's line.

    Called by the Value methods that hand out a number, only while some recording is open
    (``OPEN_RECORDINGS.count``), so that code outside any recording pays one attribute read.
    """
    active = _ACTIVE.get()
    if not active:
        return
    frame = _user_frame(sys._getframe(1))
    filename, line = frame.f_code.co_filename, frame.f_lineno
    read = Read(how, filename, line, linecache.getline(filename, line).strip())
    for open_recording in active:
        open_recording.add(read)


_LIBRARY_PACKAGES = ("autograd_lite", "nn")
@functools.cache
def _standard_library() -> tuple[str, ...]:
    """Where the standard library lives (asked once, when a read is first noted: not at import)."""
    paths = sysconfig.get_paths()
    return tuple(path for path in {paths.get("stdlib"), paths.get("platstdlib")} if path)


def _user_frame(frame: FrameType) -> FrameType:
    """The first frame, walking out from ``frame``, of code that is the user's own (not ours and
    not the standard library's); ``frame`` itself when there is none."""
    walker: FrameType | None = frame
    while walker is not None:
        module = walker.f_globals.get("__name__", "")
        filename = walker.f_code.co_filename
        ours = any(module == name or module.startswith(name + ".") for name in _LIBRARY_PACKAGES)
        if not ours and not filename.startswith(_standard_library()) and not filename.startswith("<frozen"):
            return walker
        walker = walker.f_back
    return frame
