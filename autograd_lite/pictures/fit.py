"""Fit a picture to where it is shown: ``fitted(prepared)`` draws the graph as asked and, when
Graphviz says the text would end up under 9 px in a view ``fit_width`` px wide, folds it.

Each step is measured on the SVG that Graphviz actually lays out. First (unless ``rankdir`` was
given) the picture is drawn top to bottom; then, for a model, each neuron becomes one node, the
layers' many edges one bundled edge and the loss tail the root's own box (left to right, then top
to bottom); last, the nodes farthest from the root are left out, as few as the width allows (a
binary search over how many to keep). The picture says what was folded and that
``fit_width=None`` draws it as asked. Without Graphviz nothing can be measured, and the drawing is
what was asked.
"""

from __future__ import annotations

from dataclasses import replace

from .graphviz_text import GraphvizText, picture_text
from .legibility import legible, measure
from .plan import Plan, asked_plan
from .runner import graphviz_available, run_graphviz
from .walk import Prepared


def _render(drawn: GraphvizText) -> bytes:
    return run_graphviz(drawn.source, "svg", where="draw_graph", advice=advice(drawn.labelled_edges))


def advice(labelled_edges: int) -> str:
    """What to draw less of when Graphviz takes too long: the edge labels, if there are many."""
    if labelled_edges > 100:
        return f"{labelled_edges} edges carry a label: leave edge_labels off, or draw fewer (max_nodes, max_edges)"
    return "draw fewer nodes and edges (max_nodes, max_edges)"


def _candidates(prepared: Prepared, asked: Plan, width: int) -> list[Plan]:
    """The drawings to try after the one asked for, most complete first."""
    plans: list[Plan] = []
    upright = prepared.options.rankdir is None
    if upright:
        # Deep and narrow (a chain, a stack of layers) reads top to bottom where it cannot left to right.
        plans.append(replace(asked, rankdir="TB", folded_to=width))
    if prepared.layout is not None and not asked.collapse:
        folded = replace(asked, collapse=True, folded_to=width)
        plans.append(folded)
        if upright:
            plans.append(replace(folded, rankdir="TB"))
    return plans


def fitted(prepared: Prepared) -> tuple[GraphvizText, bytes | None]:
    """The drawing to show and, when Graphviz measured it, its SVG (so it is not rendered twice)."""
    options = prepared.options
    plan = asked_plan(options)
    drawn = picture_text(prepared, plan=plan)
    width = options.fit_width
    if width is None or not graphviz_available():
        return drawn, None
    svg = _render(drawn)
    if legible(svg, width):
        return drawn, svg
    tried = [(plan, drawn, measure(svg).width_px)]
    for candidate in _candidates(prepared, plan, width):
        attempt = picture_text(prepared, plan=candidate)
        attempt_svg = _render(attempt)
        if legible(attempt_svg, width):
            return attempt, attempt_svg
        tried.append((candidate, attempt, measure(attempt_svg).width_px))
    # Cut the most folded drawing, left to right or top to bottom, whichever is narrower.
    folded = max(t[0].collapse for t in tried)
    plan, drawn, _ = min((t for t in tried if t[0].collapse == folded), key=lambda t: t[2])
    # Keep as many units nearest the root as still fit: fewer units never make a picture wider.
    best: tuple[GraphvizText, bytes] | None = None
    low, high = 1, drawn.units - 1
    while low <= high:
        middle = (low + high) // 2
        attempt = picture_text(prepared, plan=replace(plan, limit=middle, reason=f"fit_width={width}", folded_to=width))
        attempt_svg = _render(attempt)
        if legible(attempt_svg, width):
            best, low = (attempt, attempt_svg), middle + 1
        else:
            high = middle - 1
    if best is None:
        smallest = picture_text(prepared, plan=replace(plan, limit=1, reason=f"fit_width={width}", folded_to=width))
        return smallest, _render(smallest)
    return best
