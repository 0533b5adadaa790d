"""The worked example of the classic texts, built the same way for every test that draws or
checks it: x = -2, y = 5, z = -4, q = x + y, f = q * z (df/dx = df/dy = -4, df/dz = 3)."""

from __future__ import annotations

from autograd_lite import Value


def worked_example() -> tuple[Value, Value, Value, Value, Value]:
    """x, y, z, q and f, labelled as the texts name them."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return x, y, z, q, f
