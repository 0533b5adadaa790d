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

from bench.engines import ENGINES, SUPPORTED, TITLES
from bench.workloads import BIG_CHAIN_STEPS, CHAIN_STEPS, MEMORY_STEPS, TRAININGS

ROOT = Path(__file__).resolve().parent.parent
ROW_TITLES = {
    "demo": "demo step: MLP(2, [16, 16, 1]), 100 moons, hinge + L2, SGD (ms)",
    "deep": "20 tanh layers of width 8, 32 samples, MSE, SGD step (ms)",
    "symmetry": "mirror symmetry 6-2-1 sigmoid, one sweep of 64 patterns (ms)",
    "chain": f"chain y = y * 0.999 + 0.001, {CHAIN_STEPS:,} steps: build + backward (ms)",
    "memory": f"memory per chain step, {MEMORY_STEPS:,} steps held (bytes)",
}
TARGETS = (
    ("demo", "micrograd", 15.0),
    ("demo", "pytorch", 6.0),
)


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
    return "-" if ratio is None else f"{ratio:.1f}x"


def report(results: Results, workloads: list[str], rounds: int, quick: bool) -> str:
    """The results as Markdown: the table, the ratios, the targets and the checks."""
    engines = list(ENGINES)
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"Median of {rounds} round(s); every engine in its own process, engines alternating round by round."
        + (" Quick run: smaller sizes, not for quoting." if quick else ""),
        "Command: `python -m bench" + (" --quick" if quick else "") + "`.",
        "",
        "| workload | " + " | ".join(TITLES[e] for e in engines) + " |",
        "|---|" + "---:|" * len(engines),
    ]
    for workload in workloads:
        if workload in ROW_TITLES:
            cells = [_cell(results, workload, engine) for engine in engines]
            lines.append(f"| {ROW_TITLES[workload]} | " + " | ".join(cells) + " |")
    lines += ["", "| ratio | " + " | ".join(w for w in workloads if w in TRAININGS or w == "chain") + " |"]
    lines.append("|---|" + "---:|" * len([w for w in workloads if w in TRAININGS or w == "chain"]))
    pairs = (
        ("micrograd", "autograd-lite", "micrograd time / autograd-lite time"),
        ("pytorch", "autograd-lite", "PyTorch time / autograd-lite time"),
        ("autograd-lite", "replay", "autograd-lite time / replay time"),
        ("replay", "floor", "replay time / hand-written time"),
        ("autograd-lite", "floor", "autograd-lite time / hand-written time"),
    )
    for slower, faster, title in pairs:
        cells = [_times(_ratio(results, w, slower, faster)) for w in workloads if w in TRAININGS or w == "chain"]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines += ["", "Targets:"]
    for workload, peer, target in TARGETS:
        if workload in workloads:
            ratio = _ratio(results, workload, peer, "autograd-lite")
            lines.append(f"- {workload}: {_times(ratio)} faster than {TITLES[peer]} (target {target:g}x)")
    if "demo" in workloads:
        ratio = _ratio(results, "demo", "replay", "floor")
        lines.append(f"- demo through replay: {_times(ratio)} the hand-written time (target within 3x)")
    if "memory" in workloads:
        lite, mg = results.median("memory", "autograd-lite"), results.median("memory", "micrograd")
        if lite is not None and mg is not None:
            lines.append(f"- memory per node: {lite / mg:.2f} of micrograd's (target at most 0.25)")
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
    if "symmetry" in workloads:
        speeds = []
        for engine in SUPPORTED["symmetry"]:
            ms = results.median("symmetry", engine)
            if ms:
                speeds.append(f"{TITLES[engine]} {1000.0 / ms:,.0f}")
        lines.append("- mirror symmetry, sweeps per second: " + ", ".join(speeds))
    lines += ["", "Checks:"]
    for workload in workloads:
        if workload in TRAININGS:
            lines.append(f"- {workload}: {_agreement(results, workload)}")
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


def main(argv: list[str] | None = None) -> None:
    """Run every workload on every engine for some rounds; print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round at small sizes, a smoke test")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 3, or 1 with --quick)")
    parser.add_argument("--only", default="", help="comma-separated workloads, e.g. demo,memory")
    parser.add_argument("--engines", default="", help="comma-separated engines, e.g. autograd-lite,floor")
    parser.add_argument("--output", default=None, help="Markdown file (default bench/results.md for a full run)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    workloads = [w for w in args.only.split(",") if w] or list(SUPPORTED)
    chosen = [e for e in args.engines.split(",") if e] or list(ENGINES)
    for name in workloads:
        if name not in SUPPORTED:
            parser.error(f"unknown workload {name!r}; choose from {', '.join(SUPPORTED)}")
    results = Results()
    for round_index in range(rounds):
        for workload in workloads:
            engines = [e for e in SUPPORTED[workload] if e in chosen]
            shift = round_index % max(1, len(engines))
            for engine in engines[shift:] + engines[:shift]:
                answer = run_worker(workload, engine, args.quick)
                results.add(workload, engine, answer)
                shown = f"{answer['value']:.4g} {answer['unit']}" if answer.get("ok") else answer.get("error")
                print(f"round {round_index + 1}/{rounds}  {workload:9} {engine:14} {shown}", file=sys.stderr, flush=True)
    text = report(results, workloads, rounds, args.quick)
    print(text)
    output = args.output or (None if args.quick else str(ROOT / "bench" / "results.md"))
    if output:
        Path(output).write_text(text)
        print(f"written to {output}", file=sys.stderr)
