"""``Module``: the base of every model. It lets you list parameters under stable dotted names,
zero their gradients, re-draw them, and save or load them as JSON.

A subclass says what it holds by overriding two small methods: ``named_children()`` (its
sub-modules, e.g. ``("layers.0", layer)``) and ``own_parameters()`` (its own Values, e.g.
``("w.0", w0)``). Everything else, including the dotted names, is derived from those.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from autograd_lite import Value

from . import checkpoint
from .initializers import RngLike, Sampler, make_rng

Inputs = Sequence[Value | float]
Output = Value | list[Value]
ModuleT = TypeVar("ModuleT", bound="Module")


class Module:
    """A model or a part of one: parameters, names, gradients, state and files."""

    # What a module is to the pictures: one neuron (its own parameters), one layer of neurons
    # (its children), or neither. ``neuron_layout`` reads these; nothing else does.
    is_neuron: ClassVar[bool] = False
    is_layer: ClassVar[bool] = False

    def __call__(self, x: Inputs) -> Output:
        """The output for one input vector."""
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")

    # ---- what a subclass declares ---------------------------------------------------------

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules, each with its name relative to this module."""
        return iter(())

    def own_parameters(self) -> Iterator[tuple[str, Value]]:
        """The Values this module holds itself (not through a child), with relative names."""
        return iter(())

    def reset_own_parameters(self, rng: Sampler) -> None:
        """Draw this module's own parameters again, in place (Values keep their identity)."""

    # ---- derived ----------------------------------------------------------------------------

    def named_modules(self) -> Iterator[tuple[str, Module]]:
        """(dotted_name, module) for this module ("") and every module below it, parents first."""
        stack: list[tuple[str, Module]] = [("", self)]
        while stack:
            name, module = stack.pop()
            yield name, module
            children = [(f"{name}.{child}" if name else child, sub) for child, sub in module.named_children()]
            stack.extend(reversed(children))

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """(dotted_name, Value) for every parameter, e.g. ``layers.0.neurons.3.w.1``, in a fixed order."""
        for prefix, module in self.named_modules():
            for name, value in module.own_parameters():
                yield (f"{prefix}.{name}" if prefix else name), value

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of ``named_parameters()``."""
        return [value for _, value in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many scalar parameters the model has."""
        return sum(1 for _ in self.named_parameters())

    def zero_grad(self) -> None:
        """Forget every parameter's gradient, before the next backward pass."""
        for _, value in self.named_parameters():
            value.zero_grad()

    def reset_parameters(self, rng: RngLike = None) -> None:
        """Draw every parameter again with each module's own initialiser (used by restarts)."""
        sampler = make_rng(rng, f"{type(self).__name__}.reset_parameters")
        for _, module in self.named_modules():
            module.reset_own_parameters(sampler)

    def neuron_layout(self) -> list[tuple[str, str | None, tuple[Value, ...]]]:
        """Each neuron, for pictures: (dotted name, the name of its layer or None, its parameters)."""
        entries: list[tuple[str, str | None, tuple[Value, ...]]] = []
        stack: list[tuple[str, Module, str | None]] = [("", self, None)]
        while stack:
            name, module, layer = stack.pop()
            if module.is_layer:
                layer = name
            if module.is_neuron:
                entries.append((name, layer, tuple(value for _, value in module.own_parameters())))
            children = [(f"{name}.{child}" if name else child, sub, layer) for child, sub in module.named_children()]
            stack.extend(reversed(children))
        return entries

    def parameter_groups(self) -> dict[str, list[Value]]:
        """Parameters grouped by direct child (``layers.0``, ``units.h``), for gradient-flow charts."""
        groups: dict[str, list[Value]] = {}
        own = [value for _, value in self.own_parameters()]
        if own:
            groups["self"] = own
        for name, child in self.named_children():
            groups[name] = child.parameters()
        return groups

    # ---- state and files --------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by dotted name."""
        return {name: value.data for name, value in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object], strict: bool = True) -> None:
        """Set parameters from ``state``; on any bad key raise and leave the model unchanged.

        ``strict`` requires exactly the model's keys; otherwise missing keys keep their values
        and unknown keys are ignored.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping of names to numbers, got {type(state).__name__}")
        self._assign(checkpoint.validate_parameters(self._names(), state, strict, "load_state_dict"))

    def save(self, path: checkpoint.PathLike) -> None:
        """Write the parameters and the architecture to a JSON file, atomically."""
        architecture = repr(self)
        checkpoint.write_checkpoint(path, [(n, v.data) for n, v in self.named_parameters()], architecture)

    def load(self: ModuleT, path: checkpoint.PathLike, strict: bool = True) -> ModuleT:
        """Read parameters saved by ``save``; a bad file raises and leaves the model unchanged."""
        limit = checkpoint.size_limit(self._names(), repr(self))
        parameters, architecture = checkpoint.read_checkpoint(path, limit)
        where = f"load {str(path)!r}"
        values = checkpoint.validate_parameters(self._names(), parameters, strict, where)
        if strict and architecture != repr(self):
            # Same parameter names but another architecture: different activations, say.
            raise ValueError(
                f"{where}: key 'architecture': the file holds {architecture!r}, this model is {repr(self)!r}"
            )
        self._assign(values)
        return self

    def _names(self) -> list[str]:
        return [name for name, _ in self.named_parameters()]

    def _assign(self, values: Mapping[str, float]) -> None:
        for name, value in self.named_parameters():
            if name in values:
                value.data = values[name]

    # ---- display ----------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The one-line description inside ``ClassName(...)``."""
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


def describe_children(module: Module, header: str, children: Sequence[tuple[str, Any]]) -> str:
    """A multi-line repr: the header, then one indented line per child."""
    lines = [f"{type(module).__name__}({header}"]
    lines.extend(f"  ({name}): {child!r}" for name, child in children)
    lines.append(")")
    return "\n".join(lines)
