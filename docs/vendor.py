"""The browser files the site serves itself, installed from the npm registry with the versions
pinned in ``docs/package-lock.json`` (``npm ci``) and copied into the site:

- MathJax 3 (``mathjax``): typesets the maths of the lessons and pages; its fonts and extensions
  load from beside it.
- The Jupyter widget renderer (``@jupyter-widgets/html-manager``, the non-AMD ``embed.js``):
  draws the widgets saved in a lesson (sliders over backward-pass frames) from their saved state.

Each package's licence (or the package.json that names it) is copied with it.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from docs.build import DOCS, BuildError

NODE_MODULES = DOCS / "node_modules"
# Written into node_modules after a successful `npm ci`: the lock file's hash, so an unchanged
# lock installs once.
STAMP_NAME = ".autograd-lite-lock-sha256"
MATHJAX = NODE_MODULES / "mathjax"
WIDGETS = NODE_MODULES / "@jupyter-widgets" / "html-manager"
# What tex-chtml.js loads from beside it: TeX extensions it autoloads (for \color, \boldsymbol, ...),
# its fonts, and what its menu offers (accessibility explorer and speech, with the speech rule
# engine's maps, which it is told to read from here). The other combined builds, and latest.js,
# which asks CDNs for the newest version, stay out.
MATHJAX_PARTS = ("input/tex", "output/chtml", "ui", "a11y", "sre")


def vendor(folder: Path) -> None:
    """Copy MathJax and the widget renderer (with their licences) into ``folder``."""
    npm_ci(DOCS, "the site vendors MathJax and the widget renderer with it")
    mathjax = folder / "mathjax"
    mathjax.mkdir(parents=True)
    shutil.copyfile(MATHJAX / "es5" / "tex-chtml.js", mathjax / "tex-chtml.js")
    for part in MATHJAX_PARTS:
        shutil.copytree(MATHJAX / "es5" / part, mathjax / part)
    shutil.copyfile(MATHJAX / "LICENSE", mathjax / "LICENSE")
    widgets = folder / "widgets"
    # embed.js and the font files it names (loaded from beside it); the AMD builds need require.js
    # and the source maps only a debugger reads.
    shutil.copytree(WIDGETS / "dist", widgets, ignore=shutil.ignore_patterns("*.map", "*amd.js"))
    # The package ships no LICENSE file: its package.json names the licence (BSD-3-Clause) and the
    # authors, and embed.js.LICENSE.txt (copied with dist/) the licences of what it bundles.
    shutil.copyfile(WIDGETS / "package.json", widgets / "package.json")


def npm_ci(folder: Path, why: str) -> None:
    """``npm ci`` in ``folder``, unless its node_modules already holds exactly what its lock file
    names; ``why`` the packages are needed, for the error when npm is missing."""
    digest = hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()
    stamp = folder / "node_modules" / STAMP_NAME
    if stamp.exists() and stamp.read_text() == digest:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError(f"npm is missing; {why}: apt-get install npm")
    # --ignore-scripts: nothing we use needs an install script (font-awesome's only prints credits).
    result = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=folder,
                            capture_output=True, text=True)  # fmt: skip
    if result.returncode != 0:
        raise BuildError(f"npm ci in {folder.name}/ failed: {result.stderr.strip()[-1500:]}")
    stamp.write_text(digest)
