"""An MLP's forward pass written in PyTorch over a flat weight list, in our parameter order (each
neuron's weights, then its bias, layer by layer): the float64 oracle for whole training steps."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any


def mlp_forward(torch: Any, flat: Any, inputs: Any, sizes: Sequence[int]) -> Any:
    """The outputs (samples x sizes[-1]) of a tanh MLP whose weights are the tensor ``flat``."""
    values, position = inputs, 0
    for layer, (fan_in, width) in enumerate(pairwise(sizes)):
        block = flat[position : position + width * (fan_in + 1)].reshape(width, fan_in + 1)
        values = values @ block[:, :fan_in].T + block[:, fan_in]
        values = values if layer == len(sizes) - 2 else torch.tanh(values)
        position += width * (fan_in + 1)
    return values
