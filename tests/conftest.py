"""Test settings: hypothesis without per-example deadlines (CI machines are noisy, and a slow
example is not a wrong one), and the repository root importable as ``tests``."""

from hypothesis import settings

settings.register_profile("autograd-lite", deadline=None, print_blob=True)
settings.load_profile("autograd-lite")
