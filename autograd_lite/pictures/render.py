"""Pictures of a computation graph: ``draw_graph(root)`` (shortcut ``Value.draw()``) returns a
``Graph`` you can save as SVG, PNG, PDF or DOT, or show inline in Jupyter; ``draw_dot(root,
format, rankdir)`` is the same picture under micrograd's name and signature, and its result
answers graphviz's ``render``, ``view``, ``pipe`` and ``source`` as micrograd's does.

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
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic_file import write_atomically
from ..value import Value
from .fit import advice, fitted
from .options import DrawOptions

if TYPE_CHECKING:
    import graphviz

from .runner import (
    INSTALL_HINT,
    PNG_DPI,
    RENDER_FORMATS,
    TIMEOUT,
    GraphvizError,
    graphviz_available,
    missing_graphviz,
    run_graphviz,
)
from .walk import prepare

__all__ = ["INSTALL_HINT", "Graph", "GraphvizError", "draw_dot", "draw_graph", "graphviz_available"]

SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
_SVG_TAG = re.compile(rb"<svg\b")


def responsive(svg: bytes) -> bytes:
    """The SVG with a style that scales it down to the width of its container, never up, so a
    notebook or an HTML export shows it whole."""
    return _SVG_TAG.sub(b'<svg style="max-width: 100%; height: auto"', svg, count=1)


class Graph:
    """A drawn computation graph: DOT text that renders to SVG, PNG or PDF with Graphviz.

    ``pinned`` graphs carry every position already (the frames of a step-through) and are drawn
    with ``neato -n2``, which keeps them; ``svg`` is the picture when it was rendered already.
    """

    def __init__(
        self,
        source: str,
        nodes: int = 0,
        edges: int = 0,
        hidden: int = 0,
        format: str = "svg",
        *,
        pinned: bool = False,
        labelled_edges: int = 0,
        svg: bytes | None = None,
    ) -> None:
        self.source = source
        self.nodes = nodes
        self.edges = edges
        self.hidden = hidden
        if format not in RENDER_FORMATS:
            raise ValueError(f"draw_dot: format must be one of {', '.join(RENDER_FORMATS)}, got {format!r}")
        self.format = format
        self.pinned = pinned
        self.labelled_edges = labelled_edges
        self._svg = svg

    def __repr__(self) -> str:
        hidden = f", {self.hidden} not shown" if self.hidden else ""
        return f"<Graph: {self.nodes} nodes, {self.edges} edges{hidden}>"

    def __str__(self) -> str:
        return self.source

    def pipe(self, format: str | None = None, *, dpi: int = PNG_DPI, timeout: float | None = TIMEOUT) -> bytes:
        """The picture rendered by Graphviz in ``format`` ('svg', 'png', 'pdf', 'json', 'plain'; default
        the graph's own ``format``); PNG at ``dpi``."""
        format = self.format if format is None else format
        if format not in RENDER_FORMATS:
            raise ValueError(f"Graph.pipe: format must be one of {', '.join(RENDER_FORMATS)}, got {format!r}")
        if type(dpi) is not int or dpi < 1:
            raise ValueError(f"Graph.pipe: dpi must be an int >= 1, got {dpi!r}")
        if format == "svg" and self._svg is not None:
            return self._svg
        rendered = run_graphviz(
            self.source,
            format,
            where=f"Graph.pipe({format!r})",
            pinned=self.pinned,
            dpi=dpi,
            timeout=timeout,
            advice=advice(self.labelled_edges),
        )
        if format == "svg":
            self._svg = rendered
        return rendered
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

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        **options: Any,
    ) -> str:
        """Save the DOT text as ``filename`` and the picture beside it as ``filename.<format>``, as
        graphviz's ``render`` does (micrograd's ``dot.render('gout')`` writes ``gout.svg``); returns
        the picture's path. ``view`` opens it, ``cleanup`` removes the DOT file afterwards."""
        return str(
            self.to_graphviz().render(
                filename if filename is not None else "autograd.gv",
                directory=directory,
                view=view,
                cleanup=cleanup,
                format=format or self.format,
                **options,
            )
        )

    def view(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        cleanup: bool = False,
    ) -> str:
        """Render the picture and open it in the system's viewer, as graphviz's ``view`` does."""
        return self.render(filename, directory, view=True, cleanup=cleanup)

    def to_graphviz(self) -> graphviz.Source:
        """The same picture as a ``graphviz.Source``, for code that already speaks the graphviz package."""
        import graphviz  # only here: drawing itself runs the system's dot and needs no Python package

        if self.pinned:
            return graphviz.Source(self.source, format=self.format, engine="neato", neato_no_op=2)
        return graphviz.Source(self.source, format=self.format)

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, str]:
        """Jupyter's hook: the SVG picture, or the DOT text with an install hint without Graphviz."""
        if not graphviz_available():
            return {"text/plain": f"{self.source}// {missing_graphviz()}\n"}
        try:
            svg = responsive(self.pipe("svg")).decode("utf-8")
        except GraphvizError as error:
            return {"text/plain": f"{self.source}// {error}\n"}
        return {"image/svg+xml": svg, "text/plain": repr(self)}


def draw_graph(root: Value, options: DrawOptions | None = None, **keywords: Any) -> Graph:
    """A picture of the graph that ends at ``root``: values, gradients and the ops between them.

    The keywords are those of ``DrawOptions`` (or pass one as ``options``): ``rankdir``,
    ``show_data``, ``show_grad``, ``edge_labels`` (each edge's local derivative and, after a
    backward pass, the gradient it carried), ``color`` ('grad', 'role' or None), ``precision``,
    ``max_nodes``, ``max_edges``, ``cluster=model`` (a box per neuron and layer),
    ``collapse='neuron'``, ``bundle_edges``, ``parameters``, ``grad_range``, ``marks`` and
    ``fit_width``: a picture too big to read at that width folds, and says so.
    """
    chosen = _options("draw_graph", options, keywords)
    drawn, svg = fitted(prepare(root, chosen))
    return Graph(drawn.source, drawn.nodes, drawn.edges, drawn.hidden, labelled_edges=drawn.labelled_edges, svg=svg)


def _options(where: str, options: DrawOptions | None, keywords: dict[str, Any]) -> DrawOptions:
    if options is None:
        return DrawOptions.from_keywords(where, keywords)
    if not isinstance(options, DrawOptions):
        raise TypeError(f"{where}: options must be a DrawOptions, got {type(options).__name__}")
    if keywords:
        raise TypeError(f"{where}: give options=DrawOptions(...) or keywords, not both")
    return options


def draw_dot(root: Value, format: str = "svg", rankdir: str = "LR", **keywords: Any) -> Graph:
    """micrograd's ``draw_dot(root, format='svg', rankdir='LR')``: ``draw_graph`` with micrograd's
    signature, returning a ``Graph`` that renders in ``format`` (``render``, ``view``, ``pipe``)."""
    drawn = draw_graph(root, DrawOptions.from_keywords("draw_dot", {"rankdir": rankdir, **keywords}))
    # Keep the SVG that fitting the picture already rendered, so showing it runs no Graphviz again.
    return Graph(
        drawn.source, drawn.nodes, drawn.edges, drawn.hidden, format, labelled_edges=drawn.labelled_edges, svg=drawn._svg
    )
