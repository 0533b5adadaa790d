"""Run the whole benchmark: ``python -m bench`` (or ``--quick`` for a short smoke run).

Every measurement runs in a fresh process (``bench.worker``), one engine at a time; each round
runs every engine on every workload, in an order rotated from round to round, so slow drifts of
a shared machine fall on all engines alike. The table shows the median over rounds, the ratios
are taken between those medians, and a full run writes the table to ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.engines import ENGINES, ONCE, SUPPORTED, TITLES
from bench.scale import scale_section
from bench.workloads import BIG_CHAIN_STEPS, CHAIN_STEPS, MEMORY_STEPS, TRAININGS

ROOT = Path(__file__).resolve().parent.parent
ROW_TITLES = {
    "demo-mg": "micrograd-style demo step: MLP(2, [16, 16, 1]) as sum(wi*xi) + b, 100 moons, hinge + L2, SGD (ms)",
    "demo": "dot demo step: the same with nn's neurons (one dot node each) (ms)",
    "deep": "20 tanh layers of width 8, 32 samples, MSE, SGD step (ms)",
    "symmetry": "mirror symmetry 6-2-1 sigmoid, one sweep of 64 patterns (ms)",
    "chain": f"chain y = y * 0.999 + 0.001, {CHAIN_STEPS:,} steps: build + backward (ms)",
    "memory": f"memory per chain step, {MEMORY_STEPS:,} steps held (bytes)",
    "digits": "8x8 digits, 64-32-10 MLP, cross-entropy, Adam: nn.fit to the end (s)",
}
FLOOR_COLUMNS = (
    ("demo-mg", "micrograd-style demo step"),
    ("demo", "dot demo step"),
    ("chain", f"{CHAIN_STEPS // 1000}k chain"),
)
"""The issue's table: each engine's time as a multiple of the hand-written floats'."""
FLOOR_ROWS = ("autograd-lite", "lite-relaxed", "tight", "bare", "replay", "batched", "micrograd", "pytorch", "torch-tensors")
FLOOR_TARGETS = (("demo-mg", 10.0), ("demo", 2.6), ("chain", 45.0))
"""Eager autograd-lite's targets, as multiples of the floor."""
REFERENCE_NAMES = {"bare": "the bare limit", "tight": "the tight reference engine"}
"""How a target line names the pure-Python reference it is set beside."""
PEER_TARGETS = (("micrograd", 15.0), ("pytorch", 7.0))
"""On the micrograd-style demo step, autograd-lite eager at least this many times faster."""
BATCHED_TARGET = 1.5
"""The batched replay's demo step within this factor of PyTorch on tensors."""
DIGITS_TARGET = 0.95


@dataclass
class Results:
    """Every worker's answer, by (workload, engine), in the order they ran."""

    runs: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, workload: str, engine: str, result: dict[str, Any]) -> None:
        """Keep one worker's answer."""
        self.runs.setdefault((workload, engine), []).append(result)

    def median(self, workload: str, engine: str) -> float | None:
        """The median over rounds, or None when the engine never managed the workload."""
        values = [r["value"] for r in self.runs.get((workload, engine), []) if r.get("ok")]
        return statistics.median(values) if values else None

    def error(self, workload: str, engine: str) -> str | None:
        """Why the engine failed the workload (the first error), if it did."""
        for r in self.runs.get((workload, engine), []):
            if not r.get("ok"):
                error = str(r.get("error", "failed"))
                return "not installed" if "ModuleNotFoundError" in error else error.split(":")[0]
        return None

    def checks(self, workload: str, engine: str) -> list[Any]:
        """The check values (first-step losses, chain gradients) the engine reported."""
        return [r["check"] for r in self.runs.get((workload, engine), []) if r.get("ok")]


def run_worker(workload: str, engine: str, quick: bool) -> dict[str, Any]:
    """Start one worker process and read its JSON answer."""
    command = [sys.executable, "-m", "bench.worker", workload, engine, *(["--quick"] if quick else [])]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        tail = completed.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"ok": False, "error": f"worker failed: {tail[0]}"}
    answer: dict[str, Any] = json.loads(lines[-1])
    return answer


def machine() -> str:
    """One line about the machine and the versions measured."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = []
    for package in ("torch", "micrograd"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} missing")
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; {', '.join(versions)}"
    )


def _cell(results: Results, workload: str, engine: str) -> str:
    if engine not in SUPPORTED[workload] or (workload, engine) not in results.runs:
        return "-"
    value = results.median(workload, engine)
    if value is None:
        return results.error(workload, engine) or "failed"
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _ratio(results: Results, workload: str, slower: str, faster: str) -> float | None:
    a, b = results.median(workload, slower), results.median(workload, faster)
    return a / b if a is not None and b is not None and b > 0 else None


def _times(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    if ratio >= 10:
        return f"{ratio:.0f}x"
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2g}x"


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _floor_table(results: Results, workloads: list[str]) -> list[str]:
    columns = [(w, title) for w, title in FLOOR_COLUMNS if w in workloads]
    if not columns or not any((w, "floor") in results.runs for w, _ in columns):
        return []
    lines = [
        "## Every engine against hand-written float backprop (the floor)",
        "",
        "Each engine's time divided by the floor's on the same workload (lower is faster).",
        "",
        "| engine | " + " | ".join(title for _, title in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for engine in FLOOR_ROWS:
        cells = []
        for workload, _ in columns:
            ratio = _ratio(results, workload, engine, "floor")
            failed = results.error(workload, engine) if engine in SUPPORTED[workload] else None
            cells.append(failed if ratio is None and failed else _times(ratio))
        if any(cell != "-" for cell in cells):
            lines.append(f"| {TITLES[engine]} | " + " | ".join(cells) + " |")
    floor = [f"{w}: {_cell(results, w, 'floor')} ms" for w, _ in columns]
    return [*lines, "", "The floor itself: " + ", ".join(floor) + ".", ""]


def _batched_table(results: Results, workloads: list[str]) -> list[str]:
    rows = [w for w in workloads if w in TRAININGS and (w, "batched") in results.runs and (w, "torch-tensors") in results.runs]
    if not rows:
        return []
    lines = [
        "## The batched replay against PyTorch on tensors",
        "",
        "| workload | batched replay (ms) | PyTorch on tensors (ms) | batched / PyTorch |",
        "|---|---:|---:|---:|",
    ]
    for w in rows:
        ratio = _ratio(results, w, "batched", "torch-tensors")
        lines.append(f"| {w} | {_cell(results, w, 'batched')} | {_cell(results, w, 'torch-tensors')} | {_times(ratio)} |")
    return [*lines, ""]


def _digits_table(results: Results) -> list[str]:
    runs = {e: [r for r in results.runs.get(("digits", e), []) if r.get("ok")] for e in SUPPORTED["digits"]}
    if not any(runs.values()):
        return []
    lines = [
        "## 8x8 digits: training that micrograd cannot do in reasonable time",
        "",
        "scikit-learn's 1,797 digits (shipped with it, no download), 80/20 split, a 64-32-10 tanh MLP,",
        "cross-entropy, Adam, mini-batches: the same `nn.fit` call eager and with `compiled=True`.",
        "",
        "| engine | training time (s) | test accuracy | training accuracy | epochs |",
        "|---|---:|---:|---:|---:|",
    ]
    for engine, answers in runs.items():
        if answers:
            last = answers[-1]
            lines.append(
                f"| {TITLES[engine]} | {statistics.median(r['value'] for r in answers):.2f} | {last['accuracy']:.1%} "
                f"| {last['train_accuracy']:.1%} | {last['epochs']} |"
            )
    return [*lines, ""]


def _targets(results: Results, workloads: list[str]) -> list[str]:
    lines = ["## Targets", ""]
    for workload, target in FLOOR_TARGETS:
        ratio = _ratio(results, workload, "autograd-lite", "floor")
        if workload in workloads and ratio is not None:
            # What the fastest pure-Python reference managed on the same workload says whether
            # the target is within reach of any engine here: the bare limit, or for dot the tight one.
            reference = "bare" if workload != "demo" else "tight"
            limit = _ratio(results, workload, reference, "floor")
            beside = f"; {REFERENCE_NAMES[reference]}: {_times(limit)}" if limit is not None else ""
            lines.append(f"- {ROW_TITLES[workload].split(':')[0]}, eager: {_times(ratio)} the floor "
                         f"(target at most {target:g}x{beside}): {_verdict(ratio <= target)}")  # fmt: skip
    if "demo-mg" in workloads:
        for peer, target in PEER_TARGETS:
            ratio = _ratio(results, "demo-mg", peer, "autograd-lite")
            if ratio is not None:
                lines.append(f"- micrograd-style demo step: eager {_times(ratio)} faster than {TITLES[peer]} "
                             f"(target at least {target:g}x): {_verdict(ratio >= target)}")  # fmt: skip
    for workload in ("demo", "demo-mg"):
        ratio = _ratio(results, workload, "batched", "torch-tensors")
        if workload in workloads and ratio is not None:
            lines.append(f"- {workload} step, batched replay: {_times(ratio)} the time of PyTorch on tensors"
                         + (f" (target at most {BATCHED_TARGET:g}x): {_verdict(ratio <= BATCHED_TARGET)}" if workload == "demo" else ""))
    ratio = _ratio(results, "demo", "replay", "floor")
    if "demo" in workloads and ratio is not None:
        lines.append(f"- dot demo step through the replay Tape: {_times(ratio)} the floor (target at most 3x): {_verdict(ratio <= 3)}")
    lite, mg = results.median("memory", "autograd-lite"), results.median("memory", "micrograd")
    if "memory" in workloads and lite is not None and mg is not None:
        lines.append(f"- memory per node: {lite / mg:.2f} of micrograd's (target at most 0.25): {_verdict(lite / mg <= 0.25)}")
    if "chain1m" in workloads:
        big = [r for r in results.runs.get(("chain1m", "autograd-lite"), []) if r.get("ok")]
        if big:
            last = big[-1]
            lines.append(
                f"- a {last['steps']:,}-step chain: backward in {statistics.median(r['value'] for r in big) / 1e3:.2f} s "
                f"under the default recursion limit ({last['recursion_limit']}); the graph takes "
                f"{last['graph_mb']:.0f} MB and backward grew the process by {last['backward_growth_mb']:.0f} MB"
            )
        else:
            lines.append(f"- the {BIG_CHAIN_STEPS:,}-step chain failed: {results.error('chain1m', 'autograd-lite')}")
    for engine in SUPPORTED["digits"]:
        done = [r for r in results.runs.get(("digits", engine), []) if r.get("ok")]
        if "digits" in workloads and done:
            accuracy = done[-1]["accuracy"]
            lines.append(f"- digits, {TITLES[engine]}: {accuracy:.1%} test accuracy (target at least "
                         f"{DIGITS_TARGET:.0%}): {_verdict(accuracy >= DIGITS_TARGET)}")  # fmt: skip
    ratio = _ratio(results, "digits", "autograd-lite", "batched")
    if ratio is not None:
        lines.append(f"- digits: fit(compiled=True) trains {_times(ratio)} faster than eager fit")
    if "symmetry" in workloads:
        speeds = [f"{TITLES[e]} {1000.0 / ms:,.0f}" for e in SUPPORTED["symmetry"] if (ms := results.median("symmetry", e))]
        lines.append("- mirror symmetry, sweeps per second: " + ", ".join(speeds))
    return [*lines, ""]


def report(results: Results, workloads: list[str], rounds: int, quick: bool, scale: list[str] | None = None) -> str:
    """The results as Markdown: the floor ratios, the times, batched against tensors, digits, targets,
    the scale section, checks."""
    engines = [e for e in ENGINES if any((w, e) in results.runs for w in workloads)]
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"Median of {rounds} round(s) (the digits run: one); every engine in its own process, engines alternating"
        " round by round." + (" Quick run: smaller sizes, not for quoting." if quick else ""),
        "Command: `python -m bench" + (" --quick" if quick else "") + "`.",
        "",
        *_floor_table(results, workloads),
        "## Times",
        "",
        "| workload | " + " | ".join(TITLES[e] for e in engines) + " |",
        "|---|" + "---:|" * len(engines),
    ]
    for workload in workloads:
        if workload in ROW_TITLES:
            cells = [_cell(results, workload, engine) for engine in engines]
            lines.append(f"| {ROW_TITLES[workload]} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "In deep and symmetry, autograd-lite and its replays build nn's graphs (a dot node per neuron),",
        "micrograd and PyTorch's 0-d tensors micrograd's (2n+1 nodes per neuron): compare engines on demo-mg.",
        "",
        *_batched_table(results, workloads),
        *_digits_table(results),
        *_targets(results, workloads),
        *(scale or []),
        "## Checks",
        "",
    ]
    for workload in workloads:
        if workload in TRAININGS:
            lines.append(f"- {workload}: {_agreement(results, workload)}")
    finals = [r["check"] for e in SUPPORTED["digits"] for r in results.runs.get(("digits", e), []) if r.get("ok")]
    if len(finals) > 1:
        spread = max(abs(v - finals[0]) / abs(finals[0]) for v in finals)
        lines.append(f"- digits: final training losses of eager and batched agree to a relative {spread:.1e}")
    return "\n".join(lines) + "\n"


def _agreement(results: Results, workload: str) -> str:
    """Do the engines compute the same first-step loss (same network, same numbers)?"""
    reference = results.checks(workload, "autograd-lite")
    if not reference:
        return "no autograd-lite result to compare with"
    base = reference[0]
    worst = 0.0
    for engine in SUPPORTED[workload]:
        for value in results.checks(workload, engine):
            worst = max(worst, abs(value - base) / max(abs(base), 1e-300))
    replay = results.checks(workload, "replay")
    same = "replay's loss equals eager's bit for bit" if replay and all(v == base for v in replay) else (
        "replay's loss DIFFERS from eager's" if replay else "no replay result"
    )
    return f"first-step losses of all engines agree to a relative {worst:.1e}; {same}"


SECTIONS = ("scale",)
"""Named like workloads in ``--only``, but each a section of its own (bench/scale.py), not a table row."""


def main(argv: list[str] | None = None) -> None:
    """Run every workload on every engine for some rounds; print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round at small sizes, a smoke test")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 3, or 1 with --quick)")
    parser.add_argument("--only", default="", help="comma-separated workloads, e.g. demo,memory,scale")
    parser.add_argument("--engines", default="", help="comma-separated engines, e.g. autograd-lite,floor")
    parser.add_argument("--output", default=None, help="Markdown file (default bench/results.md for a full run)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    known = [*SUPPORTED, *SECTIONS]
    workloads = [w for w in args.only.split(",") if w] or known
    chosen = [e for e in args.engines.split(",") if e] or list(ENGINES)
    for name in workloads:
        if name not in known:
            parser.error(f"unknown workload {name!r}; choose from {', '.join(known)}")
    scale = "scale" in workloads and not args.quick
    workloads = [w for w in workloads if w not in SECTIONS]
    results = Results()
    for round_index in range(rounds):
        for workload in workloads:
            if round_index and workload in ONCE:
                continue
            engines = [e for e in SUPPORTED[workload] if e in chosen]
            shift = round_index % max(1, len(engines))
            for engine in engines[shift:] + engines[:shift]:
                answer = run_worker(workload, engine, args.quick)
                results.add(workload, engine, answer)
                shown = f"{answer['value']:.4g} {answer['unit']}" if answer.get("ok") else answer.get("error")
                print(f"round {round_index + 1}/{rounds}  {workload:9} {engine:14} {shown}", file=sys.stderr, flush=True)
    # The scale section (bench/scale.py): fit(compiled=True) against PyTorch as the data and width grow.
    scale_lines = scale_section(rounds) if scale else None
    text = report(results, workloads, rounds, args.quick, scale_lines)
    print(text)
    output = args.output or (None if args.quick else str(ROOT / "bench" / "results.md"))
    if output:
        Path(output).write_text(text)
        print(f"written to {output}", file=sys.stderr)
