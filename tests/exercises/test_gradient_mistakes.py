"""check_gradients explains the mistake, not the rule: a wrong answer that is a known mistake is
said in words with the student's numbers, a gradient that splits above the node is walked up to
the split through the nodes nobody labelled (so a missing downstream term is pointed at), and
local derivatives never look like total ones. Every right number is worked out here by hand."""

from __future__ import annotations

import math

from autograd_lite import Value, check_gradients, dot
from tests.worked_example import worked_example

# The worked example by hand: q = x + y = 3, f = q z; df/dq = z = -4, df/dz = q = 3,
# df/dx = df/dy = df/dq * 1 = -4.
Q, Z = 3.0, -4.0


def lines_of(report: object) -> list[str]:
    return str(report).splitlines()


def test_a_total_derivative_never_stands_for_a_local_one() -> None:
    f = worked_example()[-1]
    for answers in ({"q": 3.0}, {"x": 1.0}, {"x": 7.0}, {"z": -3.0}, {"f": 1.0, "q": 2.0, "x": 2.0}):
        text = str(check_gradients(f, answers))
        assert "× d" not in text, text  # a factor after × is a number, a name or a local ∂
    assert "df/dq = df/df × (local ∂f/∂q) = 1 × z = -4; you wrote 3" in str(check_gradients(f, {"f": 1.0, "q": 3.0}))


def test_a_factors_own_value_at_a_product_is_named() -> None:
    f = worked_example()[-1]
    report = check_gradients(f, {"f": 1.0, "q": Q})  # q's own value where z belongs
    assert f"  WRONG  df/dq = 3: the engine gives {Z:g} (q's own value where z belongs)" in lines_of(report)
    assert (
        "At f = q * z you took q's own value, 3, as the local derivative ∂f/∂q; for a product it is the other "
        "factor, z = -4, so df/dq = -4." in str(report)
    )


def test_a_weights_own_value_at_a_dot_product_is_named() -> None:
    w1, w2, x1, x2 = Value(0.5, "w1"), Value(-1.5, "w2"), Value(2.0, "x1"), Value(3.0, "x2")
    h = dot([w1, w2], [x1, x2])
    h.label = "h"
    report = check_gradients(h, {"w2": -1.5})  # dh/dw2 = x2 = 3
    assert "w2's own value where x2 belongs" in str(report)
    assert "for a product it is the other factor, x2 = 3" in str(report)


def test_the_local_derivative_without_the_gradient_from_above_is_named() -> None:
    f = worked_example()[-1]
    report = check_gradients(f, {"x": 1.0})  # dq/dx = 1 alone, without df/dq = -4
    assert "  WRONG  df/dx = 1: the engine gives -4 (the local ∂q/∂x without df/dq)" in lines_of(report)
    assert (
        "Your 1 is the local derivative ∂q/∂x alone. The chain rule multiplies it by the gradient arriving from "
        "above, df/dq = -4: df/dx = (-4) × 1 = -4." in str(report)
    )


def test_one_use_of_a_value_used_twice_is_named_with_the_missing_term() -> None:
    x, y = Value(-2.0, "x"), Value(5.0, "y")
    p = x * y
    p.label = "p"
    f = p + x
    f.label = "f"
    # f = x y + x: df/dx = y + 1 = 6; through p the term is 1 * y = 5, through f it is 1 * 1 = 1.
    report = check_gradients(f, {"p": 1.0, "x": 5.0})
    assert "(the term through f is missing)" in lines_of(report)[2]
    assert "Your 5 counts only the term through p; the term through f (1) is missing." in str(report)
    other = check_gradients(f, {"x": 1.0})
    assert "Your 1 counts only the term through f; the term through p (5) is missing." in str(other)


def test_one_factor_of_a_square_is_named_by_its_place() -> None:
    a = Value(3.0, "a")
    b = a * a
    b.label = "b"
    report = check_gradients(b, {"a": 3.0})  # d(a a)/da = 2a = 6: each factor gives a = 3
    assert "counts only the term for operand 1 of b; the term for operand 2 of b (3) is missing" in str(report)


def test_a_sign_error_is_named() -> None:
    f = worked_example()[-1]
    report = check_gradients(f, {"x": 4.0})
    assert lines_of(report)[1] == "  WRONG  df/dx = 4: the engine gives -4 (the sign is wrong)"
    assert "Your 4 has the right size and the wrong sign: df/dx = -4." in str(report)


def test_a_mistake_is_judged_from_the_students_own_numbers_above() -> None:
    f = worked_example()[-1]
    # With the student's df/dq = 2, df/dx = 2 * 1 = 2: their -2 is a sign error at x itself.
    report = check_gradients(f, {"q": 2.0, "x": -2.0})
    assert "  WRONG  df/dx = -2: the engine gives -4 (the sign is wrong, from your df/dq = 2)" in lines_of(report)


def test_an_unknown_mistake_keeps_the_chain_rule_line_alone() -> None:
    f = worked_example()[-1]
    report = check_gradients(f, {"x": 7.0})
    assert lines_of(report) == [
        "check_gradients(f): the answer is wrong",
        "  WRONG  df/dx = 7: the engine gives -4",
        "The first wrong one, nearest the output, is df/dx:",
        "  df/dx = df/dq × (local ∂q/∂x) = (-4)* × 1 = -4; you wrote 7",
        "    (* you gave no number for this one, so this is the engine's)",
        "    q = x + y; the rule of +: a + b; d/da = 1, d/db = 1",
    ]


def hidden_unit_feeding_two() -> tuple[Value, dict[str, float]]:
    """Lesson 05's shape: the net input x_h2 of a hidden relu unit h2, which feeds the net inputs
    x_o1 (a linear output) and x_o2 (a sigmoid output) through products and sums nobody
    labelled; E = 1/2 ((x_o1 - 1)^2 + o2^2). Returns E and the two terms of dE/dx_h2, by hand."""
    x_h2 = Value(0.6165, "x_h2")
    h2 = x_h2.relu()
    h2.label = "h2"
    x_o1 = h2 * -0.7 + 0.05
    x_o1.label = "x_o1"
    x_o2 = h2 * 0.6 + 0.3
    x_o2.label = "x_o2"
    error = 0.5 * ((x_o1 - 1.0) ** 2 + x_o2.sigmoid() ** 2)
    error.label = "E"
    # By hand: relu'(0.6165) = 1; dE/dx_o1 = x_o1 - 1; dE/dx_o2 = o2 * o2 (1 - o2).
    o1_in, o2_in = 0.6165 * -0.7 + 0.05, 0.6165 * 0.6 + 0.3
    o2 = 1 / (1 + math.exp(-o2_in))
    return error, {"x_o1": (o1_in - 1.0) * -0.7, "x_o2": o2 * o2 * (1 - o2) * 0.6}


def test_a_missing_downstream_term_is_found_through_unlabelled_nodes() -> None:
    error, term = hidden_unit_feeding_two()
    report = check_gradients(error, {"x_h2": term["x_o1"]})  # the sum over D_h2 with one member
    text = str(report)
    assert "(the term through x_o2 is missing)" in lines_of(report)[1]
    assert "x_h2 reaches E through h2, which is used 2 times, so dE/dx_h2 = " in text
    assert "dE/dx_o2 × ∂x_o2/∂x_h2 + dE/dx_o1 × ∂x_o1/∂x_h2" in text
    assert f"the term through x_o2 ({term['x_o2']:.6g}) is missing" in text
    assert f"= {term['x_o1'] + term['x_o2']:.6g}: your" in text


def test_the_walk_up_to_the_split_is_shown_for_any_wrong_answer_there() -> None:
    error, term = hidden_unit_feeding_two()
    report = check_gradients(error, {"x_h2": 0.3})
    walk = [line for line in lines_of(report) if "reaches E through h2" in line]
    assert len(walk) == 1
    assert walk[0].endswith(f"= {term['x_o1'] + term['x_o2']:.6g}")
    assert "missing" not in str(report), "0.3 is no sum of the terms"


def test_an_answered_node_above_stops_the_walk() -> None:
    error, term = hidden_unit_feeding_two()
    total = term["x_o1"] + term["x_o2"]
    # dE/dh2 is given and right, so the step to check at x_h2 is relu's alone.
    report = check_gradients(error, {"h2": total, "x_h2": term["x_o1"]})
    assert "reaches E" not in str(report) and "missing" not in str(report)
    assert f"dE/dx_h2 = dE/dh2 × (local ∂h2/∂x_h2) = {total:.6g} × 1 = {total:.6g}" in str(report)


def test_lesson_5s_exercise_a_hidden_unit_that_feeds_two_units() -> None:
    from nn import Network, Unit

    # Lesson 5's network and first sample: x = (1, 0), targets (1, 0); h2 feeds o1 and o2.
    units = [("h1", ["x1", "x2"], "sigmoid"), ("h2", ["x1", "h1"], "relu"),
             ("o1", ["h1", "h2"], "linear"), ("o2", ["h2", "x2"], "sigmoid")]  # fmt: skip
    weights = {("h1", "x1"): 0.5, ("h1", "x2"): -0.4, ("h2", "x1"): 0.3, ("h2", "h1"): 0.8,
               ("o1", "h1"): 1.2, ("o1", "h2"): -0.7, ("o2", "h2"): 0.6, ("o2", "x2"): -0.9}  # fmt: skip
    biases = {"h1": 0.1, "h2": -0.2, "o1": 0.05, "o2": 0.3}
    net = Network(["x1", "x2"], [Unit(*unit) for unit in units], ["o1", "o2"])
    for name, sources, _ in units:
        for k, source in enumerate(sources):
            net.units[name].w[k].data = weights[name, source]
        net.units[name].b.data = biases[name]
    values = net.activations([1.0, 0.0])
    for name, _, activation in units:
        (values[name] if activation == "linear" else values[name].parents[0]).label = f"x_{name}"
    error = 0.5 * ((values["o1"] - 1.0) ** 2 + (values["o2"] - 0.0) ** 2)
    error.label = "E"
    # By hand, in plain floats: the memo's p_i = dE/dx_i for the two units h2 feeds.
    h1 = 1 / (1 + math.exp(-(0.5 * 1.0 + 0.1)))
    h2 = max(0.0, 0.3 * 1.0 + 0.8 * h1 - 0.2)
    o1 = 1.2 * h1 - 0.7 * h2 + 0.05
    o2 = 1 / (1 + math.exp(-(0.6 * h2 + 0.3)))
    p_o1, p_o2 = o1 - 1.0, o2 * o2 * (1 - o2)
    only_o1 = round(p_o1 * -0.7, 4)  # the student's sum over D_h2 = {o1, o2} with o2 left out
    report = check_gradients(error, {"x_h2": only_o1})
    assert "(the term through x_o2 is missing)" in str(report)
    assert f"the term through x_o2 ({p_o2 * 0.6:.6g}) is missing" in str(report)
    assert check_gradients(error, {"x_h2": p_o1 * -0.7 + p_o2 * 0.6}).ok
