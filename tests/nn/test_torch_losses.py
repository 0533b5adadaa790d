"""The site's table of nn losses (docs/guide/torch.md) and their PyTorch equivalents, row by row: each PyTorch
expression, read from that page itself, gives our loss's number and gradient on random outputs
and targets; ``to_torch_loss`` gives the same; l2 is torch SGD's weight_decay=2*alpha."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd_lite import Value
from nn import SGD, l2, to_torch_loss

torch = pytest.importorskip("torch")

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "torch.md"


def table_rows() -> dict[str, str]:
    """nn call -> PyTorch expression, from the first backticked text of the table's first two columns."""
    section = GUIDE.read_text(encoding="utf-8").split("# Graduating to PyTorch", 1)[1]
    rows = {}
    for line in section.splitlines():
        call = re.match(r"\| `(\w+\([^`]*\))` \| [^`]*`([^`]+)`", line)  # the header row has no call
        if call:
            rows[call.group(1)] = call.group(2)
    return rows


ROWS = table_rows()
LOSS_ROWS = {call: expression for call, expression in ROWS.items() if call.endswith("(s, y)")}


def test_the_table_has_a_row_for_every_loss_and_for_l2() -> None:
    assert sorted(call.split("(")[0] for call in ROWS) == sorted([*nn.LOSSES, "l2"])


def draw_case(name: str, data: st.DataObject) -> tuple[list[list[float]], Any]:
    """Random outputs (rows of a batch) and targets of the kind the loss takes."""
    width = data.draw(st.integers(2 if name == "cross_entropy" else 1, 4))
    rows = data.draw(st.integers(1, 5))
    outputs = data.draw(
        st.lists(st.lists(st.floats(-5.0, 5.0), min_size=width, max_size=width), min_size=rows, max_size=rows)
    )
    if name == "cross_entropy":
        return outputs, data.draw(st.lists(st.integers(0, width - 1), min_size=rows, max_size=rows))
    target = {"hinge": st.sampled_from([-1.0, 1.0]), "binary_cross_entropy": st.floats(0.0, 1.0)}.get(
        name, st.floats(-5.0, 5.0)
    )
    return outputs, data.draw(
        st.lists(st.lists(target, min_size=width, max_size=width), min_size=rows, max_size=rows)
    )


def assert_close(ours: float, theirs: float, what: str) -> None:
    # 1e-12 relative, or absolute for a number that is a difference cancelling to near zero
    assert math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12), (
        f"{what}: ours {ours!r}, torch {theirs!r}"
    )


@pytest.mark.parametrize("call", sorted(LOSS_ROWS))
@given(data=st.data())
def test_each_rows_pytorch_expression_gives_our_loss_and_gradient(call: str, data: st.DataObject) -> None:
    name = call.split("(")[0]
    outputs, targets = draw_case(name, data)
    s = [[Value(x) for x in row] for row in outputs]
    ours = nn.LOSSES[name](s, targets)
    ours.backward()
    s_torch = torch.tensor(outputs, dtype=torch.float64, requires_grad=True)
    y_torch = torch.tensor(targets) if name == "cross_entropy" else torch.tensor(targets, dtype=torch.float64)
    theirs = eval(LOSS_ROWS[call], {"torch": torch, "s": s_torch, "y": y_torch})
    theirs.backward()
    assert_close(ours.data, theirs.item(), call)
    for value, grad in zip([v for row in s for v in row], s_torch.grad.flatten().tolist(), strict=True):
        assert_close(value.grad, grad, f"d {call} / d output")
    assert_close(to_torch_loss(name)(s_torch, y_torch).item(), theirs.item(), f"to_torch_loss({name!r})")


@given(
    st.lists(st.floats(-3.0, 3.0), min_size=1, max_size=6),
    st.floats(0.0, 1.0),
    st.floats(1e-3, 1.0),
)
def test_l2_is_the_rows_sum_and_torch_sgds_weight_decay_of_twice_alpha(
    weights: list[float], alpha: float, lr: float
) -> None:
    row = next(expression for call, expression in ROWS.items() if call.startswith("l2("))
    assert "weight_decay=2 * alpha" in GUIDE.read_text(encoding="utf-8").split(row, 1)[1].splitlines()[0]
    ours = [Value(w) for w in weights]
    penalty = l2(ours, alpha)
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    assert_close(penalty.data, eval(row, {"alpha": alpha, "params": params}).item(), "l2")
    # One SGD step on the penalty alone here, on a zero loss with weight_decay=2*alpha in torch.
    penalty.backward()
    SGD(ours, lr=lr).step()
    torch_sgd = torch.optim.SGD(params, lr=lr, weight_decay=2 * alpha)
    for p in params:
        p.grad = torch.zeros_like(p)
    torch_sgd.step()
    for value, p in zip(ours, params, strict=True):
        assert_close(value.data, p.item(), "weight after one step")


def test_l2_and_unknown_names_have_no_torch_loss() -> None:
    with pytest.raises(
        ValueError, match=r"to_torch_loss: l2 is a penalty, not a loss: .*weight_decay=2 \* alpha"
    ):
        to_torch_loss("l2")
    with pytest.raises(ValueError, match=r"to_torch_loss: unknown loss 'hinj'; choose from sse, mse, hinge"):
        to_torch_loss("hinj")
    own = nn.Loss("mine", lambda outputs, targets: Value(0.0), reduction="mean", accuracy=None)
    with pytest.raises(
        ValueError, match=r"to_torch_loss: Loss\('mine', reduction='mean'\) is a loss of your own"
    ):
        to_torch_loss(own)
    with pytest.raises(TypeError, match=r"to_torch_loss: expected a loss name or an nn Loss, got int"):
        to_torch_loss(3)  # type: ignore[arg-type]
    assert to_torch_loss(nn.hinge) is to_torch_loss("hinge")
