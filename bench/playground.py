"""How live the playground is: ``python -m bench.playground`` measures displayed updates per
second of the live widget for a 2-8-8-1 tanh network on 200 training points (and 50 test
points), on one core, with all seven input features on (x1, x2, x1^2, x2^2, x1*x2, sin(x1),
sin(x2): a 7-8-8-1 network), and once with the two plain inputs for comparison.

One displayed update ("playground step") is what the widget does for every frame while it
plays: train one epoch by replaying the recorded point graph, evaluate the train and test loss, and
redraw the views that changed (boundary, network with a heat map per unit, loss curves, status
line), with the point's computation graph (Graphviz) redrawn at most once a second, as while
playing. It runs the real widget object, without a browser: the updates go to ipywidgets'
placeholder connection, so the time is the kernel's side of the work, the part that limits the
rate. The process is pinned to one core and numpy to one thread.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

# One core: numpy's thread pools read these when numpy is first imported, below, in main().
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

TARGET = 10.0
"""Displayed updates per second the playground must reach to feel live (issue 15)."""
ALL_FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
PLAIN = ("x1", "x2")
CASES = (
    ("mini-batch of 10, 7 features", 10, ALL_FEATURES),
    ("full batch, 7 features", "full", ALL_FEATURES),
    ("online, 7 features", "online", ALL_FEATURES),
    ("mini-batch of 10, x1 and x2", 10, PLAIN),
)


def _pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity here)"


def _measure(batch_size: int | str, features: tuple[str, ...], seconds: float) -> dict[str, float]:
    """Updates per second of the widget's frame loop, and the median cost of each part of a frame."""
    from nn.playground import Playground
    from nn.playground.views import loss_svg, status_text

    def make() -> Playground:
        return Playground("moons", n_points=250, test_fraction=0.2, features=features, hidden=[8, 8], activation="tanh",
                          lr=0.1, batch_size=batch_size, seed=0)

    pg = make()
    assert len(pg.data.train_X) == 200 and len(pg.data.test_X) == 50
    widget = pg.widget()
    for _ in range(3):
        widget.advance()  # warm up: caches, first graph drawing
    frames = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        widget.advance()
        frames += 1
    elapsed = time.perf_counter() - start
    renderer = widget.renderer
    parts: dict[str, list[float]] = {"train": [], "boundary": [], "network": [], "loss": [], "status": [], "graph": []}
    headless = make()
    state = pg.state
    for _ in range(10):
        for name, action in (
            ("train", lambda: headless.step(1)),
            ("boundary", lambda: renderer.boundary_background(state.latest)),
            ("network", lambda: renderer.network(state.latest)),
            ("loss", lambda: loss_svg(state.history)),
            ("status", lambda: status_text(state)),
            ("graph", lambda: pg.graph(0).pipe("svg")),
        ):
            began = time.perf_counter()
            action()
            parts[name].append(time.perf_counter() - began)
    result = {"updates_per_second": frames / elapsed, "frames": float(frames), "epoch": float(pg.epoch)}
    result.update({f"{name}_ms": 1000 * statistics.median(times) for name, times in parts.items()})
    return result


def main(argv: list[str] | None = None) -> int:
    """Measure every case and print a table; exit 1 when one falls below the target."""
    parser = argparse.ArgumentParser(prog="python -m bench.playground", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to run each case (default 10)")
    args = parser.parse_args(argv)
    pinned = _pin_to_one_core()
    print("playground step: 8-8-1 tanh on 7 features (or 2), moons, 200 training + 50 test points, hinge, SGD lr 0.1")
    print(f"Python {platform.python_version()}, {platform.machine()}, {pinned}, numpy on 1 thread")
    print()
    header = "| batch, inputs | displayed updates/s | train epoch (ms) | boundary | network | loss | status | graph (<= 1/s) |"
    print(header)
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    slowest = float("inf")
    for title, batch_size, features in CASES:
        r = _measure(batch_size, features, args.seconds)
        slowest = min(slowest, r["updates_per_second"])
        print(
            f"| {title} | {r['updates_per_second']:.1f} | {r['train_ms']:.1f} | {r['boundary_ms']:.1f} | "
            f"{r['network_ms']:.1f} | {r['loss_ms']:.2f} | {r['status_ms']:.2f} | {r['graph_ms']:.0f} |"
        )
    print()
    verdict = "meets" if slowest >= TARGET else "MISSES"
    print(f"slowest: {slowest:.1f} displayed updates/s; {verdict} the target of {TARGET:g}/s")
    return 0 if slowest >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
