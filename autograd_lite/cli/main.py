"""The ``autograd-lite`` command (also ``python -m autograd_lite``): differentiate a formula typed
on the command line, or train a small network on a toy dataset and look at the pictures.

    autograd-lite grad "(x + y) * z" x=-2 y=5 z=-4 [--hessian] [--graph g.svg] [--steps s.html]
    autograd-lite demo [--dataset moons] [--hidden 16,16] [--steps 100] [--out DIR]

Every error is one line on stderr, never a traceback: exit code 2 for bad usage (a refused
expression, a bad NAME=VALUE, a log of a negative number, more work than the bounds below allow),
1 for a failure (a file that cannot be written, Graphviz missing).

The work, the memory and the output of ``grad`` are bounded before any of it is done: at most
``MAX_NAMES`` names, ``--hessian`` for at most ``MAX_HESSIAN_NAMES`` of them, and ``--steps`` for
graphs of at most ``MAX_STEP_NODES`` nodes. ``demo`` is bounded the same way (``DemoOptions``:
widths, layers, parameters, steps and the whole run's work), and every message shows what the
user typed shortened.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TypeVar

from .. import __version__
from ..engine import backward, grad, hessian
from ..graph import topological_order
from ..pictures import GraphvizError, backward_steps, draw_graph, graphviz_available, save_animation
from ..pictures.render import INSTALL_HINT, SUFFIX_FORMATS
from ..text import format_number, quote, shorten
from ..value import Value
from .demo import (
    DATASETS,
    L2,
    LR_END,
    LR_START,
    MAX_HIDDEN_LAYERS,
    MAX_PARAMETERS,
    MAX_SEED,
    MAX_STEPS,
    MAX_WIDTH,
    MAX_WORK,
    NEURON_PASSES,
    SAMPLES,
    UPDATE_PASSES,
    DemoOptions,
    run,
    training_work,
)
from .expression import FUNCTIONS, MAX_LENGTH, ExpressionError, check_characters, check_name, parse

PROG = "autograd-lite"
Result = TypeVar("Result")

MAX_NAMES = (MAX_LENGTH + 1) // 2
"""The most NAME=VALUE pairs: names in a formula of MAX_LENGTH characters are separated by
operators, so it can use no more than this many."""

MAX_HESSIAN_NAMES = 100
"""The most names ``--hessian`` takes: its table has one row per name and one column per name,
so 100 names print 10,000 numbers (at most about 260 kB) from 100 passes."""

MAX_STEP_NODES = 50
"""The largest graph ``--steps`` draws: the page holds one picture of the whole graph per node,
so its size grows with the square of the node count (50 nodes: a page of about 7 MB)."""

MAX_MESSAGE = 200
"""The longest usage message argparse may print: it quotes what the user typed, which may be
anything (an unknown argument of a megabyte)."""


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


class Failure(Exception):
    """The command was fine but could not be carried out: reported in one line, exit code 1."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line naming the command and pointing at --help."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error in one line and exit with code 2."""
        hint = f"try '{self.prog} --help'"
        if "unrecognized arguments: -" in message or "expected one argument" in message:
            hint += "; an expression that starts with '-' goes after '--', as in: grad -- '-x*y' x=1 y=2"
        self.exit(2, f"{self.prog}: error: {shorten(message, MAX_MESSAGE)} ({hint})\n")


def parse_assignment(text: str) -> tuple[str, float]:
    """``"x=-2"`` -> ``("x", -2.0)``; UsageError for anything else."""
    try:
        check_characters(text)
    except ExpressionError as error:
        raise UsageError(f"a NAME=VALUE argument: {error}") from None
    name, equals, number = text.partition("=")
    if not equals:
        raise UsageError(f"expected NAME=VALUE after the expression, got {quote(text)}")
    try:
        name = check_name(name.strip())
    except ExpressionError as error:
        raise UsageError(f"in {quote(text)}: {error}") from None
    try:
        value = float(number)
    except ValueError:
        raise UsageError(f"in {quote(text)}: {quote(number)} is not a number") from None
    if not math.isfinite(value):
        raise UsageError(f"in {quote(text)}: the value must be a finite number")
    return name, value


def run_grad(args: argparse.Namespace) -> int:
    """Print f and df/dname for each name, and the Hessian or pictures when asked."""
    _check_name_count(len(args.assignments), args.hessian)
    assignments = [parse_assignment(text) for text in args.assignments]
    names = [name for name, _ in assignments]
    _refuse_repeated(names)
    graph_path = _output_path(args.graph, tuple(SUFFIX_FORMATS), "--graph")
    steps_path = _output_path(args.steps, (".html", ".htm"), "--steps")
    expression = parse(args.expression, names)
    leaves = [Value(value, label=name) for name, value in assignments]
    output = _domain_checked("", lambda: expression.evaluate(dict(zip(names, leaves))))
    if steps_path is not None:
        _check_step_count(output)
    if not output.is_leaf:
        output.label = "f"
    partials = _domain_checked("gradient", lambda: grad(output, leaves))
    lines = [f"f = {format_number(output.data)}"]
    lines += [f"df/d{name} = {format_number(g)}" for name, g in zip(names, partials)]
    if args.hessian:
        matrix = _domain_checked("hessian", lambda: hessian(output, leaves))
        lines += _matrix_lines(names, matrix)
    print("\n".join(lines), flush=True)
    if graph_path is not None:
        _write_graph(output, graph_path)
    if steps_path is not None:
        _write_steps(output, args.expression, steps_path)
    return 0


def _check_name_count(count: int, with_hessian: bool) -> None:
    """Refuse more names than any formula can use, or than a Hessian table can sensibly show."""
    if count > MAX_NAMES:
        raise UsageError(
            f"{count:,} NAME=VALUE pairs: the limit is {MAX_NAMES}, as many names as an expression "
            f"of {MAX_LENGTH:,} characters can use"
        )
    if with_hessian and count > MAX_HESSIAN_NAMES:
        raise UsageError(
            f"--hessian with {count} names would print a {count} x {count} table: "
            f"the limit is {MAX_HESSIAN_NAMES} names"
        )


def _refuse_repeated(names: Sequence[str]) -> None:
    """Refuse the first name given twice (in one pass over the names: 500 of them stay instant)."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UsageError(f"{name} is given more than once")
        seen.add(name)


def _check_step_count(output: Value) -> None:
    """Refuse --steps for a graph whose page (one picture of the whole graph per node) would be huge."""
    nodes = len(topological_order(output))
    if nodes > MAX_STEP_NODES:
        raise UsageError(
            f"--steps: the graph has {nodes} nodes and the page draws all of them once per node; "
            f"the limit is {MAX_STEP_NODES} nodes (--graph draws it once)"
        )


def _domain_checked(stage: str, compute: Callable[[], Result]) -> Result:
    """Run ``compute``; an arithmetic domain error (log of -1, 1/0, overflow) is bad usage."""
    try:
        return compute()
    except ExpressionError as error:
        raise UsageError(str(error)) from None
    except (ValueError, ArithmeticError) as error:
        prefix = f"{stage}: " if stage else ""
        raise UsageError(f"{prefix}{error}") from None


def _matrix_lines(names: Sequence[str], matrix: Sequence[Sequence[float]]) -> list[str]:
    """The Hessian as a table with the names along both edges, columns right-aligned."""
    cells = [[format_number(x) for x in row] for row in matrix]
    width = max([len(n) for n in names] + [len(c) for row in cells for c in row], default=1)
    label = max((len(n) for n in names), default=1)
    header = " " * label + "".join(f"  {n:>{width}}" for n in names)
    rows = [f"{n:<{label}}" + "".join(f"  {c:>{width}}" for c in row) for n, row in zip(names, cells)]
    return ["Hessian (d2f / d row d column):", header, *rows]


def _output_path(text: str | None, suffixes: Sequence[str], option: str) -> Path | None:
    """The path given to an output option, checked for a known suffix before any work is done."""
    if text is None:
        return None
    path = Path(text)
    if path.suffix.lower() not in suffixes:
        raise UsageError(f"{option} {quote(text)}: the file name must end in {', '.join(suffixes)}")
    return path


def _write_graph(output: Value, path: Path) -> None:
    """Draw the graph (after a backward pass, so every node shows its gradient) into ``path``."""
    if SUFFIX_FORMATS[path.suffix.lower()] != "dot" and not graphviz_available():
        raise Failure(f"--graph {path}: Graphviz's 'dot' program was not found; {INSTALL_HINT}")
    backward(output)
    _write(path, lambda: draw_graph(output, edge_labels=True).save(path))


def _write_steps(output: Value, text: str, path: Path) -> None:
    """Write the backward pass of ``output`` as a web page with one picture per step."""
    if not graphviz_available():
        raise Failure(f"--steps {path}: Graphviz's 'dot' program was not found; {INSTALL_HINT}")
    frames = backward_steps(output, edge_labels=True)
    _write(path, lambda: save_animation(frames, path, title=f"The backward pass of f = {text}"))


def _write(path: Path, save: Callable[[], object]) -> None:
    """Run ``save``, turning an OS error into a one-line Failure, and say where the file went."""
    try:
        save()
    except OSError as error:
        raise Failure(f"cannot write {path}: {error.strerror or error}") from None
    except GraphvizError as error:
        raise Failure(str(error)) from None
    print(f"wrote {path}", file=sys.stderr)


def run_demo(args: argparse.Namespace) -> int:
    """Train the demo network and write its pictures, once the options are within the bounds."""
    try:
        options = DemoOptions(
            dataset=args.dataset,
            hidden=args.hidden,
            steps=args.steps,
            batch_size=args.batch_size,
            seed=args.seed,
            out=Path(args.out),
            progress=not args.no_progress,
        )
    except ValueError as error:
        raise UsageError(str(error)) from None
    try:
        run(options)  # nn and matplotlib are imported only now
    except OSError as error:
        raise Failure(f"cannot write into {args.out}: {error.strerror or error}") from None
    except (FloatingPointError, GraphvizError) as error:
        # Training that diverges to NaN, or a dot program that fails: nothing the options can fix.
        raise Failure(str(error)) from None
    return 0


def _hidden_sizes(text: str) -> tuple[int, ...]:
    """``"16,16"`` -> ``(16, 16)``: each hidden layer's width (DemoOptions checks the bounds)."""
    try:
        return tuple(_whole_number(part) for part in text.split(","))
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(f"{error}; give widths such as 16,16") from None


def _whole_number(text: str) -> int:
    """A whole number as typed (DemoOptions checks its range); the error quotes the text shortened."""
    try:
        return int(text)
    except ValueError:
        digits = text.strip().lstrip("+-").replace("_", "")
        if digits.isdecimal():
            # int() refuses more than 4,300 digits, far beyond every bound of the demo.
            raise argparse.ArgumentTypeError(f"a number of {len(digits):,} digits is far too large") from None
        raise argparse.ArgumentTypeError(f"{quote(text)} is not a whole number") from None


GRAD_DESCRIPTION = f"""\
Evaluate EXPR at the point given by the NAME=VALUE pairs and print f and df/dNAME
for every NAME (in the order given).

EXPR may use numbers, the NAMEs, + - * / ** (right-associative), unary -,
parentheses, and the functions
  {" ".join(FUNCTIONS)}
Anything else (attributes, other calls, subscripts, strings, ...) is refused;
nothing is ever passed to eval."""

GRAD_EPILOG = f"""\
examples:
  {PROG} grad "(x + y) * z" x=-2 y=5 z=-4
  {PROG} grad "tanh(x*w + b)" x=1 w=0.5 b=0.1 --hessian --graph neuron.svg
  {PROG} grad -- "-x*y" x=1 y=2        (an EXPR starting with '-' goes after --)"""


def _most_steps(batch_size: int | None) -> int:
    """The most steps micrograd's 16,16 network may take at this batch size."""
    return min(MAX_STEPS, MAX_WORK // training_work((16, 16), 1, batch_size))


DEMO_DESCRIPTION = f"""\
Train an MLP on a toy 2-D dataset ({SAMPLES} points; hinge loss + {L2:g} * sum p**2, SGD with the
learning rate falling linearly from {LR_START} to {LR_END}), print the final loss and accuracy,
and write decision_boundary.png, loss.png and graph.svg (one sample's loss) into --out.
The defaults reproduce micrograd's demo. graph.svg needs Graphviz (else graph.dot).

Bounds, checked before anything is built (beyond them a run is refused in one line, exit
code 2): at most {MAX_HIDDEN_LAYERS} hidden layers of 1 to {MAX_WIDTH} units and {MAX_PARAMETERS:,} parameters in all;
1 to {MAX_STEPS:,} steps; a batch size of 1 to {SAMPLES}; and at most {MAX_WORK:,} parameter passes,
a few minutes of training. A run makes
  steps x ({SAMPLES} x (parameters + {NEURON_PASSES} x neurons) + updates per step x {UPDATE_PASSES} x parameters)
of them: micrograd's 16,16 network may take {_most_steps(None):,} steps at full batch and
{_most_steps(1):,} at a batch size of 1."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its two subcommands, grad and demo."""
    parser = OneLineParser(
        prog=PROG,
        description="autograd-lite: a scalar reverse-mode autodiff engine you can read and see.",
        epilog=f"Run '{PROG} COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    commands.required = True
    _add_grad_command(commands.add_parser)
    _add_demo_command(commands.add_parser)
    return parser


def _add_grad_command(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    grad_parser = add_parser(
        "grad",
        help="print a formula's value and partial derivatives",
        description=GRAD_DESCRIPTION,
        epilog=GRAD_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grad_parser.add_argument("expression", metavar="EXPR", help='the formula, quoted, e.g. "tanh(x*w + b)"')
    grad_parser.add_argument("assignments", metavar="NAME=VALUE", nargs="*", help="the point, e.g. x=-2")
    grad_parser.add_argument(
        "--hessian", action="store_true", help="also print the matrix of second derivatives"
    )
    grad_parser.add_argument(
        "--graph", metavar="FILE", help="draw the graph: .svg .png .pdf (these need Graphviz) or .dot"
    )
    grad_parser.add_argument(
        "--steps",
        metavar="FILE.html",
        help="write the backward pass step by step as a web page (needs Graphviz)",
    )
    grad_parser.set_defaults(run=run_grad)


def _add_demo_command(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    demo_parser = add_parser(
        "demo",
        help="train a small MLP on a toy dataset and draw the results",
        description=DEMO_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo_parser.add_argument(
        "--dataset",
        default="moons",
        metavar="{" + ",".join(DATASETS) + "}",
        help="the data (default: moons)",
    )
    demo_parser.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=(16, 16),
        metavar="W,W",
        help=f"hidden layer widths, 1 to {MAX_WIDTH} each, at most {MAX_HIDDEN_LAYERS} layers (default: 16,16)",
    )
    demo_parser.add_argument(
        "--steps",
        type=_whole_number,
        default=100,
        metavar="N",
        help=f"passes over the data, 1 to {MAX_STEPS:,} (default: 100); each is one update at full batch",
    )
    demo_parser.add_argument(
        "--batch-size",
        type=_whole_number,
        default=None,
        metavar="N",
        help=f"samples per update, 1 to {SAMPLES} (default: all of them)",
    )
    demo_parser.add_argument(
        "--seed",
        type=_whole_number,
        default=1337,
        help=f"seed for data, weights and shuffles, at most {len(str(MAX_SEED))} digits (default: 1337)",
    )
    demo_parser.add_argument(
        "--out",
        default="autograd-lite-demo",
        metavar="DIR",
        help="where the pictures go (default: ./autograd-lite-demo)",
    )
    demo_parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    demo_parser.set_defaults(run=run_demo)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 bad usage)."""
    args = build_parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.run
    try:
        return command(args)
    except (UsageError, ExpressionError) as error:
        return _report(error, 2)
    except Failure as error:
        return _report(error, 1)
    except KeyboardInterrupt:
        return _report("interrupted", 130)
    except BrokenPipeError:
        # The reader went away (as with `| head`); point stdout at /dev/null so exit stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:
        if os.environ.get("AUTOGRAD_LITE_TRACEBACK"):
            raise
        return _report(
            f"internal error: {type(error).__name__}: {error} (set AUTOGRAD_LITE_TRACEBACK=1 to see where)", 1
        )


def _report(error: Exception | str, code: int) -> int:
    message = " ".join(str(error).split())
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code
