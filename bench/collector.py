"""What ``collector_relaxed()`` buys ``nn.fit``: ``python -m bench.collector [--rounds N]``.

Eager ``fit`` on micrograd's demo (MLP(2, [16, 16, 1]), 100 moons, hinge + L2, SGD, full batch)
and on the digits mini-batches, each run in a fresh process, once as ``fit`` is (inside
``collector_relaxed()``) and once with the block replaced by a no-op, alternating; prints the
medians and the number of cyclic collections each run triggered.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_RUN = """
import contextlib, gc, json, sys, time
import nn, nn.train
from bench.workloads import digits
if sys.argv[2] == "plain":
    nn.train.collector_relaxed = contextlib.nullcontext  # the block as a no-op: Python's own thresholds
if sys.argv[1] == "demo":
    X, y = nn.make_moons(100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], rng=1)
    options = dict(loss="hinge", l2=1e-4, epochs=20, optimizer=nn.SGD(model.parameters(), lr=0.05))
else:
    recipe = digits()
    X, y = recipe.X_train, recipe.y_train
    model = nn.MLP(64, [32, 10], activation="tanh", init="xavier", rng=0)
    options = dict(loss="cross_entropy", epochs=1, batch_size=64, seed=0, optimizer=nn.Adam(model.parameters(), lr=0.02))
before = sum(s["collections"] for s in gc.get_stats())
started = time.perf_counter()
nn.fit(model, X, y, progress=False, **options)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "collections": sum(s["collections"] for s in gc.get_stats()) - before}))
"""


def measure(workload: str, mode: str) -> dict[str, float]:
    """One fit in a fresh process: its time and how many cyclic collections ran."""
    done = subprocess.run([sys.executable, "-c", _RUN, workload, mode], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=True)  # fmt: skip
    answer: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def main(argv: list[str] | None = None) -> None:
    """Alternate relaxed and plain runs of each workload; print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print("| eager fit | as fit runs (collector relaxed) | collector as Python sets it | speed-up |")
    print("|---|---:|---:|---:|")
    for workload, title in (("demo", "demo, 20 full-batch epochs"), ("digits", "digits, 1 epoch of 64-sample batches")):
        runs: dict[str, list[dict[str, float]]] = {"relaxed": [], "plain": []}
        for round_index in range(args.rounds):
            for mode in ("relaxed", "plain") if round_index % 2 == 0 else ("plain", "relaxed"):
                runs[mode].append(measure(workload, mode))
        relaxed = statistics.median(r["seconds"] for r in runs["relaxed"])
        plain = statistics.median(r["seconds"] for r in runs["plain"])
        gcs = {mode: int(statistics.median(r["collections"] for r in found)) for mode, found in runs.items()}
        print(f"| {title} | {relaxed:.2f} s, {gcs['relaxed']} collections | {plain:.2f} s, {gcs['plain']} collections "
              f"| {plain / relaxed:.2f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
