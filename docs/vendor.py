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
LOCK = DOCS / "package-lock.json"
# Written after a successful `npm ci`: the lock file's hash, so an unchanged lock installs once.
STAMP = NODE_MODULES / ".autograd-lite-docs-lock-sha256"
MATHJAX = NODE_MODULES / "mathjax"
WIDGETS = NODE_MODULES / "@jupyter-widgets" / "html-manager"
# What tex-chtml.js loads from beside it: TeX extensions it autoloads (for \color, \boldsymbol, ...),
# its fonts, and what its menu offers (accessibility explorer and speech, with the speech rule
# engine's maps, which it is told to read from here). The other combined builds, and latest.js,
# which asks CDNs for the newest version, stay out.
MATHJAX_PARTS = ("input/tex", "output/chtml", "ui", "a11y", "sre")


def vendor(folder: Path) -> None:
    """Copy MathJax and the widget renderer (with their licences) into ``folder``."""
    install()
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


def install() -> None:
    """``npm ci`` in docs/, unless node_modules already holds exactly what the lock file names."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is missing; the site vendors MathJax and the widget renderer with it: apt-get install npm")
    # --ignore-scripts: nothing we copy needs an install script (font-awesome's only prints credits).
    result = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=DOCS,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"npm ci in docs/ failed: {result.stderr.strip()[-1500:]}")
    STAMP.write_text(digest)
