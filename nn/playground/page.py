"""Share a run: ``Playground.save_html(path)`` writes one self-contained page (inline SVG and
PNG, no network access) with a slider over the recorded epochs that shows the output over the
plane, the network with its input features and unit heat maps, and the loss curves at each of
them. Hovering a unit shows its map enlarged over the plane. The page opens with the run's
settings text as its address's fragment (``#dataset=...``) and shows it, so the address alone
tells ``Playground.from_settings`` how to run it again.

The page stays bounded whatever the run's length: it shows at most ``max_frames`` frames,
evenly spread over the recorded epochs (the first and the last always among them), and fewer
if the page would otherwise exceed ``max_bytes``; the page says when it left frames out. The
file is written atomically. The page itself is ``page.html`` beside this file.
"""

from __future__ import annotations

import html
import json
import os
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from autograd_lite.atomic_file import write_atomically
from autograd_lite.pictures.page import player_script

from ..checks import check_int_in
from .history import Snapshot
from .settings import WHERE, learning_rate_note
from .settings_text import settings_text
from .views import PLOT, TOP, Renderer, accuracy_note, loss_svg, text_width

if TYPE_CHECKING:
    from .state import PlaygroundState

MIN_BYTES = 200_000
MAX_FRAMES = 5000
INTERVAL_MS = 150


def _evenly(count: int, wanted: int) -> list[int]:
    """``wanted`` indices from 0 to count - 1, evenly spread, both ends included."""
    if wanted >= count:
        return list(range(count))
    return sorted({round(i * (count - 1) / (wanted - 1)) for i in range(wanted)})


def _settings_line(state: PlaygroundState) -> str:
    s = state.settings
    sizes = " → ".join(map(str, s.sizes))
    batch = "full batch" if s.batch_size is None else "online" if s.batch_size == 1 else f"batches of {s.batch_size}"
    points = f"{len(state.data.train_X)} training and {len(state.data.test_X)} test points"
    noise = "" if s.dataset == "custom" else f", noise {s.noise:g}"
    return (
        f"{s.dataset}{noise}, {points}; features {', '.join(s.features)}; network {sizes} ({s.activation} hidden "
        f"units); {s.loss} loss; {s.optimizer}, {learning_rate_note(s)}, {batch}, L1 {s.l1:g}, L2 {s.l2:g}; seed {s.seed}"
    )


def _frame_text(state: PlaygroundState, epoch: int) -> str:
    run = state.history
    return (
        f"train loss {run.train_loss[epoch]:.4g}{accuracy_note(run.train_accuracy[epoch])}, "
        f"test loss {run.test_loss[epoch]:.4g}{accuracy_note(run.test_accuracy[epoch])}"
    )


class _Frames:
    """The recorded snapshots, each drawn at most once however often the frame count is cut."""

    def __init__(self, state: PlaygroundState) -> None:
        snapshots = list(state.history.snapshots)
        if snapshots[-1].epoch != state.epoch:
            snapshots.append(state.latest)
        self.snapshots: list[Snapshot] = snapshots
        self.renderer = Renderer(state.settings, state.data)
        self.scale = self.renderer.gradient_scale(snapshots)
        self._drawn: dict[int, tuple[str, str]] = {}

    def drawn(self, index: int) -> tuple[str, str]:
        """(boundary frame, network frame) of snapshot ``index``, as page elements."""
        if index not in self._drawn:
            snapshot = self.snapshots[index]
            width, height = self.renderer.boundary_size
            boundary = (
                f'<div class="boundary-frame" hidden><svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
                f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">'
                f"{self.renderer.boundary_image(snapshot)}</svg></div>"
            )
            network = f'<div class="network-frame" hidden>{self.renderer.network(snapshot, self.scale, titles=False)}</div>'
            self._drawn[index] = (boundary, network)
        return self._drawn[index]

    def size(self, chosen: list[int]) -> int:
        """The bytes these frames take on the page."""
        return sum(len(part) for index in chosen for part in self.drawn(index))


def page_html(state: PlaygroundState, *, max_frames: int = 200, max_bytes: int = 8_000_000, title: str = "") -> str:
    """The text of the page ``save_html`` writes."""
    max_frames = check_int_in(max_frames, "max_frames", f"{WHERE}.save_html", 2, MAX_FRAMES)
    max_bytes = check_int_in(max_bytes, "max_bytes", f"{WHERE}.save_html", MIN_BYTES, 2**31)
    if not isinstance(title, str):
        raise TypeError(f"{WHERE}.save_html: title must be a str, got {type(title).__name__}")
    frames = _Frames(state)
    renderer = frames.renderer
    count = len(frames.snapshots)
    losses = loss_svg(state.history, cursor=0, y_max=None)
    fixed = len(losses) + len(renderer.boundary_points()) + 20_000
    chosen = _evenly(count, max_frames)
    while fixed + frames.size(chosen) > max_bytes and len(chosen) > 2:
        share = (max_bytes - fixed) / frames.size(chosen)
        chosen = _evenly(count, max(2, min(len(chosen) - 1, int(len(chosen) * share * 0.95))))
    if fixed + frames.size(chosen) > max_bytes:
        raise ValueError(
            f"{WHERE}.save_html: even two frames take {fixed + frames.size(chosen):,} bytes, more than "
            f"max_bytes={max_bytes:,}; raise max_bytes"
        )
    shown = [frames.snapshots[i] for i in chosen]
    epochs = state.epoch
    notes = []
    if len(shown) < epochs + 1:
        every = epochs / max(1, len(shown) - 1)
        notes.append(
            f"The run trained {epochs:,} epochs; this page shows {len(shown)} of them, evenly spread "
            f"(about one every {every:.3g} epochs), to stay under {max_frames} frames and {max_bytes / 1e6:.3g} MB."
        )
    data = [{"epoch": s.epoch, "text": _frame_text(state, s.epoch)} for s in shown]
    heading = title or f"A playground run: {state.settings.dataset}, {epochs} epochs"
    text = settings_text(state.settings)
    template = Template(resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8"))
    width, height = renderer.boundary_size
    return template.substitute(
        title=html.escape(heading),
        settings=html.escape(_settings_line(state)),
        settings_text=html.escape(text, quote=True),
        note="".join(f'<p class="note">{html.escape(note)}</p>' for note in notes),
        last=len(shown) - 1,
        first_epoch=shown[0].epoch,
        first_numbers=html.escape(data[0]["text"]),  # type: ignore[arg-type]  # a str by construction
        boundary_width=f"{width:.0f}",
        boundary_height=f"{height:.0f}",
        boundary_frames="\n".join(frames.drawn(i)[0] for i in chosen),
        zoom=_zoom_layer(renderer),
        points=renderer.boundary_points(),
        network_frames="\n".join(frames.drawn(i)[1] for i in chosen),
        losses=losses,
        # Numbers and plain text only; "<" is escaped so nothing can close the script element.
        frame_data=json.dumps({"frames": data, "settings": text}).replace("<", "\\u003c"),
        player=player_script(),
        interval=INTERVAL_MS,
    )


def _zoom_layer(renderer: Renderer) -> str:
    """Where a hovered unit's map is shown enlarged, over the plane (hidden until then)."""
    width, height = renderer.boundary_size
    caption = max(text_width(f"unit {name} over the plane") for name in renderer.labels) + 8
    return (
        f'<div class="zoom" hidden><svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}"><image id="pg-zoom-image" x="{renderer.left}" y="{TOP}" width="{PLOT}" '
        f'height="{PLOT}" preserveAspectRatio="none"/><rect x="{renderer.left + 4}" y="{TOP + 4}" width="{caption:.0f}" '
        f'height="17" fill="#fff" fill-opacity="0.85"/><text id="pg-zoom-caption" x="{renderer.left + 8}" y="{TOP + 16}" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="11" fill="#333"></text></svg></div>'
    )


def save_page(
    state: PlaygroundState, path: str | os.PathLike[str], *, max_frames: int = 200, max_bytes: int = 8_000_000, title: str = ""
) -> Path:
    """Write ``page_html`` to ``path`` atomically and return the path."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{WHERE}.save_html: path must be a str or a path, got {type(path).__name__}")
    page = page_html(state, max_frames=max_frames, max_bytes=max_bytes, title=title)
    target = Path(path)
    write_atomically(target, page.encode("utf-8"))
    return target
