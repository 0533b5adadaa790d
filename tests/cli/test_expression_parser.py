"""The command-line expression parser: what it accepts means what Python and sympy say it means,
and everything outside its closed set is refused with ExpressionError, never anything else."""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_lite import Value, grad
from autograd_lite.cli.expression import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    check_name,
    parse,
)

X, Y = sympy.symbols("x y", real=True)
SYMPY_FUNCTIONS = {
    "exp": sympy.exp,
    "tanh": sympy.tanh,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "sigmoid": lambda a: 1 / (1 + sympy.exp(-a)),
    "relu": lambda a: sympy.Max(0, a),
    "abs": sympy.Abs,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
}


def _value(text: str, **point: float) -> float:
    leaves = {name: Value(v) for name, v in point.items()}
    return parse(text, leaves).evaluate(leaves).data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-x**2", -(3.0**2)),  # ** binds tighter than unary minus
        ("2**3**2", 2.0 ** (3.0**2)),  # ** is right-associative
        ("x - y - 1", (3.0 - 0.5) - 1.0),  # - is left-associative
        ("x / y * 2", (3.0 / 0.5) * 2.0),
        ("x - -y", 3.0 + 0.5),
        ("+x", 3.0),
        ("(x + y) * (x - y)", 3.5 * 2.5),
        ("sqrt(x) + log(y) + abs(-x)", math.sqrt(3.0) + math.log(0.5) + 3.0),
        ("sigmoid(y) * relu(-x) + tanh(y)", 0.0 + math.tanh(0.5)),
        ("sin(x) ** 2 + cos(x) ** 2", 1.0),
        ("1e-3 * x + 0.25 + 1_000", 1e-3 * 3.0 + 0.25 + 1000.0),
        ("  x  ", 3.0),
        ("(x\n + y)", 3.5),
    ],
)
def test_meaning_matches_python_precedence_and_math(text: str, expected: float) -> None:
    assert _value(text, x=3.0, y=0.5) == pytest.approx(expected, rel=1e-15, abs=1e-15)


def test_names_are_bound_to_the_values_given() -> None:
    leaves = {name: Value(v, name) for name, v in (("x", -2.0), ("y", 5.0), ("z", -4.0))}
    f = parse("(x + y) * z", leaves).evaluate(leaves)
    assert f.data == -12.0
    assert grad(f, [leaves["x"], leaves["y"], leaves["z"]]) == [-4.0, -4.0, 3.0]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x.__class__", "attribute access"),
        ("x.exp()", "attribute access"),
        ("__import__('os')", "call of '__import__'"),
        ("getattr(x, 'y')", "call of 'getattr'"),
        ("(lambda: 1)()", "call of"),
        ("x[0]", "subscript"),
        ("x[1:2]", "subscript"),
        ("lambda: 1", "lambda"),
        ("[a for a in x]", "comprehension"),
        ("{a: 1 for a in x}", "comprehension"),
        ("sum(a for a in x)", "call of 'sum'"),
        ("(a for a in x)", "generator expression"),
        ("'abc'", "string"),
        ("b'abc'", "string"),
        ("f'{x}'", "string"),
        ("q + 1", "undefined name 'q'"),
        ("x // 2", "operator '//'"),
        ("x % 2", "operator '%'"),
        ("x @ x", "operator '@'"),
        ("x ^ 1", "operator '^'"),
        ("~x", "operator '~'"),
        ("not x", "operator 'not'"),
        ("x < 1", "comparison"),
        ("x and 1", "and/or"),
        ("x if x else 1", "conditional expression"),
        ("(x := 1)", "assignment"),
        ("x, x", "tuple"),
        ("[x]", "list"),
        ("{x}", "set"),
        ("{}", "dict"),
        ("True", "constant True"),
        ("None", "constant None"),
        ("...", "constant Ellipsis"),
        ("1j", "complex number"),
        ("1e999", "too large for a float"),
        ("9" * 400, "too large for a float"),
        ("exp", "without a call"),
        ("exp(x, x)", "one argument"),
        ("exp(x=1)", "one argument"),
        ("exp(*x)", "one argument"),
        ("x +", "not a valid expression"),
        ("x; import os", "not a valid expression"),
        ("import os", "not a valid expression"),
        ("x\0", "not a valid expression"),
        ("", "empty expression"),
        ("x" * (MAX_LENGTH + 1), "too long"),
        ("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "nested too deeply"),
        ("-" * 500 + "x", "nested too deeply"),
    ],
)
def test_refusals_name_what_was_refused(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text, ["x"])
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "text",
    ["9**9**9", "x ** 2000", "x ** -(10 ** 4)", "2 ** 2 ** 11", "x ** (1e300 * 1e300 - 1e300 * 1e300)"],
)
def test_huge_constant_exponents_are_refused_before_any_power_is_taken(text: str) -> None:
    leaves = {"x": Value(1.5)}
    expression = parse(text, leaves)
    with pytest.raises(ExpressionError, match="constant exponent"):
        expression.evaluate(leaves)


def test_an_exponent_that_depends_on_a_name_is_a_power_like_any_other() -> None:
    assert _value("2 ** x", x=10.0) == 1024.0
    assert _value("x ** 1024", x=1.0) == 1.0


@pytest.mark.parametrize("name", ["exp", "2x", "x-y", "", "lambda", "a b", "x.y"])
def test_bad_variable_names_are_refused(name: str) -> None:
    with pytest.raises(ExpressionError):
        check_name(name)


def test_names_match_after_the_parsers_unicode_normalisation() -> None:
    # Python's parser folds "ﬁ" (one ligature character) to "fi"; a name given as "ﬁ" must still match.
    name = check_name("\ufb01")
    assert name == "fi"
    assert _value("\ufb01 * 2", fi=1.5) == 3.0


def test_missing_names_are_reported_at_evaluation_when_parsed_without_a_name_list() -> None:
    expression = parse("x * y")
    assert expression.names == {"x", "y"}
    with pytest.raises(ExpressionError, match="undefined name 'y'"):
        expression.evaluate({"x": Value(1.0)})


# ---- random texts: only ExpressionError, and never a hang -------------------------------

TOKENS = [
    *"xyz()+-*/.,[]{}:;'\"=<>!~%@&|^_ \n\t\\",
    *FUNCTIONS,
    "**", "//", "1", "2.5", "1e3", "9", "0", "lambda", "for", "in", "if", "else", "import",
    "__import__", "__class__", "os", "eval", "exec", "open", "True", "None", "await", "yield",
]  # fmt: skip


def _fuzz_texts() -> st.SearchStrategy[str]:
    joined = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)
    return st.one_of(joined, st.text(max_size=80))


@pytest.mark.timeout(120)  # a hang fails the test instead of stalling the run
@settings(max_examples=400)
@given(_fuzz_texts())
def test_random_text_is_parsed_or_refused_and_nothing_else(text: str) -> None:
    try:
        expression = parse(text, ["x", "y", "z"])
    except ExpressionError as error:
        assert "\n" not in str(error)
        return
    leaves = {"x": Value(0.5), "y": Value(-2.0), "z": Value(3.0)}
    try:
        out = expression.evaluate(leaves)
    except (ValueError, ArithmeticError) as error:  # refusals and domain errors (log of -2, 1/0)
        assert "\n" not in str(error)
        return
    assert isinstance(out, Value)


# ---- random valid expressions: value and gradient agree with sympy's reading of the same text


UNARY_SMOOTH = ["exp", "tanh", "sin", "cos", "sigmoid"]


@st.composite
def smooth_expressions(draw: st.DrawFn, depth: int = 4) -> str:
    """Text of a random expression with smooth functions, parenthesised only some of the time."""
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(["x", "y", "2", "0.5", "3"]))
    kind = draw(st.sampled_from(["binary", "power", "call", "grouped", "negated"]))
    inner = draw(smooth_expressions(depth - 1))
    if kind == "binary":
        right = draw(smooth_expressions(depth - 1))
        return f"{inner} {draw(st.sampled_from(['+', '-', '*', '/']))} {right}"
    if kind == "power":
        return f"{inner} ** {draw(st.sampled_from(['2', '3', '0', '-1', '(-2)']))}"
    if kind == "call":
        return f"{draw(st.sampled_from(UNARY_SMOOTH))}({inner})"
    return f"({inner})" if kind == "grouped" else f"-{inner}"


# Away from 0, so that x / x does not turn into a cancellation of two huge partials.
POINTS = st.floats(-2.0, 2.0).filter(lambda v: abs(v) >= 0.05)


@settings(max_examples=150)
@given(smooth_expressions(), POINTS, POINTS)
def test_random_expressions_mean_what_sympy_reads(text: str, x: float, y: float) -> None:
    leaves = [Value(x), Value(y)]
    try:
        out = parse(text, ["x", "y"]).evaluate({"x": leaves[0], "y": leaves[1]})
        partials = grad(out, leaves)
    except (ValueError, ArithmeticError):  # refusals and domain errors: (-1) ** 0.5, 1 / 0
        assume(False)
        return
    assume(all(math.isfinite(v) and abs(v) < 1e8 for v in (out.data, *partials)))
    symbolic = sympy.parse_expr(text, local_dict={"x": X, "y": Y, **SYMPY_FUNCTIONS})
    point = {X: sympy.Float(x, 30), Y: sympy.Float(y, 30)}
    expected = [symbolic, sympy.diff(symbolic, X), sympy.diff(symbolic, Y)]
    for got, exact in zip([out.data, *partials], expected):
        assert got == pytest.approx(float(sympy.N(exact.subs(point), 30)), rel=1e-8, abs=1e-9)
