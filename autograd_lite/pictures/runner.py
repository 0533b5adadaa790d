"""Run Graphviz on DOT text: ``run_graphviz(source, "svg")`` returns what ``dot`` (or ``neato -n2``
for a picture whose positions are already fixed) writes, with a time limit and an error that says
what to draw less of. Everything that calls Graphviz goes through here. In a browser tab (Pyodide)
there is no ``dot`` program: the same DOT goes to Graphviz compiled to WebAssembly
(``wasm_graphviz``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from . import wasm_graphviz

INSTALL_HINT = (
    "install Graphviz to render it: apt-get install graphviz | brew install graphviz | conda install graphviz"
)
RENDER_FORMATS = ("svg", "png", "pdf", "json", "plain")
# Raster output at 96 dpi is blurry on today's screens; 2x keeps PNGs sharp in READMEs.
PNG_DPI = 192
TIMEOUT = 120.0
IN_BROWSER = sys.platform == "emscripten"
# The layout engine of ``neato -n2`` (every position as given) under its plugin name, which is
# how Graphviz in WebAssembly is asked for it.
PINNED_ENGINE = "nop2"


class GraphvizError(RuntimeError):
    """Graphviz's ``dot`` program is missing or failed to render a picture."""


def graphviz_available() -> bool:
    """True when pictures can be rendered: Graphviz's ``dot`` program is on PATH or, in a browser
    tab, Graphviz in WebAssembly has loaded."""
    if IN_BROWSER:
        return wasm_graphviz.ready()
    return shutil.which("dot") is not None


def missing_graphviz() -> str:
    """Why pictures cannot be rendered here, and how to get them."""
    if IN_BROWSER:
        return wasm_graphviz.unavailable_reason()
    return f"Graphviz's 'dot' program is not on PATH; {INSTALL_HINT}"


def run_graphviz(
    source: str,
    format: str,
    *,
    where: str,
    pinned: bool = False,
    dpi: int = PNG_DPI,
    timeout: float | None = TIMEOUT,
    advice: str = "draw fewer nodes (max_nodes, max_edges)",
) -> bytes:
    """``source`` rendered in ``format`` by ``dot``, or by ``neato -n2`` when every position is pinned
    (in a browser tab: by Graphviz in WebAssembly, which has no time limit)."""
    if IN_BROWSER:
        try:
            return wasm_graphviz.render(source, format, PINNED_ENGINE if pinned else "dot").encode("utf-8")
        except wasm_graphviz.WasmGraphvizError as error:
            raise GraphvizError(f"{where}: {error}") from None
    executable = shutil.which("neato" if pinned else "dot")
    if executable is None:
        raise GraphvizError(f"{where}: {missing_graphviz()}")
    command = [executable, f"-T{format}"]
    if pinned:
        # -n2: take every node and edge position as given, in points, and route nothing.
        command.append("-n2")
    if format == "png":
        command.append(f"-Gdpi={dpi}")
    try:
        result = subprocess.run(command, input=source.encode("utf-8"), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"{where}: dot took longer than {timeout} s; {advice}") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise GraphvizError(f"{where}: dot failed with exit code {result.returncode}: {message}")
    return result.stdout


if IN_BROWSER:
    # Fetching and compiling Graphviz takes a moment: begin now, so the first picture finds it ready.
    wasm_graphviz.start_loading()
