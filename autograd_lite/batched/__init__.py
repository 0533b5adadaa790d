"""Replay one sample's graph over a whole batch at once, with numpy.

>>> from autograd_lite import Value
>>> from autograd_lite.batched import BatchedTape
>>> x, w, b = Value(0.0), Value(2.0), Value(1.0)
>>> tape = BatchedTape((w * x + b).relu(), inputs=[x], parameters=[w, b])
>>> tape.forward([[1.0], [-3.0], [0.5]]).tolist()
[3.0, 0.0, 2.0]
>>> tape.backward().tolist()      # summed over the batch: d/dw = 1 + 0 + 0.5, d/db = 1 + 0 + 1
[1.5, 2.0]

The eager engine and a ``Tape`` compute one sample at a time, each node one Python call. Here
each node (and each group of like nodes: a layer's relus, a layer's dot products) is one numpy
call over every sample: inputs, and everything that depends on them, are arrays over the batch;
parameters and constants stay scalars, and a parameter's gradient is the sum of every sample's
gradient (the classic mini-batch rule). Each op's rule is the float rule of ``ops`` written for
arrays (``rules``), and results equal the eager engine's to about 1e-15 relative per op.

- ``BatchedTape(output, inputs, parameters)``: record one sample's graph whose ``inputs`` leaves
  change from sample to sample; replay with a (samples x inputs) array.
- ``record_batch(outputs, parameters)``: from every sample's own graph (built by ``nn`` models
  from rows of floats, targets included), one tape and the batch of numbers that differ, or
  ``ShapeMismatch`` when Python built another shape for some sample. ``BatchRecorder`` sorts
  samples by shape. (``nn.fit(compiled=True)`` records one sample's graph with inputs and target
  as leaves, and replays it with a ``BatchedTape``.)

numpy is needed here and nowhere else: ``pip install "autograd-lite[batched]"``.
"""

try:
    import numpy  # noqa: F401  # checked first, to name the extra that installs it
except ImportError as error:  # pragma: no cover - the test environment has numpy
    raise ImportError(
        'autograd_lite.batched needs numpy: pip install "autograd-lite[batched]" (or pip install numpy)'
    ) from error

from .rules import NUMPY_RULES, NumpyRule, numpy_rule
from .shapes import BatchRecorder, ShapeMismatch, record_batch
from .tape import BatchedTape

__all__ = ["NUMPY_RULES", "BatchRecorder", "BatchedTape", "NumpyRule", "ShapeMismatch", "numpy_rule", "record_batch"]
