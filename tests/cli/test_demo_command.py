"""``autograd-lite demo`` through a subprocess: a few training steps write the three pictures, and
bad options or an unwritable directory are one-line errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite.pictures.render import graphviz_available


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", "demo", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


@pytest.mark.skipif(not graphviz_available(), reason="graph.svg needs Graphviz's dot program")
def test_a_few_steps_write_the_three_pictures_into_the_default_directory(tmp_path: Path) -> None:
    result = run("--steps", "3", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "autograd-lite-demo"
    assert sorted(p.name for p in out.iterdir()) == ["decision_boundary.png", "graph.svg", "loss.png"]
    for name in ("decision_boundary.png", "loss.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = (out / "graph.svg").read_text()
    assert "<svg" in svg and "loss" in svg
    match = re.search(r"final loss (\S+), accuracy (\d+)%", result.stdout)
    assert match is not None, result.stdout
    assert float(match.group(1)) >= 0.0
    assert 0 <= int(match.group(2)) <= 100


@pytest.mark.skipif(not graphviz_available(), reason="graph.svg needs Graphviz's dot program")
def test_options_choose_dataset_network_batches_and_directory(tmp_path: Path) -> None:
    result = run(
        "--dataset", "xor", "--hidden", "4", "--steps", "2", "--batch-size", "10", "--seed", "3",
        "--out", "pictures", "--no-progress", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "MLP(2, [4, 1])" in result.stdout and "xor" in result.stdout and "batch 10" in result.stdout
    assert (tmp_path / "pictures" / "graph.svg").exists()


@pytest.mark.parametrize(
    "arguments",
    [
        ["--dataset", "iris"],
        ["--hidden", "16,x"],
        ["--hidden", "0"],
        ["--steps", "0"],
        ["--batch-size", "-1"],
    ],
)
def test_bad_options_exit_2_in_one_line(arguments: list[str], tmp_path: Path) -> None:
    result = run(*arguments, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_without_graphviz_the_graph_is_written_as_dot_with_an_install_note(tmp_path: Path) -> None:
    # An empty PATH hides the dot program; the interpreter is started by its full path.
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "demo", "--steps", "1", "--hidden", "2", "--no-progress"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={"PATH": str(tmp_path), "MPLCONFIGDIR": str(tmp_path / "mpl")},
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "autograd-lite-demo"
    assert sorted(p.name for p in out.iterdir()) == ["decision_boundary.png", "graph.dot", "loss.png"]
    assert (out / "graph.dot").read_text().startswith("digraph")
    assert "install Graphviz" in result.stderr


def test_an_unwritable_directory_fails_before_training_with_exit_1(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run("--out", str(blocker / "demo"), "--steps", "1", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0]
    assert "training" not in result.stdout
