"""collector_relaxed(): the cyclic collector runs less often inside, and its settings come back
exactly as they were, with nesting, with threads, and when someone else changed them meanwhile."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from autograd_lite.collector import RELAXED_THRESHOLD, collector_relaxed


@pytest.fixture(autouse=True)
def keep_settings() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_the_threshold_is_raised_inside_and_restored_after() -> None:
    gc.set_threshold(700, 10, 10)
    with collector_relaxed():
        assert gc.get_threshold() == (RELAXED_THRESHOLD, 10, 10)
        with collector_relaxed():
            assert gc.get_threshold() == (RELAXED_THRESHOLD, 10, 10)
        assert gc.get_threshold() == (RELAXED_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_settings_are_restored_after_an_exception() -> None:
    gc.set_threshold(500, 5, 5)
    with pytest.raises(RuntimeError), collector_relaxed():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (500, 5, 5)


def test_a_switched_off_collector_stays_off_and_a_change_made_inside_is_kept() -> None:
    gc.set_threshold(0)
    with collector_relaxed():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0
    gc.set_threshold(700, 10, 10)
    with collector_relaxed():
        gc.set_threshold(123, 4, 5)  # someone else's decision: not ours to undo
    assert gc.get_threshold() == (123, 4, 5)


def test_threads_restore_only_when_the_last_one_leaves() -> None:
    gc.set_threshold(700, 10, 10)
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with collector_relaxed():
            inside.set()
            leave.wait(10)

    worker = threading.Thread(target=hold)
    worker.start()
    inside.wait(10)
    with collector_relaxed():
        pass
    assert gc.get_threshold()[0] == RELAXED_THRESHOLD  # the worker is still inside
    leave.set()
    worker.join(10)
    assert gc.get_threshold() == (700, 10, 10)


def test_the_public_name_is_the_block_itself() -> None:
    import autograd_lite

    assert autograd_lite.collector_relaxed is collector_relaxed


def test_a_cycle_made_inside_is_still_collected_without_asking() -> None:
    import weakref

    class Holder:
        pass

    gc.set_threshold(700, 10, 10)
    with collector_relaxed():
        cycle = Holder()
        cycle.me = cycle  # type: ignore[attr-defined]
        alive = weakref.ref(cycle)
        del cycle
        # More tracked objects than the relaxed threshold, kept alive, so a young collection must run.
        kept = [[] for _ in range(RELAXED_THRESHOLD + 10_000)]
        assert alive() is None
        del kept
