"""The Value type: what it accepts, what it exposes, and how it compares and prints."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value


@given(st.one_of(st.integers(-(10**300), 10**300), st.floats(allow_nan=False)))
def test_real_numbers_are_stored_as_float(x: float) -> None:
    v = Value(x)
    assert type(v.data) is float and v.data == float(x)
    assert v.grad == 0.0 and v.label == "" and v.op == "" and v.parents == () and v.local_grads == ()


@pytest.mark.parametrize(
    "data", [Fraction(1, 3), Decimal("2.5"), np.float64(1.25), np.float32(0.5), np.int64(7)]
)
def test_anything_with_float_is_accepted(data: object) -> None:
    assert Value(data).data == float(data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "type_name"),
    [(True, "bool"), ("1.0", "str"), (1 + 2j, "complex"), (None, "NoneType"), ([1.0], "list"), (np.bool_(True), "bool")],
)
def test_non_real_data_is_a_type_error_naming_the_type(data: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name):
        Value(data)


def test_a_value_is_not_data_for_another_value() -> None:
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1.0))


def test_huge_int_is_an_overflow_error_without_printing_it() -> None:
    with pytest.raises(OverflowError, match="digits") as info:
        Value(10**400)
    assert len(str(info.value)) < 200


def test_nan_and_inf_are_accepted_as_data() -> None:
    assert math.isnan(Value(math.nan).data)
    assert Value(-math.inf).data == -math.inf


def test_data_and_grad_are_writable_and_validated() -> None:
    v = Value(1.0, label="w")
    v.data = 2
    v.grad = 0.5
    assert (v.data, v.grad, v.grad_reached) == (2.0, 0.5, True)
    with pytest.raises(TypeError, match="str"):
        v.data = "3"
    v.zero_grad()
    assert v.grad == 0.0 and not v.grad_reached


def test_structure_is_read_only() -> None:
    a = Value(2.0)
    b = a * a
    for attribute in ("op", "parents", "local_grads"):
        with pytest.raises(AttributeError):
            setattr(b, attribute, None)


def test_parents_keep_operand_order_and_repeats() -> None:
    a, b = Value(2.0, "a"), Value(3.0, "b")
    assert (a * a).parents == (a, a)
    assert (a - b).parents == (a, b) and (b - a).parents == (b, a)
    assert (a * b).local_grads == (3.0, 2.0)
    assert (a * b).op == "*" and a.exp().op == "exp" and (-a).op == "neg"


def test_comparisons_use_data_and_return_bool() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (a <= 1) is True and (b > 1.5) is True and (b >= b) is True
    assert (a > b) is False


def test_equality_and_hash_are_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b, a}) == 2
    assert {a: 1}[a] == 1


def test_float_and_repr() -> None:
    v = Value(-12.0, label="f")
    assert float(v) == -12.0
    assert repr(v) == "Value(data=-12.0, grad=0.0, label='f')"
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0.0)"


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)  # type: ignore[arg-type]


@pytest.mark.parametrize("other", ["x", None, [1.0], 1j, True])
def test_operators_refuse_non_numbers_naming_the_op(other: object) -> None:
    v = Value(1.0)
    with pytest.raises(TypeError, match=r"\+|unsupported"):
        v + other  # type: ignore[operator]
    with pytest.raises(TypeError):
        other * v  # type: ignore[operator]


def test_numpy_scalars_on_the_left_make_values() -> None:
    v = Value(2.0)
    out = np.float64(3.0) * v
    assert isinstance(out, Value) and out.data == 6.0
