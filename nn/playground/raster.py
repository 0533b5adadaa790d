"""Heat maps as small PNG images: a grid of values becomes palette indices, then a PNG (Pillow)
that a page or a widget shows inline as a ``data:`` address, so nothing is fetched.

One meaning for the values of every playground picture (unit outputs, the network's output,
the weights): red below zero, white at zero, blue above, saturating at -1 and +1. It is
ColorBrewer's RdBu, the palette ``nn.plots.plot_decision_boundary`` uses, and it leaves the
purple/green of the project's gradient colours free to mean gradients.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from numpy.typing import NDArray

# ColorBrewer RdBu, from -1 to +1 (9 classes); white in the middle.
RDBU = ("#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de", "#4393c3", "#2166ac")
NEGATIVE = RDBU[0]
POSITIVE = RDBU[-1]
LINE = "#222222"
"""The colour of the decision line drawn over the boundary."""
LEVELS = 127
"""Palette entries from -1 to +1 (odd, so 0 falls on white): finer steps than the eye tells apart
at these sizes, and half the bytes of a full 8-bit palette in every small PNG."""


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _ramp(stops: tuple[str, ...], lighten: float) -> NDArray[np.uint8]:
    """LEVELS colours along ``stops``, each mixed with ``lighten`` parts of white."""
    anchors = np.array([_rgb(c) for c in stops], dtype=np.float64)
    where = np.linspace(0.0, len(stops) - 1, LEVELS)
    channels = [np.interp(where, np.arange(len(stops)), anchors[:, k]) for k in range(3)]
    colours = np.column_stack(channels)
    colours = colours + (255.0 - colours) * lighten
    return np.rint(colours).astype(np.uint8)


FULL = _ramp(RDBU, 0.0)
"""For unit heat maps: the whole palette."""
LIGHT = _ramp(RDBU, 0.45)
"""For the boundary under the data points: lighter, so points of either class stand out on it."""


def indices(values: NDArray[np.float64]) -> NDArray[np.uint8]:
    """Palette indices for values, clipped to [-1, 1] (NaN shows as the middle, white)."""
    clean = np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=-1.0)
    scaled = (np.clip(clean, -1.0, 1.0) + 1.0) * 0.5 * (LEVELS - 1)
    return np.rint(scaled).astype(np.uint8)


def png(image: NDArray[np.uint8], palette: NDArray[np.uint8]) -> bytes:
    """A palette PNG of an index image (row 0 at the top)."""
    height, width = image.shape
    picture = Image.frombytes("P", (width, height), np.ascontiguousarray(image).tobytes())
    picture.putpalette(palette.ravel().tolist())
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=9)
    return buffer.getvalue()


def data_uri(data: bytes) -> str:
    """A ``data:image/png;base64,...`` address for PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def heat_map(values: NDArray[np.float64], palette: NDArray[np.uint8] = FULL) -> str:
    """A grid of values as an inline PNG address."""
    return data_uri(png(indices(values), palette))


def value_colour(value: float) -> str:
    """The palette colour of one value (a weight or a bias), as ``#rrggbb``."""
    index = int(indices(np.array([value]))[0])
    r, g, b = (int(c) for c in FULL[index])
    return f"#{r:02x}{g:02x}{b:02x}"
