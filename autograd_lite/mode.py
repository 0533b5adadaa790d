"""Recording modes: ``no_grad()`` computes without building a graph, ``enable_grad()`` records
again inside it, and ``detect_anomaly()`` stops at the first NaN or infinity, forward or
backward. Each works as a ``with`` block and as a decorator, on plain functions, generators,
coroutines and async generators.

Why it is built this way:

- The mode lives in a ContextVar, so a block in one thread or asyncio task never changes what
  another one records.
- A block remembers the frame that opened it. When that frame is a generator or coroutine, the
  block applies only while the frame runs: a ``with no_grad():`` around a ``yield`` does not leak
  into the code that consumes the generator, and finishing the generator later, in any thread,
  closes the block everywhere instead of crashing or leaving a thread in no_grad for good.
  A generator that ``contextlib.contextmanager`` (or ``asynccontextmanager``) drives is the
  exception: there the ``yield`` hands over to the body of the user's ``with``, which is meant to
  run in the mode, so its block applies as an ordinary one does.
- As a decorator on a generator function the mode is entered around each resumption, so the
  body runs under it wherever it is resumed, and the consumer never sees it (as PyTorch does).
- ``OPEN.count`` says whether any block is open anywhere. Most programs never open one, and then
  every operation skips the ContextVar read (``python -m bench.micro`` measures what it saves).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
import threading
from collections.abc import AsyncGenerator, Callable, Generator
from contextvars import ContextVar, Token
from types import FrameType, TracebackType
from typing import Any, TypeVar, cast

from .open_count import OpenCount

NO_GRAD = 1
ANOMALY = 2
LIMITS = 4
"""Inside a derivative rule: domain edges give IEEE limits (1/0 = inf) instead of errors, and the
engine, not each op, checks the results (so an anomaly names the op being differentiated)."""

_SUSPENDABLE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE

Function = TypeVar("Function", bound=Callable[..., Any])

# The frames that drive a @contextmanager generator into the body of its `with` (Python's own
# classes, there since 3.2 and 3.7; they are private, so their absence is tolerated).
_WITH_DRIVERS = frozenset(
    method.__code__
    for method in (
        getattr(getattr(contextlib, "_GeneratorContextManager", None), "__enter__", None),
        getattr(getattr(contextlib, "_AsyncGeneratorContextManager", None), "__aenter__", None),
    )
    if method is not None and hasattr(method, "__code__")
)


class AnomalyError(FloatingPointError):
    """Raised inside ``detect_anomaly()`` by the first op that produces NaN or infinity."""


class _OpenBlock:
    """One open ``with`` block: the flags it sets, the block it sits in, and where it was opened."""

    __slots__ = ("flags", "outer", "frame", "thread", "open")

    def __init__(self, flags: int, outer: _OpenBlock | None, frame: FrameType | None) -> None:
        self.flags = flags
        self.outer = outer
        # Only a generator or coroutine frame can be suspended with the block still open.
        self.frame = frame
        self.thread = threading.get_ident()
        self.open = True

    def applies(self) -> bool:
        """True while the block is open and, if it was opened in a generator, that generator runs."""
        if not self.open:
            return False
        frame = self.frame
        # A suspended generator's frame has no caller (f_back is None) until it is resumed.
        return frame is None or (frame.f_back is not None and self.thread == threading.get_ident())


OPEN = OpenCount()
"""How many mode blocks are open in all threads together; 0 lets every op skip the mode check."""
MODE: ContextVar[_OpenBlock | None] = ContextVar("autograd_lite_mode", default=None)


def current() -> int:
    """The flags in force here and now: those of the innermost block that applies."""
    block = MODE.get()
    while block is not None:
        if block.applies():
            return block.flags
        block = block.outer
    return 0


def is_grad_enabled() -> bool:
    """True when operations record the graph (outside every ``no_grad()`` block)."""
    return not (OPEN.count and current() & NO_GRAD)


class _Mode:
    """A recording mode: a context manager, and a decorator for any kind of function."""

    set_flags = 0
    clear_flags = 0

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        # Both @no_grad and @no_grad() decorate, as in PyTorch.
        instance = super().__new__(cls)
        instance._open = {}
        instance._lock = threading.Lock()
        if function is None:
            return instance
        return instance(function)

    # The blocks this instance has open, innermost last: per generator or coroutine frame (which
    # may be finished in another thread), and per thread for ordinary frames, so one instance
    # shared by several threads (`QUIET = no_grad()`) closes each thread's own block.
    _open: dict[FrameType | int, list[tuple[_OpenBlock, Token[_OpenBlock | None]]]]
    _lock: threading.Lock

    def __enter__(self) -> None:
        frame, key = _opener(sys._getframe(1))
        # A @contextmanager generator suspends inside the block on purpose: the mode is for the
        # body of the caller's `with`, so the block must not be tied to the generator's frame.
        tracked = None if frame is None or _drives_a_with_body(frame) else frame
        block = _OpenBlock((current() | self.set_flags) & ~self.clear_flags, MODE.get(), tracked)
        token = MODE.set(block)
        with self._lock:
            self._open.setdefault(key, []).append((block, token))
        OPEN.change(+1)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        _, key = _opener(sys._getframe(1))
        with self._lock:
            stack = self._open.get(key)
            if not stack:
                return
            block, token = stack.pop()
            if not stack:
                del self._open[key]
        block.open = False
        block.frame = None
        if MODE.get() is block:
            try:
                MODE.reset(token)
            except ValueError:
                # Closed in another thread or task than the one that opened it: there, step out.
                MODE.set(block.outer)
        # Otherwise a block opened later still stands on top: closing this one is enough, since
        # `current()` skips closed blocks.
        OPEN.change(-1)

    def __call__(self, function: Function) -> Function:
        """Decorate ``function`` so its body runs in this mode (generators: at every resumption)."""
        if not callable(function):
            raise TypeError(f"{type(self).__name__}: can only decorate a callable, got {type(function).__name__}")
        kind = type(self)
        if inspect.isgeneratorfunction(function):
            return cast("Function", _wrap_generator(kind, function))
        if inspect.isasyncgenfunction(function):
            return cast("Function", _wrap_async_generator(kind, function))
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def run_coroutine(*args: Any, **kwargs: Any) -> Any:
                with kind():
                    return await function(*args, **kwargs)

            return cast("Function", run_coroutine)

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with kind():
                return function(*args, **kwargs)

        return cast("Function", run)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _opener(caller: FrameType) -> tuple[FrameType | None, FrameType | int]:
    """The generator or coroutine frame that opens a block (None for an ordinary one), and the
    key its block is kept under: that frame, or else the thread."""
    if caller.f_code.co_flags & _SUSPENDABLE:
        return caller, caller
    return None, threading.get_ident()


def _drives_a_with_body(frame: FrameType) -> bool:
    """True when ``frame`` is a generator run by ``contextlib.contextmanager``'s ``__enter__``."""
    caller = frame.f_back
    return caller is not None and caller.f_code in _WITH_DRIVERS


def _wrap_generator(kind: type[_Mode], function: Callable[..., Generator[Any, Any, Any]]) -> Callable[..., Any]:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        inner = function(*args, **kwargs)
        # Each resumption runs under the mode; the values go out, and the consumer's own sends
        # and throws come in, outside it.
        try:
            with kind():
                request = next(inner)
            while True:
                try:
                    response = yield request
                except GeneratorExit:
                    with kind():
                        inner.close()
                    raise
                except BaseException as error:
                    with kind():
                        request = inner.throw(error)
                else:
                    with kind():
                        request = inner.send(response)
        except StopIteration as stop:
            return stop.value

    return run


def _wrap_async_generator(
    kind: type[_Mode], function: Callable[..., AsyncGenerator[Any, Any]]
) -> Callable[..., AsyncGenerator[Any, Any]]:
    @functools.wraps(function)
    async def run(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        inner = function(*args, **kwargs)
        # As for a generator: each resumption runs under the mode, and what the consumer sends
        # (asend) or throws (athrow) reaches the body.
        try:
            with kind():
                request = await inner.__anext__()
            while True:
                try:
                    response = yield request
                except GeneratorExit:
                    with kind():
                        await inner.aclose()
                    raise
                except BaseException as error:
                    with kind():
                        request = await inner.athrow(error)
                else:
                    with kind():
                        request = await inner.asend(response)
        except StopAsyncIteration:
            return

    return run


class no_grad(_Mode):
    """Inside this block (or decorated function) every result is a leaf without parents."""

    set_flags = NO_GRAD


class enable_grad(_Mode):
    """Record the graph again inside a ``no_grad()`` block."""

    clear_flags = NO_GRAD


class detect_anomaly(_Mode):
    """Raise AnomalyError at the first op whose result or backward gradient is NaN or inf."""

    set_flags = ANOMALY


class derivative_limits(_Mode):
    """For the engine's derivative rules: IEEE limits at domain edges, anomaly checks left to the engine."""

    set_flags = LIMITS
