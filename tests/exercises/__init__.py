"""Tests of the exercise checks: check_gradients and check_engine."""
