"""Run a student's code with a deadline: ``with Deadline(2.0): ...`` raises ``OutOfTime``
inside their code once the block has run for two seconds, so a ``backward()`` that never returns
ends and can be reported.

The deadline is a trace function (``sys.settrace``) that looks at the clock on every line the
student's Python runs and raises there. It needs no signal, so it works in any thread, a
notebook kernel's included, and the student's code runs in the caller's own thread, so nothing
is left running once the check has returned. A loop written on one line (``while True: pass``)
sends no line events, so a timer, cancelled when the block ends in time, asks the frames the
block traces for an event per instruction once the time is up. Code that runs for long inside
one C call (a huge ``math.factorial``) is not interrupted; a student's loop is Python, and is.
In a browser tab (Pyodide) no thread can start: there the clock on every line is the whole
deadline, and a loop written on one line runs on.
"""

from __future__ import annotations

import sys
import threading
import time
from types import FrameType
from typing import Any

# Pyodide starts no threads ("can't start new thread"), so there is no timer in a browser tab.
TIMER_THREADS = sys.platform != "emscripten"


class OutOfTime(BaseException):
    """The student's code ran past its deadline. A BaseException, as KeyboardInterrupt is, so a
    student's ``except Exception`` does not swallow it and loop on."""


class Deadline:
    """Raise ``OutOfTime`` in the code this block calls once it has run for ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires = 0.0
        self.previous: Any = None
        self.running = False
        self.caller = 0
        self.tracer = self._trace  # one bound method, so frames can be told apart by it
        self.timer: threading.Timer | None = None

    def __enter__(self) -> None:
        self.previous = sys.gettrace()
        self.caller = threading.get_ident()
        if TIMER_THREADS:
            self.timer = threading.Timer(self.seconds, self._wake)
            self.timer.daemon = True
            self.timer.start()  # before the trace starts, so the timer's own start is not traced
        self.expires = time.monotonic() + self.seconds
        self.running = True
        sys.settrace(self.tracer)

    def __exit__(self, *exception: object) -> None:
        # The previous tracer (a debugger's, a coverage tool's) first: from here on no new frame
        # is traced by ours, and frames that still hold ours find it switched off.
        sys.settrace(self.previous)
        self.running = False
        if self.timer is not None:
            self.timer.cancel()

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if not self.running or frame.f_code is _EXIT:
            return None
        if time.monotonic() > self.expires:
            raise OutOfTime
        return self.tracer

    def _wake(self) -> None:
        """At the deadline, ask every frame this block traces for an event per instruction."""
        frame = sys._current_frames().get(self.caller)
        while frame is not None:
            if frame.f_trace == self.tracer:
                frame.f_trace_opcodes = True
            frame = frame.f_back


# Where the block ends: never traced, so the tracer cannot stop its own clean-up.
_EXIT = Deadline.__exit__.__code__
