"""show_figure and figure_png: a figure shown in a notebook keeps, in its output's metadata, the dpi
it was drawn at and its smallest font, and that record tells the truth about the pixels: a
letter's height measured in the PNG matches what the record predicts (the oracle is the font
file's own glyph box, read with FreeType), and png_text_px scales it to a 1000-px view."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font, LoadFlags
from PIL import Image

from autograd_lite.pictures.legibility import PNG_TEXT, png_size, png_text_px
from nn.plots import figure_png, show_figure, smallest_text_pt


def cap_height_share() -> float:
    """The height of a capital H in DejaVu Sans (matplotlib's default font) as a share of its em."""
    font = FT2Font(font_manager.findfont("DejaVu Sans"))
    glyph = font.load_char(ord("H"), flags=LoadFlags.NO_SCALE)
    return glyph.height / font.units_per_EM


def dark_rows(png: bytes) -> int:
    """How many pixel rows of the PNG hold something dark."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    rows = np.flatnonzero((pixels < 128).any(axis=1))
    return int(rows.max() - rows.min() + 1)


def test_the_record_predicts_the_height_of_a_letter_in_the_png() -> None:
    figure = plt.figure(figsize=(3, 2), dpi=100)
    figure.text(0.5, 0.5, "H", fontsize=40, ha="center", va="center")
    png, metadata = figure_png(figure)
    plt.close(figure)
    record = metadata["image/png"][PNG_TEXT]
    assert record == {"dpi": 100.0, "smallest_pt": 40.0}
    em_px = png_text_px(png, record, view_px=10_000)  # the PNG is narrower than this view: not scaled
    measured_em_px = dark_rows(png) / cap_height_share()
    assert em_px == pytest.approx(measured_em_px, rel=0.04)


def test_a_figure_wider_than_the_view_is_scaled_down_with_its_text() -> None:
    figure = plt.figure(figsize=(20, 2), dpi=100)
    figure.text(0.5, 0.5, "H", fontsize=20, ha="center", va="center")
    figure.text(0.01, 0.5, "wide", fontsize=20)
    figure.text(0.95, 0.5, "edges", fontsize=20)
    png, metadata = figure_png(figure)
    plt.close(figure)
    width, _ = png_size(png)
    assert width == Image.open(io.BytesIO(png)).size[0] > 1000
    shown = png_text_px(png, metadata["image/png"][PNG_TEXT])
    assert shown == pytest.approx(20 * 100 / 72 * 1000 / width)


def test_the_smallest_text_counts_every_visible_text_and_nothing_else() -> None:
    figure, (left, right) = plt.subplots(1, 2, figsize=(6, 3))
    left.plot([0, 1], [0, 1], label="a line")
    left.set_title("title", fontsize=14)
    left.set_xlabel("x", fontsize=11)
    left.tick_params(labelsize=10)
    right.tick_params(labelsize=10)
    left.legend(fontsize=9)
    left.text(0.5, 0.5, "", fontsize=3)  # empty: draws nothing
    left.text(0.5, 0.5, "hidden", fontsize=4).set_visible(False)
    figure.text(0.1, 0.1, "a note on the figure itself", fontsize=5)
    assert smallest_text_pt(figure) == 5.0
    figure.texts[-1].remove()
    assert smallest_text_pt(figure) == 9.0
    right.text(0.5, 0.5, "in a hidden axes", fontsize=6)
    right.set_visible(False)
    assert smallest_text_pt(figure) == 9.0
    plt.close(figure)


def test_a_figure_without_text_records_nothing() -> None:
    figure = plt.figure(figsize=(2, 2))
    figure.add_artist(matplotlib.lines.Line2D([0, 1], [0, 1]))
    png, metadata = figure_png(figure)
    plt.close(figure)
    assert png.startswith(b"\x89PNG") and metadata == {"image/png": {}}


def test_in_a_kernel_show_figure_displays_the_png_with_its_record_and_closes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython
    import IPython.display

    shown: list[tuple[dict[str, Any], dict[str, Any]]] = []

    class Kernel:
        kernel = object()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Kernel())
    monkeypatch.setattr(IPython.display, "display", lambda data, raw, metadata: shown.append((data, metadata)))
    figure = plt.figure(figsize=(3, 2), dpi=90)
    figure.suptitle("a title", fontsize=12)
    show_figure(figure)
    ((data, metadata),) = shown
    assert data["image/png"].startswith(b"\x89PNG") and data["text/plain"].startswith("<Figure")
    assert metadata == {"image/png": {PNG_TEXT: {"dpi": 90.0, "smallest_pt": 12.0}}}
    assert not plt.fignum_exists(figure.number)


def test_a_broken_record_is_refused_with_what_is_wrong() -> None:
    figure = plt.figure(figsize=(2, 2))
    png, _ = figure_png(figure)
    plt.close(figure)
    with pytest.raises(ValueError, match="needs dpi > 0, got None"):
        png_text_px(png, {"smallest_pt": 9.0})
    with pytest.raises(ValueError, match="needs smallest_pt > 0, got True"):
        png_text_px(png, {"dpi": 100, "smallest_pt": True})
    with pytest.raises(ValueError, match="not a PNG picture"):
        png_size(b"GIF89a")
