"""One point's computation graph: the loss of a chosen training or test point at the current
weights, after backward, drawn by the project's own pictures with a box per neuron folded into
one node each (``draw_graph(loss, cluster=model, collapse="neuron")``).

The graph is built on a copy of the network, so its backward pass never touches the gradients
the training keeps on the real parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograd_lite import Graph, Value, draw_graph
from autograd_lite.text import describe

from ..layers import MLP
from ..losses import LOSSES
from .data import targets_for
from .settings import WHERE
from .trainer import make_model

if TYPE_CHECKING:
    from .playground import Playground


def chosen_point(pg: Playground, index: int, test: bool) -> tuple[list[float], int]:
    """The point ``index`` of the training (or test) points and its class, or an error naming the index."""
    X, y = (pg.data.test_X, pg.data.test_y) if test else (pg.data.train_X, pg.data.train_y)
    which = "test" if test else "training"
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(X):
        raise ValueError(f"{WHERE}.graph: index must be an int from 0 to {len(X) - 1} ({which} points), got {describe(index)}")
    return X[index], y[index]


def sample_loss(pg: Playground, index: int, test: bool = False) -> tuple[Value, MLP]:
    """The loss of one point, after backward, on a copy of the network at the current weights; and the copy."""
    point, label = chosen_point(pg, index, test)
    copy = make_model(pg.settings)
    copy.load_state_dict(pg.model.state_dict())
    inputs = [Value(point[0], "x0"), Value(point[1], "x1")]
    score = copy(inputs)
    assert isinstance(score, Value)  # one output unit
    score.label = "output"
    (target,) = targets_for(pg.settings.loss, [label])
    loss = LOSSES[pg.settings.loss](score, target)
    loss.label = f"loss of {'test' if test else 'training'} point {index}"
    loss.backward()
    return loss, copy


def sample_graph(pg: Playground, index: int, *, test: bool = False) -> Graph:
    """The picture of one point's loss graph with its gradients, one node per neuron."""
    loss, copy = sample_loss(pg, index, test)
    return draw_graph(loss, cluster=copy, collapse="neuron")
