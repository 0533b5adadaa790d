"""What a playground run has done: ``RunHistory`` keeps, for every epoch, the mean train and
test loss, the accuracies (None for a regression set), the learning rate and the update count,
plus a bounded set of snapshots of the weights and gradients from which the saved page redraws
any recorded epoch.

Epoch 0 is the state after a reset, before any update. Snapshots are thinned as the run grows:
above ``max_snapshots`` every other one is dropped and from then on only every second epoch is
kept, so a run of any length holds at most ``max_snapshots`` of them, evenly spread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_SNAPSHOTS = 1000


@dataclass(frozen=True)
class Snapshot:
    """The parameters (in ``model.parameters()`` order) after an epoch, and the last update's gradient."""

    epoch: int
    weights: tuple[float, ...]
    grads: tuple[float, ...]


@dataclass
class RunHistory:
    """Per-epoch numbers of one run (index i is epoch i), and snapshots for replaying it."""

    train_loss: list[float] = field(default_factory=list)
    """The mean loss per training point (without the L1 and L2 terms) after each epoch."""
    test_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float | None] = field(default_factory=list)
    """The share of training points classified right (None for a regression set)."""
    test_accuracy: list[float | None] = field(default_factory=list)
    lr: list[float | None] = field(default_factory=list)
    """The learning rate of the epoch's last update (None for epoch 0)."""
    updates: list[int] = field(default_factory=list)
    """How many updates were made up to the end of each epoch."""
    snapshots: list[Snapshot] = field(default_factory=list)
    max_snapshots: int = MAX_SNAPSHOTS
    snapshot_every: int = 1
    """Snapshots are kept for epochs that are multiples of this (it doubles at each thinning)."""

    @property
    def epochs(self) -> int:
        """The number of epochs trained (0 right after a reset)."""
        return len(self.train_loss) - 1

    def record(
        self,
        losses: tuple[float, float],
        accuracies: tuple[float | None, float | None],
        lr: float | None,
        updates: int,
        snapshot: Snapshot,
    ) -> None:
        """Add one epoch's numbers, and its snapshot when the epoch is one that is kept."""
        self.train_loss.append(losses[0])
        self.test_loss.append(losses[1])
        self.train_accuracy.append(accuracies[0])
        self.test_accuracy.append(accuracies[1])
        self.lr.append(lr)
        self.updates.append(updates)
        if snapshot.epoch % self.snapshot_every == 0:
            self.snapshots.append(snapshot)
        if len(self.snapshots) > self.max_snapshots:
            self.snapshot_every *= 2
            self.snapshots = [s for s in self.snapshots if s.epoch % self.snapshot_every == 0]

    def replace_last(
        self, losses: tuple[float, float], accuracies: tuple[float | None, float | None], snapshot: Snapshot
    ) -> None:
        """Give the last epoch other numbers and weights (a weight typed in by hand changes the state shown)."""
        self.train_loss[-1], self.test_loss[-1] = losses
        self.train_accuracy[-1], self.test_accuracy[-1] = accuracies
        if self.snapshots and self.snapshots[-1].epoch == snapshot.epoch:
            self.snapshots[-1] = snapshot
