"""General feedforward Networks: descriptions, evaluation order, rejected descriptions, and
XOR learnt with one hidden unit and direct input-to-output connections."""

from __future__ import annotations

import math

import pytest

from autograd_lite import Value
from nn import SGD, Network, Unit, fit, make_xor, predict

XOR_UNITS = [Unit("h", ["x1", "x2"]), Unit("y", ["x1", "x2", "h"])]


def test_units_may_be_listed_in_any_order() -> None:
    net = Network(["x1", "x2"], [Unit("y", ["x1", "x2", "h"]), Unit("h", ["x1", "x2"])], rng=0)
    assert net.order == ["h", "y"]
    assert net.outputs == ["y"]
    a = net.activations([1.0, 0.0])
    h = 1 / (1 + math.exp(-(net.units["h"].w[0].data + net.units["h"].b.data)))
    wy = net.units["y"].w
    expected = 1 / (1 + math.exp(-(wy[0].data + wy[2].data * h + net.units["y"].b.data)))
    assert a["h"].data == pytest.approx(h, rel=1e-12)
    assert a["y"].data == pytest.approx(expected, rel=1e-12)


def test_where_the_order_is_free_the_listed_order_decides() -> None:
    # b and a both read only inputs, so either may come first: b is listed first. c reads a.
    net = Network(["x"], [Unit("c", ["a"]), Unit("b", ["x"]), Unit("a", ["x"])], rng=0)
    assert net.order == ["b", "a", "c"]


def test_default_outputs_are_the_units_nobody_reads_and_several_give_a_list() -> None:
    net = Network(2, [Unit("h", ["x0", "x1"]), Unit("p", ["h"]), Unit("q", ["h", "x0"], "linear")], rng=0)
    assert net.inputs == ["x0", "x1"] and net.outputs == ["p", "q"]
    out = net([0.5, 0.5])
    assert isinstance(out, list) and len(out) == 2
    chosen = Network(2, [Unit("h", ["x0", "x1"]), Unit("p", ["h"])], outputs=["h", "p"], rng=0)
    assert chosen.outputs == ["h", "p"]


def test_inputs_may_be_values_and_gradients_reach_them() -> None:
    net = Network(["a"], [Unit("y", ["a"], "linear")], rng=0)
    x = Value(3.0)
    out = net([x])
    assert isinstance(out, Value)
    out.backward()
    assert x.grad == net.units["y"].w[0].data


def test_tuples_are_accepted_as_units() -> None:
    net = Network(["a", "b"], [("h", ["a", "b"], "tanh"), ("y", ("h",))], rng=0)
    assert net.units["h"].activation.name == "tanh" and net.units["y"].activation.name == "sigmoid"


@pytest.mark.parametrize(
    ("inputs", "units", "outputs", "message"),
    [
        (["a"], [Unit("h", ["a", "h"])], None, "cycle: h -> h"),
        (["a"], [Unit("p", ["a", "q"]), Unit("q", ["p"])], None, "cycle: (p -> q -> p|q -> p -> q)"),
        (["a"], [Unit("p", ["a", "r"]), Unit("q", ["p"]), Unit("r", ["q"]), Unit("s", ["p"])], None, "cycle"),
        (["a"], [Unit("h", ["a", "b"])], None, "unit 'h' reads from unknown name 'b'"),
        (["a"], [Unit("h", [])], None, "unit 'h' has no inputs"),
        (["a"], [Unit("h", ["a"]), Unit("h", ["a"])], None, "name 'h' is used twice"),
        (["a"], [Unit("a", ["a"])], None, "name 'a' is used twice"),
        (["a", "a"], [Unit("h", ["a"])], None, "input names repeat"),
        (["a"], [Unit("h", ["a", "a"])], None, "lists a source twice"),
        (["a"], [Unit("h.1", ["a"])], None, "without dots"),
        (["a"], [Unit("h", ["a"])], ["z"], "output 'z' is not a unit"),
        (["a"], [Unit("h", ["a"])], ["a"], "output 'a' is not a unit"),
        (["a"], [Unit("h", ["a"], "swish")], None, "unknown activation 'swish'"),
        ([], [Unit("h", ["a"])], None, "inputs must be a non-empty list"),
        (["a"], [], None, "units must be a non-empty list"),
    ],
)
def test_bad_descriptions_are_rejected_by_name(
    inputs: list[str], units: list[Unit], outputs: list[str] | None, message: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        Network(inputs, units, outputs)


def test_xor_with_one_hidden_unit_and_skip_connections_is_learnt() -> None:
    X, y = make_xor(labels=(0, 1))
    for seed in (0, 1, 2):
        net = Network(["x1", "x2"], XOR_UNITS, rng=seed)

        def learnt(epoch: int, history: object, net: Network = net) -> bool:
            return max(abs(o - t) for o, t in zip(predict(net, X), y, strict=True)) < 0.1  # type: ignore[operator]

        history = fit(
            net, X, y, loss="sse", optimizer=SGD(net.parameters(), lr=0.5, momentum=0.9),
            epochs=2000, progress=False, callbacks=[learnt],
        )
        assert history.stop_reason == "callback", seed
        assert history.accuracy[-1] == 1.0
        # The hidden unit must be used: with its connection cut, a single sigmoid unit over the
        # inputs cannot compute XOR (it is not linearly separable), so some output goes wrong.
        net.units["y"].w[2].data = 0.0
        assert max(abs(o - t) for o, t in zip(predict(net, X), y, strict=True)) > 0.5  # type: ignore[operator]


def test_number_inputs_become_one_shared_constant_each_labelled_by_name() -> None:
    net = Network(["x1", "x2"], XOR_UNITS, rng=0)
    values = net.activations([1.0, 0.0])
    assert values["x1"].is_constant and values["x1"].label == "x1" and values["x1"].data == 1.0
    dot_h, dot_y = values["h"].parents[0].parents[0], values["y"].parents[0].parents[0]
    assert values["x1"] in dot_h.parents and values["x1"] in dot_y.parents
    with pytest.raises(TypeError, match="Network: input 'x2' must be a number or a Value, got str"):
        net([1.0, "0"])  # type: ignore[list-item]


def test_unit_outputs_carry_their_names() -> None:
    from nn import Network, Unit

    net = Network(["a", "b"], [Unit("h", ["a", "b"], "tanh"), Unit("y", ["a", "h"], "sigmoid")], rng=0)
    values = net.activations([0.5, -1.0])
    assert values["h"].label == "h" and values["y"].label == "y"
    assert values["y"].op == "sigmoid" and values["h"].op == "tanh"
