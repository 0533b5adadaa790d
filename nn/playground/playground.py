"""``Playground``: train a small network on points in the plane and watch every unit learn, live
in a notebook or headless in a script.

>>> from nn import Playground
>>> pg = Playground("xor", n_points=60, hidden=[4], lr=0.5, batch_size="full", seed=0)
>>> history = pg.step(200)           # 200 epochs
>>> history.train_accuracy[-1]
1.0

Headless, a playground is ``step(n)``, ``reset()``, ``configure(**controls)``, ``history``
and ``model``, ``set_weight(name, value)``, ``settings_text()`` and
``Playground.from_settings(text)`` (every setting as one short text, to share a set-up), and
pictures of the current state: ``figure()`` (matplotlib), the SVG views ``boundary_svg()``,
``network_svg()``, ``loss_svg()``, ``unit_maps()`` and ``feature_maps()`` (as arrays),
``graph(index)`` (one point's computation graph) and ``save_html(path)`` (the recorded run as
one page with a slider). In a notebook, ``widget()`` (or ``nn.playground(...)``) is the live
view with its controls, and displaying the playground itself shows a static picture of its
state, which renderings without a kernel keep. The pictures need numpy (and matplotlib for the
static one), the live view ipywidgets.

The ``Playground`` is the one module of ``nn.playground`` that holds a run and changes it; it
hands everything that draws a ``PlaygroundState``, so its helpers never import it.
"""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_lite.text import describe

from ..checks import check_int_in, real_number
from ..layers import MLP
from .data import CustomPoints, Data, check_custom, make_data
from .history import RunHistory, Snapshot
from .settings import CUSTOM, DATASETS, WHERE, PlaygroundSettings, default_loss
from .settings_text import WHERE_TEXT, parse_settings_text, settings_text
from .state import PlaygroundState
from .trainer import Trainer

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

    from autograd_lite import Graph

    from .views import Renderer
    from .widgets import PlaygroundWidget

MAX_STEPS = 100_000
"""The most epochs one ``step`` call may run."""
MAX_WEIGHT = 1e6
"""The largest weight ``set_weight`` takes: far beyond where any unit saturates."""

Points = tuple[Sequence[Sequence[float]], Sequence[Any]]


def _dataset(dataset: object) -> tuple[str, CustomPoints | None]:
    """A built-in name, or the user's ``(X, y)`` as a checked CustomPoints."""
    if isinstance(dataset, str):
        return dataset, None
    if isinstance(dataset, tuple) and len(dataset) == 2:
        return CUSTOM, check_custom(dataset[0], dataset[1])
    names = ", ".join(repr(name) for name in DATASETS)
    raise TypeError(f"{WHERE}: dataset must be one of {names} or your points as (X, y), got {type(dataset).__name__}")


class Playground:
    """A network learning two classes of points in the plane (or a number at each point), one epoch at a time."""

    def __init__(
        self,
        dataset: str | Points = "moons",
        *,
        n_points: int = 200,
        noise: float = 0.1,
        test_fraction: float = 0.25,
        features: Sequence[str] | str = ("x1", "x2"),
        hidden: Sequence[int] | str = (8, 8),
        activation: str = "tanh",
        loss: str | None = None,
        lr: float = 0.1,
        schedule: str = "constant",
        batch_size: int | str | None = 10,
        l1: float = 0.0,
        l2: float = 0.0,
        optimizer: str = "sgd",
        seed: int = 0,
        show_test_data: bool = True,
        discretize: bool = False,
    ) -> None:
        name, self._custom = _dataset(dataset)
        self._settings = PlaygroundSettings(
            dataset=name,
            n_points=n_points,
            noise=noise,
            test_fraction=test_fraction,
            features=features,  # type: ignore[arg-type]  # the settings parse text and lists into a tuple
            hidden=hidden,  # type: ignore[arg-type]  # the settings parse text and lists into a tuple
            activation=activation,
            # No loss named: the data set's own ('hinge' for two classes, 'mse' for regression).
            loss=default_loss(name) if loss is None else loss,
            lr=lr,
            schedule=schedule,
            batch_size=batch_size,  # type: ignore[arg-type]  # the settings turn 'online'/'full' into 1/None
            l1=l1,
            l2=l2,
            optimizer=optimizer,
            seed=seed,
            show_test_data=show_test_data,
            discretize=discretize,
        )
        self._widget: PlaygroundWidget | None = None
        self._watchers: list[Callable[[bool], None]] = []
        self.reset()

    @classmethod
    def from_settings(cls, text: str, *, points: Points | None = None) -> Playground:
        """A playground with every setting read from a settings text (``settings_text()``, or a
        saved page's address): the same text and seed give the same run, loss for loss.

        The text is read strictly and never run; a run on your own points needs them again as
        ``points=(X, y)``.
        """
        values = parse_settings_text(text)
        dataset = values.pop("dataset")
        if dataset == CUSTOM:
            if points is None:
                raise ValueError(f"{WHERE_TEXT}: dataset 'custom' needs your own points: from_settings(text, points=(X, y))")
            return cls(points, **values)  # type: ignore[arg-type]  # each setting checks its own type
        if points is not None:
            raise ValueError(f"{WHERE_TEXT}: points are for dataset 'custom', but the text names {describe(dataset)}")
        return cls(dataset, **values)  # type: ignore[arg-type]  # each setting checks its own type

    # ---- the run ---------------------------------------------------------------------------

    @property
    def settings(self) -> PlaygroundSettings:
        """Every control's current value."""
        return self._settings

    def settings_text(self) -> str:
        """Every setting as one short text (``dataset=moons&...``), which ``from_settings`` reads back."""
        return settings_text(self._settings)

    @property
    def model(self) -> MLP:
        """The network being trained: ``MLP(len(features), [*hidden, 1], activation, rng=seed)`` at reset."""
        return self._trainer.model

    @property
    def history(self) -> RunHistory:
        """Losses, accuracies and snapshots of every epoch since the last reset."""
        return self._history

    @property
    def data(self) -> Data:
        """The training and test points and the part of the plane shown."""
        return self._data

    @property
    def epoch(self) -> int:
        """How many epochs have run since the last reset."""
        return self._history.epochs

    @property
    def has_custom_data(self) -> bool:
        """Whether the user gave their own points (so 'custom' is one of the data sets)."""
        return self._custom is not None

    @property
    def latest(self) -> Snapshot:
        """The model's weights now and the gradient of the last update (what the pictures show)."""
        return self._trainer.snapshot(self.epoch)

    @property
    def state(self) -> PlaygroundState:
        """The run now, as the pictures read it: settings, points, history, latest weights."""
        return PlaygroundState(self._settings, self._data, self._history, self.latest, self.has_custom_data)

    def reset(self, seed: int | None = None) -> None:
        """Start again: the same seed gives the same points and exactly the same initial weights."""
        if seed is not None:
            self._settings = self._settings.changed(seed=seed)
        self._data = make_data(self._settings, self._custom)
        self._trainer = Trainer(self._settings, self._data)
        self._history = RunHistory()
        losses, accuracies = self._trainer.evaluate()
        self._history.record(losses, accuracies, None, 0, self._trainer.snapshot(0))
        self._changed(restarted=True)

    def configure(self, **controls: Any) -> bool:
        """Change controls by name (``lr=0.3``, ``hidden=[4]``); returns True when the run started again.

        All are checked before any takes effect. Changing the data, the features, the network,
        the loss or the seed starts again from the seed's initial weights; the training controls
        (lr, schedule, batch_size, l1, l2, optimizer) take effect at the next update, and the view
        controls (show_test_data, discretize) only change the pictures.
        """
        if "dataset" in controls and not isinstance(controls["dataset"], str):
            name, custom = _dataset(controls["dataset"])
            controls["dataset"] = name
        else:
            custom = self._custom
        new = self._settings.changed(**controls)
        restart = self._settings.restarts_for(new) or custom is not self._custom
        if new.dataset == CUSTOM and custom is None:
            raise ValueError(f"{WHERE}: dataset 'custom' needs your own points: configure(dataset=(X, y))")
        self._settings, self._custom = new, custom
        if restart:
            self.reset()
        else:
            self._trainer.retune(new)
            self._changed(restarted=False)
        return restart

    def load_settings(self, text: str) -> bool:
        """Take every setting from a settings text, as ``from_settings`` would (your own points
        stay); returns True when the run started again."""
        values = parse_settings_text(text)
        if values["dataset"] == CUSTOM and self._custom is None:
            raise ValueError(f"{WHERE_TEXT}: dataset 'custom' needs your own points: configure(dataset=(X, y)) first")
        return self.configure(**values)

    def step(self, n: int = 1) -> RunHistory:
        """Train ``n`` epochs (each a pass over the training points, an update per batch)."""
        for _ in range(check_int_in(n, "n", f"{WHERE}.step", 1, MAX_STEPS)):
            lr = self._trainer.epoch()
            snapshot = self._trainer.snapshot(self._history.epochs + 1)
            losses, accuracies = self._trainer.evaluate()
            self._history.record(losses, accuracies, lr, self._trainer.updates, snapshot)
        self._changed(restarted=False)
        return self._history

    def set_weight(self, name: str, value: float) -> None:
        """Give one parameter, by its label (``"L0.N3.w1"``: layer 0, unit 3, the weight from its
        input 1; ``"L1.N0.b"``: a bias), a value of your own; training goes on from it.

        The current epoch's losses and pictures are those of the new weights; the seed and the
        settings text no longer reproduce a run changed by hand.
        """
        labels = self._trainer.names
        if not isinstance(name, str) or name not in labels:
            raise ValueError(
                f"{WHERE}.set_weight: name must be a parameter's label from {labels[0]!r} to {labels[-1]!r}, "
                f"got {describe(name)}"
            )
        number = real_number(value)
        if number is None or not math.isfinite(number) or abs(number) > MAX_WEIGHT:
            raise ValueError(f"{WHERE}.set_weight: value must be a finite number from -1e6 to 1e6, got {describe(value)}")
        self._trainer.set_weight(name, number)
        losses, accuracies = self._trainer.evaluate()
        self._history.replace_last(losses, accuracies, self._trainer.snapshot(self.epoch))
        self._changed(restarted=False)

    def watch(self, callback: Callable[[bool], None]) -> None:
        """Call ``callback(restarted)`` after every change of the run: a step, a reset, a control.

        The live widget watches its playground, so ``pg.step(100)`` in a cell moves it too.
        """
        self._watchers.append(callback)

    def _changed(self, *, restarted: bool) -> None:
        for callback in self._watchers:
            callback(restarted)

    # ---- pictures of the current state -------------------------------------------------

    def unit_maps(self, resolution: int = 40) -> dict[str, NDArray[Any]]:
        """What every unit computes over the plane: name -> array (rows from the top of the plane down)."""
        from .grid import unit_maps

        return unit_maps(self.state, resolution)

    def feature_maps(self, resolution: int = 40) -> dict[str, NDArray[Any]]:
        """Every chosen input feature over the plane: name (``"sin(x1)"``) -> array, as ``unit_maps``."""
        from .grid import feature_maps

        return feature_maps(self.state, resolution)

    def _renderer(self) -> Renderer:
        from .views import Renderer

        return Renderer(self._settings, self._data)

    def boundary_svg(self) -> str:
        """The output over the plane (the decision boundary for two classes) with the training and test points, as SVG."""
        return self._renderer().boundary(self.latest)

    def network_svg(self) -> str:
        """The network: a heat map per input and unit, each weight's sign and size, its last gradient, as SVG."""
        return self._renderer().network(self.latest)

    def loss_svg(self) -> str:
        """The train and test loss per epoch, as SVG."""
        from .views import loss_svg

        return loss_svg(self._history)

    def graph(self, index: int = 0, *, test: bool = False) -> Graph:
        """The computation graph of one point's loss after backward, a box per neuron (Graphviz)."""
        from .sample import sample_graph

        return sample_graph(self.state, index, test=test)

    def figure(self) -> Figure:
        """A matplotlib figure of the current state: output over the plane, network with heat maps, losses."""
        from .figure import state_figure

        return state_figure(self.state)

    def save_html(
        self, path: str | os.PathLike[str], *, max_frames: int = 200, max_bytes: int = 8_000_000, title: str = ""
    ) -> Path:
        """Write the recorded run as one self-contained page with a slider over its epochs (atomic).

        At most ``max_frames`` epochs are shown, evenly spread, and fewer if the page would be
        larger than ``max_bytes``; the page says so when it leaves epochs out. Its address's
        fragment is the run's settings text.
        """
        from .page import save_page

        return save_page(self.state, path, max_frames=max_frames, max_bytes=max_bytes, title=title)

    # ---- in a notebook -------------------------------------------------------------------

    def widget(self) -> PlaygroundWidget:
        """The live controls and views (ipywidgets); the same object every time."""
        if self._widget is None:
            from .widgets import PlaygroundWidget

            self._widget = PlaygroundWidget(self)
        return self._widget

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Jupyter's hook: a PNG of the current state, which any rendering shows (``widget()`` is
        the live view), and metadata recording its dpi and smallest font (for the legibility tests)."""
        from .figure import figure_png

        png, metadata = figure_png(self.state)
        return {"image/png": png, "text/plain": repr(self)}, metadata

    def __repr__(self) -> str:
        s = self._settings
        sizes = " -> ".join(map(str, s.sizes))
        return (
            f"Playground({s.dataset}, {sizes} {s.activation}, {s.loss}, epoch {self.epoch}, "
            f"train loss {self._history.train_loss[-1]:.4g}, test loss {self._history.test_loss[-1]:.4g})"
        )


def playground(dataset: str | Points = "moons", **controls: Any) -> Playground:
    """Make a Playground and show its live view in the notebook (the same keywords as ``Playground``)."""
    display: Any = importlib.import_module("IPython.display").display
    made = Playground(dataset, **controls)
    display(made.widget())
    return made
