"""The browser lessons site (JupyterLite with the Pyodide kernel) in a real browser, offline: built
by docs/lite_build.py the way the documentation build calls it, served on 127.0.0.1 by the test,
opened in headless Chromium that can resolve no other host. Lesson 01 runs all its cells as a
student would (Run > Run All Cells), prints the worked example's gradients and the same text as
under CPython, draws its graph with Graphviz in WebAssembly, logs no console error, and no request
of the page or of its workers leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import json
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
from tests.browser.static_site import requested_urls, serve

pytestmark = pytest.mark.slow

LESSON = "01_chain_rule"
SVG = "{http://www.w3.org/2000/svg}"
# Every wait is bounded: the page and the notebook appear in seconds, Pyodide's first start takes
# about 15 s, and the lesson's cells a few more.
PAGE_SECONDS = 60.0
RUN_SECONDS = 180.0


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documentation site's folder with only the browser lessons built into it (site/lite)."""
    site_dir = tmp_path_factory.mktemp("site")
    lite_build.build(site_dir)
    return site_dir


def _wait(what: str, seconds: float, check: Any) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:.0f} s for {what}", pytrace=False)
        time.sleep(0.25)


CELL_STATE = """
const cells = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell'));
return {
  prompts: cells.map(c => (c.querySelector('.jp-InputPrompt') || {}).textContent || ''),
  errors: Array.from(document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],' +
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')).map(e => e.textContent),
};
"""

OUTPUTS = """
return Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell')).map(cell => ({
  stdout: Array.from(cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]'))
    .map(e => e.textContent).join(''),
  svgs: Array.from(cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="image/svg+xml"] img')).map(e => e.src),
}));
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


def run_all_cells(browser: Any) -> list[dict[str, Any]]:
    """Run every cell of the open notebook from the menu and return each code cell's outputs."""
    _wait("the notebook's cells", PAGE_SECONDS, lambda: browser.execute_script(CELL_STATE)["prompts"])
    _click_menu(browser, "Run", "Run All Cells")

    def finished() -> bool:
        state = browser.execute_script(CELL_STATE)
        if state["errors"]:
            pytest.fail("the lesson wrote an error:\n" + "\n".join(state["errors"])[-3000:], pytrace=False)
        return all(re.fullmatch(r"\[\d+\]:", prompt.strip()) for prompt in state["prompts"])

    _wait("every cell of the lesson to run", RUN_SECONDS, finished)
    outputs: list[dict[str, Any]] = browser.execute_script(OUTPUTS)
    return outputs


def cpython_stdout(notebook: Path) -> list[str]:
    """What each code cell of the browser's copy of ``notebook`` prints when Jupyter runs it under
    CPython here (where the install cell does nothing)."""
    import nbformat
    from nbclient import NotebookClient

    executed = nbformat.reads(json.dumps(lite_build.browser_copy(notebook)[0]), as_version=4)
    NotebookClient(executed, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}).execute()
    return [
        "".join(o["text"] for o in cell.outputs if o.get("output_type") == "stream" and o.get("name") == "stdout")
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
            scratch / "chromium-profile",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            f"--log-net-log={self.net_log}",
            capabilities={"goog:loggingPrefs": {"browser": "ALL"}},
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
def test_lesson_01_runs_in_the_browser_offline(site: Path, logged_browser: LoggedBrowser) -> None:
    browser = logged_browser.driver
    with serve(site) as origin:
        browser.get(f"{origin}/lite/notebooks/index.html?path={LESSON}.ipynb")
        outputs = run_all_cells(browser)
        console = browser.get_log("browser")
        logged_browser.quit()

    # The worked example's gradients, printed by the cell that runs the backward pass.
    printed = "".join(cell["stdout"] for cell in outputs)
    found = re.search(r"df/dx = (\S+),\s+df/dy = (\S+),\s+df/dz = (\S+),", printed)
    assert found, f"no gradients printed:\n{printed[-2000:]}"
    assert tuple(float(g) for g in found.groups()) == (-4.0, -4.0, 3.0)
    # Every line the lesson prints is what the same notebook prints under CPython.
    assert [cell["stdout"] for cell in outputs] == cpython_stdout(lite_build.NOTEBOOKS / f"{LESSON}.ipynb")

    # The graph after the backward pass, drawn in the browser: every node with its gradient.
    pictures = [node_texts(shown_svg(source)) for cell in outputs for source in cell["svgs"]]
    assert pictures, "the lesson showed no picture"
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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_wheel_the_site_lists_is_there_with_its_checksum(site: Path) -> None:
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
