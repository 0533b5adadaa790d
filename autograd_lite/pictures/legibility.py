"""How large a picture's text is where it is shown: ``smallest_text_px(svg, 1000)`` reads the SVG
Graphviz wrote and says how many pixels its smallest text takes once the picture is scaled to fit
a view that many pixels wide (a picture narrower than the view is not scaled up);
``png_text_px(png, record)`` says the same of a PNG (a matplotlib figure), from the record of the
dpi and the smallest font it was drawn with, which ``nn.plots.show_figure`` keeps in the
notebook output's metadata under ``PNG_TEXT``.

SVG lengths in ``pt`` are 4/3 px; a PNG drawn at ``dpi`` has ``dpi / 72`` pixels per pt and is
shown one PNG pixel per px. The pictures keep their text at ``MIN_TEXT_PX`` or more in a
notebook cell of ``CELL_PX``; ``fit`` uses this to decide when a drawing must fold.
"""

from __future__ import annotations

import math
import re
import struct
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

CELL_PX = 1000
MIN_TEXT_PX = 9.0
PX_PER_PT = 4.0 / 3.0
PNG_TEXT = "autograd-lite/text"
"""The key, in a notebook output's ``image/png`` metadata, of ``{"dpi": ..., "smallest_pt": ...}``:
the resolution a figure was drawn at and the font size of its smallest text."""
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SVG = "{http://www.w3.org/2000/svg}"
_LENGTH = re.compile(r"\s*([0-9.]+)\s*(pt|px)?\s*$")
_SCALE = re.compile(r"scale\(\s*([-0-9.e]+)(?:[\s,]+([-0-9.e]+))?\s*\)")


@dataclass(frozen=True)
class PictureSize:
    """An SVG's natural width and height in px, and its smallest text in px at that size."""

    width_px: float
    height_px: float
    smallest_text_px: float | None

    def text_px_in(self, view_px: float) -> float | None:
        """The smallest text's size once the picture is fitted to a view ``view_px`` wide."""
        if self.smallest_text_px is None:
            return None
        return self.smallest_text_px * min(1.0, view_px / self.width_px)


def _px(length: str | None) -> float:
    match = _LENGTH.match(length or "")
    if match is None:
        raise ValueError(f"legibility: cannot read the SVG length {length!r}")
    number = float(match.group(1))
    return number * PX_PER_PT if match.group(2) == "pt" else number


def measure(svg: bytes | str) -> PictureSize:
    """The natural size of an SVG picture and its smallest text, both in px."""
    root = ET.fromstring(svg)
    width, height = _px(root.get("width")), _px(root.get("height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    # One user unit of the picture is this many px on screen (Graphviz's viewBox is in pt).
    unit = width / float(box[2]) if len(box) == 4 and float(box[2]) > 0 else 1.0
    smallest: float | None = None
    stack: list[tuple[ET.Element, float]] = [(root, unit)]
    while stack:
        element, scale = stack.pop()
        transform = element.get("transform") or ""
        for match in _SCALE.finditer(transform):
            sx = float(match.group(1))
            sy = float(match.group(2)) if match.group(2) else sx
            scale *= min(abs(sx), abs(sy))
        if element.tag == f"{_SVG}text" and (element.text or "").strip():
            size = element.get("font-size")
            if size is not None:
                px = float(size.rstrip("ptx")) * scale
                smallest = px if smallest is None else min(smallest, px)
        stack.extend((child, scale) for child in element)
    return PictureSize(width, height, smallest)


def smallest_text_px(svg: bytes | str, view_px: float = CELL_PX) -> float | None:
    """The smallest text of ``svg``, in px, once it is fitted to a view ``view_px`` wide (None: no text)."""
    return measure(svg).text_px_in(view_px)


def legible(svg: bytes | str, view_px: float = CELL_PX) -> bool:
    """True when every text of ``svg`` stays at least MIN_TEXT_PX tall in a view ``view_px`` wide."""
    size = smallest_text_px(svg, view_px)
    return size is None or size >= MIN_TEXT_PX - 1e-9


def png_size(png: bytes) -> tuple[int, int]:
    """The width and height of a PNG in pixels, from its header (IHDR, the first chunk)."""
    if len(png) < 24 or png[:8] != _PNG_SIGNATURE or png[12:16] != b"IHDR":
        raise ValueError("legibility: not a PNG picture")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def png_text_px(png: bytes, record: Mapping[str, object], view_px: float = CELL_PX) -> float:
    """The smallest text of ``png``, in px, once it is fitted to a view ``view_px`` wide, from the
    ``record`` of how it was drawn (``{"dpi": ..., "smallest_pt": ...}``, see ``PNG_TEXT``)."""
    dpi, points = _positive(record, "dpi"), _positive(record, "smallest_pt")
    width, _ = png_size(png)
    return points * dpi / 72.0 * min(1.0, view_px / width)


def _positive(record: Mapping[str, object], key: str) -> float:
    number = record.get(key)
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 < number < math.inf:
        raise ValueError(f"legibility: a PNG's text record needs {key} > 0, got {number!r}")
    return float(number)
