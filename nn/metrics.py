"""Score a model: ``predict`` gives its outputs as floats without building a graph, and
``accuracy`` counts the samples it classifies right under one of four rules:

- 'sign': labels -1/+1, the class is the sign of the score (hinge loss, micrograd's demo);
- 'threshold': labels 0/1, an output > 0.5 means 1 (sigmoid outputs trained with sse or mse);
- 'logit': labels 0/1, an output > 0 means 1 (binary cross-entropy on logits);
- 'argmax': a class index, the largest output wins (cross-entropy).

A sample with several outputs (and a list of targets) is right when every output is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd_lite import Value, no_grad
from autograd_lite.text import describe

from .checks import real_number
from .module import Module, Output

FloatOutput = float | list[float]
RULES = ("sign", "threshold", "logit", "argmax")


def _flat(targets: Sequence[Any]) -> list[Any]:
    flat: list[Any] = []
    for target in targets:
        if isinstance(target, Sequence) and not isinstance(target, str):
            flat.extend(target)
        else:
            flat.append(target)
    return flat


def infer_rule(targets: Sequence[Any]) -> str | None:
    """'threshold' when every target is 0 or 1, 'sign' when every target is -1 or +1, else None."""
    values = set(_flat(targets))
    if values <= {0, 1}:
        return "threshold"
    if values <= {-1, 1}:
        return "sign"
    return None


def check_rule(rule: str | None, where: str) -> str | None:
    """The rule itself, 'auto' or None; anything else is an error."""
    if rule is not None and rule != "auto" and rule not in RULES:
        raise ValueError(f"{where}: unknown accuracy rule {describe(rule)}; choose from 'auto', {', '.join(map(repr, RULES))} or None")
    return rule


def _positive_class(rule: str, output: float) -> bool:
    if rule == "threshold":
        return output > 0.5
    return output > 0.0


def _target_class(rule: str, target: object) -> bool:
    number = real_number(target)
    if number is None:
        raise TypeError(f"accuracy: a target must be a number, got {type(target).__name__} {describe(target)}")
    return number > 0.0 if rule == "sign" else number > 0.5


def is_correct(rule: str, output: FloatOutput, target: Any) -> bool:
    """Whether one sample's output gets its target right under ``rule``."""
    if rule == "argmax":
        if not isinstance(output, list):
            raise ValueError("accuracy: the 'argmax' rule needs several outputs per sample")
        best = max(range(len(output)), key=output.__getitem__)
        return best == int(target)
    if isinstance(output, list):
        if isinstance(target, str) or not isinstance(target, Sequence) or len(target) != len(output):
            raise ValueError(f"accuracy: {len(output)} outputs but the target is {describe(target)}")
        return all(_positive_class(rule, o) == _target_class(rule, t) for o, t in zip(output, target, strict=True))
    return _positive_class(rule, output) == _target_class(rule, target)


def expected_classes(rule: str, targets: Sequence[Any], width: int | None) -> list[Any]:
    """What ``correct_count`` compares with, per sample: the class index ('argmax'), or whether each
    output's target is the positive class (the other rules); refused as ``is_correct`` refuses."""
    if rule == "argmax":
        if width is None:
            raise ValueError("accuracy: the 'argmax' rule needs several outputs per sample")
        return [int(target) for target in targets]
    expected = []
    for target in targets:
        if width is None:
            expected.append([_target_class(rule, target)])
        elif isinstance(target, str) or not isinstance(target, Sequence) or len(target) != width:
            raise ValueError(f"accuracy: {width} outputs but the target is {describe(target)}")
        else:
            expected.append([_target_class(rule, t) for t in target])
    return expected


def correct_count(rule: str, outputs: Any, expected: Any) -> int:
    """``is_correct`` over a batch at once: ``outputs`` is a (samples x outputs) numpy array and
    ``expected`` the rows ``expected_classes`` gave for those samples, as an array."""
    if rule == "argmax":
        return int((outputs.argmax(axis=1) == expected).sum())
    positive = outputs > (0.5 if rule == "threshold" else 0.0)  # _positive_class, element by element
    return int((positive == expected).all(axis=1).sum())


def to_floats(output: Output) -> FloatOutput:
    """A model output as a float or a list of floats."""
    return output.data if isinstance(output, Value) else [value.data for value in output]


def predict(model: Module, X: Sequence[Sequence[float]]) -> list[FloatOutput]:
    """The model's output for every row of X, as floats, without recording a graph."""
    with no_grad():
        return [to_floats(model(row)) for row in X]


def accuracy(model: Module, X: Sequence[Sequence[float]], y: Sequence[Any], rule: str = "sign") -> float:
    """The fraction of rows of X whose output gets the label in y right under ``rule``."""
    if check_rule(rule, "accuracy") in (None, "auto"):
        raise ValueError(f"accuracy: rule must be one of {', '.join(map(repr, RULES))}, got {describe(rule)}")
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"accuracy: X has {len(X)} rows and y has {len(y)} labels")
    outputs = predict(model, X)
    return sum(is_correct(rule, out, target) for out, target in zip(outputs, y, strict=True)) / len(y)
