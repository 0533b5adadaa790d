"""``no_grad``, ``enable_grad`` and ``detect_anomaly`` with generators and coroutines: as decorators
they apply to the body wherever it is resumed and never to the consumer (PyTorch's semantics,
checked against PyTorch itself); a ``with`` block inside a suspended generator applies only while
that generator runs, so it never leaks, and finishing the generator in another thread or by
garbage collection neither crashes nor leaves any thread in the mode; a ``@contextmanager``
generator's block applies to the body of its ``with``; and one instance shared by threads keeps
each thread's blocks apart."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from autograd_lite import AnomalyError, Value, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd_lite.mode import OPEN

Log = list[tuple[str, bool]]


def records() -> bool:
    """Whether an op made here records its operands (what no_grad is about), checked by making one."""
    recorded = not (Value(1.0) * 2.0).is_leaf
    assert recorded == is_grad_enabled()
    return recorded


OURS = SimpleNamespace(no_grad=no_grad, enable_grad=enable_grad, enabled=records)


def pytorch() -> SimpleNamespace:
    torch = pytest.importorskip("torch")
    return SimpleNamespace(no_grad=torch.no_grad, enable_grad=torch.enable_grad, enabled=torch.is_grad_enabled)


@pytest.fixture(autouse=True)
def no_block_left_open() -> Iterator[None]:
    """Every test starts and ends recording, with no mode block open anywhere (a generator left
    suspended is closed when its test returns and the last reference to it goes)."""
    before = OPEN.count
    assert records()
    yield
    assert records()
    assert OPEN.count == before


# ---- decorated generators: the same observations as PyTorch --------------------------------------


def decorated_generator(ns: Any) -> Log:
    log: Log = []

    @ns.no_grad()
    def numbers() -> Iterator[int]:
        log.append(("body starts", ns.enabled()))
        sent = yield 1
        log.append((f"body got {sent}", ns.enabled()))
        yield 2
        log.append(("body ends", ns.enabled()))

    log.append(("consumer before", ns.enabled()))
    stream = numbers()
    log.append(("consumer after creating", ns.enabled()))
    next(stream)
    log.append(("consumer after first", ns.enabled()))
    stream.send("hello")
    log.append(("consumer after second", ns.enabled()))
    assert list(stream) == []
    log.append(("consumer after the end", ns.enabled()))
    return log


def bare_decorator(ns: Any) -> Log:
    log: Log = []

    @ns.no_grad
    def numbers() -> Iterator[int]:
        log.append(("body", ns.enabled()))
        yield 1
        log.append(("body again", ns.enabled()))

    for _ in numbers():
        log.append(("consumer", ns.enabled()))
    return log


def enable_grad_inside_no_grad(ns: Any) -> Log:
    log: Log = []

    @ns.enable_grad()
    def numbers() -> Iterator[int]:
        for i in range(2):
            log.append((f"body {i}", ns.enabled()))
            yield i

    with ns.no_grad():
        for i in numbers():
            log.append((f"consumer {i}", ns.enabled()))
    return log


def throw_and_close(ns: Any) -> Log:
    log: Log = []

    @ns.no_grad()
    def numbers() -> Iterator[int]:
        try:
            while True:
                try:
                    yield 1
                except KeyError:
                    log.append(("body handles a throw", ns.enabled()))
        finally:
            log.append(("body closes", ns.enabled()))

    stream = numbers()
    next(stream)
    stream.throw(KeyError("k"))
    log.append(("consumer after throw", ns.enabled()))
    stream.close()
    log.append(("consumer after close", ns.enabled()))
    return log


def yield_from_and_return(ns: Any) -> Log:
    log: Log = []

    @ns.no_grad()
    def inner() -> Iterator[int]:
        log.append(("inner", ns.enabled()))
        yield 1
        return 42

    def outer() -> Iterator[int]:
        result = yield from inner()
        log.append((f"outer got {result}", ns.enabled()))

    for _ in outer():
        log.append(("consumer", ns.enabled()))
    return log


def context_manager_generators(ns: Any) -> Log:
    # The idiom `@contextmanager def quiet(): with no_grad(): yield`: the mode is for the body of
    # the caller's `with`, and ends with it, also when that body raises.
    log: Log = []

    @contextlib.contextmanager
    def quiet() -> Iterator[None]:
        with ns.no_grad():
            yield

    @contextlib.contextmanager
    def loud() -> Iterator[None]:
        with ns.enable_grad():
            yield

    with quiet():
        log.append(("inside quiet", ns.enabled()))
        with loud():
            log.append(("inside loud inside quiet", ns.enabled()))
        log.append(("back in quiet", ns.enabled()))
    log.append(("after quiet", ns.enabled()))
    with contextlib.suppress(KeyError), quiet():
        raise KeyError("k")
    log.append(("after a raising body", ns.enabled()))
    with contextlib.ExitStack() as stack:
        stack.enter_context(quiet())
        log.append(("inside an ExitStack", ns.enabled()))
    log.append(("after the ExitStack", ns.enabled()))
    return log


SCENARIOS: dict[str, Callable[[Any], Log]] = {
    "contextmanager": context_manager_generators,
    "decorated generator": decorated_generator,
    "bare decorator": bare_decorator,
    "enable_grad inside no_grad": enable_grad_inside_no_grad,
    "throw and close": throw_and_close,
    "yield from and return": yield_from_and_return,
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_decorated_generators_see_what_pytorchs_see(scenario: str) -> None:
    theirs = SCENARIOS[scenario](pytorch())
    ours = SCENARIOS[scenario](OURS)
    assert ours == theirs


def test_a_decorated_generator_body_runs_without_a_graph_and_its_consumer_with_one() -> None:
    # What PyTorch also shows above, spelled out: the body never records, the consumer always does.
    log = decorated_generator(OURS)
    assert [seen for where, seen in log if where.startswith("body")] == [False, False, False]
    assert all(seen for where, seen in log if where.startswith("consumer"))


def test_a_decorated_generator_resumed_in_another_thread_still_runs_its_body_in_the_mode() -> None:
    log: Log = []

    @no_grad()
    def numbers() -> Iterator[int]:
        for i in range(3):
            log.append((threading.current_thread().name, records()))
            yield i

    stream = numbers()
    next(stream)
    worker = threading.Thread(target=lambda: next(stream), name="worker")
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    log.append(("consumer", records()))
    stream.close()
    assert log == [("MainThread", False), ("worker", False), ("consumer", True)]


def test_detect_anomaly_on_a_generator_checks_the_body_only() -> None:
    @detect_anomaly()
    def logs(xs: list[Value]) -> Iterator[Value]:
        for x in xs:
            yield x.log()

    stream = logs([Value(1.0), Value(math.e), Value(-1.0)])
    assert next(stream).data == 0.0
    assert math.isnan((Value(math.inf) - math.inf).data)  # the consumer may make NaN freely
    assert next(stream).data == 1.0
    with pytest.raises(ValueError, match="log: input must be > 0"):
        next(stream)
    with pytest.raises(AnomalyError, match="log: forward produced nan"):
        next(logs([Value(math.nan)]))


# ---- a with block inside a generator ---------------------------------------------------------------


def test_a_with_block_around_a_yield_does_not_leak_into_the_consumer() -> None:
    # The old block set the mode for the whole thread until the generator resumed: the consumer
    # lost its graph. PyTorch leaks the same way; we do not.
    log: Log = []

    def numbers() -> Iterator[int]:
        with no_grad():
            log.append(("body", records()))
            yield 1
            log.append(("body resumed", records()))
        log.append(("body after the block", records()))
        yield 2

    stream = numbers()
    next(stream)
    log.append(("consumer", records()))
    next(stream)
    log.append(("consumer again", records()))
    stream.close()
    assert log == [("body", False), ("consumer", True), ("body resumed", False),
                   ("body after the block", True), ("consumer again", True)]  # fmt: skip


def test_a_generator_suspended_in_a_block_and_abandoned_leaves_nothing_behind() -> None:
    def numbers() -> Iterator[int]:
        with no_grad():
            yield 1
            yield 2

    stream = numbers()
    next(stream)
    assert records()
    opened = OPEN.count
    del stream  # finalised: its block closes too
    gc.collect()
    assert OPEN.count == opened - 1
    assert records()


def test_finishing_a_suspended_generator_in_another_thread_neither_crashes_nor_leaks() -> None:
    # The old code raised "ValueError: <Token ...> was created in a different Context" in the
    # worker and left the main thread in no_grad for good.
    log: Log = []
    errors: list[BaseException] = []

    def numbers() -> Iterator[int]:
        with no_grad():
            log.append(("body in main", records()))
            yield 1
        log.append(("body after the block", records()))

    stream = numbers()
    next(stream)

    def finish() -> None:
        try:
            assert list(stream) == []
            log.append(("worker after", records()))
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=finish)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive() and errors == []
    log.append(("main after", records()))
    assert log == [("body in main", False), ("body after the block", True), ("worker after", True),
                   ("main after", True)]  # fmt: skip


def test_closing_a_suspended_generator_in_another_thread_neither_crashes_nor_leaks() -> None:
    def numbers() -> Iterator[int]:
        with no_grad(), detect_anomaly():
            yield 1

    stream = numbers()
    next(stream)
    errors: list[BaseException] = []

    def close() -> None:
        try:
            stream.close()
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=close)
    worker.start()
    worker.join(timeout=30)
    assert errors == []
    assert math.isnan((Value(math.inf) - math.inf).data)  # no anomaly check left behind


def test_blocks_in_two_generators_closed_out_of_order_each_apply_only_to_their_own() -> None:
    log: Log = []
    shared = no_grad()  # one instance used by both generators, as `ctx = no_grad()` would be

    def quiet(name: str) -> Iterator[None]:
        with shared:
            log.append((f"{name} inside", records()))
            yield
        log.append((f"{name} outside", records()))
        yield

    def loud() -> Iterator[None]:
        with no_grad(), enable_grad():
            log.append(("loud inside", records()))
            yield
        yield

    a, b, c = quiet("a"), loud(), quiet("c")
    next(a)
    next(b)
    next(c)
    log.append(("consumer", records()))
    next(a)  # a closes its block first, though b and c opened theirs later
    log.append(("consumer after a", records()))
    with no_grad():
        next(c)
        log.append(("consumer's own block", records()))
    next(b)
    for stream in (a, b, c):
        stream.close()
    assert log == [
        ("a inside", False), ("loud inside", True), ("c inside", False), ("consumer", True),
        ("a outside", True), ("consumer after a", True),
        ("c outside", False),  # c's own block is closed; it runs inside the consumer's no_grad
        ("consumer's own block", False),
    ]  # fmt: skip


# ---- coroutines and async generators -------------------------------------------------------------


def test_an_async_context_manager_generator_runs_the_body_of_its_with_in_the_mode() -> None:
    log: Log = []

    @contextlib.asynccontextmanager
    async def quiet() -> AsyncIterator[None]:
        with no_grad():
            yield

    async def loud() -> None:
        log.append(("another task", records()))

    async def main() -> None:
        async with quiet():
            log.append(("inside", records()))
            await asyncio.create_task(loud())
        log.append(("after", records()))

    asyncio.run(main())
    # A task started inside the block copies the context, mode included, as it would in PyTorch
    # with a thread-local mode: it runs inside the with.
    assert log == [("inside", False), ("another task", False), ("after", True)]



def test_a_decorated_coroutine_runs_in_the_mode_and_a_concurrent_task_does_not() -> None:
    log: Log = []

    @no_grad()
    async def quiet() -> str:
        for i in range(3):
            log.append((f"quiet {i}", records()))
            await asyncio.sleep(0)
        return "done"

    async def loud() -> None:
        for i in range(3):
            log.append((f"loud {i}", records()))
            await asyncio.sleep(0)

    async def main() -> str:
        result, _ = await asyncio.gather(quiet(), loud())
        log.append(("main", records()))
        return result

    assert asyncio.run(main()) == "done"
    assert sorted(log) == sorted([(f"quiet {i}", False) for i in range(3)] + [(f"loud {i}", True) for i in range(3)]
                                 + [("main", True)])  # fmt: skip


def test_a_with_block_across_an_await_stays_in_its_own_task() -> None:
    log: Log = []
    step = asyncio.Event

    async def main() -> None:
        inside, outside = step(), step()

        async def quiet() -> None:
            with no_grad():
                inside.set()
                await outside.wait()
                log.append(("quiet after await", records()))
            log.append(("quiet after block", records()))

        task = asyncio.create_task(quiet())
        await inside.wait()
        log.append(("main while quiet waits", records()))
        outside.set()
        await task

    asyncio.run(main())
    assert log == [("main while quiet waits", True), ("quiet after await", False), ("quiet after block", True)]


def test_a_decorated_async_generator_runs_its_body_in_the_mode() -> None:
    log: Log = []

    @no_grad()
    async def numbers() -> AsyncIterator[int]:
        for i in range(2):
            log.append((f"body {i}", records()))
            yield i
            await asyncio.sleep(0)

    async def main() -> list[int]:
        seen = []
        async for i in numbers():
            log.append((f"consumer {i}", records()))
            seen.append(i)
        return seen

    assert asyncio.run(main()) == [0, 1]
    assert log == [("body 0", False), ("consumer 0", True), ("body 1", False), ("consumer 1", True)]


def test_a_decorated_async_generator_gets_what_the_consumer_sends_and_throws() -> None:
    # A decorator must not change what the generator does: asend, athrow and aclose reach the body.
    log: Log = []

    @no_grad()
    async def echo() -> AsyncIterator[Any]:
        try:
            received = yield "ready"
            yield received
            try:
                yield "waiting"
            except KeyError:
                log.append(("body caught", records()))
                yield "caught"
        finally:
            log.append(("body closes", records()))

    async def main() -> list[Any]:
        stream = echo()
        seen = [await stream.__anext__(), await stream.asend("sent"), await stream.__anext__()]
        seen.append(await stream.athrow(KeyError("k")))
        await stream.aclose()
        log.append(("consumer", records()))
        return seen

    assert asyncio.run(main()) == ["ready", "sent", "waiting", "caught"]
    assert log == [("body caught", False), ("body closes", False), ("consumer", True)]


# ---- one instance shared by several threads --------------------------------------------------------


def test_one_instance_shared_by_two_threads_closes_each_threads_own_block() -> None:
    # `QUIET = no_grad()` at module level, entered by two threads whose blocks overlap but do not
    # nest: the old bookkeeping closed B's block when A left its own, leaving A in no_grad for good.
    shared = no_grad()
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    log: Log = []

    def first() -> None:
        with shared:
            a_inside.set()
            b_inside.wait(timeout=30)
        log.append(("A after its block", records()))
        a_left.set()

    def second() -> None:
        a_inside.wait(timeout=30)
        with shared:
            b_inside.set()
            a_left.wait(timeout=30)
            log.append(("B inside its block", records()))
        log.append(("B after its block", records()))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert log == [("A after its block", True), ("B inside its block", False), ("B after its block", True)]
