"""How ``fit(compiled=True)`` scales, side by side with PyTorch on tensors: ``python -m bench.scale``
(also run by ``python -m bench`` unless ``--only`` leaves it out).

A 16-input MLP with two hidden layers of one width (relu) classifies four gaussian clusters
(cross-entropy, SGD), full batch and mini-batches of 32. Widths go from 16 to 256 at 2,000
samples, and samples from 1,000 to 20,000 at width 64. For each, in a fresh process per engine
and measurement, one thread each: the setup (everything before the first update: for us the
recording, the arrays and the spot checks; for PyTorch the tensors and the model) and the median
time of an epoch. Reported as ratios to PyTorch, with a plot of the ratio against the width
(``bench/scale.png``, written beside ``bench/results.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (16, 32, 64, 128, 256)
SAMPLES = (1000, 2000, 5000, 10000, 20000)
BATCHES = {"full batch": None, "mini-batches of 32": 32}
INPUTS, CLASSES, LR = 16, 4, 0.05
# Each measuring process runs numpy and torch on one thread (unless the caller's environment says
# otherwise); set for those processes only, so importing this module changes nothing.
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
TARGETS = (
    ("setup for 20,000 samples / setup for 2,000 (ours)", 2.0),
    ("full batch, width 128, 2,000 samples: per epoch / PyTorch", 2.0),
    ("mini-batches of 32, width 64, 2,000 samples: per epoch / PyTorch", 2.0),
)


def clusters(n: int, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """Four gaussian clusters in 16 dimensions, the samples taking the classes in turn."""
    rng = random.Random(seed)
    centers = [[rng.gauss(0.0, 1.0) for _ in range(INPUTS)] for _ in range(CLASSES)]
    X = [[c + rng.gauss(0.0, 1.0) for c in centers[k % CLASSES]] for k in range(n)]
    return X, [k % CLASSES for k in range(n)]


def _epochs(samples: int, batch: int | None) -> int:
    """Enough epochs for a steady median, few enough for the large runs."""
    updates = 1 if batch is None else samples // batch
    return max(3, min(30, 2000 // max(updates, 1)))


def measure_ours(width: int, samples: int, batch: int | None) -> dict[str, float]:
    """nn.fit(compiled=True): its setup and its median epoch, as fit's History records them."""
    import warnings

    import nn

    X, y = clusters(samples)
    model = nn.MLP(INPUTS, [width, width, CLASSES], rng=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback would measure eager training: fail instead
        history = nn.fit(model, X, y, loss="cross_entropy", optimizer=nn.SGD(model.parameters(), lr=LR),
                         epochs=_epochs(samples, batch), batch_size=batch, seed=0, progress=False, compiled=True)  # fmt: skip
    return {"setup": history.setup_seconds, "epoch": statistics.median(history.epoch_seconds[1:])}


def measure_torch(width: int, samples: int, batch: int | None) -> dict[str, float]:
    """The same model, loss, data and batches in PyTorch on float64 tensors."""
    import torch

    torch.set_num_threads(1)
    X, y = clusters(samples)
    started = time.perf_counter()
    inputs = torch.tensor(X, dtype=torch.float64)
    targets = torch.tensor(y)
    model = torch.nn.Sequential(
        torch.nn.Linear(INPUTS, width), torch.nn.ReLU(), torch.nn.Linear(width, width), torch.nn.ReLU(),
        torch.nn.Linear(width, CLASSES),
    ).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    setup = time.perf_counter() - started
    size = batch or samples
    generator = torch.Generator().manual_seed(0)
    times = []
    for _ in range(_epochs(samples, batch)):
        started = time.perf_counter()
        order = torch.randperm(samples, generator=generator) if batch else torch.arange(samples)
        for start in range(0, samples, size):
            chosen = order[start : start + size]
            optimizer.zero_grad()
            loss = loss_fn(model(inputs[chosen]), targets[chosen])
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - started)
    return {"setup": setup, "epoch": statistics.median(times[1:])}


def _run(engine: str, width: int, samples: int, batch: int | None) -> dict[str, float]:
    """One measurement in a fresh process."""
    command = [sys.executable, "-m", "bench.scale", "--measure", engine, str(width), str(samples), str(batch or 0)]
    done = subprocess.run(command, cwd=ROOT, env={**ONE_THREAD, **os.environ}, capture_output=True, text=True,
                          timeout=1800, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{engine} {width} {samples} {batch}: {done.stderr.strip().splitlines()[-1:]}")
    answer: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def configurations() -> list[tuple[int, int, int | None]]:
    """(width, samples, batch) for the width sweep at 2,000 samples and the sample sweep at width 64."""
    chosen = [(w, 2000, b) for w in WIDTHS for b in BATCHES.values()]
    chosen += [(64, n, b) for n in SAMPLES for b in BATCHES.values() if n != 2000]
    return chosen


def run(rounds: int) -> dict[tuple[int, int, int | None], dict[str, dict[str, float]]]:
    """Median setup and epoch per configuration and engine, engines alternating round by round."""
    collected: dict[tuple[int, int, int | None], dict[str, list[dict[str, float]]]] = {}
    for round_index in range(rounds):
        for config in configurations():
            engines = ["ours", "torch"] if round_index % 2 == 0 else ["torch", "ours"]
            for engine in engines:
                answer = _run(engine, *config)
                collected.setdefault(config, {}).setdefault(engine, []).append(answer)
                print(f"round {round_index + 1}/{rounds}  scale {config} {engine:5} "
                      f"setup {answer['setup'] * 1e3:.1f} ms, epoch {answer['epoch'] * 1e3:.2f} ms", file=sys.stderr, flush=True)  # fmt: skip
    return {
        config: {
            engine: {key: statistics.median(a[key] for a in answers) for key in ("setup", "epoch")}
            for engine, answers in by_engine.items()
        }
        for config, by_engine in collected.items()
    }


def _batch_name(batch: int | None) -> str:
    return next(name for name, size in BATCHES.items() if size == batch)


def report(medians: dict[tuple[int, int, int | None], dict[str, dict[str, float]]]) -> list[str]:
    """The scale section of bench/results.md."""
    lines = [
        "## Scale: fit(compiled=True) against PyTorch on tensors",
        "",
        f"MLP({INPUTS}, [w, w, {CLASSES}]), relu, cross-entropy, SGD, float64, one thread each; setup is",
        "everything before the first update, an epoch the median of several. Ratio = ours / PyTorch.",
        "",
        "| width | samples | batches | setup ours (ms) | setup PyTorch (ms) | epoch ours (ms) | epoch PyTorch (ms) | epoch ratio |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for (width, samples, batch), by_engine in sorted(medians.items(), key=lambda item: (item[0][2] or 0, item[0][1], item[0][0])):
        ours, theirs = by_engine["ours"], by_engine["torch"]
        lines.append(
            f"| {width} | {samples:,} | {_batch_name(batch)} | {ours['setup'] * 1e3:.0f} | {theirs['setup'] * 1e3:.1f} "
            f"| {ours['epoch'] * 1e3:.2f} | {theirs['epoch'] * 1e3:.2f} | {ours['epoch'] / theirs['epoch']:.2f}x |"
        )
    setup_growth = medians[(64, 20000, None)]["ours"]["setup"] / medians[(64, 2000, None)]["ours"]["setup"]
    full = medians[(128, 2000, None)]
    mini = medians[(64, 2000, 32)]
    measured = (
        setup_growth,
        full["ours"]["epoch"] / full["torch"]["epoch"],
        mini["ours"]["epoch"] / mini["torch"]["epoch"],
    )
    lines += ["", "Targets:", ""]
    for (name, target), value in zip(TARGETS, measured, strict=True):
        lines.append(f"- {name}: {value:.2f}x (target at most {target:g}x): {'met' if value <= target else 'MISSED'}")
    return [*lines, "", "![The epoch-time ratio to PyTorch against the width](scale.png)", ""]


def plot(medians: dict[tuple[int, int, int | None], dict[str, dict[str, float]]], path: Path) -> None:
    """The ratio of our epoch time to PyTorch's against the width, one line per batching."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.0, 4.0), dpi=120)
    for name, batch in BATCHES.items():
        ratios = [medians[(w, 2000, batch)]["ours"]["epoch"] / medians[(w, 2000, batch)]["torch"]["epoch"] for w in WIDTHS]
        axes.plot(WIDTHS, ratios, marker="o", label=name)
    axes.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    axes.set_xscale("log", base=2)
    axes.set_xticks(WIDTHS, [str(w) for w in WIDTHS])
    axes.set_xlabel("hidden width (2,000 samples)", fontsize=11)
    axes.set_ylabel("epoch time: ours / PyTorch", fontsize=11)
    axes.set_title("fit(compiled=True) against PyTorch on tensors", fontsize=12)
    axes.legend(fontsize=10)
    axes.set_ylim(bottom=0)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    """Measure every configuration, print the section and draw the plot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", nargs=4, metavar=("ENGINE", "WIDTH", "SAMPLES", "BATCH"), help=argparse.SUPPRESS)
    parser.add_argument("--plot", default=str(ROOT / "bench" / "scale.png"))
    args = parser.parse_args(argv)
    if args.measure:
        engine, width, samples, batch = args.measure
        measure = measure_ours if engine == "ours" else measure_torch
        print(json.dumps(measure(int(width), int(samples), int(batch) or None)))
        return
    print("\n".join(scale_section(args.rounds, Path(args.plot))))


def scale_section(rounds: int, plot_path: Path = ROOT / "bench" / "scale.png") -> list[str]:
    """Measure every configuration ``rounds`` times, draw the plot at ``plot_path``, and return the
    section's lines (``python -m bench`` puts them in its report)."""
    medians = run(rounds)
    plot(medians, plot_path)
    return report(medians)


if __name__ == "__main__":
    main()
