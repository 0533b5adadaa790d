"""The browser lessons site (JupyterLite with the Pyodide kernel) in a real browser, offline: built
with the documentation site by the one command (``python -m docs build``, which calls
docs/lite_build.py), served on 127.0.0.1 by the test, opened in headless Chromium that can
resolve no other host. Lesson 01 runs all its cells as a
student would (Run > Run All Cells), prints the worked example's gradients and the same text as
under CPython, draws its graph with Graphviz in WebAssembly, logs no console error, and no request
of the page or of its workers leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docs import lite_build
from tests.browser.conftest import start_chromium
from tests.browser.static_site import requested_urls

pytestmark = pytest.mark.slow

LESSON = "01_chain_rule"
SVG = "{http://www.w3.org/2000/svg}"
# Every wait is bounded: the page and the notebook appear in seconds, Pyodide's first start takes
# about 15 s, and the lesson's cells a few more.
PAGE_SECONDS = 60.0
RUN_SECONDS = 180.0


def _wait(what: str, seconds: float, check: Any) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:.0f} s for {what}", pytrace=False)
        time.sleep(0.25)


CELL_OUTPUTS = """
return Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell')).map(cell => {
  const texts = (mime) => Array.from(cell.querySelectorAll(`.jp-OutputArea-output[data-mime-type="${mime}"]`))
    .map(e => e.textContent).join('');
  return {
    prompt: ((cell.querySelector('.jp-InputPrompt') || {}).textContent || '').trim(),
    stdout: texts('application/vnd.jupyter.stdout'),
    stderr: texts('application/vnd.jupyter.stderr'),
    svgs: Array.from(cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="image/svg+xml"] img')).map(e => e.src),
    plain: texts('text/plain'),
  };
});
"""


def _click_menu(browser: Any, menu: str, item: str) -> None:
    from selenium.webdriver.common.by import By

    bar = _wait(f"the {menu} menu", PAGE_SECONDS, lambda: [
        e for e in browser.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel") if e.text == menu
    ])
    bar[0].click()
    entry = _wait(f"{menu} > {item}", PAGE_SECONDS, lambda: [
        e for e in browser.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel") if e.text == item
    ])
    entry[0].click()


def _numbered(cell: dict[str, Any]) -> bool:
    return re.fullmatch(r"\[\d+\]:", cell["prompt"]) is not None


def _run_from(browser: Any, index: int) -> list[dict[str, Any]]:
    """Wait for a run that starts at code cell ``index`` to stop."""

    def stopped() -> list[dict[str, Any]] | None:
        cells: list[dict[str, Any]] = browser.execute_script(CELL_OUTPUTS)
        running = any(cell["prompt"] == "[*]:" for cell in cells)
        return None if running or not _numbered(cells[index]) else cells

    cells: list[dict[str, Any]] = _wait(f"the lesson to run from code cell {index}", RUN_SECONDS, stopped)
    return cells


def run_all_cells(browser: Any, failing: list[bool]) -> tuple[list[dict[str, Any]], list[int]]:
    """Run every cell of the open notebook from the menu, as a student would; returns each code
    cell's outputs and the cells that failed. Only the cells marked in ``failing`` (a lesson's
    exercises, which raise until they are answered) may fail. JupyterLab shows an error as text on
    stderr and stops Run All after it, so a cell failed where the run stopped after it (or where
    its text is a traceback); the run then goes on from the next cell (Run Selected Cell and All
    Below)."""
    from selenium.webdriver.common.by import By

    _wait("the notebook's cells", PAGE_SECONDS, lambda: browser.execute_script(CELL_OUTPUTS))
    _click_menu(browser, "Run", "Run All Cells")
    cells = _run_from(browser, 0)
    stops = []
    while not all(_numbered(cell) for cell in cells):
        stop = next(index for index, cell in enumerate(cells) if not _numbered(cell))
        if not failing[stop - 1]:
            pytest.fail(f"code cell {stop - 1} of the lesson failed:\n{cells[stop - 1]['stderr'][-3000:]}", pytrace=False)
        stops.append(stop - 1)
        prompt = browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell .jp-InputPrompt")[stop]
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", prompt)
        prompt.click()
        _click_menu(browser, "Run", "Run Selected Cell and All Below")
        cells = _run_from(browser, stop)
    tracebacks = [index for index, cell in enumerate(cells) if "Traceback (most recent call last)" in cell["stderr"]]
    return cells, sorted(set(stops) | set(tracebacks))


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
# A line that says its number changes from run to run (lesson 10 shows an engine that keeps a
# node's children in a set, whose order follows the objects' addresses): its words must match.
VARYING = "another may give another number"


def same_printout(shown: str, expected: str) -> bool:
    """True when two printouts have the same text and the same numbers, to the last bits of a
    float (the browser's maths library rounds a few last bits differently from the C library)."""
    shown_lines, expected_lines = shown.splitlines(), expected.splitlines()
    if len(shown_lines) != len(expected_lines):
        return False
    for line, wanted in zip(shown_lines, expected_lines, strict=True):
        if _NUMBER.split(line) != _NUMBER.split(wanted):
            return False
        if VARYING in wanted:
            continue
        pairs = zip(_NUMBER.findall(line), _NUMBER.findall(wanted), strict=True)
        if not all(math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12) for a, b in pairs):
            return False
    return True


def assert_same_printouts(outputs: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Each code cell printed in the browser what it prints under CPython."""
    assert len(outputs) == len(expected)
    for index, (shown, wanted) in enumerate(zip(outputs, expected, strict=True)):
        assert same_printout(shown["stdout"], wanted["stdout"]), (
            f"code cell {index} printed in the browser:\n{shown['stdout']}\nand under CPython:\n{wanted['stdout']}"
        )


def cpython_outputs(notebook: Path) -> list[dict[str, Any]]:
    """What each code cell of the browser's copy of ``notebook`` prints, and whether it fails,
    when Jupyter runs it under CPython here (where the install cell does nothing)."""
    import nbformat
    from nbclient import NotebookClient

    executed = nbformat.reads(json.dumps(lite_build.browser_copy(notebook)[0]), as_version=4)
    NotebookClient(executed, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}).execute()
    return [
        {
            "stdout": "".join(o["text"] for o in cell.outputs if o.get("output_type") == "stream" and o.get("name") == "stdout"),
            "failed": any(o.get("output_type") == "error" for o in cell.outputs),
        }
        for cell in executed.cells
        if cell.cell_type == "code"
    ]


def shown_svg(source: str) -> str:
    """The SVG document of a picture JupyterLab shows as an image with a data: address."""
    header, _, data = source.partition(",")
    assert header.startswith("data:image/svg+xml"), f"an SVG picture, not {header[:60]!r}"
    return base64.b64decode(data).decode("utf-8") if header.endswith(";base64") else urllib.parse.unquote(data)


def node_texts(svg: str) -> dict[str, list[str]]:
    """Each node's text lines in an SVG picture, keyed by its first line (the label)."""
    root = ET.fromstring(svg)
    nodes = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            texts = [t.text or "" for t in group.iter(f"{SVG}text")]
            if texts:
                nodes[texts[0]] = texts
    return nodes


class LoggedBrowser:
    """Chromium that can resolve no host but 127.0.0.1, with its console and NetLog recorded."""

    def __init__(self, scratch: Path) -> None:
        self.net_log = scratch / "net-log.json"
        self.driver = start_chromium(
            scratch,
            ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", f"--log-net-log={self.net_log}"],
            {"goog:loggingPrefs": {"browser": "ALL"}},
        )
        self.running = True

    def quit(self) -> None:
        """Stop the browser (once), which completes its NetLog."""
        if self.running:
            self.running = False
            self.driver.quit()


@pytest.fixture
def logged_browser(tmp_path: Path) -> Iterator[LoggedBrowser]:
    browser = LoggedBrowser(tmp_path)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.mark.timeout(420)
def test_lesson_01_runs_in_the_browser_offline(site_url: str, logged_browser: LoggedBrowser) -> None:
    browser = logged_browser.driver
    origin = site_url.rstrip("/")
    browser.get(f"{origin}/lite/notebooks/index.html?path={LESSON}.ipynb")
    expected = cpython_outputs(lite_build.NOTEBOOKS / f"{LESSON}.ipynb")
    outputs, failed = run_all_cells(browser, [cell["failed"] for cell in expected])
    console = browser.get_log("browser")
    logged_browser.quit()

    # The worked example's gradients, printed by the cell that runs the backward pass.
    printed = "".join(cell["stdout"] for cell in outputs)
    found = re.search(r"df/dx = (\S+),\s+df/dy = (\S+),\s+df/dz = (\S+),", printed)
    assert found, f"no gradients printed:\n{printed[-2000:]}"
    assert tuple(float(g) for g in found.groups()) == (-4.0, -4.0, 3.0)
    # Every line the lesson prints is what the same notebook prints under CPython, and nothing
    # goes to stderr.
    assert_same_printouts(outputs, expected)
    assert failed == []
    assert [cell["stderr"] for cell in outputs] == [""] * len(outputs)

    # The graph after the backward pass, drawn in the browser: every node with its gradient.
    pictures = [node_texts(shown_svg(source)) for cell in outputs for source in cell["svgs"]]
    assert pictures, "the lesson showed no picture; instead:\n" + "\n".join(cell["plain"] for cell in outputs)[-2000:]
    drawn = [p for p in pictures if {"x", "y", "z", "q", "f"} <= p.keys() and p["x"][-1] == "grad -4"]
    assert drawn, f"no picture shows the gradients; the nodes drawn: {pictures}"
    assert (drawn[0]["y"][-1], drawn[0]["z"][-1], drawn[0]["q"][-1]) == ("grad -4", "grad 3", "grad -4")

    # Chromium asks a server's root for /favicon.ico by itself; the root is the documentation
    # site's, not this one's.
    errors = [e["message"] for e in console if e["level"] == "SEVERE" and f"{origin}/favicon.ico" not in e["message"]]
    assert errors == []

    urls = requested_urls(logged_browser.net_log, origin)
    # The log holds the worker's requests too (Pyodide, the wheels, Graphviz), so the check below
    # covers them.
    for needed in ("/lite/static/pyodide/pyodide.asm.wasm", "/lite/pypi/autograd_lite-", "/lite/static/graphviz/viz.js"):
        assert any(needed in url for url in urls), f"{needed} was never requested"
    assert [url for url in urls if not url.startswith(f"{origin}/") and not url.startswith(("data:", "blob:"))] == []


OTHER_LESSONS = [lesson.path.stem for lesson in lite_build.lessons() if lesson.offered and lesson.path.stem != LESSON]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("lesson", OTHER_LESSONS)
def test_every_lesson_offered_prints_in_the_browser_what_it_prints_under_cpython(
    site_url: str, logged_browser: LoggedBrowser, lesson: str
) -> None:
    browser = logged_browser.driver
    browser.get(f"{site_url}lite/notebooks/index.html?path={lesson}.ipynb")
    expected = cpython_outputs(lite_build.NOTEBOOKS / f"{lesson}.ipynb")
    outputs, failed = run_all_cells(browser, [cell["failed"] for cell in expected])
    assert_same_printouts(outputs, expected)
    # The exercises left unanswered fail in the browser exactly where they fail under CPython.
    assert failed == [index for index, cell in enumerate(expected) if cell["failed"]]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_wheel_the_site_lists_is_there_with_its_checksum(built_site: Path) -> None:
    site = built_site
    pyodide = site / "lite" / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION

    assert json.loads((lite_build.NODE_MODULES / "pyodide" / "package.json").read_text())["version"] == PYODIDE_VERSION
    assert {"micropip", "ipython", "jedi", "parso"} <= set(lock["packages"])
    for name, entry in lock["packages"].items():
        assert _sha256(pyodide / entry["file_name"]) == entry["sha256"], name
    index = json.loads((site / "lite" / "pypi" / "all.json").read_text())
    assert {"autograd-lite", "graphviz", "comm"} <= set(index)
    for name, project in index.items():
        for release in project["releases"].values():
            for wheel in release:
                assert _sha256(site / "lite" / "pypi" / wheel["url"].split("?")[0]) == wheel["digests"]["sha256"], name
    config = json.loads((site / "lite" / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert kernel["disablePyPIFallback"] is True
