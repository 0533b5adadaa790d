"""The playground's settings as ipywidgets controls, both ways: a control the user changes
becomes a ``Playground.configure`` call, and settings changed in code (``pg.configure(lr=0.3)``
in a cell) show up in the controls. Number choices are drop-downs rather than sliders, so the
value shown is exactly the value used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .settings import (
    ACTIVATIONS,
    CUSTOM,
    DATASETS,
    LOSSES,
    MAX_POINTS,
    MAX_SEED,
    OPTIMIZERS,
    SCHEDULES,
    Settings,
    parse_hidden,
)

LR_CHOICES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
L2_CHOICES = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
BATCH_MODES = ("online", "mini-batch", "full batch")
LABEL_WIDTH = "88px"
CONTROL_WIDTH = "300px"


def number_options(choices: tuple[float, ...], current: float) -> list[tuple[str, float]]:
    """Drop-down entries for these numbers and the current one (a value set in code may be none of them)."""
    return [(f"{value:g}", value) for value in sorted({*choices, current})]


def batch_mode(batch_size: int | None) -> str:
    """'online' for 1, 'full batch' for None, else 'mini-batch'."""
    if batch_size is None:
        return "full batch"
    return "online" if batch_size == 1 else "mini-batch"


def _hidden_text(widths: tuple[int, ...]) -> str:
    return ", ".join(map(str, widths))


class Controls:
    """One control per setting; ``changed(name, value)`` is called when the user changes one."""

    def __init__(self, w: Any, settings: Settings, custom: bool, changed: Callable[[str, Any], None]) -> None:
        s = settings
        self._changed = changed
        self._syncing = False
        datasets = [*DATASETS, CUSTOM] if custom else list(DATASETS)
        self.widgets: dict[str, Any] = {
            "dataset": w.Dropdown(options=datasets, value=s.dataset, description="data set"),
            "n_points": w.BoundedIntText(value=s.n_points, min=4, max=MAX_POINTS, step=10, description="points"),
            "noise": w.FloatSlider(value=s.noise, min=0.0, max=1.0, step=0.01, description="noise"),
            "test_fraction": w.FloatSlider(value=s.test_fraction, min=0.1, max=0.9, step=0.05, description="test share"),
            "hidden": w.Text(value=_hidden_text(s.hidden), description="hidden", continuous_update=False,
                             placeholder="widths, e.g. 8, 8"),
            "activation": w.Dropdown(options=list(ACTIVATIONS), value=s.activation, description="activation"),
            "loss": w.Dropdown(options=list(LOSSES), value=s.loss, description="loss"),
            "seed": w.BoundedIntText(value=s.seed, min=-MAX_SEED, max=MAX_SEED, description="seed"),
            "lr": w.Dropdown(options=number_options(LR_CHOICES, s.lr), value=s.lr, description="learning rate"),
            "schedule": w.Dropdown(options=list(SCHEDULES), value=s.schedule, description="schedule"),
            "batch_mode": w.Dropdown(options=list(BATCH_MODES), value=batch_mode(s.batch_size), description="batch"),
            "batch_size": w.BoundedIntText(value=s.batch_size if s.batch_size and s.batch_size > 1 else 10, min=2,
                                           max=MAX_POINTS, description="batch size"),
            "l2": w.Dropdown(options=number_options(L2_CHOICES, s.l2), value=s.l2, description="L2"),
            "optimizer": w.Dropdown(options=list(OPTIMIZERS), value=s.optimizer, description="optimiser"),
        }
        for name, control in self.widgets.items():
            control.style.description_width = LABEL_WIDTH
            control.layout.width = CONTROL_WIDTH
            control.add_class(f"pg-control-{name}")
            control.observe(self._on_change, names="value")
        self._enable(s)

    def __getitem__(self, name: str) -> Any:
        """The control of one setting (and 'batch_mode', which with 'batch_size' sets the batch size)."""
        return self.widgets[name]

    def box(self, w: Any) -> Any:
        """The controls in three columns: the data, the network, the training."""
        c = self.widgets
        column = w.Layout(margin="0 12px 0 0")
        return w.HBox(
            [
                w.VBox([w.HTML("<b>Data</b>"), c["dataset"], c["n_points"], c["noise"], c["test_fraction"]], layout=column),
                w.VBox([w.HTML("<b>Network</b>"), c["hidden"], c["activation"], c["loss"], c["seed"]], layout=column),
                w.VBox([w.HTML("<b>Training</b>"), c["lr"], c["schedule"], c["batch_mode"], c["batch_size"], c["l2"],
                        c["optimizer"]], layout=column),
            ],
            layout=w.Layout(flex_flow="row wrap"),
        )

    def _enable(self, s: Settings) -> None:
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

    def show(self, s: Settings) -> None:
        """Make every control show these settings, without reporting the changes as the user's."""
        c = self.widgets
        self._syncing = True
        try:
            if s.dataset not in c["dataset"].options:
                c["dataset"].options = [*DATASETS, CUSTOM]
            for name in ("dataset", "n_points", "noise", "test_fraction", "activation", "loss", "seed", "schedule",
                         "optimizer"):
                c[name].value = getattr(s, name)
            try:
                shown = parse_hidden(c["hidden"].value)
            except (TypeError, ValueError):
                shown = None  # the box holds text that was refused; show the widths in use instead
            if shown != s.hidden:
                c["hidden"].value = _hidden_text(s.hidden)
            for name, choices in (("lr", LR_CHOICES), ("l2", L2_CHOICES)):
                value = getattr(s, name)
                if value not in [number for _, number in c[name].options]:
                    c[name].options = number_options(choices, value)
                c[name].value = value
            c["batch_mode"].value = batch_mode(s.batch_size)
            if s.batch_size is not None and s.batch_size > 1:
                c["batch_size"].value = s.batch_size
            self._enable(s)
        finally:
            self._syncing = False
