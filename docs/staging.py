"""Gather everything the site is built from into one staging folder (mkdocs' docs_dir).

- the hand-written pages in ``docs/`` (``*.md``, with the pictures beside them, so the same
  relative links work on GitHub and on the site), and ``docs/assets/``;
- every lesson found by glob under ``notebooks/`` (solutions included), as committed: the site
  renders their saved outputs and never runs them;
- ``bench/results.md`` as the speed section's full results, with any picture it links;
- a playground run trained now and saved with ``Playground.save_html``;
- the browser files vendored from the npm registry (``vendor``).

Nothing here is written into the repository.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from docs.build import DOCS, REPOSITORY, BuildError
from docs.vendor import vendor

NOTEBOOKS = REPOSITORY / "notebooks"
BENCH_RESULTS = REPOSITORY / "bench" / "results.md"
# What of docs/ is site material; the rest (the build's code, npm's files, the in-browser
# lessons' own sources) is not.
PAGE_SUFFIXES = {".md", ".svg", ".png", ".html", ".css", ".js"}
NOT_PAGES = {"node_modules", "lite", "__pycache__"}
# The saved widget models a static page can draw: the core widgets, which the vendored
# renderer carries. Any other module's models (ipyevents' mouse events, in lesson 11) forward
# events to a kernel, which a static page does not have.
STATIC_WIDGET_MODULES = ("@jupyter-widgets/base", "@jupyter-widgets/controls", "@jupyter-widgets/output")
PICTURE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


def stage(staging: Path) -> list[tuple[str, str]]:
    """Fill ``staging`` with the site's sources; return each lesson's (title, page path) in order."""
    _copy_pages(staging)
    lessons = _copy_lessons(staging / "lessons")
    _copy_bench_results(staging / "speed")
    _save_playground_run(staging / "playground" / "run.html")
    vendor(staging / "assets" / "vendor")
    return lessons


def _copy_pages(staging: Path) -> None:
    for source in sorted(DOCS.rglob("*")):
        relative = source.relative_to(DOCS)
        if source.is_file() and source.suffix in PAGE_SUFFIXES and not NOT_PAGES.intersection(relative.parts):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def lesson_notebooks() -> list[Path]:
    """Every lesson under notebooks/, in name order, top-level lessons before sub-folders (solutions)."""
    found = [p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    return sorted(found, key=lambda p: (len(p.relative_to(NOTEBOOKS).parts), p.relative_to(NOTEBOOKS).as_posix()))


def lesson_title(notebook: dict[str, Any], fallback: str) -> str:
    """The lesson's first level-1 heading, as its title in the site's navigation."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _copy_lessons(folder: Path) -> list[tuple[str, str]]:
    lessons = []
    for source in lesson_notebooks():
        relative = source.relative_to(NOTEBOOKS)
        notebook = json.loads(source.read_text(encoding="utf-8"))
        _keep_static_widgets(notebook)
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(notebook), encoding="utf-8")
        lessons.append((lesson_title(notebook, source.stem), f"lessons/{relative.as_posix()}"))
    if not lessons:
        raise BuildError(f"no lessons found under {NOTEBOOKS}")
    return lessons


def _keep_static_widgets(notebook: dict[str, Any]) -> None:
    """Drop saved widget models that only a live kernel can use (see STATIC_WIDGET_MODULES)."""
    state = notebook.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json")
    if state:
        state["state"] = {
            key: model for key, model in state["state"].items() if model.get("model_module") in STATIC_WIDGET_MODULES
        }


def _copy_bench_results(folder: Path) -> None:
    """bench/results.md as the speed section's full results, with every picture it links beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    text = BENCH_RESULTS.read_text(encoding="utf-8")
    (folder / "results.md").write_text(text, encoding="utf-8")
    for link in PICTURE_LINK.findall(text):
        if "://" not in link:
            target = folder / link
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(BENCH_RESULTS.parent / link, target)


def _save_playground_run(path: Path) -> None:
    """A playground run trained at build time and saved as one self-contained page."""
    try:
        from nn import Playground
    except ImportError as error:
        raise BuildError(f"the playground needs {error.name}: pip install -e '.[playground]'") from error

    playground = Playground("spirals", n_points=200, noise=0.1, hidden=[8, 8], activation="tanh", lr=0.03,
                            optimizer="adam", batch_size=10, seed=0)
    playground.step(120)
    path.parent.mkdir(parents=True, exist_ok=True)
    # 61 frames: every second epoch, the first and the last included.
    playground.save_html(path, max_frames=61)
