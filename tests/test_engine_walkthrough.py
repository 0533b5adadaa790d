"""The README's "How the engine works" reads as the code does: every function it names on the way
from ``x * y`` to ``x.grad`` exists in the file it names, and the path is the one the code takes."""

from __future__ import annotations

import re
from pathlib import Path

from autograd_lite import Value, engine, graph, ops, value

ROOT = Path(__file__).resolve().parent.parent
SECTION = (ROOT / "README.md").read_text(encoding="utf-8").split("## How the engine works", 1)[1].split("\n## ", 1)[0]


def test_the_walk_goes_through_three_files() -> None:
    files = set(re.findall(r"\[`(\w+\.py)`\]\(autograd_lite/\w+\.py\)", SECTION))
    assert files == {"value.py", "ops.py", "engine.py"}


def test_every_function_named_on_the_way_is_where_the_walk_says() -> None:
    named = {"_operator": value, "make_node": value, "ops.MUL": ops, "engine.backward": engine,
             "chain_rule_pass": engine, "graph.topological_order": graph}  # fmt: skip
    for name, module in named.items():
        assert re.search(rf"`{re.escape(name)}[`(]", SECTION), name
        assert hasattr(module, name.rpartition(".")[2]), (module.__name__, name)


def test_x_times_y_is_the_rule_of_star_and_its_gradient_is_y() -> None:
    x, y = Value(3.0), Value(-2.0)
    f = x * y
    assert f.rule is ops.MUL and ops.OPS["*"] is ops.MUL
    assert f.operands == (x, y) and f.local_grads == (-2.0, 3.0)  # d f/dx = y, d f/dy = x
    assert Value.__mul__.__doc__ == ops.mul.__doc__  # the method made from the rule
    f.backward()
    assert x.grad == y.data and y.grad == x.data
