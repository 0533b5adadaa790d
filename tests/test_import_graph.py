"""The packages import one way: no module of autograd_lite or nn imports, directly or through
others, a module that imports it back, whether at the top of a file or inside a function. The
only imports that point up are the three a Value makes when asked (``backward``, ``draw``,
pickling), which the layers contract in pyproject.toml names too. ``import autograd_lite`` loads
the engine alone: no pictures, no graphviz, no numpy."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd_lite", "nn")
UPWARD_AT_CALL_TIME = {
    ("autograd_lite.value", "autograd_lite.engine"),
    ("autograd_lite.value", "autograd_lite.pickling"),
    ("autograd_lite.value", "autograd_lite.pictures"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module of ours that ``name`` imports, anywhere in the file."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from x import y``: y is a module of ours or a name defined in x.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def test_no_module_imports_itself_back() -> None:
    modules = _modules()
    known = set(modules)
    graph = {
        name: {t for t in _imports(name, path, known) if (name, t) not in UPWARD_AT_CALL_TIME}
        for name, path in modules.items()
    }
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"an import cycle: {' -> '.join(error.args[1])}")


@pytest.mark.parametrize(
    ("package", "engine_parts"),
    [("autograd_lite", ("autograd_lite.tape", "autograd_lite.exercises", "autograd_lite.batched")), ("nn", ())],
)
def test_importing_a_package_loads_no_pictures_numpy_or_plots(package: str, engine_parts: tuple[str, ...]) -> None:
    script = (
        f"import sys, {package}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('graphviz', 'numpy', 'matplotlib') "
        f"or m.startswith('autograd_lite.pictures') or m in {engine_parts!r})\n"
        "print(loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
