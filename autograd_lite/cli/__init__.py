"""The ``autograd-lite`` command: ``grad`` differentiates a formula typed on the command line
(parsed by ``expression``, never evaluated as Python), ``demo`` trains micrograd's demo network
(``demo``). The only part of autograd_lite that imports ``nn``, and only when the demo runs.
"""

from .main import main

__all__ = ["main"]
