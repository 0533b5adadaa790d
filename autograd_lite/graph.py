"""Pictures of a computation graph: ``draw_graph(root)`` (alias ``draw_dot``, shortcut
``Value.draw()``) returns a ``Graph`` you can save as SVG, PNG, PDF or DOT, or show inline in
Jupyter.

>>> from autograd_lite import Value
>>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
>>> f = (x + y) * z
>>> f.backward()
>>> picture = draw_graph(f, edge_labels=True)
>>> picture.source.splitlines()[0]
'digraph autograd {'

Rendering runs Graphviz's ``dot`` program. Without it, ``.source`` still works, notebook
display falls back to the DOT text with an install hint, and ``.save``/``.pipe`` raise
``GraphvizError`` saying how to install it; ``graphviz_available()`` tells which case you are in.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import graphviz

from .graph_dot import build_dot, prepare
from .graph_model import NamedParameters
from .graph_options import DrawOptions
from .value import Value

INSTALL_HINT = (
    "install Graphviz to render it: apt-get install graphviz | brew install graphviz | conda install graphviz"
)
RENDER_FORMATS = ("svg", "png", "pdf", "json", "plain")
SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
# Raster output at 96 dpi is blurry on today's screens; 2x keeps PNGs sharp in READMEs.
PNG_DPI = 192


class GraphvizError(RuntimeError):
    """Graphviz's ``dot`` program is missing or failed to render a picture."""


def graphviz_available() -> bool:
    """True when Graphviz's ``dot`` program is on PATH, so pictures can be rendered."""
    return shutil.which("dot") is not None


class Graph:
    """A drawn computation graph: DOT text that renders to SVG, PNG or PDF with Graphviz."""

    def __init__(self, source: str, nodes: int = 0, edges: int = 0, hidden: int = 0) -> None:
        self.source = source
        self.nodes = nodes
        self.edges = edges
        self.hidden = hidden

    def __repr__(self) -> str:
        hidden = f", {self.hidden} not shown" if self.hidden else ""
        return f"<Graph: {self.nodes} nodes, {self.edges} edges{hidden}>"

    def __str__(self) -> str:
        return self.source

    def pipe(self, format: str = "svg", *, dpi: int = PNG_DPI, timeout: float | None = 120.0) -> bytes:
        """The picture rendered by Graphviz in ``format`` ('svg', 'png', 'pdf', 'json', 'plain'); PNG at ``dpi``."""
        if format not in RENDER_FORMATS:
            raise ValueError(f"Graph.pipe: format must be one of {', '.join(RENDER_FORMATS)}, got {format!r}")
        if type(dpi) is not int or dpi < 1:
            raise ValueError(f"Graph.pipe: dpi must be an int >= 1, got {dpi!r}")
        executable = shutil.which("dot")
        if executable is None:
            raise GraphvizError(
                f"Graph.pipe({format!r}): Graphviz's 'dot' program is not on PATH; {INSTALL_HINT}"
            )
        command = [executable, f"-T{format}"]
        if format == "png":
            command.append(f"-Gdpi={dpi}")
        try:
            result = subprocess.run(
                command, input=self.source.encode("utf-8"), capture_output=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            raise GraphvizError(
                f"Graph.pipe({format!r}): dot took longer than {timeout} s; try a smaller max_nodes"
            ) from None
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip()
            raise GraphvizError(
                f"Graph.pipe({format!r}): dot failed with exit code {result.returncode}: {message}"
            )
        return result.stdout

    def save(self, path: str | os.PathLike[str], *, dpi: int = PNG_DPI) -> Path:
        """Write the picture to ``path``, in the format its suffix names (.svg .png .pdf .dot .gv)."""
        target = Path(path)
        fmt = SUFFIX_FORMATS.get(target.suffix.lower())
        if fmt is None:
            raise ValueError(
                f"Graph.save: the suffix of {str(target)!r} must be one of {', '.join(SUFFIX_FORMATS)}"
            )
        data = self.source.encode("utf-8") if fmt == "dot" else self.pipe(fmt, dpi=dpi)
        write_atomically(target, data)
        return target

    def to_graphviz(self) -> graphviz.Source:
        """The same picture as a ``graphviz.Source``, for code that already speaks the graphviz package."""
        return graphviz.Source(self.source)

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, str]:
        """Jupyter's hook: the SVG picture, or the DOT text with an install hint without Graphviz."""
        if not graphviz_available():
            return {
                "text/plain": f"{self.source}// Graphviz's 'dot' program is not on PATH; {INSTALL_HINT}\n"
            }
        try:
            svg = self.pipe("svg").decode("utf-8")
        except GraphvizError as error:
            return {"text/plain": f"{self.source}// {error}\n"}
        return {"image/svg+xml": svg, "text/plain": repr(self)}


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file, so a reader never sees half a file."""
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    # os.open with mode 0o666 lets the umask decide, as for any new file (mkstemp would give 0o600).
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    edge_labels: bool = False,
    color: str | None = "grad",
    precision: int = 4,
    max_nodes: int | None = 300,
    cluster: NamedParameters | None = None,
    collapse: str | None = None,
    parameters: Iterable[Value] = (),
    grad_range: tuple[float, float] | None = None,
) -> Graph:
    """A picture of the graph that ends at ``root``: values, gradients and the ops between them.

    ``edge_labels`` writes each edge's local derivative and, once a backward pass has gone
    through, the contribution it carried (upstream grad x local). ``color`` is 'grad' (purple
    negative, green positive, darker when larger, grey 0, red NaN/inf), 'role' (input,
    parameter, constant, output) or None. Parameters are the model's (``cluster``) and any
    leaves passed in ``parameters``; every other leaf that is not a constant is an input.
    Above ``max_nodes`` the nodes nearest the root are drawn, with one node counting the rest.
    ``cluster=model`` boxes each neuron and layer; ``collapse='neuron'`` draws a neuron as one
    node with the norm of its parameters' gradients. ``grad_range=(low, high)`` fixes the
    magnitudes the colour scale spans (default: this graph's own), so pictures compare.
    """
    options = DrawOptions(
        rankdir=rankdir,
        show_data=show_data,
        show_grad=show_grad,
        edge_labels=edge_labels,
        color=color,
        precision=precision,
        max_nodes=max_nodes,
        cluster=cluster,
        collapse=collapse,
        parameters=tuple(parameters),
        grad_range=grad_range,
    )
    drawn = build_dot(prepare(root, options))
    return Graph(drawn.source, drawn.nodes, drawn.edges, drawn.hidden)


draw_dot = draw_graph
"""The name micrograd uses for ``draw_graph``."""
