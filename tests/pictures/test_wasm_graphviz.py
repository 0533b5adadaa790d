"""The pictures' path in a browser tab (Graphviz in WebAssembly under Pyodide), run under CPython.

The system's Graphviz stands in for the WebAssembly build: it answers the same request (DOT text,
an output format, a layout engine) that ``@viz-js/viz`` answers in the browser, so these tests
check what the browser path asks for against what the ``dot`` path renders here. Pyodide's own
modules (``js``, ``pyodide.code``, ``pyodide.ffi``) are replaced by small fakes that behave as
they do in a JupyterLite kernel's worker; the real ones run in tests/browser/test_lite.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from autograd_lite import backward_steps, draw_graph
from autograd_lite.pictures import runner, wasm_graphviz
from autograd_lite.pictures.render import GraphvizError
from tests.worked_example import worked_example

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot program as the stand-in")

RUN = subprocess.run
WORKER = "http://127.0.0.1:8000/lite/extensions/@jupyterlite/pyodide-kernel-extension/static/comlink.worker.1a2b.js"


def system_graphviz(source: str, format: str, engine: str) -> str:
    """What the system's Graphviz writes for the request the browser sends Graphviz in WebAssembly."""
    done = RUN(["dot", f"-K{engine}", f"-T{format}"], input=source, capture_output=True, text=True, check=True)
    return done.stdout


def use_browser(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """From now on the pictures believe they run under Pyodide with Graphviz in WebAssembly
    loaded; returns the list of requests it gets: (DOT text, format, engine)."""
    requests: list[tuple[str, str, str]] = []

    def render(source: str, format: str, engine: str) -> str:
        requests.append((source, format, engine))
        return system_graphviz(source, format, engine)

    monkeypatch.setattr(runner, "IN_BROWSER", True)
    monkeypatch.setattr(wasm_graphviz, "_loader", wasm_graphviz._Loader(render=render))
    return requests


@pytest.fixture
def in_browser(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    return use_browser(monkeypatch)


@pytest.fixture
def dot_requests(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """The DOT text and command of every Graphviz program the CPython path runs."""
    requests: list[tuple[str, list[str]]] = []
    run = subprocess.run

    def recording(command: list[str], **keywords: Any) -> Any:
        requests.append((keywords["input"].decode("utf-8"), command))
        return run(command, **keywords)

    monkeypatch.setattr(runner.subprocess, "run", recording)
    return requests


def _draw_everything() -> list[bytes]:
    *_, f = worked_example()
    f.backward()
    frames = list(backward_steps(f))
    return [draw_graph(f, edge_labels=True).pipe("svg"), *(frame.graph.pipe("svg") for frame in frames)]


def test_the_browser_hands_graphviz_the_dot_text_the_dot_program_gets(
    dot_requests: list[tuple[str, list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _draw_everything()
    on_cpython = list(dot_requests)
    dot_requests.clear()
    requests = use_browser(monkeypatch)
    _draw_everything()

    assert dot_requests == [], "in the browser no program is run"
    assert len(requests) == len(on_cpython) > 5
    for (source, format, engine), (dot_source, command) in zip(requests, on_cpython, strict=True):
        # The same DOT, but for the font Graphviz in WebAssembly sizes text by.
        assert source == dot_source.replace('fontname="Helvetica"', 'fontname="DejaVu Sans"')
        assert 'fontname="DejaVu Sans"' in source
        assert f"-T{format}" in command
        # neato -n2 (every position as given) is the layout engine nop2.
        assert engine == ("nop2" if command[1:] == [f"-T{format}", "-n2"] else "dot")
        assert (engine == "nop2") == command[0].endswith("neato")


def test_nop2_draws_pinned_frames_exactly_as_neato_n2_does() -> None:
    *_, f = worked_example()
    f.backward()
    for frame in backward_steps(f):
        assert frame.graph.pinned
        neato = RUN(["neato", "-n2", "-Tsvg"], input=frame.graph.source, capture_output=True, text=True, check=True)
        assert system_graphviz(frame.graph.source, "svg", runner.PINNED_ENGINE) == neato.stdout


@pytest.mark.usefixtures("in_browser")
def test_the_browser_svg_asks_for_the_pictures_font() -> None:
    svg = _draw_everything()[0].decode("utf-8")
    assert 'font-family="Helvetica,sans-Serif"' in svg
    assert "DejaVu" not in svg


@pytest.mark.usefixtures("in_browser")
def test_a_format_the_browser_cannot_write_is_a_graphviz_error_that_says_which_it_can() -> None:
    *_, f = worked_example()
    with pytest.raises(GraphvizError, match=r"Graph\.pipe\('png'\): in a browser tab pictures are drawn as svg, json, json0, plain, not png"):
        draw_graph(f).pipe("png")


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (WORKER, "http://127.0.0.1:8000/lite/static/graphviz/viz.js"),
        ("https://example.org/extensions/x/worker.js", "https://example.org/static/graphviz/viz.js"),
        # Pyodide in a page of its own: the page's folder.
        ("https://example.org/course/console.html?x=1/2", "https://example.org/course/static/graphviz/viz.js"),
    ],
)
def test_graphviz_is_looked_for_at_the_sites_root(location: str, expected: str) -> None:
    assert wasm_graphviz.module_url(location) == expected


# Fakes of Pyodide's modules, as they behave in a JupyterLite kernel's worker.


@dataclass
class FakePromise:
    """A JavaScript promise that the test settles."""

    value: Any = None
    callbacks: list[tuple[Callable[[Any], None], Callable[[Any], None]]] = field(default_factory=list)

    def then(self, fulfilled: Callable[[Any], None], rejected: Callable[[Any], None]) -> None:
        self.callbacks.append((fulfilled, rejected))

    def resolve(self, value: Any) -> None:
        self.value = value
        for fulfilled, _ in self.callbacks:
            fulfilled(value)

    def reject(self, error: str) -> None:
        for _, rejected in self.callbacks:
            rejected(error)


class FakeViz:
    """A ``@viz-js/viz`` instance: ``render(dot, {format, engine})`` returns a result object."""

    def __init__(self, failure: str | None = None) -> None:
        self.failure = failure

    def render(self, source: str, options: dict[str, str]) -> types.SimpleNamespace:
        if self.failure is not None:
            errors = [types.SimpleNamespace(level="warning", message="a warning"),
                      types.SimpleNamespace(level="error", message=self.failure)]
            return types.SimpleNamespace(status="failure", output=None, errors=errors)
        output = system_graphviz(source, options["format"], options["engine"])
        return types.SimpleNamespace(status="success", output=output, errors=[])


@dataclass
class FakePyodide:
    promise: FakePromise
    can_run_sync: bool
    imported: list[str] = field(default_factory=list)


@pytest.fixture
def pyodide(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePyodide]:
    """``js``, ``pyodide.code`` and ``pyodide.ffi`` as a kernel's worker has them, and a fresh loader."""
    fake = FakePyodide(FakePromise(), can_run_sync=False)

    def run_js(code: str) -> Callable[[str], FakePromise]:
        assert "import(url)" in code and "instance()" in code

        def load(url: str) -> FakePromise:
            fake.imported.append(url)
            return fake.promise

        return load

    def run_sync(promise: FakePromise) -> Any:
        # Waiting suspends Python until the browser has settled the promise.
        promise.resolve(FakeViz())
        return promise.value

    js = types.ModuleType("js")
    js.location = types.SimpleNamespace(href=WORKER)  # type: ignore[attr-defined]
    js.Object = types.SimpleNamespace(fromEntries=dict)  # type: ignore[attr-defined]
    code = types.ModuleType("pyodide.code")
    code.run_js = run_js  # type: ignore[attr-defined]
    ffi = types.ModuleType("pyodide.ffi")
    ffi.can_run_sync = lambda: fake.can_run_sync  # type: ignore[attr-defined]
    ffi.run_sync = run_sync  # type: ignore[attr-defined]
    ffi.to_js = lambda value, dict_converter: dict_converter(value.items())  # type: ignore[attr-defined]
    for name, module in (("js", js), ("pyodide", types.ModuleType("pyodide")), ("pyodide.code", code), ("pyodide.ffi", ffi)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(runner, "IN_BROWSER", True)
    monkeypatch.setattr(wasm_graphviz, "_loader", wasm_graphviz._Loader())
    yield fake


def test_loading_starts_once_from_the_sites_address(pyodide: FakePyodide) -> None:
    first = wasm_graphviz.start_loading()
    assert wasm_graphviz.start_loading() is first
    assert pyodide.imported == ["http://127.0.0.1:8000/lite/static/graphviz/viz.js"]


def test_without_promise_integration_a_picture_says_graphviz_is_loading_until_it_has(pyodide: FakePyodide) -> None:
    *_, f = worked_example()
    picture = draw_graph(f)
    bundle = picture._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert bundle["text/plain"].startswith("digraph autograd {")
    assert "Graphviz in WebAssembly is still loading in this browser; run the cell again" in bundle["text/plain"]
    with pytest.raises(GraphvizError, match=r"Graph\.pipe\('svg'\): Graphviz in WebAssembly is still loading"):
        picture.pipe("svg")

    pyodide.promise.resolve(FakeViz())
    shown = draw_graph(f)._repr_mimebundle_()
    assert shown["image/svg+xml"].count('class="node"') == 7


def test_with_promise_integration_the_first_picture_waits_for_graphviz(pyodide: FakePyodide) -> None:
    pyodide.can_run_sync = True
    *_, f = worked_example()
    assert "image/svg+xml" in draw_graph(f)._repr_mimebundle_()
    assert len(pyodide.imported) == 1


def test_a_failed_load_says_from_where_and_why(pyodide: FakePyodide) -> None:
    *_, f = worked_example()
    wasm_graphviz.start_loading()
    pyodide.promise.reject("TypeError: Failed to fetch dynamically imported module")
    text = draw_graph(f)._repr_mimebundle_()["text/plain"]
    assert text.endswith(
        "// Graphviz in WebAssembly could not be loaded from http://127.0.0.1:8000/lite/static/graphviz/viz.js: "
        "TypeError: Failed to fetch dynamically imported module\n"
    )


def test_a_graphviz_failure_in_the_browser_names_the_operation_and_graphviz_error(pyodide: FakePyodide) -> None:
    *_, f = worked_example()
    picture = draw_graph(f)
    wasm_graphviz.start_loading()
    pyodide.promise.resolve(FakeViz(failure="syntax error in line 1 near 'x'"))
    with pytest.raises(GraphvizError) as caught:
        picture.pipe("svg")
    assert str(caught.value) == "Graph.pipe('svg'): syntax error in line 1 near 'x'"


def test_without_a_page_to_load_from_importing_works_and_pictures_say_why_they_are_text(
    pyodide: FakePyodide, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pyodide under Node.js: a js module without a location.
    monkeypatch.delattr(sys.modules["js"], "location")
    assert wasm_graphviz.start_loading() is None
    *_, f = worked_example()
    text = draw_graph(f)._repr_mimebundle_()["text/plain"]
    assert "// Graphviz in WebAssembly could not be loaded: " in text
    assert "location" in text
    assert pyodide.imported == []
