"""The PyTorch loss for each ``nn`` loss, with the reduction that gives the same number: what
``nn.to_torch_loss`` hands out. The README's table "Graduating to PyTorch" lists the same pairs.

This file imports torch, so ``nn`` loads it only when a loss is asked for.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from autograd_lite.text import describe

from .losses import LOSSES, Loss

TorchLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def sse(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """E = 1/2 * sum (y_hat - y)**2, as 0.5 * MSELoss(reduction="sum")"""
    return 0.5 * torch.nn.functional.mse_loss(outputs, targets, reduction="sum")


def hinge(scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """mean relu(1 - y * score) with labels y in {-1, +1}; torch has no loss module for it"""
    return torch.relu(1.0 - labels * scores).mean()


def torch_loss(loss: str | Loss) -> TorchLoss:
    """The torch loss computing the same number as the nn loss named (see ``nn.to_torch_loss``)."""
    if isinstance(loss, Loss):
        if LOSSES.get(loss.name) is not loss:
            raise ValueError(
                f"to_torch_loss: {describe(loss)} is a loss of your own; write its torch version by hand"
            )
        loss = loss.name
    if not isinstance(loss, str):
        raise TypeError(f"to_torch_loss: expected a loss name or an nn Loss, got {type(loss).__name__}")
    if loss == "l2":
        raise ValueError(
            "to_torch_loss: l2 is a penalty, not a loss: add alpha * sum((p ** 2).sum() for p in "
            "module.parameters()), or give torch.optim.SGD weight_decay=2 * alpha"
        )
    if loss not in LOSSES:
        raise ValueError(f"to_torch_loss: unknown loss {describe(loss)}; choose from {', '.join(LOSSES)}")
    losses: dict[str, TorchLoss] = {
        "sse": sse,
        "mse": torch.nn.MSELoss(),
        "hinge": hinge,
        "binary_cross_entropy": torch.nn.BCEWithLogitsLoss(),
        "cross_entropy": torch.nn.CrossEntropyLoss(),
    }
    return losses[loss]
