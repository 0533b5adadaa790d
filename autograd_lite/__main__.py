"""``python -m autograd_lite``: the same command line as ``autograd-lite``."""

import sys

from .cli import main

sys.exit(main())
