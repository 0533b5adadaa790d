"""``autograd-lite demo`` bounds its work before any of it is done: too many layers, parameters,
steps or parameter passes, a batch larger than the data and a seed too long are refused in one
line with exit code 2, before a model is built or a directory made, and a number of any length
typed for any option is answered in a short line, never Python's 4,300-digit error."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd_lite.cli import demo

# The module, not the function ``autograd_lite.cli.main`` that the package exports under its name.
cli = importlib.import_module("autograd_lite.cli.main")

# If a bound ever stops holding, the run fails here in seconds instead of taking the machine's
# memory (the old code built 2e8 parameters for the first case below).
MEMORY_LIMIT = 2 * 2**30


def limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_demo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", "demo", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        preexec_fn=limit_memory if sys.platform == "linux" else None,
    )


def assert_refused_before_any_work(result: subprocess.CompletedProcess[str], cwd: Path) -> str:
    """Exit code 2, one short line on stderr, nothing on stdout, no directory made; the line."""
    assert result.returncode == 2, result.stderr[-500:]
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[-500:]
    assert lines[0].startswith("autograd-lite") and ": error: " in lines[0]
    assert len(lines[0]) < 400 and "Exceeds the limit" not in lines[0] and "internal error" not in lines[0]
    assert result.stdout == ""  # "training MLP(...)" is the first thing a run prints
    assert list(cwd.iterdir()) == []
    return lines[0]


def test_two_hundred_layers_of_1024_are_refused_before_any_model_is_built(tmp_path: Path) -> None:
    # The case: about 2e8 parameters, which ended in "internal error: MemoryError".
    line = assert_refused_before_any_work(run_demo("--hidden", ",".join(["1024"] * 200), cwd=tmp_path), tmp_path)
    assert f"at most {demo.MAX_HIDDEN_LAYERS} hidden layers, got 200" in line


def test_a_network_with_too_many_parameters_is_refused_with_its_count(tmp_path: Path) -> None:
    # MLP(2, [1024, 1024, 1]): (2 + 1) * 1024 + (1024 + 1) * 1024 + (1024 + 1) * 1 = 1,053,697.
    line = assert_refused_before_any_work(run_demo("--hidden", "1024,1024", cwd=tmp_path), tmp_path)
    assert "1,053,697 parameters" in line and f"the limit is {demo.MAX_PARAMETERS:,}" in line


def test_a_billion_steps_are_refused(tmp_path: Path) -> None:
    line = assert_refused_before_any_work(run_demo("--steps", "1000000000", cwd=tmp_path), tmp_path)
    assert f"--steps must be a whole number from 1 to {demo.MAX_STEPS:,}, got 1000000000" in line


def test_a_run_of_too_much_work_is_refused_with_the_way_out(tmp_path: Path) -> None:
    # 64,64 online for 1,000 steps: 4,417 parameters, 129 neurons, 100 updates a step, so
    # 1,000 * (100 * (4,417 + 8 * 129) + 100 * 4 * 4,417) = 2,311,700,000 parameter passes.
    result = run_demo("--hidden", "64,64", "--batch-size", "1", "--steps", "1000", cwd=tmp_path)
    line = assert_refused_before_any_work(result, tmp_path)
    assert "2,311,700,000 parameter passes" in line and f"the limit is {demo.MAX_WORK:,}" in line
    assert "fewer steps, a larger batch or a smaller network" in line


@pytest.mark.parametrize("option", ["--steps", "--batch-size", "--seed", "--hidden", "--dataset"])
@pytest.mark.parametrize(
    "text", ["9" * 5000, "-" + "9" * 5000, "x" * 100_000, "1" + "0" * 30], ids=["5000 nines", "-5000 nines", "100000 x", "10**30"]
)
def test_any_text_for_any_option_is_answered_in_a_short_line(option: str, text: str, tmp_path: Path) -> None:
    line = assert_refused_before_any_work(run_demo(option, text, cwd=tmp_path), tmp_path)
    assert option in line


def test_a_batch_larger_than_the_data_and_a_long_seed_are_refused(tmp_path: Path) -> None:
    batch = assert_refused_before_any_work(run_demo("--batch-size", "101", cwd=tmp_path), tmp_path)
    assert f"--batch-size must be a whole number from 1 to {demo.SAMPLES}, got 101" in batch
    seed = assert_refused_before_any_work(run_demo("--seed", "1" + "0" * 18, cwd=tmp_path), tmp_path)
    assert "--seed must be a whole number" in seed and "got 1000000000000000000" in seed


def test_help_states_every_bound() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "demo", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for bound in (
        f"at most {demo.MAX_HIDDEN_LAYERS} hidden layers of 1 to {demo.MAX_WIDTH} units",
        f"{demo.MAX_PARAMETERS:,} parameters in all",
        f"1 to {demo.MAX_STEPS:,} steps",
        f"a batch size of 1 to {demo.SAMPLES}",
        f"at most {demo.MAX_WORK:,} parameter passes",
        f"steps x ({demo.SAMPLES} x (parameters + {demo.NEURON_PASSES} x neurons) "
        f"+ updates per step x {demo.UPDATE_PASSES} x parameters)",
        "at most 18 digits",
    ):
        assert bound in text, bound


# ---- the bounds themselves, in process ------------------------------------------------------


@given(st.lists(st.integers(1, 12), max_size=4))
def test_the_parameter_count_is_the_real_networks(hidden: list[int]) -> None:
    assert demo.parameter_count(tuple(hidden)) == len(nn.MLP(2, [*hidden, 1]).parameters())


def test_the_parameter_limit_is_inclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    # micrograd's MLP(2, [16, 16, 1]) has 3 * 16 + 17 * 16 + 17 = 337 parameters.
    monkeypatch.setattr(demo, "MAX_PARAMETERS", 337)
    demo.DemoOptions(hidden=(16, 16))
    monkeypatch.setattr(demo, "MAX_PARAMETERS", 336)
    with pytest.raises(ValueError, match="337 parameters; the limit is 336"):
        demo.DemoOptions(hidden=(16, 16))


def test_the_work_limit_is_inclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    # The demo's default run, by the formula --help gives: 100 steps of one full-batch update,
    # 337 parameters and 33 neurons: 100 * (100 * (337 + 8 * 33) + 1 * 4 * 337) = 6,144,800.
    monkeypatch.setattr(demo, "MAX_WORK", 6_144_800)
    demo.DemoOptions()
    monkeypatch.setattr(demo, "MAX_WORK", 6_144_799)
    with pytest.raises(ValueError, match="6,144,800 parameter passes"):
        demo.DemoOptions()


def test_the_command_refuses_through_the_same_bounds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(demo, "MAX_STEPS", 3)
    assert cli.main(["demo", "--steps", "4", "--out", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "autograd-lite: error: --steps must be a whole number from 1 to 3, got 4\n"
    assert not (tmp_path / "out").exists()
