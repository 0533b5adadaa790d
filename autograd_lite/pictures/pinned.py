"""One layout for every frame of a step-through, so nothing moves between steps.

``pin_frames(prepared, states)`` draws each frame's DOT, measures with one Graphviz run how large
every box becomes in any frame (and the longest caption), lays the graph out once with every box
at that size and every edge with its longest label, and then draws each frame at the positions of
that one layout. The frames are rendered with ``neato -n2``, which takes every position as given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from .compose import compose
from .graphviz_text import FONT, GraphvizText, write_scene
from .options import PassState
from .plan import EdgeKey, Overrides, Pins, Plan
from .runner import run_graphviz
from .walk import Prepared

_TAG = re.compile(r"<[^>]*>")
INCH = 72.0
# Graphviz's JSON without its drawing operations: the sizes and positions are attributes, and
# Graphviz 16's writer of those operations (the one a browser tab runs) garbles a dashed table cell.
LAYOUT_FORMAT = "json0"


def _visible_length(label: str) -> int:
    return len(_TAG.sub("", label))


def measure_sizes(drawings: Sequence[GraphvizText]) -> Overrides:
    """Every node at its largest size over ``drawings`` (one Graphviz run for all of them), every
    edge with its longest label, and the size of the largest caption."""
    lines = ["digraph measure {", f'  node [fontname="{FONT}", fontsize=11];']
    variants: dict[tuple[str, str], str] = {}
    captions: dict[str, str] = {}
    for drawing in drawings:
        for name, statement in drawing.node_statements.items():
            if (name, statement) not in variants:
                variants[(name, statement)] = f"m{len(variants)}"
                lines.append(f"  {variants[(name, statement)]} [{statement}];")
        if drawing.caption and drawing.caption not in captions:
            captions[drawing.caption] = f"c{len(captions)}"
            lines.append(f"  {captions[drawing.caption]} [shape=plaintext, fontsize=14, margin=0, label={drawing.caption}];")
    lines.append("}")
    sizes = {o["name"]: (float(o["width"]), float(o["height"])) for o in _objects(run_graphviz("\n".join(lines), LAYOUT_FORMAT, where="backward_steps"))}
    node_sizes: dict[str, tuple[float, float]] = {}
    for (name, _), measured in variants.items():
        width, height = sizes[measured]
        known = node_sizes.get(name, (0.0, 0.0))
        node_sizes[name] = (max(known[0], width), max(known[1], height))
    edge_labels: dict[EdgeKey, str] = {}
    for drawing in drawings:
        for key, label in drawing.edge_labels.items():
            if _visible_length(label) > _visible_length(edge_labels.get(key, "")):
                edge_labels[key] = label
    caption_size = None
    if captions:
        caption_size = (
            max(sizes[c][0] for c in captions.values()) * INCH,
            max(sizes[c][1] for c in captions.values()) * INCH,
        )
    return Overrides(node_sizes, edge_labels, caption_size)


def _objects(rendered: bytes) -> list[dict[str, Any]]:
    laid_out = json.loads(rendered)
    objects: list[dict[str, Any]] = laid_out.get("objects", [])
    return objects


def read_pins(rendered: bytes) -> Pins:
    """Where Graphviz's JSON layout put the graph's label, each box, node and edge."""
    laid_out = json.loads(rendered)
    objects: list[dict[str, Any]] = laid_out.get("objects", [])
    graph = {key: str(laid_out[key]) for key in ("bb", "lp") if key in laid_out}
    clusters: dict[str, dict[str, str]] = {
        str(o["name"]): {key: str(o[key]) for key in ("bb", "lp") if key in o}
        for o in objects
        if str(o.get("name", "")).startswith("cluster")
    }
    nodes = {
        o["name"]: (o["pos"], float(o["width"]), float(o["height"]))
        for o in objects
        if "pos" in o and "nodes" not in o
    }
    names = {o["_gvid"]: o["name"] for o in objects}
    edges: dict[EdgeKey, dict[str, str]] = {}
    seen: dict[tuple[str, str], int] = {}
    # Graphviz numbers the edges in the order it read them, which is the order they were written.
    for edge in sorted(laid_out.get("edges", []), key=lambda e: e["_gvid"]):
        pair = (names[edge["tail"]], names[edge["head"]])
        count = seen.get(pair, 0)
        seen[pair] = count + 1
        edges[(pair[0], pair[1], count)] = {key: str(edge[key]) for key in ("pos", "lp") if key in edge}
    return Pins(graph, clusters, nodes, edges)


def pin_frames(prepared: Prepared, plan: Plan, states: Iterable[PassState]) -> list[GraphvizText]:
    """Each state drawn at the positions of one shared layout (Graphviz runs twice in all).

    Each state's scene is composed as the state comes (a state may be changed in place once the
    next one is asked for; a scene keeps its numbers and text, not the state), then written three
    ways: to measure, to lay out (the last frame), and at the pinned positions."""
    scenes = [compose(prepared, plan, state) for state in states]
    assert scenes, "a backward pass has at least one step"
    widest = measure_sizes([write_scene(scene) for scene in scenes])
    layout = write_scene(scenes[-1], widest)
    pins = read_pins(run_graphviz(layout.source, LAYOUT_FORMAT, where="backward_steps"))
    fixed = Overrides(widest.node_sizes, {}, widest.caption_size)
    return [write_scene(scene, fixed, pins) for scene in scenes]
