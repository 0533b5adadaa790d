"""nn: a small neural-network library on autograd_lite Values.

>>> from nn import MLP, SGD, fit, make_moons
>>> X, y = make_moons(100, noise=0.1, seed=1)
>>> model = MLP(2, [16, 16, 1], rng=1)
>>> history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), epochs=3, progress=False)

Modules and layered networks (``Neuron``, ``Layer``, ``MLP``), general feedforward ``Network``s
with skip connections, losses, optimisers, learning-rate schedules, ``fit``, toy data sets and
plots (matplotlib is imported only when a plot is drawn), and ``to_torch``/``from_torch`` to move a
model to PyTorch and back (torch is imported only when they are called). micrograd's demo loop
runs unchanged on ``MLP``.
"""

from .activations import ACTIVATIONS, leaky_relu
from .datasets import make_circles, make_moons, make_spirals, make_xor, parity, symmetry
from .layers import MLP, Layer, Neuron
from .losses import LOSSES, Loss, binary_cross_entropy, cross_entropy, hinge, l2, mse, sse
from .metrics import accuracy, predict
from .module import Module
from .network import Network, Unit
from .optim import SGD, Adam, AdamW, Optimizer
from .playground import Playground, playground
from .plots import hinton, plot_decision_boundary, plot_gradient_flow, plot_history, show_figure
from .schedules import Constant, InverseTime, LinearDecay, Reciprocal, Schedule, StepDecay
from .torch_bridge import from_torch, to_torch, to_torch_loss
from .train import History, fit, train_batch

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "Constant",
    "History",
    "InverseTime",
    "Layer",
    "LinearDecay",
    "Loss",
    "Module",
    "Network",
    "Neuron",
    "Optimizer",
    "Playground",
    "Reciprocal",
    "Schedule",
    "StepDecay",
    "Unit",
    "accuracy",
    "binary_cross_entropy",
    "cross_entropy",
    "fit",
    "from_torch",
    "hinge",
    "hinton",
    "l2",
    "leaky_relu",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "mse",
    "parity",
    "playground",
    "plot_decision_boundary",
    "plot_gradient_flow",
    "plot_history",
    "predict",
    "show_figure",
    "sse",
    "symmetry",
    "to_torch",
    "to_torch_loss",
    "train_batch",
]
