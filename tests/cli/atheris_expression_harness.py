"""Coverage-guided fuzzing of the command line's expression parser with atheris.

Run: python tests/fuzz/fuzz_expression.py -runs=200000 (libFuzzer flags). Any exception other
than the documented refusal, ExpressionError, or an op's own domain error is a crash."""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from autograd_lite import Value
    from autograd_lite.cli.expression import ExpressionError, parse

NAMES = ("x", "y", "z")
DOMAIN_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


def one_input(data: bytes) -> None:
    """Parse and evaluate one fuzzed text; refusals and domain errors are the only allowed failures."""
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(2048)
    try:
        expression = parse(text, NAMES)
    except ExpressionError:
        return
    try:
        expression.evaluate({"x": Value(0.5), "y": Value(-1.5), "z": Value(2.0)})
    except DOMAIN_ERRORS:
        return


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
