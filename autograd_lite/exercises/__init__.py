"""Exercises that check the student: ``check_gradients(root, answers)`` marks a student's
gradients right, wrong or not answered yet (``...``) and explains the first wrong one with the
local chain rule at that node, naming the mistake when it is a known one;
``check_engine(value_class)`` runs a student's own micrograd-style Value class against
autograd-lite and names the first mistake where it lives (an operation, or ``backward()``), with
the smallest expression that shows it, each run of the student's code under a time limit.

The package sits above the engine and the pictures (``report.draw()`` uses ``draw_graph``) and
never imports ``nn``.
"""

from .engine_check import EngineReport, check_engine
from .gradients import Answer, GradientReport, check_gradients

__all__ = ["Answer", "EngineReport", "GradientReport", "check_engine", "check_gradients"]
