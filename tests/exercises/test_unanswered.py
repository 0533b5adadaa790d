"""An exercise ships unanswered: ``...`` where the student's number goes is "not answered yet",
never an error, and the report says which answers are still missing, by name. A mistyped label
in a big network gives a short message that names the closest labels."""

from __future__ import annotations

from autograd_lite import Value, check_gradients
from nn import MLP
from tests.worked_example import worked_example


def test_placeholders_are_listed_by_name_and_the_report_is_not_ok() -> None:
    x, _, _, q, f = worked_example()
    report = check_gradients(f, {"f": 1.0, "q": ..., "z": 3.0, "x": ..., "y": -4.0})
    assert not report.ok
    assert report.missing == (q, x), "nearest the output first"
    assert report.wrong == [] and report.first_wrong is None
    assert str(report).splitlines() == [
        "check_gradients(f): 3 of 5 answers right, 2 not answered yet",
        "  right  df/df = 1",
        "  right  df/dz = 3",
        "  ...    df/dq: not answered yet",
        "  right  df/dy = -4",
        "  ...    df/dx: not answered yet",
        "Not answered yet: df/dq, df/dx (put your number in place of each ...).",
    ]
    assert repr(report) == "<GradientReport: 3 answers, 0 wrong, 2 not answered yet>"


def test_a_lesson_in_its_unanswered_state_runs_without_an_error() -> None:
    f = worked_example()[-1]
    report = check_gradients(f, dict.fromkeys(["f", "z", "q", "y", "x"], ...))
    assert not report.ok and len(report.missing) == 5 and report.answers == ()
    assert str(report).splitlines()[0] == "check_gradients(f): not answered yet (5 answers to give)"
    one = check_gradients(f, {"x": ...})
    assert str(one).splitlines()[0] == "check_gradients(f): not answered yet"


def test_wrong_and_unanswered_together() -> None:
    f = worked_example()[-1]
    report = check_gradients(f, {"f": 1.0, "q": 3.0, "x": ...})
    assert str(report).splitlines()[0] == "check_gradients(f): 1 of 3 answers wrong, 1 not answered yet"
    assert "The first wrong one, nearest the output, is df/dq:" in str(report)


def test_the_picture_still_draws_and_marks_only_what_is_wrong() -> None:
    f = worked_example()[-1]
    assert "you wrote" not in check_gradients(f, {"f": 1.0, "q": ..., "x": ...}).draw().source
    source = check_gradients(f, {"f": 1.0, "q": 3.0, "x": ...}).draw().source
    assert source.count("you wrote") == 1 and "first wrong: you wrote 3, not -4" in source


def test_an_unanswered_exercise_touches_no_gradient() -> None:
    nodes = worked_example()
    check_gradients(nodes[-1], dict.fromkeys(["f", "q", "x"], ...))
    assert not any(node.grad_reached for node in nodes)


def test_a_placeholder_under_a_mistyped_label_is_still_refused() -> None:
    f = worked_example()[-1]
    try:
        check_gradients(f, {"qq": ...})
    except ValueError as error:
        assert "no node of the graph is labelled 'qq'; the labels are: f, q, x, y, z" in str(error)
    else:
        raise AssertionError("a label that names no node is a mistake, answered or not")


def test_a_label_typo_in_the_readmes_64_32_10_network_gives_a_short_message() -> None:
    model = MLP(64, [32, 10])
    out = sum(model([0.1] * 64), Value(0.0))
    labels = [p.label for p in model.parameters()]
    assert len(labels) == len(set(labels)) == 2410
    meant = "L0.N3.w12"
    assert meant in labels
    for typo in ("L0.N3w12", "L0.N3,w12", "LO.N3.w12"):  # a dot missed, a comma for a dot, O for 0
        try:
            check_gradients(out, {typo: 1.0})
        except ValueError as error:
            message = str(error)
        else:
            raise AssertionError("a label that names no node must be refused")
        assert len(message) < 300 and message.count("\n") <= 3, message
        assert message.startswith(f"check_gradients: no node of the graph is labelled {typo!r}")
        assert "2,410 labels" in message
        closest = message.split("are: ")[1].split(", ")
        assert meant in closest and len(closest) <= 5


def test_a_label_close_to_nothing_says_so_briefly() -> None:
    model = MLP(64, [32, 10])
    out = sum(model([0.1] * 64), Value(0.0))
    try:
        check_gradients(out, {"zzzzzzzzzzzzzzzzzzzzzzzz" * 500: 1.0})
    except ValueError as error:
        message = str(error)
    else:
        raise AssertionError("a label that names no node must be refused")
    assert len(message) < 300 and "none of its 2,410 labels is close to it" in message


def test_a_big_unanswered_exercise_has_a_short_summary() -> None:
    model = MLP(64, [32, 10])
    out = sum(model([0.1] * 64), Value(0.0))
    out.label = "out"
    report = check_gradients(out, {p.label: ... for p in model.parameters()})
    lines = str(report).splitlines()
    assert lines[0] == "check_gradients(out): not answered yet (2,410 answers to give)"
    assert len(lines) == 1 + 2410 + 1, "one line per answer, and the summary"
    assert lines[-1].startswith("Not answered yet: dout/dL1.N9.b, ") and lines[-1].count("dout/d") == 10
    assert " and 2,400 more (put your number in place of each ...)." in lines[-1]
