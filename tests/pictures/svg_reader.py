"""Reading rendered pictures for the legibility tests, independently of the library's own code:
the size of an SVG and of its smallest text once it is fitted to a 1,000-px view, every SVG saved
in a notebook, an HTML page or a file, every PNG a notebook saved with the record of the dpi and
smallest font it was drawn with, and where each node of an SVG sits.

The rule (from the design): text at least 9 px after the picture is scaled to fit a 1000-px-wide
cell; SVG ``pt`` are 4/3 px; a picture narrower than the cell is not scaled up.
"""

from __future__ import annotations

import base64
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

NS = "{http://www.w3.org/2000/svg}"
CELL = 1000.0
RULE_PX = 9.0


def _length_px(text: str | None) -> float:
    match = re.fullmatch(r"\s*([0-9.]+)\s*(pt|px)?\s*", text or "")
    assert match, f"an SVG length: {text!r}"
    value = float(match.group(1))
    return value * 4.0 / 3.0 if match.group(2) == "pt" else value


@dataclass(frozen=True)
class Legibility:
    """What a reader sees of one SVG in a 1000-px cell."""

    where: str
    width_pt: float
    height_pt: float
    smallest_font: float
    smallest_px: float

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.width_pt:.0f} x {self.height_pt:.0f} pt, smallest text "
            f"{self.smallest_font:g} units = {self.smallest_px:.1f} px at {CELL:.0f} px"
        )


def legibility(svg: str | bytes, where: str = "svg") -> Legibility:
    """Width, height, smallest font and that font's size in px once fitted to the cell."""
    root = ET.fromstring(svg)
    width_px, height_px = _length_px(root.get("width")), _length_px(root.get("height"))
    view = [float(v) for v in (root.get("viewBox") or "").replace(",", " ").split()]
    per_unit = width_px / view[2] if len(view) == 4 and view[2] else 1.0
    shown = min(CELL, width_px) / width_px
    smallest_font, smallest_px = float("inf"), float("inf")
    stack = [(root, per_unit)]
    while stack:
        element, scale = stack.pop()
        for sx, sy in re.findall(r"scale\(([-0-9.e]+)[ ,]*([-0-9.e]*)\)", element.get("transform") or ""):
            scale *= min(abs(float(sx)), abs(float(sy or sx)))
        if element.tag == f"{NS}text" and (element.text or "").strip() and element.get("font-size"):
            size = float(element.get("font-size", "0").rstrip("ptx"))
            if size * scale * shown < smallest_px:
                smallest_font, smallest_px = size, size * scale * shown
        stack.extend((child, scale) for child in element)
    return Legibility(where, width_px * 0.75, height_px * 0.75, smallest_font, smallest_px)


def svgs_in_html(text: str) -> list[str]:
    """Every <svg>...</svg> element in an HTML text (they do not nest in what we write)."""
    return re.findall(r"<svg\b.*?</svg>", text, flags=re.S)


def _joined(data: object) -> str:
    return "".join(data) if isinstance(data, list) else str(data)


def notebook_svgs(path: Path) -> Iterator[tuple[str, str]]:
    """(where, svg) for every SVG a saved notebook shows: image outputs, HTML outputs and the
    HTML values of saved widget state (what a static renderer of the widgets shows)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for number, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/svg+xml" in data:
                yield f"{path.name} cell {number} image", _joined(data["image/svg+xml"])
            if "text/html" in data:
                for index, svg in enumerate(svgs_in_html(_joined(data["text/html"]))):
                    yield f"{path.name} cell {number} html #{index}", svg
    state = notebook.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    for model_id, model in state.get("state", {}).items():
        value = model.get("state", {}).get("value")
        if isinstance(value, str):
            for index, svg in enumerate(svgs_in_html(value)):
                yield f"{path.name} widget {model_id[:8]} #{index}", svg


def committed_notebooks(root: Path) -> list[Path]:
    """Every notebook of the repository: the lessons and their solutions."""
    return sorted((root / "notebooks").rglob("*.ipynb"))


def committed_svgs(root: Path) -> Iterator[tuple[str, str]]:
    """Every SVG the repository shows a reader: docs/*.svg, SVGs in docs/*.html, and notebooks."""
    for path in sorted((root / "docs").glob("*.svg")):
        yield f"docs/{path.name}", path.read_text(encoding="utf-8")
    for path in sorted((root / "docs").glob("*.html")):
        for index, svg in enumerate(svgs_in_html(path.read_text(encoding="utf-8"))):
            yield f"docs/{path.name} #{index}", svg
    for path in committed_notebooks(root):
        yield from notebook_svgs(path)


@dataclass(frozen=True)
class PngOutput:
    """A PNG a notebook shows: its width in pixels (read by Pillow) and the record of how its text
    was drawn (``{"dpi": ..., "smallest_pt": ...}``), or None when the output holds none."""

    where: str
    width_px: int
    record: dict[str, float] | None

    def smallest_px(self) -> float:
        """The smallest text in px once fitted to the cell: pt x dpi / 72, scaled down to fit."""
        assert self.record is not None, f"{self.where}: no record of the dpi and fonts it was drawn with"
        return self.record["smallest_pt"] * self.record["dpi"] / 72.0 * min(1.0, CELL / self.width_px)


def notebook_pngs(path: Path, key: str, root: Path) -> Iterator[PngOutput]:
    """Every PNG output of a saved notebook, with the text record kept under ``key`` in its
    metadata; each is named by the notebook's path from ``root``, its cell and its output."""
    from PIL import Image

    notebook = json.loads(path.read_text(encoding="utf-8"))
    for number, cell in enumerate(notebook.get("cells", [])):
        for index, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            picture = Image.open(io.BytesIO(base64.b64decode(_joined(data["image/png"]))))
            record = output.get("metadata", {}).get("image/png", {}).get(key)
            yield PngOutput(f"{path.relative_to(root).as_posix()} cell {number} output {index}", picture.size[0], record)


def node_positions(svg: str | bytes) -> dict[str, tuple[float, float, float, float]]:
    """The bounding box (x0, y0, x1, y1) of each node's outline in a Graphviz SVG, by its title."""
    root = ET.fromstring(svg)
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for group in root.iter(f"{NS}g"):
        if group.get("class") != "node":
            continue
        title = group.find(f"{NS}title")
        xs: list[float] = []
        ys: list[float] = []
        for shape in group.iter():
            if shape.tag not in (f"{NS}polygon", f"{NS}path", f"{NS}ellipse", f"{NS}polyline"):
                continue
            points = shape.get("points") or shape.get("d") or ""
            numbers = [float(n) for n in re.findall(r"-?[0-9.]+", points)]
            xs.extend(numbers[0::2])
            ys.extend(numbers[1::2])
            if shape.tag == f"{NS}ellipse":
                cx, cy = float(shape.get("cx", 0)), float(shape.get("cy", 0))
                rx, ry = float(shape.get("rx", 0)), float(shape.get("ry", 0))
                xs.extend([cx - rx, cx + rx])
                ys.extend([cy - ry, cy + ry])
        assert title is not None and xs, "every node has a title and an outline"
        boxes[title.text or ""] = (min(xs), min(ys), max(xs), max(ys))
    return boxes
