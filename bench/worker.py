"""One measurement in a fresh process: ``python -m bench.worker WORKLOAD ENGINE [--quick]``.

The runner starts one of these per engine, workload and round, so no engine shares a heap,
a garbage collector or imported modules with another. Prints one JSON object on stdout:
``{"ok": true, "value": ..., "unit": ..., "check": ..., ...}``, or ``{"ok": false, "error": ...}``
when the engine cannot do the workload (micrograd's recursive backward on a long chain).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.engines import ENGINES
from bench.workloads import BIG_CHAIN_STEPS, CHAIN_STEPS, MEMORY_STEPS, TRAININGS, digits

Result = dict[str, Any]


def _resident_bytes() -> int:
    import psutil  # type: ignore[import-untyped]  # a bench-only dependency without type hints

    return int(psutil.Process().memory_info().rss)


def _peak_resident_bytes() -> int:
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def measure_training(engine: Any, workload: str, quick: bool) -> Result:
    """Median time of one training step, after a first (unmeasured) step whose loss is the check."""
    step: Callable[[int], float] = engine.train_step(TRAININGS[workload]())
    first_loss = step(0)
    budget = 0.3 if quick else 1.0
    times: list[float] = []
    started = time.perf_counter()
    k = 1
    while len(times) < 3 or (time.perf_counter() - started < budget and len(times) < 300):
        t0 = time.perf_counter()
        step(k)
        times.append(time.perf_counter() - t0)
        k += 1
    return {"value": statistics.median(times) * 1e3, "unit": "ms", "check": first_loss, "steps": len(times)}


def measure_chain(engine: Any, quick: bool) -> Result:
    """Build y = y * 0.999 + 0.001 and backpropagate, once, timed together."""
    steps = CHAIN_STEPS // 5 if quick else CHAIN_STEPS
    t0 = time.perf_counter()
    _, slope = engine.chain(steps)
    return {"value": (time.perf_counter() - t0) * 1e3, "unit": "ms", "check": slope, "steps": steps}


def measure_memory(engine: Any, quick: bool) -> Result:
    """Resident-size growth per chain step while the whole graph is held."""
    steps = MEMORY_STEPS // 4 if quick else MEMORY_STEPS
    gc.collect()
    before = _resident_bytes()
    graph = engine.build_chain(steps)
    gc.collect()
    grown = _resident_bytes() - before
    del graph
    return {"value": grown / steps, "unit": "bytes/step", "check": None, "steps": steps}


def measure_big_chain(quick: bool) -> Result:
    """A million-step chain under the default recursion limit: time, graph size, growth in backward."""
    from autograd_lite import Value

    steps = BIG_CHAIN_STEPS // 10 if quick else BIG_CHAIN_STEPS
    limit = sys.getrecursionlimit()
    gc.collect()
    before = _resident_bytes()
    x = Value(0.5)
    y = x
    for _ in range(steps):
        y = y * 0.999 + 0.001
    built = _resident_bytes()
    t0 = time.perf_counter()
    y.backward()
    seconds = time.perf_counter() - t0
    after = max(_resident_bytes(), _peak_resident_bytes())
    return {
        "value": seconds * 1e3,
        "unit": "ms",
        "check": x.grad,
        "steps": steps,
        "graph_mb": (built - before) / 1e6,
        "backward_growth_mb": max(0, after - built) / 1e6,
        "recursion_limit": limit,
    }


def run(workload: str, engine_name: str, quick: bool) -> Result:
    """Measure one engine on one workload in this process."""
    engine = importlib.import_module(ENGINES[engine_name])
    if workload == "digits":
        result: Result = engine.train_digits(digits(quick))
        return result
    if workload in TRAININGS:
        return measure_training(engine, workload, quick)
    if workload == "chain":
        return measure_chain(engine, quick)
    if workload == "memory":
        return measure_memory(engine, quick)
    if workload == "chain1m":
        return measure_big_chain(quick)
    raise ValueError(f"unknown workload {workload!r}")


def main(argv: list[str] | None = None) -> None:
    """Run one measurement and print it as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload")
    parser.add_argument("engine", choices=sorted(ENGINES))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    try:
        result = {"ok": True, **run(args.workload, args.engine, args.quick)}
    except RecursionError as error:
        result = {"ok": False, "error": f"RecursionError: {error}"}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
