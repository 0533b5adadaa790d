"""Run a student's code with a deadline: ``with deadline(2.0): ...`` raises ``OutOfTime``
inside their code once the block has run for two seconds, so a ``backward()`` that never returns
ends and can be reported.

The deadline is a trace function (``sys.settrace``) that looks at the clock on every line the
student's Python runs and raises there. It needs no signal, so it works in any thread, a
notebook kernel's included, and the student's code runs in the caller's own thread, so nothing
is left running once the check has returned. A loop written on one line (``while True: pass``)
sends no line events, so a timer, cancelled when the block ends in time, asks the frames the
block traces for an event per instruction once the time is up. Code that runs for long inside
one C call (a huge ``math.factorial``) is not interrupted; a student's loop is Python, and is.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class OutOfTime(BaseException):
    """The student's code ran past its deadline. A BaseException, as KeyboardInterrupt is, so a
    student's ``except Exception`` does not swallow it and loop on."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise ``OutOfTime`` in the code this block calls once it has run for ``seconds``."""
    expires = time.monotonic() + seconds
    previous = sys.gettrace()

    caller = threading.get_ident()

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > expires:
            raise OutOfTime
        return tracer

    def wake() -> None:
        frame = sys._current_frames().get(caller)
        while frame is not None:
            if frame.f_trace is tracer:
                frame.f_trace_opcodes = True
            frame = frame.f_back

    timer = threading.Timer(seconds, wake)
    timer.daemon = True
    sys.settrace(tracer)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        # A debugger's or a coverage tool's tracer comes back once the student's code has run.
        sys.settrace(previous)
