"""One point's computation graph: the loss of a chosen training or test point at a state's
weights, after backward, drawn by the project's own pictures with a box per neuron folded into
one node each (``draw_graph(loss, cluster=model, collapse="neuron")``). Its leaves are the
point's features, named as the network view names them.

The graph is built on a network of its own, loaded with the state's weights, so its backward
pass never touches the gradients the training keeps on the real parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograd_lite import Graph, Value, draw_graph
from autograd_lite.text import describe

from ..layers import MLP
from ..losses import LOSSES
from .data import targets_for
from .features import feature_rows
from .settings import WHERE
from .trainer import make_model

if TYPE_CHECKING:
    from .state import PlaygroundState


def chosen_point(state: PlaygroundState, index: int, test: bool) -> tuple[list[float], float]:
    """The point ``index`` of the training (or test) points and its class (or target), or an error naming the index."""
    X, y = (state.data.test_X, state.data.test_y) if test else (state.data.train_X, state.data.train_y)
    which = "test" if test else "training"
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(X):
        raise ValueError(f"{WHERE}.graph: index must be an int from 0 to {len(X) - 1} ({which} points), got {describe(index)}")
    return X[index], y[index]


def sample_loss(state: PlaygroundState, index: int, test: bool = False) -> tuple[Value, MLP]:
    """The loss of one point, after backward, on a network of its own at the state's weights; and that network."""
    point, label = chosen_point(state, index, test)
    settings = state.settings
    copy = make_model(settings)
    for param, weight in zip(copy.parameters(), state.latest.weights, strict=True):
        param.data = weight
    (row,) = feature_rows([point], settings.features)
    inputs = [Value(number, name) for number, name in zip(row, settings.features, strict=True)]
    score = copy(inputs)
    assert isinstance(score, Value)  # one output unit
    score.label = "output"
    (target,) = targets_for(settings.loss, [label])
    loss = LOSSES[settings.loss](score, target)
    loss.label = f"loss of {'test' if test else 'training'} point {index}"
    loss.backward()
    return loss, copy


def sample_graph(state: PlaygroundState, index: int, *, test: bool = False) -> Graph:
    """The picture of one point's loss graph with its gradients, one node per neuron."""
    loss, copy = sample_loss(state, index, test)
    return draw_graph(loss, cluster=copy, collapse="neuron")
