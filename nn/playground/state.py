"""A playground at one moment, as everything that draws it reads it: ``PlaygroundState`` holds
the settings, the points, the run's history and the latest weights and gradients, and nothing
that trains. The pictures, the saved page and one point's graph take a state, never the
``Playground`` itself, so the modules of ``nn.playground`` import one way: the ``Playground``
imports them, and none of them imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .data import Data
from .history import RunHistory, Snapshot
from .settings import PlaygroundSettings


@dataclass(frozen=True)
class PlaygroundState:
    """The settings, the points, the history and the weights of a run at one moment.

    ``history`` is the run's own record, which goes on growing if the run trains on; a state is
    read at once (the live view reads it under its lock), so its epochs match ``latest``.
    """

    settings: PlaygroundSettings
    data: Data
    history: RunHistory
    latest: Snapshot
    """The weights now and the gradient of the last update, in ``model.parameters()`` order."""
    has_custom_data: bool
    """Whether the user gave their own points (so 'custom' is one of the data sets)."""

    @property
    def epoch(self) -> int:
        """How many epochs the run had trained."""
        return self.latest.epoch
