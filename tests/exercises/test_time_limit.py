"""check_engine stays bounded: a student's backward() that never returns is stopped at the time
limit and reported, in the main thread, in another thread and in a notebook kernel (where the
student's class lives), and nothing of the check is left running or changed afterwards."""

from __future__ import annotations

import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from autograd_lite import check_engine
from autograd_lite.exercises import EngineReport, time_limit
from autograd_lite.exercises.time_limit import Deadline, OutOfTime
from tests.exercises.students import BackwardNeverReturns, Correct


class SortThatNeverEnds(Correct):
    """A topological sort whose stack keeps receiving the nodes it has already seen."""

    def backward(self) -> None:
        order: list[Any] = []
        stack = [self]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(node._prev)
            stack.append(node)
        self.grad = 1.0
        for node in order:
            node._backward()


# Without the time limit these checks never return: pytest-timeout turns that into a failure.
pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize("looping", [BackwardNeverReturns, SortThatNeverEnds], ids=lambda c: c.__name__)
def test_a_backward_that_never_returns_ends_in_a_report(looping: type) -> None:
    report = check_engine(looping, time_limit=0.3)
    assert report.operation == "backward()"
    assert report.problem == "f.backward() did not finish within 0.3 s"
    assert "f = " in "\n".join(report.expression)


def test_it_works_in_a_thread_other_than_the_main_one() -> None:
    reports: list[EngineReport] = []
    worker = threading.Thread(target=lambda: reports.append(check_engine(BackwardNeverReturns, time_limit=0.2)))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert reports and "did not finish" in reports[0].problem


def test_nothing_is_left_running_and_the_previous_tracer_comes_back() -> None:
    def tracer(frame: Any, event: str, arg: Any) -> Any:
        return None

    before = set(threading.enumerate())
    previous = sys.gettrace()
    try:
        # Many times: the deadline often expires while its own block is ending, which once lost
        # a debugger's or coverage tool's tracer.
        for _ in range(20):
            sys.settrace(tracer)
            check_engine(BackwardNeverReturns, time_limit=0.05)
            assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)
    time.sleep(0.2)  # a cancelled timer takes a moment to end
    assert set(threading.enumerate()) <= before


def test_a_loop_in_the_students_own_except_block_is_still_stopped() -> None:
    def stubborn() -> None:
        while True:
            try:
                time.sleep(0)
            except Exception:  # the student's own catch-all, as written
                continue

    with pytest.raises(OutOfTime), Deadline(0.2):
        stubborn()


def test_in_a_browser_tab_where_no_thread_starts_the_checks_run_and_a_loop_is_still_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_threads(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")  # what Pyodide says

    monkeypatch.setattr(threading.Thread, "start", no_threads)
    monkeypatch.setattr(time_limit, "TIMER_THREADS", False)
    assert check_engine(Correct, time_limit=5.0).ok
    report = check_engine(SortThatNeverEnds, time_limit=0.3)
    assert report.problem == "f.backward() did not finish within 0.3 s"


def test_it_works_in_a_notebook_cell(tmp_path: Path) -> None:
    cell = textwrap.dedent(
        """
        from autograd_lite import check_engine


        class Value:
            def __init__(self, data, children=()):
                self.data, self.grad, self._prev, self._backward = data, 0.0, set(children), lambda: None

            def __add__(self, other):
                out = Value(self.data + other.data, (self, other))

                def _backward():
                    self.grad += out.grad
                    other.grad += out.grad

                out._backward = _backward
                return out

            def backward(self):
                while True: pass


        print(check_engine(Value, time_limit=0.5))
        """
    )
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(cell)]
    NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(output.get("text", "") for output in notebook.cells[0].outputs)
    assert "check_engine(Value): backward() is wrong" in printed
    assert "f.backward() did not finish within 0.5 s" in printed
