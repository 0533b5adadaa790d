"""Optimisers that update parameters from their ``.grad``: ``SGD`` (with Rumelhart's momentum,
or Nesterov's), ``Adam`` and ``AdamW``. Each has ``step()``, ``zero_grad()`` and ``reset()``, and
takes a fixed learning rate or a schedule from ``nn.schedules``.

Each optimiser's update is written twice, side by side: ``_update`` on the Values one by one, and
``_update_arrays``, the same expressions on whole numpy arrays, which ``fit(compiled=True)`` uses
while the weights live in arrays. The array copy does the same float operations in the same
order, so it gives the same bits (tests/nn/test_optim.py checks each copy against its original).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from autograd_lite import Value
from autograd_lite.text import describe

from .checks import check_positive, check_range, real_number
from .schedules import LearningRate, as_schedule

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Array = NDArray[Any]
else:
    Array = Any


class Optimizer:
    """Holds the parameters, the learning-rate schedule and the step count."""

    def __init__(self, params: Iterable[Value], lr: LearningRate) -> None:
        name = type(self).__name__
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(f"{name}: no parameters to optimise")
        for index, param in enumerate(self.params):
            if not isinstance(param, Value):
                raise TypeError(f"{name}: parameter {index} must be a Value, got {type(param).__name__}")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(f"{name}: a parameter is listed twice, so it would be updated twice")
        self.schedule = as_schedule(lr, name)
        self.steps = 0
        self.last_lr: float | None = None

    @property
    def lr(self) -> float:
        """The learning rate the next step will use."""
        return self._checked_lr()

    def _checked_lr(self, steps: int | None = None) -> float:
        """The schedule's rate at update ``steps`` (by default the next one), checked."""
        step = self.steps if steps is None else steps
        lr = self.schedule(step)
        number = real_number(lr)
        if number is None or not math.isfinite(number) or number < 0.0:
            raise ValueError(f"{type(self).__name__}: the schedule gave lr {describe(lr)} at step {step}")
        return number

    def zero_grad(self) -> None:
        """Forget every parameter's gradient."""
        for param in self.params:
            param.zero_grad()

    def step(self) -> float:
        """Update every parameter from its gradient; return the learning rate used.

        A NaN or infinite gradient raises FloatingPointError before any parameter changes.
        """
        grads = [param.grad for param in self.params]
        for index, g in enumerate(grads):
            if not math.isfinite(g):
                self._refuse_gradient(index, g)
        lr = self._checked_lr()
        self._update(lr, grads)
        self.steps += 1
        self.last_lr = lr
        return lr

    def reset(self) -> None:
        """Forget the step count and any running state (momentum, moments)."""
        self.steps = 0
        self.last_lr = None
        self._reset_state()

    def _refuse_gradient(self, index: int, gradient: float) -> None:
        label = self.params[index].label or f"parameter {index}"
        raise FloatingPointError(f"{type(self).__name__}.step: gradient of {label} is {gradient!r}")

    def _update(self, lr: float, grads: Sequence[float]) -> None:
        raise NotImplementedError

    def _reset_state(self) -> None:
        raise NotImplementedError

    # ---- the same step on whole arrays ----------------------------------------------------------

    def state(self) -> list[list[float]]:
        """The running state (momentum, moments), one list per kind, in the order of ``params``."""
        return []

    def load_state(self, state: Sequence[Sequence[float]]) -> None:
        """Take the running state that ``state()`` gave (after training on arrays)."""

    def array_step(self, weights: Array, grads: Array, state: Sequence[Array], steps: int) -> tuple[float, Array, list[Array]]:
        """``step()`` on numpy arrays in the order of ``params``, as if ``steps`` updates had run:
        (learning rate, new weights, new state). Changes nothing, neither the arrays nor the optimiser."""
        finite = abs(grads) < math.inf  # False exactly at inf and NaN
        if not finite.all():
            index = int((~finite).nonzero()[0][0])
            self._refuse_gradient(index, float(grads[index]))
        lr = self._checked_lr(steps)
        new_weights, new_state = self._update_arrays(lr, weights, grads, state, steps)
        return lr, new_weights, new_state

    def _update_arrays(
        self, lr: float, weights: Array, grads: Array, state: Sequence[Array], steps: int
    ) -> tuple[Array, list[Array]]:
        raise NotImplementedError

    def steps_arrays_as_values(self) -> bool:
        """Whether ``array_step`` does what ``step()`` does: ``step`` is the one written here, and
        the class that wrote ``_update`` wrote ``_update_arrays`` beside it (a subclass that
        changes only one of them would train differently on arrays)."""
        classes = type(self).__mro__

        def writer(method: str) -> type:
            return next(cls for cls in classes if method in vars(cls))

        return writer("step") is Optimizer and writer("_update_arrays") is writer("_update") is not Optimizer


class SGD(Optimizer):
    """Delta w(t) = -lr * (dE/dw + weight_decay * w) + momentum * Delta w(t-1); w += Delta w(t).

    This is the momentum of Rumelhart, Hinton & Williams (1986), with eta = lr and alpha =
    momentum. With a constant lr it equals PyTorch's SGD momentum. ``nesterov=True`` looks
    ahead: w += momentum * Delta w(t) - lr * (dE/dw + weight_decay * w), PyTorch's Nesterov
    momentum for a constant lr.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = check_range(momentum, "momentum", "SGD", 0.0, 1.0, high_open=True)
        self.weight_decay = check_positive(weight_decay, "weight_decay", "SGD", allow_zero=True)
        if not isinstance(nesterov, bool):
            raise TypeError(f"SGD: nesterov must be True or False, got {type(nesterov).__name__}")
        if nesterov and self.momentum == 0.0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.nesterov = nesterov
        self._reset_state()

    def _reset_state(self) -> None:
        self.deltas = [0.0] * len(self.params)

    def _update(self, lr: float, grads: Sequence[float]) -> None:
        momentum, decay, deltas, nesterov = self.momentum, self.weight_decay, self.deltas, self.nesterov
        for index, (param, g) in enumerate(zip(self.params, grads, strict=True)):
            w = param.data
            step = -lr * (g + decay * w)
            delta = step + momentum * deltas[index]
            deltas[index] = delta
            param.data = w + (step + momentum * delta if nesterov else delta)

    def _update_arrays(
        self, lr: float, weights: Array, grads: Array, state: Sequence[Array], steps: int
    ) -> tuple[Array, list[Array]]:
        """``_update`` on arrays: the same expressions, element by element."""
        (deltas,) = state
        step = -lr * (grads + self.weight_decay * weights)
        delta = step + self.momentum * deltas
        return weights + (step + self.momentum * delta if self.nesterov else delta), [delta]

    def state(self) -> list[list[float]]:
        """[Delta w(t-1)] per parameter."""
        return [list(self.deltas)]

    def load_state(self, state: Sequence[Sequence[float]]) -> None:
        """Take [Delta w(t-1)] from ``state()``."""
        (self.deltas,) = (list(part) for part in state)

    def __repr__(self) -> str:
        nesterov = ", nesterov=True" if self.nesterov else ""
        return f"SGD(lr={self.schedule!r}, momentum={self.momentum!r}, weight_decay={self.weight_decay!r}{nesterov})"


class Adam(Optimizer):
    """Kingma & Ba (2015): running means of g and g**2 with bias correction;
    w -= lr * m_hat / (sqrt(v_hat) + eps). ``weight_decay`` adds weight_decay * w to g (L2)."""

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        if not isinstance(betas, tuple) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair of numbers in [0, 1), got {describe(betas)}")
        self.betas = (
            check_range(betas[0], "betas[0]", name, 0.0, 1.0, high_open=True),
            check_range(betas[1], "betas[1]", name, 0.0, 1.0, high_open=True),
        )
        self.eps = check_positive(eps, "eps", name)
        self.weight_decay = check_positive(weight_decay, "weight_decay", name, allow_zero=True)
        self._reset_state()

    def _reset_state(self) -> None:
        self.first = [0.0] * len(self.params)
        self.second = [0.0] * len(self.params)

    def _constants(self, lr: float, steps: int) -> tuple[float, float, float, float]:
        """(bias correction 1, bias correction 2, weight shrink, coupled decay) for update ``steps + 1``."""
        beta1, beta2 = self.betas
        t = steps + 1
        if self.decoupled_weight_decay:
            return 1.0 - beta1**t, 1.0 - beta2**t, 1.0 - lr * self.weight_decay, 0.0
        return 1.0 - beta1**t, 1.0 - beta2**t, 1.0, self.weight_decay

    def _update(self, lr: float, grads: Sequence[float]) -> None:
        beta1, beta2 = self.betas
        correction1, correction2, shrink, coupled = self._constants(lr, self.steps)
        first, second, eps = self.first, self.second, self.eps
        for index, (param, g) in enumerate(zip(self.params, grads, strict=True)):
            w = param.data
            g = g + coupled * w
            m = beta1 * first[index] + (1.0 - beta1) * g
            v = beta2 * second[index] + (1.0 - beta2) * g * g
            first[index] = m
            second[index] = v
            param.data = w * shrink - lr * (m / correction1) / (math.sqrt(v / correction2) + eps)

    def _update_arrays(
        self, lr: float, weights: Array, grads: Array, state: Sequence[Array], steps: int
    ) -> tuple[Array, list[Array]]:
        """``_update`` on arrays: the same expressions, element by element (sqrt is exact in both)."""
        import numpy as np  # only reached with numpy installed: the weights are numpy arrays

        beta1, beta2 = self.betas
        correction1, correction2, shrink, coupled = self._constants(lr, steps)
        first, second = state
        g = grads + coupled * weights
        m = beta1 * first + (1.0 - beta1) * g
        v = beta2 * second + (1.0 - beta2) * g * g
        return weights * shrink - lr * (m / correction1) / (np.sqrt(v / correction2) + self.eps), [m, v]

    def state(self) -> list[list[float]]:
        """[first moments, second moments] per parameter."""
        return [list(self.first), list(self.second)]

    def load_state(self, state: Sequence[Sequence[float]]) -> None:
        """Take [first moments, second moments] from ``state()``."""
        self.first, self.second = (list(part) for part in state)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(lr={self.schedule!r}, betas={self.betas!r}, eps={self.eps!r}, "
            f"weight_decay={self.weight_decay!r})"
        )


class AdamW(Adam):
    """Loshchilov & Hutter (2019): Adam with decoupled weight decay, w -= lr * weight_decay * w
    before the Adam step, so the decay does not pass through the adaptive scaling."""

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)
