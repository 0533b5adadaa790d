"""Exercises that check the student: ``check_gradients(root, answers)`` marks a student's
gradients right, wrong or not answered yet (``...``) and explains the first wrong one with the
local chain rule at that node, naming the mistake when it is a known one;
``check_engine(value_class)`` runs a student's own micrograd-style Value class against
autograd-lite and names the first mistake where it lives (an operation, or ``backward()``), with
the smallest expression that shows it, each run of the student's code under a time limit;
``check_answers({name: (yours, expected, why)})`` marks answers that are not gradients of a graph
(numbers, choices, shapes, arrays); ``check_op(name)`` checks the rules of an op made with
``define_op`` one by one and names the first wrong one. A placeholder ``...`` is "not answered
yet" to every check.

The package sits above the engine and the pictures (``report.draw()`` uses ``draw_graph``) and
never imports ``nn``.
"""

from .answers import AnswersReport, check_answer, check_answers
from .engine_check import EngineReport, check_engine
from .gradients import Answer, GradientReport, check_gradients
from .op_rules import OpReport, check_op

__all__ = [
    "Answer",
    "AnswersReport",
    "EngineReport",
    "GradientReport",
    "OpReport",
    "check_answer",
    "check_answers",
    "check_engine",
    "check_gradients",
    "check_op",
]
