"""The live playground in a notebook: ipywidgets controls for every setting, + and - buttons for
the network's layers and units, play/pause, one step and reset buttons, and the views, redrawn
while the network trains.

While playing, a background thread trains one epoch at a time and redraws the views that
changed (the plane, the network, the loss curves, the status line); the kernel's own thread
stays free to take button presses and control changes, and one lock keeps the two from touching
the run at once. The chosen point's computation graph needs Graphviz and takes longer to draw,
so while playing it is redrawn at most once every ``GRAPH_EVERY`` seconds, and at once on pause.

Where ipyevents (a frontend extension) is installed, the views answer the mouse: clicking a
point on the plane chooses it for the graph, hovering a unit of the network shows its map
enlarged over the plane, and clicking a weight (or a bias square) opens a box to type its new
value, after which every view is redrawn at once.

The widget drives any run that offers what ``LiveRun`` names (a ``Playground`` does), so this
module never imports the ``Playground``.
"""

from __future__ import annotations

import html
import importlib
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from autograd_lite import GraphvizError
from autograd_lite.pictures.page import inline_svg

from .controls import Controls, NetworkButtons
from .layout import COLUMN
from .sample import sample_graph
from .state import PlaygroundState
from .views import Renderer, loss_svg, status_text

GRAPH_EVERY = 1.0
"""Seconds between redraws of the point's graph while playing."""
FRAME = 1.0 / 30
"""The shortest time between two frames: more would only queue up in the browser."""
HOVER_EVERY_MS = 100
"""The browser sends the pointer's position over the network at most this often."""


class LiveRun(Protocol):
    """What the live view needs of a run: its state, and the ways to change it."""

    @property
    def state(self) -> PlaygroundState:
        """The run now."""

    def step(self, n: int = 1) -> object:
        """Train ``n`` epochs."""

    def reset(self, seed: int | None = None) -> None:
        """Start again from the seed's initial weights."""

    def configure(self, **controls: Any) -> bool:
        """Change settings by name."""

    def load_settings(self, text: str) -> bool:
        """Take every setting from a settings text."""

    def set_weight(self, name: str, value: float) -> None:
        """Give one parameter a value of the user's."""

    def watch(self, callback: Callable[[bool], None]) -> None:
        """Call ``callback(restarted)`` after every change of the run."""


def _widgets() -> Any:
    try:
        return importlib.import_module("ipywidgets")
    except ImportError as error:
        raise ImportError("Playground.widget needs ipywidgets: pip install autograd-lite[notebook]") from error


class PlaygroundWidget:
    """Controls and live views of one run; ``box`` is the ipywidgets box to display."""

    def __init__(self, run: LiveRun) -> None:
        self.run = run
        self.lock = threading.RLock()
        state = run.state
        self.renderer = Renderer(state.settings, state.data)
        self._playing = threading.Event()
        self._generation = 0
        self._graph_drawn = 0.0
        self._in_frame = False
        self._hovered: str | None = None
        self._editing: str | None = None
        w = _widgets()
        self.controls = Controls(w, state.settings, state.has_custom_data, self._on_control)
        self.network_buttons = NetworkButtons(w, self._on_control)
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
        self.index = w.BoundedIntText(value=0, min=0, max=len(state.data.train_X) - 1, description="index",
                                      layout=w.Layout(width="160px"), style={"description_width": "40px"})
        self.weight_name = w.HTML()
        self.weight_value = w.FloatText(value=0.0, continuous_update=False, layout=w.Layout(width="110px"))
        self.weight_set = w.Button(description="set", tooltip="give the weight this value", layout=w.Layout(width="56px"))
        self.weight_close = w.Button(description="close", layout=w.Layout(width="64px"))
        self.weight_editor = w.HBox([self.weight_name, self.weight_value, self.weight_set, self.weight_close],
                                    layout=w.Layout(display="none", align_items="center"))
        for widget, name in (
            (self.play, "pg-play"), (self.step_button, "pg-step"), (self.reset_button, "pg-reset"),
            (self.status, "pg-status"), (self.message, "pg-message"), (self.boundary, "pg-boundary"),
            (self.points, "pg-boundary-points"),
            (self.network, "pg-network"), (self.loss, "pg-loss"), (self.graph, "pg-graph"),
            (self.weight_editor, "pg-weight-editor"), (self.weight_value, "pg-weight-value"),
            (self.weight_set, "pg-weight-set"), (self.weight_name, "pg-weight-name"),
        ):
            widget.add_class(name)
        self.play.observe(self._on_play, names="value")
        self.step_button.on_click(self._on_step)
        self.reset_button.on_click(self._on_reset)
        self.which.observe(self._on_point, names="value")
        self.index.observe(self._on_point, names="value")
        self.weight_set.on_click(lambda _: self._on_weight_typed())
        self.weight_value.observe(lambda _: self._on_weight_typed(), names="value")
        self.weight_close.on_click(lambda _: self._close_editor())
        self._listeners = self._listen_for_pointer()
        self.box = self._make_box(w)
        self._show_network_buttons()
        run.watch(self._on_run_changed)
        self.redraw(graph=True)

    # ---- building --------------------------------------------------------------------------

    def _make_box(self, w: Any) -> Any:
        settings = self.controls.box(w)
        buttons = w.HBox([self.play, self.step_button, self.reset_button, self.status],
                         layout=w.Layout(align_items="center"))
        # The points lie over the plane in one grid cell: a frame redraws only the picture under them.
        for layer in (self.boundary, self.points):
            layer.layout.grid_area = "1 / 1 / 2 / 2"
        picture = w.GridBox([self.boundary, self.points], layout=w.Layout(grid_template_columns="auto",
                                                                           grid_template_rows="auto"))
        network = w.VBox([self.network_buttons.box, self.network, self.weight_editor])
        views = w.HBox([w.VBox([picture, self.loss]), network], layout=w.Layout(flex_flow="row wrap"))
        hint = " or click a point on the plane" if self._listeners else ""
        point = w.VBox([w.HTML(f"<b>One point's computation graph</b>: the gradients of its loss (choose it here{hint})"),
                        w.HBox([self.which, self.index]), self.graph])
        return w.VBox([settings, buttons, self.message, views, point])

    def _listen_for_pointer(self) -> list[Any]:
        """Clicks on the points and the weights, and the pointer over the units, where ipyevents is installed."""
        try:
            events = importlib.import_module("ipyevents")
        except ImportError:
            return []
        points = events.Event(source=self.points, watched_events=["click"])
        points.on_dom_event(self._on_click)
        weights = events.Event(source=self.network, watched_events=["click"])
        weights.on_dom_event(self._on_network_click)
        hover = events.Event(source=self.network, watched_events=["mousemove"], throttle_or_debounce="throttle",
                             wait=HOVER_EVERY_MS)
        hover.on_dom_event(self._on_hover)
        leave = events.Event(source=self.network, watched_events=["mouseleave"])
        leave.on_dom_event(lambda _: self._hover(None))
        return [points, weights, hover, leave]

    def _show_network_buttons(self) -> None:
        """The + and - buttons for the current network, each pair over its layer's column."""
        layout = self.renderer.layout
        centres = [layout.centres[layer][0][0] for layer in range(1, len(layout.sizes) - 1)]
        self.network_buttons.show(self.renderer.settings.hidden, centres, COLUMN)

    # ---- drawing ------------------------------------------------------------------------------

    def _chosen_points(self) -> list[list[float]]:
        """The training or the test points, whichever the point chooser is set to."""
        data = self.renderer.data
        return data.test_X if self.which.value == "test" else data.train_X

    def _fit_index(self) -> None:
        """Keep the index chooser within the chosen set of points."""
        self.index.max = len(self._chosen_points()) - 1

    def redraw(self, *, graph: bool) -> None:
        """Draw the views from the run's current state (the point's graph too when ``graph``)."""
        with self.lock:
            state = self.run.state
            points = self._chosen_points()
            point = points[min(self.index.value, len(points) - 1)]
            self.boundary.value = self.renderer.boundary_background(state.latest, self._hovered)
            # Unchanged text is not sent again, so the points travel only when they change.
            self.points.value = self.renderer.boundary_points(point)
            self.network.value = self.renderer.network(state.latest)
            self.loss.value = loss_svg(state.history)
            self.status.value = f'<span class="pg-status-text">{html.escape(status_text(state))}</span>'
            if graph:
                self._draw_graph(state)

    def _draw_graph(self, state: PlaygroundState) -> None:
        test = self.which.value == "test"
        try:
            svg = sample_graph(state, self.index.value, test=test).pipe("svg").decode("utf-8")
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
                self.run.step(1)
            finally:
                self._in_frame = False

    def _on_run_changed(self, restarted: bool) -> None:
        """The run changed (from a button, a control or code in a cell): show its new state."""
        with self.lock:
            settings = self.run.state.settings
            if restarted or settings != self.renderer.settings:
                self._restarted(restarted)
            self.controls.show(settings)
            self.redraw(graph=not self._in_frame or time.monotonic() - self._graph_drawn >= GRAPH_EVERY)

    # ---- events ---------------------------------------------------------------------------------

    def _on_control(self, name: str, value: Any) -> None:
        """The user changed a control: change the run (it redraws through the watcher) or say what
        is wrong, and show the settings in force again."""
        with self.lock:
            try:
                if name == "settings_text":
                    self.run.load_settings(value)
                else:
                    self.run.configure(**{name: value})
            except (TypeError, ValueError) as error:
                self.say(str(error), error=True)
                self.controls.show(self.run.state.settings)
                return
            self.say("")

    def _restarted(self, restarted: bool) -> None:
        """New settings: a new renderer (new points and layout after a restart, or another way of
        drawing them), the + and - buttons, and the point chooser's bounds."""
        state = self.run.state
        self.renderer = Renderer(state.settings, state.data)
        if restarted:
            self._hovered = None
            self._close_editor()
            self._show_network_buttons()
        self._fit_index()

    def _on_click(self, event: dict[str, Any]) -> None:
        """A click on the plane picks the point under it (the picture is drawn at 1:1 in the widget)."""
        found = self.renderer.nearest(float(event.get("relativeX", -1e9)), float(event.get("relativeY", -1e9)))
        if found is None:
            return
        test, index = found
        with self.lock:
            # Set the index last: each change redraws, and the index must fit the chosen set.
            self.which.value = "test" if test else "train"
            self._fit_index()
            self.index.value = index

    def _on_network_click(self, event: dict[str, Any]) -> None:
        """A click on a weight's edge (or a bias square) opens the box to type its value."""
        name = self.renderer.parameter_at(float(event.get("relativeX", -1e9)), float(event.get("relativeY", -1e9)))
        if name is None:
            return
        with self.lock:
            state = self.run.state
            position = self.renderer.parameter_names.index(name)
            self._editing = None  # setting the box's value below is not the user's typing
            self.weight_value.value = state.latest.weights[position]
            self._editing = name
            self.weight_name.value = f"<b>{html.escape(self.renderer.describe_parameter(name))}</b> ="
            self.weight_editor.layout.display = "flex"

    def _on_weight_typed(self) -> None:
        """The user typed a value for the weight being edited: the run takes it and every view is redrawn."""
        if self._editing is None:
            return
        with self.lock:
            try:
                self.run.set_weight(self._editing, self.weight_value.value)
            except ValueError as error:
                self.say(str(error), error=True)
                return
            self.say("")

    def _close_editor(self) -> None:
        self._editing = None
        self.weight_editor.layout.display = "none"

    def _on_hover(self, event: dict[str, Any]) -> None:
        self._hover(self.renderer.unit_at(float(event.get("relativeX", -1e9)), float(event.get("relativeY", -1e9))))

    def _hover(self, unit: str | None) -> None:
        """Show ``unit``'s map over the plane (None: the network's output)."""
        with self.lock:
            if unit == self._hovered:
                return
            self._hovered = unit
            self.boundary.value = self.renderer.boundary_background(self.run.state.latest, unit)

    def _on_point(self, change: dict[str, Any]) -> None:
        with self.lock:
            self._fit_index()
            self.redraw(graph=True)

    def _on_step(self, _: Any) -> None:
        if self._playing.is_set():
            return
        with self.lock:
            self.run.step(1)

    def _on_reset(self, _: Any) -> None:
        with self.lock:
            self.say("")
            self.run.reset()

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
                self.say(f"training stopped at epoch {self.run.state.epoch}: {error}; try a smaller learning rate", error=True)
                self.play.value = False
                break
            time.sleep(max(0.002, FRAME - (time.perf_counter() - started)))
        if generation == self._generation:
            self.redraw(graph=True)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Jupyter's hook: the live widget box."""
        return self.box._repr_mimebundle_(**kwargs)
