"""The playground's settings as ipywidgets controls, both ways: a control the user changes
becomes a ``Playground.configure`` call, and settings changed in code (``pg.configure(lr=0.3)``
in a cell) show up in the controls. Number choices are drop-downs rather than sliders, so the
value shown is exactly the value used. The input features are toggle buttons, the hidden layers
are changed with + and - buttons (``NetworkButtons``), and the settings text can be copied from
its box or pasted into it and loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .features import FEATURES
from .settings import (
    ACTIVATIONS,
    CUSTOM,
    DATASETS,
    LOSSES,
    MAX_LAYERS,
    MAX_POINTS,
    MAX_SEED,
    MAX_WIDTH,
    OPTIMIZERS,
    SCHEDULES,
    PlaygroundSettings,
)
from .settings_text import settings_text

LR_CHOICES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARISATION_CHOICES = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
BATCH_MODES = ("online", "mini-batch", "full batch")
LABEL_WIDTH = "88px"
CONTROL_WIDTH = "300px"
NEW_LAYER_WIDTH = 2
"""The width of a hidden layer added with "+ layer", as in TensorFlow Playground."""


def number_options(choices: tuple[float, ...], current: float) -> list[tuple[str, float]]:
    """Drop-down entries for these numbers and the current one (a value set in code may be none of them)."""
    return [(f"{value:g}", value) for value in sorted({*choices, current})]


def batch_mode(batch_size: int | None) -> str:
    """'online' for 1, 'full batch' for None, else 'mini-batch'."""
    if batch_size is None:
        return "full batch"
    return "online" if batch_size == 1 else "mini-batch"


class Controls:
    """One control per setting; ``changed(name, value)`` is called when the user changes one
    (``name`` 'settings_text' when a settings text is to be loaded)."""

    def __init__(self, w: Any, settings: PlaygroundSettings, custom: bool, changed: Callable[[str, Any], None]) -> None:
        s = settings
        self._changed = changed
        self._syncing = False
        datasets = [*DATASETS, CUSTOM] if custom else list(DATASETS)
        self.widgets: dict[str, Any] = {
            "dataset": w.Dropdown(options=datasets, value=s.dataset, description="data set"),
            "n_points": w.BoundedIntText(value=s.n_points, min=4, max=MAX_POINTS, step=10, description="points"),
            "noise": w.FloatSlider(value=s.noise, min=0.0, max=1.0, step=0.01, description="noise"),
            "test_fraction": w.FloatSlider(value=s.test_fraction, min=0.1, max=0.9, step=0.05, description="test share"),
            "activation": w.Dropdown(options=list(ACTIVATIONS), value=s.activation, description="activation"),
            "loss": w.Dropdown(options=list(LOSSES), value=s.loss, description="loss"),
            "seed": w.BoundedIntText(value=s.seed, min=-MAX_SEED, max=MAX_SEED, description="seed"),
            "lr": w.Dropdown(options=number_options(LR_CHOICES, s.lr), value=s.lr, description="learning rate"),
            "schedule": w.Dropdown(options=list(SCHEDULES), value=s.schedule, description="schedule"),
            "batch_mode": w.Dropdown(options=list(BATCH_MODES), value=batch_mode(s.batch_size), description="batch"),
            "batch_size": w.BoundedIntText(value=s.batch_size if s.batch_size and s.batch_size > 1 else 10, min=2,
                                           max=MAX_POINTS, description="batch size"),
            "l1": w.Dropdown(options=number_options(REGULARISATION_CHOICES, s.l1), value=s.l1, description="L1"),
            "l2": w.Dropdown(options=number_options(REGULARISATION_CHOICES, s.l2), value=s.l2, description="L2"),
            "optimizer": w.Dropdown(options=list(OPTIMIZERS), value=s.optimizer, description="optimiser"),
            "show_test_data": w.Checkbox(value=s.show_test_data, description="show test data", indent=False),
            "discretize": w.Checkbox(value=s.discretize, description="discretise output", indent=False),
        }
        for name, control in self.widgets.items():
            control.style.description_width = LABEL_WIDTH
            control.layout.width = CONTROL_WIDTH
            control.add_class(f"pg-control-{name}")
            control.observe(self._on_change, names="value")
        self.features = {
            name: w.ToggleButton(value=name in s.features, description=name, tooltip=f"take {name} as an input",
                                 layout=w.Layout(width="68px"))
            for name in FEATURES
        }  # fmt: skip
        for index, toggle in enumerate(self.features.values()):
            toggle.add_class(f"pg-feature-{index}")
            toggle.observe(self._on_feature, names="value")
        self._colour_features()
        self._shown_text = settings_text(s)
        # The box's text reaches the kernel when the box loses focus, and is loaded then. The
        # browser may hold that text back until the kernel has answered an earlier message, and
        # send "load"'s click first; the click loads the text the kernel has, and the late text,
        # when it comes, is loaded as it arrives: the last text typed is the one in force.
        self.text = w.Textarea(value=self._shown_text, rows=4, continuous_update=False, layout=w.Layout(width=CONTROL_WIDTH))
        self.text.add_class("pg-settings-text")
        self.text.observe(self._on_text, names="value")
        self.load = w.Button(description="load settings", tooltip="run the settings written in the box above",
                             layout=w.Layout(width="120px"))
        self.load.add_class("pg-load-settings")
        self.load.on_click(lambda _: self._changed("settings_text", self.text.value))
        self._enable(s)

    def __getitem__(self, name: str) -> Any:
        """The control of one setting (and 'batch_mode', which with 'batch_size' sets the batch size)."""
        return self.widgets[name]

    def box(self, w: Any) -> Any:
        """The controls in four columns: the data and its features, the network, the training, the view."""
        c = self.widgets
        column = w.Layout(margin="0 12px 0 0")
        features = w.HBox(list(self.features.values()), layout=w.Layout(flex_flow="row wrap", width=CONTROL_WIDTH))
        return w.HBox(
            [
                w.VBox([w.HTML("<b>Data</b>"), c["dataset"], c["n_points"], c["noise"], c["test_fraction"],
                        w.HTML("features (the network's inputs)"), features], layout=column),
                w.VBox([w.HTML("<b>Network</b>"), c["activation"], c["loss"], c["seed"],
                        w.HTML("layers and units: the + and − buttons above the network")], layout=column),
                w.VBox([w.HTML("<b>Training</b>"), c["lr"], c["schedule"], c["batch_mode"], c["batch_size"], c["l1"],
                        c["l2"], c["optimizer"]], layout=column),
                w.VBox([w.HTML("<b>View and share</b>"), c["show_test_data"], c["discretize"],
                        w.HTML("settings text (copy it to share this set-up, or paste one and load it)"), self.text,
                        self.load], layout=column),
            ],
            layout=w.Layout(flex_flow="row wrap"),
        )  # fmt: skip

    def _enable(self, s: PlaygroundSettings) -> None:
        """Grey out what does not apply: noise and size for the user's own points, the size of a batch of 1 or all."""
        self.widgets["noise"].disabled = self.widgets["n_points"].disabled = s.dataset == CUSTOM
        self.widgets["batch_size"].disabled = s.batch_size in (None, 1)

    def _on_change(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        name = next(key for key, control in self.widgets.items() if control is change["owner"])
        if name in ("batch_mode", "batch_size"):
            mode = self.widgets["batch_mode"].value
            self.widgets["batch_size"].disabled = mode != "mini-batch"
            value: Any = {"online": 1, "full batch": None}.get(mode, self.widgets["batch_size"].value)
            self._changed("batch_size", value)
        else:
            self._changed(name, change["new"])

    def _on_text(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._changed("settings_text", change["new"])

    def _colour_features(self) -> None:
        """A feature the network takes is blue, one it leaves out plain."""
        for toggle in self.features.values():
            toggle.button_style = "info" if toggle.value else ""

    def _on_feature(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._changed("features", [name for name, toggle in self.features.items() if toggle.value])
        self._colour_features()

    def show(self, s: PlaygroundSettings) -> None:
        """Make every control show these settings, without reporting the changes as the user's."""
        c = self.widgets
        self._syncing = True
        try:
            if s.dataset not in c["dataset"].options:
                c["dataset"].options = [*DATASETS, CUSTOM]
            for name in ("dataset", "n_points", "noise", "test_fraction", "activation", "loss", "seed", "schedule",
                         "optimizer", "show_test_data", "discretize"):
                c[name].value = getattr(s, name)
            for name, choices in (("lr", LR_CHOICES), ("l1", REGULARISATION_CHOICES), ("l2", REGULARISATION_CHOICES)):
                value = getattr(s, name)
                if value not in [number for _, number in c[name].options]:
                    c[name].options = number_options(choices, value)
                c[name].value = value
            c["batch_mode"].value = batch_mode(s.batch_size)
            if s.batch_size is not None and s.batch_size > 1:
                c["batch_size"].value = s.batch_size
            for name, toggle in self.features.items():
                toggle.value = name in s.features
            self._colour_features()
            # Only a change of the settings rewrites the text box, so a text being pasted stays.
            text = settings_text(s)
            if text != self._shown_text:
                self.text.value = self._shown_text = text
            self._enable(s)
        finally:
            self._syncing = False


class NetworkButtons:
    """+ and - buttons for the hidden layers and for the units of each, over the network picture:
    each press asks ``changed('hidden', widths)`` for the network one layer or one unit larger or
    smaller, within the playground's bounds (at most MAX_LAYERS layers of MAX_WIDTH units)."""

    def __init__(self, w: Any, changed: Callable[[str, Any], None]) -> None:
        self._w = w
        self._changed = changed
        self.box = w.VBox()

    def show(self, hidden: tuple[int, ...], centres: list[float], column: float) -> None:
        """Buttons for these hidden widths; ``centres`` are the x of each hidden layer's column in
        the network picture, ``column`` the distance between columns, so each pair sits over its layer."""
        w = self._w
        small = w.Layout(width="34px", padding="0")
        fewer_layers = w.Button(description="− layer", tooltip="remove the last hidden layer", disabled=not hidden,
                                layout=w.Layout(width="76px"))
        more_layers = w.Button(description="+ layer", tooltip="add a hidden layer", disabled=len(hidden) >= MAX_LAYERS,
                               layout=w.Layout(width="76px"))
        fewer_layers.add_class("pg-layer-minus")
        more_layers.add_class("pg-layer-plus")
        fewer_layers.on_click(lambda _: self._changed("hidden", list(hidden[:-1])))
        more_layers.on_click(lambda _: self._changed("hidden", [*hidden, hidden[-1] if hidden else NEW_LAYER_WIDTH]))
        count = f"{len(hidden)} hidden layer{'' if len(hidden) == 1 else 's'}"
        top = w.HBox([fewer_layers, more_layers, w.HTML(f"<span style='padding-left: 6px'>{count}</span>")],
                     layout=w.Layout(align_items="center"))  # fmt: skip
        units = []
        left = centres[0] - column / 2 if centres else 0.0
        for layer, width in enumerate(hidden):
            fewer = w.Button(description="−", tooltip=f"one unit fewer in hidden layer {layer + 1}", disabled=width <= 1,
                             layout=small)
            more = w.Button(description="+", tooltip=f"one unit more in hidden layer {layer + 1}",
                            disabled=width >= MAX_WIDTH, layout=small)  # fmt: skip
            fewer.add_class(f"pg-units-minus-{layer}")
            more.add_class(f"pg-units-plus-{layer}")
            fewer.on_click(self._resize(hidden, layer, -1))
            more.on_click(self._resize(hidden, layer, +1))
            units.append(w.HBox([fewer, more], layout=w.Layout(width=f"{column:.0f}px", justify_content="center")))
        spacer = w.Box(layout=w.Layout(width=f"{max(0.0, left):.0f}px"))
        self.box.children = [top, w.HBox([spacer, *units])]

    def _resize(self, hidden: tuple[int, ...], layer: int, by: int) -> Callable[[Any], None]:
        def press(_: Any) -> None:
            widths = list(hidden)
            widths[layer] += by
            self._changed("hidden", widths)

        return press
