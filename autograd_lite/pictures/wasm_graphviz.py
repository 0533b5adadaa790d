"""Draw pictures in a browser tab, where there is no ``dot`` program: under Pyodide
(``sys.platform == "emscripten"``) ``render(source, "svg", "dot")`` lays DOT out with Graphviz
compiled to WebAssembly (the npm package ``@viz-js/viz``, one ES module), which the browser
lessons site serves at ``static/graphviz/viz.js``. ``runner`` calls this module in a browser and
the ``dot`` program everywhere else; the DOT text is the same.

JupyterLite's kernel runs in a module web worker: ``js`` is the worker's global scope, its
``location`` the worker script's address under the site (``<site>/extensions/...``), and the
module is loaded with a dynamic ``import()``. Creating a Graphviz instance is asynchronous but a
picture is drawn synchronously, so loading starts when autograd_lite is imported and the first
picture waits for it with ``pyodide.ffi.run_sync`` (JavaScript promise integration, which
Chromium-based browsers have). A browser without it draws once loading has finished, and until
then says so instead of a picture.

Graphviz in WebAssembly has no fonts: it sizes text from width tables built into it, Arial's for
the pictures' Helvetica. A browser without Helvetica or Arial (a Linux desktop with only DejaVu)
draws that text about 13% wider, past the edges of its boxes. So text is sized with DejaVu Sans's
table, the widest of the usual sans-serif fonts, and the picture still asks for Helvetica: where
Helvetica is installed the boxes have a little room to spare, and nowhere does text overflow.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .graphviz_text import FONT

SITE_PATH = "static/graphviz/viz.js"
# Output formats Graphviz in WebAssembly writes that the pictures use (it has no PNG or PDF).
FORMATS = ("svg", "json", "json0", "plain")
SIZING_FONT = "DejaVu Sans"
_SIZING_FAMILY = re.compile(rf'font-family="{SIZING_FONT}[^"]*"')

Render = Callable[[str, str, str], str]


class WasmGraphvizError(RuntimeError):
    """Graphviz in WebAssembly is not loaded, or it failed to lay a graph out."""


@dataclass
class _Loader:
    url: str | None = None
    promise: Any = None
    render: Render | None = None
    failure: str | None = None


_loader = _Loader()


def module_url(location: str) -> str:
    """Where the lessons site serves Graphviz in WebAssembly, given the address of the script
    Pyodide runs in: a JupyterLite kernel's worker under ``<site>/extensions/``, or a page."""
    root, found, _ = location.partition("/extensions/")
    if not found:
        root = location.split("?")[0].rsplit("/", 1)[0]
    return f"{root}/{SITE_PATH}"


def _viz_render(instance: Any) -> Render:
    """A renderer that calls a ``@viz-js/viz`` instance: ``render(dot, {format, engine})``."""
    js = importlib.import_module("js")
    to_js = importlib.import_module("pyodide.ffi").to_js

    def render(source: str, format: str, engine: str) -> str:
        options = to_js({"format": format, "engine": engine}, dict_converter=js.Object.fromEntries)
        result = instance.render(source, options)
        if result.status != "success":
            messages = [str(error.message).strip() for error in result.errors if error.level == "error"]
            raise WasmGraphvizError("; ".join(messages) or f"Graphviz returned {result.status}")
        return str(result.output)

    return render


def _loaded(instance: Any) -> None:
    _loader.render = _viz_render(instance)


def _failed(error: Any) -> None:
    _loader.failure = str(error)


def start_loading() -> Any:
    """Begin loading Graphviz in WebAssembly (once); the JavaScript promise of it, or None when
    there is nowhere to load it from (Pyodide outside a browser, such as under Node.js)."""
    if _loader.promise is None and _loader.failure is None:
        try:
            js = importlib.import_module("js")
            run_js = importlib.import_module("pyodide.code").run_js
            _loader.url = module_url(str(js.location.href))
            load = run_js("(url) => import(url).then((viz) => viz.instance())")
            _loader.promise = load(_loader.url)
            _loader.promise.then(_loaded, _failed)
        except Exception as error:  # importing autograd_lite must work all the same
            _failed(error)
    return _loader.promise


def ready() -> bool:
    """True when Graphviz in WebAssembly can draw now; waits for it to load where the browser allows."""
    if _loader.render is None and _loader.failure is None:
        promise = start_loading()
        ffi = importlib.import_module("pyodide.ffi")
        if promise is not None and ffi.can_run_sync():
            try:
                _loaded(ffi.run_sync(promise))
            except Exception as error:  # a JavaScript error from the import or the instance
                _failed(error)
    return _loader.render is not None


def unavailable_reason() -> str:
    """Why there is no Graphviz to draw with in this browser tab, and what to do."""
    if _loader.failure is not None:
        source = f" from {_loader.url}" if _loader.url else ""
        return f"Graphviz in WebAssembly could not be loaded{source}: {_loader.failure}"
    return "Graphviz in WebAssembly is still loading in this browser; run the cell again in a moment"


def render(source: str, format: str, engine: str) -> str:
    """``source`` laid out by Graphviz's ``engine`` and written in ``format`` (one of FORMATS)."""
    if format not in FORMATS:
        raise WasmGraphvizError(f"in a browser tab pictures are drawn as {', '.join(FORMATS)}, not {format}")
    if not ready() or _loader.render is None:
        raise WasmGraphvizError(unavailable_reason())
    drawn = _loader.render(sized_for_any_browser(source), format, engine)
    return _SIZING_FAMILY.sub(f'font-family="{FONT},sans-Serif"', drawn) if format == "svg" else drawn


def sized_for_any_browser(source: str) -> str:
    """The DOT text with the pictures' font swapped for the one whose widths Graphviz sizes text by."""
    return source.replace(f'fontname="{FONT}"', f'fontname="{SIZING_FONT}"')
