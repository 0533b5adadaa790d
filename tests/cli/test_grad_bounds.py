"""``autograd-lite grad`` bounds its work, memory and output: too many names, a Hessian too big to
print and a step page too big to open are refused in one line with exit code 2 before any work,
and input that is not text is named for what it is."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite.cli.expression import MAX_LENGTH
from autograd_lite.pictures.render import graphviz_available

from .test_grad_command import assert_one_line_error, printed

# The module, not the function ``autograd_lite.cli.main`` that the package exports under its name.
cli = importlib.import_module("autograd_lite.cli.main")


def run_bytes(*args: str | bytes, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command with raw argv bytes, as a shell passes them (``$'x+\\xff'``)."""
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="backslashreplace",
        timeout=120,
        cwd=cwd,
    )


def test_no_formula_can_use_more_names_than_the_limit() -> None:
    # Names must be separated by operators: 'a+b+...' fits at most (length + 1) / 2 of them.
    assert cli.MAX_NAMES == (MAX_LENGTH + 1) // 2 == 500
    widest = "+".join(chr(ord("a") + i % 26) for i in range(cli.MAX_NAMES))
    assert len(widest) <= MAX_LENGTH < len(widest + "+a")


def test_sixty_thousand_names_are_refused_before_any_is_read(tmp_path: Path) -> None:
    # The old duplicate check compared every name with every other: 71 s for these.
    names = [f"v{i}=1" for i in range(60_000)]
    result = run_bytes("grad", "v0", *names, "--steps", str(tmp_path / "s.html"))
    line = assert_one_line_error(result, 2)
    assert "60,000 NAME=VALUE pairs" in line and "limit is 500" in line
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_the_largest_number_of_names_is_accepted_and_each_gets_its_partial() -> None:
    # f = v0 * v1: df/dv0 = v1 = 3, df/dv1 = v0 = 2, and 0 for every name f does not use.
    names = [f"v{i}={i + 2}" for i in range(cli.MAX_NAMES)]
    result = run_bytes("grad", "v0 * v1", *names)
    assert result.returncode == 0, result.stderr
    numbers = printed(result)
    assert len(numbers) == cli.MAX_NAMES + 1
    assert (numbers["f"], numbers["df/dv0"], numbers["df/dv1"]) == (6.0, 3.0, 2.0)
    assert all(numbers[f"df/dv{i}"] == 0.0 for i in range(2, cli.MAX_NAMES))


def test_a_repeated_name_among_the_most_names_is_found() -> None:
    names = [f"v{i}=1" for i in range(cli.MAX_NAMES - 1)] + ["v7=2"]
    line = assert_one_line_error(run_bytes("grad", "v0", *names), 2)
    assert "v7 is given more than once" in line


def test_a_hessian_of_more_names_than_its_limit_is_refused_before_any_work() -> None:
    names = [f"v{i}=1" for i in range(cli.MAX_HESSIAN_NAMES + 1)]
    result = run_bytes("grad", "v0 * v1", *names, "--hessian")
    line = assert_one_line_error(result, 2)
    assert f"{cli.MAX_HESSIAN_NAMES + 1} x {cli.MAX_HESSIAN_NAMES + 1} table" in line
    assert f"limit is {cli.MAX_HESSIAN_NAMES} names" in line
    assert result.stdout == ""


def test_a_hessian_of_the_most_names_is_the_ring_of_mixed_partials() -> None:
    # f = sum_i v_i v_(i+1) around a ring of n names: d2f/dv_i dv_j = 1 when i, j are neighbours,
    # else 0 (and 0 on the diagonal). Groups of ten keep the formula shallow.
    n = cli.MAX_HESSIAN_NAMES
    terms = [f"v{i}*v{(i + 1) % n}" for i in range(n)]
    formula = "+".join("(" + "+".join(terms[k : k + 10]) + ")" for k in range(0, n, 10))
    assert len(formula) <= MAX_LENGTH
    result = run_bytes("grad", formula, *[f"v{i}=0.5" for i in range(n)], "--hessian")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("Hessian (d2f / d row d column):")
    rows = [line.split() for line in lines[start + 2 :]]
    assert len(rows) == n
    for i, row in enumerate(rows):
        assert row[0] == f"v{i}"
        expected = [1.0 if (j - i) % n in (1, n - 1) else 0.0 for j in range(n)]
        assert [float(cell) for cell in row[1:]] == expected


def test_a_step_page_of_a_long_formula_is_refused_before_any_work(tmp_path: Path) -> None:
    # 989 characters in shallow groups: 450 nodes. The page would hold 450 pictures of the whole
    # graph (the old code took 79 s, 1.3 GB and wrote 198 MB).
    group = "(" + "*".join(["x"] * 10) + ")"
    formula = "+".join([group] * 45)
    assert 900 < len(formula) <= MAX_LENGTH
    target = tmp_path / "steps.html"
    result = run_bytes("grad", formula, "x=1.0001", "--steps", str(target))
    line = assert_one_line_error(result, 2)
    assert "--steps" in line and f"limit is {cli.MAX_STEP_NODES} nodes" in line
    assert result.stdout == ""
    assert not target.exists()


@pytest.mark.skipif(not graphviz_available(), reason="needs Graphviz's dot program")
def test_the_step_limit_counts_every_node_of_the_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # (x + y) * z has five nodes (f, x + y, z, x, y): a limit of 5 draws it, a limit of 4 refuses.
    monkeypatch.setattr(cli, "MAX_STEP_NODES", 5)
    allowed = tmp_path / "five.html"
    assert cli.main(["grad", "(x + y) * z", "x=-2", "y=5", "z=-4", "--steps", str(allowed)]) == 0
    assert allowed.read_text().count('class="frame"') == 5
    monkeypatch.setattr(cli, "MAX_STEP_NODES", 4)
    capsys.readouterr()
    refused = tmp_path / "four.html"
    assert cli.main(["grad", "(x + y) * z", "x=-2", "y=5", "z=-4", "--steps", str(refused)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "the graph has 5 nodes" in err and "limit is 4 nodes" in err
    assert not refused.exists()


def test_a_byte_that_is_not_utf8_is_named_not_called_a_nul() -> None:
    line = assert_one_line_error(run_bytes("grad", b"x+\xff", "x=1"), 2)
    assert "NUL" not in line
    assert "the byte \\xff at column 3 is not UTF-8 text" in line


def test_a_value_that_is_not_utf8_is_named() -> None:
    line = assert_one_line_error(run_bytes("grad", "x", b"x=\xff"), 2)
    assert "NAME=VALUE" in line and "the byte \\xff at column 3 is not UTF-8 text" in line


def test_utf8_text_beyond_ascii_is_still_text() -> None:
    # é is a letter, so a valid name; only bytes that are not UTF-8 are refused as such.
    result = run_bytes("grad", "é * 2".encode(), "é=1.5".encode())
    assert result.returncode == 0, result.stderr
    assert printed(result)["df/dé"] == 2.0
