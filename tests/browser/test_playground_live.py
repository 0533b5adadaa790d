"""The live playground in a real notebook front end: Voila serves a notebook that shows one,
headless Chromium opens it, presses "step" and "play", and the loss it displays and the picture
of the decision boundary change; "pause" stops them; clicking a point on the boundary draws
that point's computation graph."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.servers import app_notebook, epoch_of, train_loss, voila, wait_for

pytestmark = pytest.mark.slow

NOTEBOOK = """\
from nn import playground

pg = playground("moons", n_points=120, hidden=[6, 6], seed=0)
"""
STATUS = "document.querySelector('.pg-status-text') && document.querySelector('.pg-status-text').textContent"
BOUNDARY = "var i = document.querySelector('.pg-boundary image'); return i && i.getAttribute('href');"
GRAPH_TEXT = "var g = document.querySelector('.pg-graph'); return g ? g.textContent : '';"


def require_ipyevents() -> None:
    """Clicking a point needs ipyevents; a missing one fails the test with the command to install it."""
    try:
        import ipyevents  # noqa: F401
    except ImportError:
        pytest.fail("ipyevents is not installed; the click test needs it: pip install ipyevents", pytrace=False)


def write_notebook(folder: Path) -> Path:
    return app_notebook(folder, NOTEBOOK)


def shown(browser: Any) -> tuple[str, str]:
    """(the status line's text, the boundary picture's image) as the page shows them now."""
    return browser.execute_script(f"return {STATUS};") or "", browser.execute_script(BOUNDARY) or ""


def unchanged_status(browser: Any) -> str:
    """The status line if it stays the same for most of a second, else ''."""
    before = shown(browser)[0]
    time.sleep(0.8)
    return before if before == shown(browser)[0] else ""


@pytest.mark.timeout(240)
def test_step_and_play_change_the_loss_and_the_boundary_in_a_real_browser(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    require_ipyevents()

    notebook = write_notebook(tmp_path)
    with voila(notebook, tmp_path) as url:
        browser.get(url)
        status, boundary = wait_for(lambda: all(shown(browser)) and shown(browser), 120, "the playground did not appear", tmp_path)
        assert epoch_of(status) == 0 and boundary.startswith("data:image/png;base64,")
        assert browser.execute_script("return document.querySelectorAll('.pg-network image').length") == 2 + 6 + 6 + 1

        browser.find_element(By.CSS_SELECTOR, "button.pg-step").click()
        stepped, stepped_boundary = wait_for(
            lambda: epoch_of(shown(browser)[0]) == 1 and shown(browser), 30, "one step did not show epoch 1", tmp_path
        )
        assert train_loss(stepped) != train_loss(status), (status, stepped)
        assert stepped_boundary != boundary

        play = browser.find_element(By.CSS_SELECTOR, "button.pg-play")
        play.click()
        wait_for(lambda: epoch_of(shown(browser)[0]) >= 6, 60, "playing did not reach epoch 6", tmp_path)
        play.click()
        # Paused: the epoch stops moving once the frame in progress is shown.
        settled = wait_for(lambda: unchanged_status(browser), 30, "pausing did not stop training", tmp_path)
        played_status, played_boundary = shown(browser)
        assert played_status == settled and epoch_of(played_status) >= 6
        assert train_loss(played_status) != train_loss(stepped)
        assert played_boundary != stepped_boundary
        assert "pause" not in browser.find_element(By.CSS_SELECTOR, "button.pg-play").text
        # The chosen point's computation graph is drawn by Graphviz into the page.
        assert browser.execute_script("return document.querySelectorAll('.pg-graph svg').length") == 1
        assert "loss of training point 0" in browser.execute_script(GRAPH_TEXT)

        # Clicking a test point (black rim) picks it: its graph replaces the first one.
        test_points = browser.find_elements(By.CSS_SELECTOR, ".pg-boundary-points circle[stroke='#111111']")
        ActionChains(browser).move_to_element(test_points[2]).click().perform()
        wait_for(lambda: "loss of test point 2" in browser.execute_script(GRAPH_TEXT), 30,
                 "clicking test point 2 did not draw its graph", tmp_path)
