"""Graduating to PyTorch: ``to_torch(model)`` turns a ``Neuron``, ``Layer``, ``MLP`` or ``Network``
into a ``torch.nn.Module`` with the same weights, outputs and gradients, ``from_torch(module)``
brings it back, and ``to_torch_loss(name)`` gives the PyTorch loss that computes the same number.

>>> import torch
>>> from nn import MLP, from_torch, to_torch
>>> net = to_torch(MLP(2, [16, 1], rng=0))   # Sequential(Linear(2, 16), ReLU(), Linear(16, 1)), float64
>>> back = from_torch(net)                    # an MLP again, with the same weights exactly

torch stays optional: importing ``nn`` does not import it; these functions import it when they
are called and, when it is missing, raise an ImportError that says how to install the CPU build.
The conversions live in ``torch_convert`` (the rules for each kind of model), ``torch_network``
(the module a ``Network`` becomes) and ``torch_losses``, which import torch when they are loaded.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from .losses import Loss
from .module import Module

if TYPE_CHECKING:
    import torch

INSTALL_CPU_BUILD = "pip install torch --index-url https://download.pytorch.org/whl/cpu"
"""The command that installs PyTorch's CPU build (a few hundred MB, not the CUDA gigabytes)."""


def _require_torch(where: str) -> None:
    """Import torch, or raise an ImportError that says how to install it."""
    try:
        importlib.import_module("torch")
    except ImportError as error:
        raise ImportError(
            f"{where} needs PyTorch, which is not installed; install the CPU build with: {INSTALL_CPU_BUILD}"
        ) from error


def to_torch(model: Module, *, dtype: torch.dtype | None = None) -> torch.nn.Module:
    """``model`` as a torch module with the same weights (float64 unless ``dtype`` says otherwise).

    A ``Neuron``, ``Layer`` or ``MLP`` becomes a ``torch.nn.Sequential`` of ``Linear`` and
    activation modules, as a PyTorch user writes it by hand: one ``Linear`` per layer (its weight's
    rows are the neurons, its columns the inputs, its bias one per neuron), followed by ``ReLU()``,
    ``Tanh()``, ``Sigmoid()`` or ``LeakyReLU(0.01)``, or by nothing for a linear layer. Its
    ``nn_class`` attribute names the class it was made from, so ``from_torch`` gives a ``Neuron``
    or a ``Layer`` back as one. A ``Network`` becomes a ``TorchNetwork``: one ``Linear(k, 1)`` and
    activation per unit, evaluated in the network's order, each reading its sources by name
    (inputs or earlier units, so skip connections too). Either module maps inputs of shape
    ``(..., nin)`` to outputs of shape ``(..., nout)``.

    Activations are the names of ``nn.ACTIVATIONS`` (or their functions, such as
    ``nn.leaky_relu``). A callable of your own is refused with its name, never traced: a trace
    on one Value cannot see a Python branch on ``x.data``, and a torch model that silently
    computes something else would be worse than none.
    """
    _require_torch("to_torch")
    from .torch_convert import model_to_torch

    return model_to_torch(model, dtype)


def from_torch(module: torch.nn.Module) -> Module:
    """The ``nn`` model that a torch module computes, with its weights copied as floats.

    Takes the ``Sequential``s and ``TorchNetwork``s that ``to_torch`` makes, and hand-written
    ``Sequential``s in which every ``Linear`` (with a bias) starts a layer and at most one
    activation follows it: ``ReLU``, ``Tanh``, ``Sigmoid``, ``LeakyReLU(0.01)``; a ``Linear``
    followed by another ``Linear`` or by nothing is a linear layer, and ``Identity`` is skipped.
    Such a ``Sequential`` becomes an ``MLP`` (a ``Neuron`` or ``Layer`` when its ``nn_class``
    attribute says it was made from one); a ``TorchNetwork`` becomes a ``Network``. Anything else
    is refused with an error that names the first module it cannot take. float64 weights come
    back exactly; other dtypes give their own values as floats.
    """
    _require_torch("from_torch")
    from .torch_convert import model_from_torch

    return model_from_torch(module)


def to_torch_loss(loss: str | Loss) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The PyTorch loss that gives the same number as the ``nn`` loss of this name, for outputs
    and targets of the same shape (class indices for ``cross_entropy``).

    ``mse``, ``binary_cross_entropy`` and ``cross_entropy`` are ``MSELoss()``,
    ``BCEWithLogitsLoss()`` and ``CrossEntropyLoss()``; ``sse`` is ``0.5 * MSELoss(reduction="sum")``
    and ``hinge``, which torch has no loss for, is ``relu(1 - y * s).mean()``, each as a function.
    """
    _require_torch("to_torch_loss")
    from .torch_losses import torch_loss

    return torch_loss(loss)
