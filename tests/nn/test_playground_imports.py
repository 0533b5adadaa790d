"""nn imports one way: no module of it imports, at module level, inside a function (a call-time
import) or for type checking, a module that imports it back, however long the way round; and
only the packages (``nn``, ``nn.playground``, which export it) import the ``Playground``, which
hands everything else in nn.playground a ``PlaygroundState``. The graph is grimp's (import-linter's own), which reads every import
statement of every module."""

from __future__ import annotations

import graphlib

import pytest

grimp = pytest.importorskip("grimp")


@pytest.fixture(scope="module")
def graph() -> object:
    return grimp.build_graph("nn", include_external_packages=False)


def test_no_module_of_nn_imports_itself_round_a_circle(graph: object) -> None:
    order: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for module in graph.modules:  # type: ignore[attr-defined]
        order.add(module, *graph.find_modules_directly_imported_by(module))  # type: ignore[attr-defined]
    try:
        order.prepare()
    except graphlib.CycleError as error:
        circle = " -> ".join(error.args[1])
        pytest.fail(f"an import circle: {circle}")


def test_only_the_packages_import_the_playground_module(graph: object) -> None:
    importers = graph.find_modules_that_directly_import("nn.playground.playground")  # type: ignore[attr-defined]
    assert importers == {"nn", "nn.playground"}


def test_the_helpers_import_no_module_that_imports_the_playground(graph: object) -> None:
    above = graph.find_upstream_modules("nn.playground.playground")  # type: ignore[attr-defined]
    helpers = {m for m in graph.modules if m.startswith("nn.playground.") and m != "nn.playground.playground"}  # type: ignore[attr-defined]
    assert helpers <= above  # each helper is below the Playground, reached from it
    for helper in helpers:
        assert "nn.playground.playground" not in graph.find_upstream_modules(helper), helper  # type: ignore[attr-defined]
