"""What the command line's ``demo`` bounds rest on: ``python -m bench.demo_cost`` trains the demo's
networks eagerly, as ``autograd-lite demo`` does, and fits the cost of one "parameter pass" (the
unit ``autograd_lite.cli.demo.training_work`` counts a run's work in) by least squares.

With that cost, ``MAX_WORK`` parameter passes say how long the longest run allowed may take on
this machine; the peak memory per parameter of a full-batch graph says what ``MAX_PARAMETERS``
holds. Both are printed, so the bounds' comments need no figure that could go stale.
"""

from __future__ import annotations

import time
import tracemalloc

import nn
from autograd_lite.cli.demo import L2, MAX_PARAMETERS, MAX_WORK, SAMPLES, parameter_count, training_work

NETWORKS = ((16, 16), (64,), (32, 32), (100, 100), (8, 8, 8, 8), (200,))
BATCHES = (None, 10, 1)
STEPS = 2


def seconds_of(hidden: tuple[int, ...], batch_size: int | None) -> float:
    """CPU seconds of ``STEPS`` epochs of the demo's training for one network and batch size."""
    X, y = nn.make_moons(SAMPLES, noise=0.1, seed=0)
    model = nn.MLP(2, [*hidden, 1], rng=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    started = time.process_time()
    nn.fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=STEPS, batch_size=batch_size, l2=L2, progress=False)
    return time.process_time() - started


def bytes_per_parameter(hidden: tuple[int, ...]) -> float:
    """Peak memory of one full-batch graph, per parameter."""
    X, y = nn.make_moons(SAMPLES, noise=0.1, seed=0)
    model = nn.MLP(2, [*hidden, 1], rng=0)
    tracemalloc.start()
    loss = nn.hinge([model(x) for x in X], y) + nn.l2(model.parameters(), L2)
    loss.backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / parameter_count(hidden)


def main() -> None:
    """Fit seconds per parameter pass over every network and batch size, and print what the bounds mean."""
    pairs = []
    for hidden in NETWORKS:
        for batch in BATCHES:
            work = training_work(hidden, STEPS, batch)
            seconds = seconds_of(hidden, batch)
            pairs.append((work, seconds))
            print(f"MLP(2, {[*hidden, 1]}), batch {batch or 'full'}: {work:,} parameter passes in {seconds:.2f} s")
    # The least-squares slope through the origin: seconds = cost * passes.
    cost = sum(w * s for w, s in pairs) / sum(w * w for w, _ in pairs)
    worst = max(abs(s - cost * w) / s for w, s in pairs)
    print(f"one parameter pass: {cost * 1e9:.0f} ns (every network within {worst:.0%} of the fit)")
    print(f"the longest run allowed ({MAX_WORK:,} passes): about {cost * MAX_WORK / 60:.1f} minutes of training")
    memory = bytes_per_parameter((100, 100))  # a large network: per-neuron costs no longer count
    print(f"a full-batch graph: {memory:,.0f} bytes per parameter, {memory * MAX_PARAMETERS / 1e6:,.0f} MB at the parameter limit")


if __name__ == "__main__":
    main()
