"""Build the lessons that run in a browser tab: a JupyterLite site with the Pyodide kernel that
serves every file itself (Pyodide, the wheels its kernel needs, autograd-lite's own wheel, Graphviz
compiled to WebAssembly for the pictures), so a student opens a link and runs a lesson with nothing
installed and no request to another host.

    python -m docs.lite_build --out site/lite     # this site alone
    python -m docs build                          # with the documentation site: build(site_dir)

What goes in, and from where:
- ``docs/lite/package.json`` and its lock (``npm ci``): Pyodide, at the version the kernel names,
  and ``@viz-js/viz``. Pyodide's npm package has the interpreter and its lock file but no
  packages: the pure-Python wheels the kernel loads from that lock (micropip, IPython and its
  dependencies, jedi, parso) come from PyPI at the lock's versions, and the lock's checksums are
  rewritten to the files shipped (Pyodide's own builds of them differ byte for byte).
- ``docs/lite/piplite-requirements.txt`` (PyPI, hashes checked) and autograd-lite's wheel, built
  from this checkout: served by piplite, with the PyPI fallback turned off.
- The lessons that need only autograd_lite, nn and the standard library (read from each
  notebook's imports, so a new lesson that keeps to them is offered by itself), outputs cleared;
  the page ``lessons.html`` lists them and links every other lesson to its rendered page.

Every build starts from an empty folder: an incremental ``jupyter lite build`` was seen to drop
the local Pyodide setting silently and load Pyodide from a CDN again.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docs.build import BuildError as SiteBuildError
from docs.vendor import npm_ci

ROOT = Path(__file__).resolve().parent.parent
LITE = ROOT / "docs" / "lite"
NOTEBOOKS = ROOT / "notebooks"
NODE_MODULES = LITE / "node_modules"

# Where a lesson the browser cannot run is read instead: its page on the documentation site,
# relative to this site's own folder (site/lite/ beside site/lessons/).
RENDERED_LESSON = "../lessons/{stem}/"

# The modules a browser lesson may import: Pyodide serves these and nothing else.
BROWSER_MODULES = frozenset(sys.stdlib_module_names) | {"autograd_lite", "nn", "IPython", "piplite"}

# The first cell of every browser lesson (the notebooks carry it; a lesson without it gets it here).
INSTALL_CELL = """\
import sys
if sys.platform == "emscripten":  # in a browser tab (JupyterLite): install autograd-lite from this site
    import piplite
    await piplite.install("autograd-lite")"""

# What the kernel loads from Pyodide's lock at start, with their dependencies (read from the lock).
KERNEL_PACKAGES = ("micropip", "ipython", "jedi", "parso")
# The files of Pyodide's npm package that run it (the rest are types, maps and demo pages).
PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
# Graphviz in WebAssembly, one ES module, and where the pictures module looks for it in the site.
VIZ_MODULE = NODE_MODULES / "@viz-js" / "viz" / "dist" / "viz.js"
VIZ_SITE_PATH = "static/graphviz/viz.js"
# The page that lists the lessons (index.html stays JupyterLite's own: its pages read their
# configuration from it).
LESSONS_PAGE = "lessons.html"
PIPLITE_REQUIREMENTS = LITE / "piplite-requirements.txt"
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"


class BuildError(SiteBuildError):
    """A step of the build failed; the message names the step and what to do (``python -m docs
    build`` prints it as its one line on stderr)."""


@dataclass(frozen=True)
class Lesson:
    """A notebook of notebooks/, and whether it runs in the browser (else why not)."""

    path: Path
    foreign_imports: tuple[str, ...]

    @property
    def offered(self) -> bool:
        return not self.foreign_imports


def normalized(name: str) -> str:
    """A distribution name as package indexes compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _run(step: str, command: list[str], cwd: Path = ROOT) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-4000:]
        raise BuildError(f"{step}: {' '.join(command[:4])} ... failed with exit code {result.returncode}:\n{output}")


def _installed_npm_version(package: str) -> str | None:
    manifest = NODE_MODULES / package / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else None


def _kernel_pyodide_version() -> str:
    try:
        from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION
    except ImportError:
        raise BuildError('jupyterlite-pyodide-kernel is not installed: pip install -e ".[lite]"') from None
    version: str = PYODIDE_VERSION
    return version


def _pip_download(step: str, destination: Path, arguments: list[str], python_version: str) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
        "--python-version", python_version, "--implementation", "py", "--abi", "none", "--platform", "any",
        "--dest", str(destination), *arguments,
    ]
    _run(step, command)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _wheel_name(path: Path) -> str:
    return normalized(path.name.split("-")[0])


def lock_closure(packages: dict[str, dict[str, object]], roots: tuple[str, ...]) -> list[str]:
    """The lock's names of ``roots`` and of everything they depend on, per the lock."""
    seen: list[str] = []
    pending = [normalized(root) for root in roots]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        if name not in packages:
            raise BuildError(f"Pyodide's lock has no package {name!r} (needed by the kernel)")
        seen.append(name)
        depends = packages[name].get("depends", [])
        assert isinstance(depends, list)
        pending.extend(normalized(str(dependency)) for dependency in depends)
    return sorted(seen)


def python_version(lock: dict[str, Any]) -> str:
    """The Python of a Pyodide lock as pip names a version to download for: major.minor."""
    return ".".join(str(lock["info"]["python"]).split(".")[:2])


def ship_pyodide(target: Path, expected_version: str) -> dict[str, Any]:
    """Copy Pyodide's core into ``target`` with the kernel's wheels from PyPI, and a lock that lists
    exactly those wheels with their own checksums; returns that lock."""
    source = NODE_MODULES / "pyodide"
    installed = _installed_npm_version("pyodide")
    if installed != expected_version:
        raise BuildError(
            f"docs/lite/package.json installs pyodide {installed}, but jupyterlite-pyodide-kernel needs "
            f"{expected_version}: pin that version there and run npm install --package-lock-only in docs/lite"
        )
    target.mkdir(parents=True)
    for name in PYODIDE_CORE:
        shutil.copy2(source / name, target / name)
    lock: dict[str, Any] = json.loads((source / "pyodide-lock.json").read_text())
    packages = lock["packages"]
    names = lock_closure(packages, KERNEL_PACKAGES)
    _pip_download(
        "the kernel's wheels from PyPI", target,
        [f"{packages[name]['name']}=={packages[name]['version']}" for name in names], python_version(lock),
    )
    shipped: dict[str, object] = {}
    for wheel in sorted(target.glob("*.whl")):
        entry = dict(packages[_wheel_name(wheel)])
        entry["file_name"] = wheel.name
        entry["sha256"] = _sha256(wheel)
        shipped[_wheel_name(wheel)] = entry
    missing = sorted(set(names) - set(shipped))
    if missing:
        raise BuildError(f"PyPI gave no wheel for {', '.join(missing)} (Pyodide's lock lists them)")
    lock["packages"] = shipped
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))
    return lock


def piplite_wheels(target: Path, python_version: str) -> list[Path]:
    """autograd-lite's wheel, built from this checkout, and the pinned wheels it serves beside it."""
    _run("autograd-lite's wheel", [sys.executable, "-m", "build", "--wheel", "--outdir", str(target), str(ROOT)])
    _pip_download(
        "the piplite wheels from PyPI", target, ["--require-hashes", "-r", str(PIPLITE_REQUIREMENTS)], python_version
    )
    return sorted(target.glob("*.whl"))


def imported_modules(source: str) -> set[str]:
    """The top-level modules a notebook cell imports (IPython's ``%`` and ``!`` lines left out)."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    tree = compile(code, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def _code_cells(notebook: dict[str, object]) -> list[dict[str, object]]:
    cells = notebook["cells"]
    assert isinstance(cells, list)
    return [cell for cell in cells if cell["cell_type"] == "code"]


def _source(cell: dict[str, object]) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else str(source)


def lessons(folder: Path = NOTEBOOKS) -> list[Lesson]:
    """Every notebook in ``folder``, with the modules it imports that the browser has not."""
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        modules = set().union(*(imported_modules(_source(cell)) for cell in _code_cells(notebook)))
        found.append(Lesson(path, tuple(sorted(modules - BROWSER_MODULES))))
    return found


def has_install_cell(notebook: dict[str, object]) -> bool:
    """True when the notebook's first code cell installs autograd-lite under Pyodide."""
    cells = _code_cells(notebook)
    return bool(cells) and 'piplite.install("autograd-lite")' in _source(cells[0])


def browser_copy(path: Path) -> tuple[dict[str, object], bool]:
    """The lesson as the browser gets it: outputs cleared (the student runs it), and the install
    cell first; and whether that cell had to be added."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in _code_cells(notebook):
        cell["outputs"] = []
        cell["execution_count"] = None
    added = not has_install_cell(notebook)
    if added:
        cells = notebook["cells"]
        assert isinstance(cells, list)
        cells.insert(0, {
            "cell_type": "code", "execution_count": None, "id": "install-autograd-lite",
            "metadata": {}, "outputs": [], "source": INSTALL_CELL.splitlines(keepends=True),
        })
    return notebook, added


def lessons_page(found: list[Lesson]) -> str:
    """The list of lessons: each lesson, opened in the browser or linked to its rendered page."""
    rows = []
    for lesson in found:
        stem = html.escape(lesson.path.stem)
        if lesson.offered:
            rows.append(f'<li><a href="notebooks/index.html?path={stem}.ipynb">{stem}</a> runs here</li>')
        else:
            needs = html.escape(", ".join(lesson.foreign_imports))
            link = html.escape(RENDERED_LESSON.format(stem=lesson.path.stem))
            rows.append(f'<li><a href="{link}">{stem}</a> (read it rendered: it needs {needs})</li>')
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>autograd-lite lessons in your browser</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;line-height:1.5}</style>"
        "</head><body><h1>autograd-lite lessons in your browser</h1>"
        "<p>These lessons run in this tab: Python (Pyodide) starts in the page in a few seconds, nothing is "
        "installed on your machine and nothing is sent anywhere. Open one and choose "
        "<em>Run &rarr; Run All Cells</em>, or run its cells one by one. "
        "The whole workspace is <a href=\"lab/index.html\">JupyterLab</a>.</p>"
        f"<ul>\n{chr(10).join(rows)}\n</ul></body></html>\n"
    )


def _kernel_extension() -> Path:
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("labextensions"):
        candidate = Path(folder) / KERNEL_EXTENSION
        if (candidate / "package.json").exists():
            return candidate
    raise BuildError(f"the labextension {KERNEL_EXTENSION} is missing: pip install -e \".[lite]\"")


def lite_config() -> dict[str, object]:
    """jupyter-lite.json: the Pyodide kernel installs only from this site."""
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "autograd-lite lessons",
            "litePluginSettings": {
                f"{KERNEL_EXTENSION}:kernel": {"disablePyPIFallback": True},
            },
        },
    }


def build_config(contents: Path, wheels: list[Path]) -> dict[str, object]:
    """jupyter_lite_config.json: what ``jupyter lite build`` puts in the site."""
    return {
        "LiteBuildConfig": {
            "contents": [str(contents)],
            "apps": ["lab", "notebooks"],
            "no_sourcemaps": True,
            "no_unused_shared_packages": True,
            # Only the kernel's extension, whatever else this Python environment has installed.
            "ignore_sys_prefix": ["federated_extensions"],
            "federated_extensions": [str(_kernel_extension())],
        },
        "PipliteAddon": {"piplite_urls": [str(wheel) for wheel in wheels]},
    }


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def build_lite(out: Path) -> list[Lesson]:
    """Build the browser lessons site into ``out`` (emptied first); returns the lessons it read."""
    found = lessons()
    pyodide_version = _kernel_pyodide_version()
    npm_ci(LITE, "the browser lessons serve Pyodide and Graphviz from it")
    if out.exists():
        shutil.rmtree(out)
    with tempfile.TemporaryDirectory(prefix="lite-build-") as scratch:
        lite_dir = Path(scratch) / "lite"
        files = lite_dir / "files"
        files.mkdir(parents=True)
        lock = ship_pyodide(lite_dir / "static" / "pyodide", pyodide_version)
        wheels = piplite_wheels(Path(scratch) / "wheels", python_version(lock))
        added = []
        for lesson in found:
            if lesson.offered:
                notebook, was_added = browser_copy(lesson.path)
                (files / lesson.path.name).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
                if was_added:
                    added.append(lesson.path.stem)
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite_config(), indent=2))
        (lite_dir / "jupyter_lite_config.json").write_text(json.dumps(build_config(files, wheels), indent=2))
        command = [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir), "--output-dir", str(out)]
        _run("jupyter lite build", command, cwd=lite_dir)
    viz = out / VIZ_SITE_PATH
    viz.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(VIZ_MODULE, viz)
    (out / LESSONS_PAGE).write_text(lessons_page(found), encoding="utf-8")
    offered = [lesson.path.stem for lesson in found if lesson.offered]
    print(f"lite: {len(offered)} lessons run in the browser: {', '.join(offered)}")
    if added:
        print(f"lite: added the install cell to {', '.join(added)} (the notebooks lack it)")
    print(f"lite: Pyodide {pyodide_version} with {len(lock['packages'])} kernel wheels (its lock rewritten), "
          f"{len(wheels)} wheels for piplite: {', '.join(wheel.name for wheel in wheels)}")
    return found


def build(site_dir: Path) -> None:
    """Build the browser lessons into ``site_dir / "lite"`` (the documentation build calls this)."""
    build_lite(Path(site_dir) / "lite")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the JupyterLite site of the browser lessons.")
    parser.add_argument("--out", type=Path, default=ROOT / "site" / "lite", help="output folder (emptied first)")
    arguments = parser.parse_args(argv)
    started = time.monotonic()
    try:
        build_lite(arguments.out)
    except SiteBuildError as error:  # ours, and the npm step's
        print(f"lite_build: {error}", file=sys.stderr)
        return 2
    print(f"lite: built {arguments.out} ({_size(arguments.out) / 1e6:.1f} MB) in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
