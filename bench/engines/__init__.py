"""The engines the benchmark compares, each in its own module so a worker imports only one."""

from __future__ import annotations

ENGINES: dict[str, str] = {
    "autograd-lite": "bench.engines.lite",
    "lite-relaxed": "bench.engines.lite_relaxed",
    "tight": "bench.engines.tight",
    "bare": "bench.engines.bare",
    "replay": "bench.engines.replay",
    "batched": "bench.engines.batched",
    "micrograd": "bench.engines.micrograd_engine",
    "pytorch": "bench.engines.torch_engine",
    "torch-tensors": "bench.engines.torch_tensors",
    "floor": "bench.engines.floor",
}
"""Engine name -> the module that implements its workloads."""

TITLES: dict[str, str] = {
    "autograd-lite": "autograd-lite eager",
    "lite-relaxed": "autograd-lite eager, the loop inside collector_relaxed()",
    "tight": "tightest pure-Python engine with our semantics",
    "bare": "bare pure-Python limit (one slotted object per node, no checks)",
    "replay": "autograd-lite replay Tape",
    "batched": "autograd-lite batched replay (numpy)",
    "micrograd": "micrograd 0.1.0",
    "pytorch": "PyTorch 0-d float64 tensors",
    "torch-tensors": "PyTorch on tensors (matmuls, float64)",
    "floor": "hand-written floats",
}
"""How each engine is named in the tables."""

SUPPORTED: dict[str, tuple[str, ...]] = {
    "demo-mg": ("autograd-lite", "lite-relaxed", "tight", "bare", "replay", "batched", "micrograd", "pytorch", "torch-tensors", "floor"),
    "demo": ("autograd-lite", "tight", "replay", "batched", "torch-tensors", "floor"),
    "deep": ("autograd-lite", "replay", "batched", "micrograd", "pytorch", "torch-tensors", "floor"),
    "symmetry": ("autograd-lite", "replay", "batched", "micrograd", "pytorch", "torch-tensors", "floor"),
    "chain": ("autograd-lite", "tight", "bare", "micrograd", "pytorch", "floor"),
    "memory": ("autograd-lite", "tight", "bare", "micrograd", "pytorch"),
    "chain1m": ("autograd-lite",),
    "digits": ("autograd-lite", "batched"),
}
"""Which engines run each workload. micrograd and PyTorch's 0-d tensors build micrograd's graph
only (a "micrograd" workload: demo-mg; deep and symmetry too, against nn's dot graphs there), and
so does the bare limit, which has no dot node;
replays have no graph to build for a chain; floats and tensors have no nodes to count."""

ONCE = ("digits",)
"""Workloads that are whole training runs of seconds: measured in the first round only."""
