"""The engines the benchmark compares, each in its own module so a worker imports only one."""

from __future__ import annotations

ENGINES: dict[str, str] = {
    "autograd-lite": "bench.engines.lite",
    "replay": "bench.engines.replay",
    "micrograd": "bench.engines.micrograd_engine",
    "pytorch": "bench.engines.torch_engine",
    "floor": "bench.engines.floor",
}
"""Engine name -> the module that implements its workloads."""

TITLES: dict[str, str] = {
    "autograd-lite": "autograd-lite",
    "replay": "autograd-lite replay",
    "micrograd": "micrograd 0.1.0",
    "pytorch": "PyTorch 0-d float64",
    "floor": "hand-written floats",
}
"""How each engine is named in the table."""

SUPPORTED: dict[str, tuple[str, ...]] = {
    "demo": ("autograd-lite", "replay", "micrograd", "pytorch", "floor"),
    "deep": ("autograd-lite", "replay", "micrograd", "pytorch", "floor"),
    "symmetry": ("autograd-lite", "replay", "micrograd", "pytorch", "floor"),
    "chain": ("autograd-lite", "micrograd", "pytorch", "floor"),
    "memory": ("autograd-lite", "micrograd", "pytorch"),
    "chain1m": ("autograd-lite",),
}
"""Which engines run each workload (replay has no graph to build for a chain; floats have no graph)."""
