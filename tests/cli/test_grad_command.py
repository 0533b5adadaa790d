"""``autograd-lite grad`` run as a newcomer runs it, through a subprocess: the worked example's
numbers, the Hessian against sympy, and every refusal as one line on stderr with exit code 2."""

from __future__ import annotations

import math
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import __version__
from autograd_lite.pictures.render import graphviz_available
from autograd_lite.text import format_number


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def printed(result: subprocess.CompletedProcess[str]) -> dict[str, float]:
    """The ``name = number`` lines of stdout as a dict."""
    pairs = (line.split(" = ") for line in result.stdout.splitlines() if " = " in line)
    return {name: float(number) for name, number in pairs}


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("autograd-lite: error: ")
    return lines[0]


def test_worked_example_prints_value_and_partials() -> None:
    result = run("grad", "(x + y) * z", "x=-2", "y=5", "z=-4")
    assert result.returncode == 0, result.stderr
    # f = (x + y) z; df/dx = df/dy = z, df/dz = x + y.
    assert result.stdout.splitlines() == ["f = -12", "df/dx = -4", "df/dy = -4", "df/dz = 3"]
    assert result.stderr == ""


def test_gradient_of_a_neuron_matches_sympy() -> None:
    x, w, b = sympy.symbols("x w b", real=True)
    f = sympy.tanh(x * w + b)
    point = {x: 0.7, w: -1.3, b: 0.25}
    result = run("grad", "tanh(x*w + b)", "x=0.7", "w=-1.3", "b=0.25")
    assert result.returncode == 0, result.stderr
    numbers = printed(result)
    assert numbers["f"] == pytest.approx(float(f.subs(point)), rel=1e-12)
    for symbol in (x, w, b):
        assert numbers[f"df/d{symbol}"] == pytest.approx(float(sympy.diff(f, symbol).subs(point)), rel=1e-12)


def test_hessian_matches_sympy() -> None:
    x, y = sympy.symbols("x y", real=True)
    f = x**2 * y + sympy.sin(x) / y + sympy.exp(x * y)
    point = {x: 0.5, y: -1.5}
    result = run("grad", "x**2 * y + sin(x) / y + exp(x * y)", "x=0.5", "y=-1.5", "--hessian")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Hessian"))
    assert lines[start + 1].split() == ["x", "y"]
    rows = [line.split() for line in lines[start + 2 :]]
    assert [row[0] for row in rows] == ["x", "y"]
    expected = sympy.hessian(f, (x, y)).subs(point)
    for i in range(2):
        for j in range(2):
            assert float(rows[i][j + 1]) == pytest.approx(float(expected[i, j]), rel=1e-9)


def test_a_name_the_expression_does_not_use_has_derivative_zero() -> None:
    result = run("grad", "x * x", "x=3", "unused=7")
    assert result.stdout.splitlines() == ["f = 9", "df/dx = 6", "df/dunused = 0"]


def test_an_expression_starting_with_minus_goes_after_double_dash() -> None:
    result = run("grad", "--", "-x*y", "x=2", "y=3")
    assert result.stdout.splitlines() == ["f = -6", "df/dx = -3", "df/dy = -2"]


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("x.__class__", "attribute access"),
        ("__import__('os')", "call of '__import__'"),
        ("__import__('os').system('echo hacked')", "attribute access"),
        ("open('/etc/passwd')", "call of 'open'"),
        ("x[0]", "subscript"),
        ("(lambda: x)()", "call of"),
        ("lambda: x", "lambda"),
        ("[x for x in (1, 2)]", "comprehension"),
        ("'x' * 3", "string"),
        ("x + q", "undefined name 'q'"),
        ("x" * 1001, "too long"),
        ("9**9**9", "constant exponent"),
        ("x // 2", "operator '//'"),
        ("x +", "not a valid expression"),
        ("1if 1else x", "conditional expression"),
        ("log(x - 5)", "log: input must be > 0"),
        ("x / (x - 1)", "division by zero"),
        ("exp(1000 * x)", "overflows"),
    ],
)
def test_refusals_are_one_line_with_exit_code_2(expression: str, fragment: str) -> None:
    result = run("grad", expression, "x=1")
    line = assert_one_line_error(result, 2)
    assert fragment in line
    assert result.stdout == ""
    assert "hacked" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["x"], "expected NAME=VALUE"),
        (["x=abc"], "'abc' is not a number"),
        (["x=nan"], "finite"),
        (["2x=1"], "not a valid name"),
        (["exp=1"], "function name"),
        (["x=1", "x=2"], "more than once"),
        (["x=1", "--graph", "out.jpg"], "must end in"),
        (["x=1", "--steps", "out.txt"], "must end in"),
    ],
)
def test_bad_arguments_are_one_line_with_exit_code_2(
    arguments: list[str], fragment: str, tmp_path: Path
) -> None:
    result = run("grad", "x * 2", *arguments, cwd=tmp_path)
    assert fragment in assert_one_line_error(result, 2)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("arguments", [[], ["grad"], ["nonsense"], ["grad", "x", "--frobnicate"]])
def test_argparse_usage_errors_exit_2_without_traceback(arguments: list[str]) -> None:
    result = run(*arguments)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "--help" in result.stderr


def test_help_and_version() -> None:
    assert run("--version").stdout.strip() == f"autograd-lite {__version__}"
    for command in ([], ["grad"], ["demo"]):
        result = run(*command, "--help")
        assert result.returncode == 0
        assert "usage: autograd-lite" in result.stdout


def test_graph_dot_needs_no_graphviz_and_names_the_inputs(tmp_path: Path) -> None:
    target = tmp_path / "g.dot"
    result = run("grad", "(x + y) * z", "x=-2", "y=5", "z=-4", "--graph", str(target))
    assert result.returncode == 0, result.stderr
    source = target.read_text()
    assert source.startswith("digraph")
    for label in ("x", "y", "z", "f"):
        assert f">{label}<" in source


@pytest.mark.skipif(not graphviz_available(), reason="needs Graphviz's dot program")
@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_graph_is_rendered_in_the_format_its_suffix_names(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"g{suffix}"
    result = run("grad", "tanh(x*w + b)", "x=1", "w=0.5", "b=0.1", "--graph", str(target))
    assert result.returncode == 0, result.stderr
    head = target.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in target.read_bytes()


@pytest.mark.skipif(not graphviz_available(), reason="needs Graphviz's dot program")
def test_steps_page_has_one_frame_per_node_of_the_graph(tmp_path: Path) -> None:
    target = tmp_path / "steps.html"
    result = run("grad", "(x + y) * z", "x=-2", "y=5", "z=-4", "--steps", str(target))
    assert result.returncode == 0, result.stderr
    page = target.read_text()
    # (x + y) * z has five nodes: f, x + y, z, x, y; backward handles each once.
    assert page.count('class="frame"') == 5
    assert "(x + y) * z" in page


def test_graph_without_graphviz_is_a_failure_with_an_install_hint(tmp_path: Path) -> None:
    # An empty PATH hides the dot program; the interpreter is started by its full path.
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "grad", "x * 2", "x=1", "--graph", str(tmp_path / "g.svg")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": str(tmp_path)},
    )
    line = assert_one_line_error(result, 1)
    assert "Graphviz" in line and "install" in line
    assert not (tmp_path / "g.svg").exists()


def test_unwritable_output_is_a_failure_with_exit_code_1(tmp_path: Path) -> None:
    result = run("grad", "x * 2", "x=1", "--graph", str(tmp_path / "missing" / "g.dot"))
    assert "cannot write" in assert_one_line_error(result, 1)


def test_the_console_script_points_at_main() -> None:
    scripts = entry_points(group="console_scripts")
    assert [e.value for e in scripts if e.name == "autograd-lite"] == ["autograd_lite.cli:main"]


@given(st.floats(allow_nan=False))
def test_format_number_round_trips_and_drops_integer_zeros(x: float) -> None:
    text = format_number(x)
    assert float(text) == x or (x == 0.0 and text == "0")
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        assert text == str(int(x))
    else:
        assert not text.endswith(".0")


def test_format_number_examples() -> None:
    assert [format_number(v) for v in (3.0, -12.0, 0.1, 1 / 3, -0.0, 1e20, math.inf)] == [
        "3", "-12", "0.1", "0.3333333333333333", "0", "1e+20", "inf",
    ]  # fmt: skip
