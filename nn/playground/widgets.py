"""The live playground in a notebook: ipywidgets controls for every setting, play/pause, one
step and reset buttons, and the views, redrawn while the network trains.

While playing, a background thread trains one epoch at a time and redraws the views that
changed (boundary, network, loss curves, status line); the kernel's own thread stays free to
take button presses and control changes, and one lock keeps the two from touching the run at
once. The chosen point's computation graph needs Graphviz and takes longer to draw, so while
playing it is redrawn at most once every ``GRAPH_EVERY`` seconds, and at once on pause.
"""

from __future__ import annotations

import html
import importlib
import threading
import time
from typing import TYPE_CHECKING, Any

from autograd_lite import GraphvizError
from autograd_lite.pictures.page import inline_svg

from .controls import Controls
from .views import Renderer, status_text

if TYPE_CHECKING:
    from .playground import Playground

GRAPH_EVERY = 1.0
"""Seconds between redraws of the point's graph while playing."""
FRAME = 1.0 / 30
"""The shortest time between two frames: more would only queue up in the browser."""


def _widgets() -> Any:
    try:
        return importlib.import_module("ipywidgets")
    except ImportError as error:
        raise ImportError("Playground.widget needs ipywidgets: pip install autograd-lite[notebook]") from error


class PlaygroundWidget:
    """Controls and live views of one Playground; ``box`` is the ipywidgets box to display."""

    def __init__(self, pg: Playground) -> None:
        self.pg = pg
        self.lock = threading.RLock()
        self.renderer = Renderer(pg)
        self._playing = threading.Event()
        self._generation = 0
        self._graph_drawn = 0.0
        self._in_frame = False
        w = _widgets()
        self.controls = Controls(w, pg.settings, pg.has_custom_data, self._on_control)
        button = w.Layout(width="96px")
        self.play = w.ToggleButton(value=False, description="▶ play", tooltip="train one epoch after another",
                                   layout=button)
        self.step_button = w.Button(description="step", tooltip="train one epoch", layout=button)
        self.reset_button = w.Button(description="reset", tooltip="start again from the seed's initial weights",
                                     layout=button)
        self.status = w.HTML()
        self.message = w.HTML()
        self.boundary = w.HTML()
        self.points = w.HTML()
        self.network = w.HTML()
        self.loss = w.HTML()
        self.graph = w.HTML()
        self.which = w.ToggleButtons(options=["train", "test"], value="train", description="point",
                                     style={"button_width": "56px", "description_width": "40px"})
        self.index = w.BoundedIntText(value=0, min=0, max=len(pg.data.train_X) - 1, description="index",
                                      layout=w.Layout(width="160px"), style={"description_width": "40px"})
        for widget, name in (
            (self.play, "pg-play"), (self.step_button, "pg-step"), (self.reset_button, "pg-reset"),
            (self.status, "pg-status"), (self.message, "pg-message"), (self.boundary, "pg-boundary"),
            (self.points, "pg-boundary-points"),
            (self.network, "pg-network"), (self.loss, "pg-loss"), (self.graph, "pg-graph"),
        ):
            widget.add_class(name)
        self.play.observe(self._on_play, names="value")
        self.step_button.on_click(self._on_step)
        self.reset_button.on_click(self._on_reset)
        self.which.observe(self._on_point, names="value")
        self.index.observe(self._on_point, names="value")
        self._clicks = self._listen_for_clicks()
        self.box = self._make_box(w)
        pg.watch(self._on_run_changed)
        self.redraw(graph=True)

    # ---- building --------------------------------------------------------------------------

    def _make_box(self, w: Any) -> Any:
        settings = self.controls.box(w)
        buttons = w.HBox([self.play, self.step_button, self.reset_button, self.status],
                         layout=w.Layout(align_items="center"))
        # The points lie over the boundary in one grid cell: a frame redraws only the picture under them.
        for layer in (self.boundary, self.points):
            layer.layout.grid_area = "1 / 1 / 2 / 2"
        picture = w.GridBox([self.boundary, self.points], layout=w.Layout(grid_template_columns="auto",
                                                                           grid_template_rows="auto"))
        views = w.HBox([w.VBox([picture, self.loss]), self.network], layout=w.Layout(flex_flow="row wrap"))
        hint = " or click a point on the boundary" if self._clicks is not None else ""
        point = w.VBox([w.HTML(f"<b>One point's computation graph</b>: the gradients of its loss (choose it here{hint})"),
                        w.HBox([self.which, self.index]), self.graph])
        return w.VBox([settings, buttons, self.message, views, point])

    def _listen_for_clicks(self) -> Any:
        """Choose a point by clicking it on the boundary, where ipyevents (a frontend extension) is installed."""
        try:
            events = importlib.import_module("ipyevents")
        except ImportError:
            return None
        listener = events.Event(source=self.points, watched_events=["click"])
        listener.on_dom_event(self._on_click)
        return listener

    # ---- drawing ------------------------------------------------------------------------------

    def _chosen_points(self) -> list[list[float]]:
        """The training or the test points, whichever the point chooser is set to."""
        return self.pg.data.test_X if self.which.value == "test" else self.pg.data.train_X

    def _fit_index(self) -> None:
        """Keep the index chooser within the chosen set of points."""
        self.index.max = len(self._chosen_points()) - 1

    def redraw(self, *, graph: bool) -> None:
        """Draw the views from the run's current state (the point's graph too when ``graph``)."""
        with self.lock:
            points = self._chosen_points()
            point = points[min(self.index.value, len(points) - 1)]
            self.boundary.value = self.renderer.boundary_background()
            # Unchanged text is not sent again, so the points travel only when they change.
            self.points.value = self.renderer.boundary_points(point)
            self.network.value = self.renderer.network()
            self.loss.value = self.renderer.loss()
            self.status.value = f'<span class="pg-status-text">{html.escape(status_text(self.pg))}</span>'
            if graph:
                self._draw_graph()

    def _draw_graph(self) -> None:
        test = self.which.value == "test"
        try:
            svg = self.pg.graph(self.index.value, test=test).pipe("svg").decode("utf-8")
            self.graph.value = inline_svg(svg, "pg-graph-")
        except GraphvizError as error:
            self.graph.value = f"<pre>{html.escape(str(error))}</pre>"
        except ValueError as error:
            self.graph.value = f"<p>{html.escape(str(error))}</p>"
        self._graph_drawn = time.monotonic()

    def say(self, text: str, *, error: bool = False) -> None:
        """Show a message above the views ('' clears it)."""
        colour = "#b2182b" if error else "#333"
        self.message.value = f'<span style="color: {colour}">{html.escape(text)}</span>' if text else ""

    def advance(self) -> None:
        """One displayed update, as while playing: train one epoch and redraw what it changed (the
        point's graph only if the last one is ``GRAPH_EVERY`` seconds old)."""
        with self.lock:
            self._in_frame = True
            try:
                self.pg.step(1)
            finally:
                self._in_frame = False

    def _on_run_changed(self, restarted: bool) -> None:
        """The run changed (from a button, a control or code in a cell): show its new state."""
        with self.lock:
            if restarted:
                self._restarted()
            self.controls.show(self.pg.settings)
            self.redraw(graph=not self._in_frame or time.monotonic() - self._graph_drawn >= GRAPH_EVERY)

    # ---- events ---------------------------------------------------------------------------------

    def _on_control(self, name: str, value: Any) -> None:
        """The user changed a control: change the run (it redraws through the watcher) or say what is wrong."""
        with self.lock:
            try:
                self.pg.configure(**{name: value})
            except (TypeError, ValueError) as error:
                self.say(str(error), error=True)
                return
            self.say("")

    def _restarted(self) -> None:
        """A new run: new points and layout, so a new renderer, and the point chooser's bounds."""
        self.renderer = Renderer(self.pg)
        self._fit_index()

    def _on_click(self, event: dict[str, Any]) -> None:
        """A click on the boundary picks the point under it (the picture is drawn at 1:1 in the widget)."""
        found = self.renderer.nearest(float(event.get("relativeX", -1e9)), float(event.get("relativeY", -1e9)))
        if found is None:
            return
        test, index = found
        with self.lock:
            # Set the index last: each change redraws, and the index must fit the chosen set.
            self.which.value = "test" if test else "train"
            self._fit_index()
            self.index.value = index

    def _on_point(self, change: dict[str, Any]) -> None:
        with self.lock:
            self._fit_index()
            self.redraw(graph=True)

    def _on_step(self, _: Any) -> None:
        if self._playing.is_set():
            return
        with self.lock:
            self.pg.step(1)

    def _on_reset(self, _: Any) -> None:
        with self.lock:
            self.say("")
            self.pg.reset()

    def _on_play(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.play.description = "❚❚ pause"
            self._playing.set()
            # Each press starts a loop of its own; a loop from an earlier press sees that it is
            # no longer the current one and ends after its frame.
            self._generation += 1
            threading.Thread(target=self._run, args=(self._generation,), name="playground", daemon=True).start()
        else:
            self.play.description = "▶ play"
            self._playing.clear()

    def _run(self, generation: int) -> None:
        """The training loop while playing: an epoch and a redraw per frame, until paused."""
        while self._playing.is_set() and generation == self._generation:
            started = time.perf_counter()
            try:
                self.advance()
            except (ArithmeticError, ValueError) as error:
                # A learning rate too large makes the loss overflow: stop and say so.
                self.say(f"training stopped at epoch {self.pg.epoch}: {error}; try a smaller learning rate", error=True)
                self.play.value = False
                break
            time.sleep(max(0.002, FRAME - (time.perf_counter() - started)))
        if generation == self._generation:
            self.redraw(graph=True)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Jupyter's hook: the live widget box."""
        return self.box._repr_mimebundle_(**kwargs)
