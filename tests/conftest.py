"""Test settings: hypothesis without per-example deadlines (CI machines are noisy, and a slow
example is not a wrong one), and the repository root importable as ``tests``; the ``define``
fixture for tests that add ops to the global table."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import settings

from autograd_lite import OPS, Value, define_op

settings.register_profile("autograd-lite", deadline=None, print_blob=True)
settings.load_profile("autograd-lite")


@pytest.fixture
def define() -> Iterator[Callable[..., Callable[..., Value]]]:
    """``define_op`` for one test: every op it defines leaves the global table afterwards."""
    names: list[str] = []

    def define_for_this_test(name: str, *rules: Any, **options: Any) -> Callable[..., Value]:
        names.append(name)
        return define_op(name, *rules, **options)

    yield define_for_this_test
    for name in names:
        OPS.pop(name, None)
