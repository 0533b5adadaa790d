"""nn.playground imports one way: only the packages (``nn``, ``nn.playground``, which export it)
import the ``Playground``, which hands everything else in nn.playground a ``PlaygroundState``, and
no helper imports, at module level, inside a function (a call-time import) or for type checking,
a module that leads back to it. (tests/test_import_graph.py checks that no module of autograd_lite
or nn imports itself round a circle.) The graph is grimp's (import-linter's own), which reads
every import statement of every module."""

from __future__ import annotations

import pytest

grimp = pytest.importorskip("grimp")


@pytest.fixture(scope="module")
def graph() -> object:
    return grimp.build_graph("nn", include_external_packages=False)


def test_only_the_packages_import_the_playground_module(graph: object) -> None:
    importers = graph.find_modules_that_directly_import("nn.playground.playground")  # type: ignore[attr-defined]
    assert importers == {"nn", "nn.playground"}


def test_the_helpers_import_no_module_that_imports_the_playground(graph: object) -> None:
    above = graph.find_upstream_modules("nn.playground.playground")  # type: ignore[attr-defined]
    helpers = {m for m in graph.modules if m.startswith("nn.playground.") and m != "nn.playground.playground"}  # type: ignore[attr-defined]
    assert helpers <= above  # each helper is below the Playground, reached from it
    for helper in helpers:
        assert "nn.playground.playground" not in graph.find_upstream_modules(helper), helper  # type: ignore[attr-defined]
