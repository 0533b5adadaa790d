"""The playground's TensorFlow-Playground controls in a real browser: Voila serves a notebook with
a live playground and headless Chromium uses it as a person would. The + and - buttons change
the network; a weight clicked and given a new value changes the output over the plane; a unit
under the pointer is shown over the plane; the view toggles redraw; the settings text copied
from the page runs the same run again (same losses as a headless run from the same text), and a
hostile one is refused in words without becoming markup. A saved page opens with its settings
as its address, whatever address it was opened with, and shows a hovered unit over the plane."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from autograd_lite.text import format_number
from nn import Playground
from tests.browser.servers import app_notebook, epoch_of, train_loss, voila, wait_for

pytestmark = pytest.mark.slow

SETUP = dict(dataset="moons", n_points=120, hidden=[4], features=["x1", "x2", "x1*x2"], seed=0)
NOTEBOOK = f"""\
from nn import playground

pg = playground(**{SETUP!r})
"""
STATUS = "var s = document.querySelector('.pg-status-text'); return s ? s.textContent : '';"
BACKGROUND = "var i = document.querySelector('.pg-boundary image'); return i ? i.getAttribute('href') : '';"
BOUNDARY_TEXT = "var b = document.querySelector('.pg-boundary'); return b ? b.textContent : '';"
NETWORK_IMAGES = "return document.querySelectorAll('.pg-network image').length;"
HOSTILE = "dataset=<img src=x onerror=\"document.title='pwned'\">"


def write_notebook(folder: Path) -> Path:
    return app_notebook(folder, NOTEBOOK)


def press(browser: Any, css: str) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, css).click()


def point_in(browser: Any, css: str, x: float, y: float) -> None:
    """Move the pointer to (x, y) in the own px of the element ``css`` finds now (the pictures are drawn 1:1)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    element = browser.find_element(By.CSS_SELECTOR, css)
    size = element.size
    ActionChains(browser).move_to_element_with_offset(element, x - size["width"] / 2, y - size["height"] / 2).perform()


@pytest.mark.timeout(300)
def test_buttons_a_typed_weight_and_the_pointer_change_what_the_page_shows(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    with voila(write_notebook(tmp_path), tmp_path) as url:
        browser.get(url)
        wait_for(lambda: browser.execute_script(NETWORK_IMAGES) == 3 + 4 + 1, 120, "the playground did not appear", tmp_path)

        # + layer adds a hidden layer as wide as the last; - takes a unit from the first layer.
        press(browser, "button.pg-layer-plus")
        wait_for(lambda: browser.execute_script(NETWORK_IMAGES) == 3 + 4 + 4 + 1, 30, "+ layer did not add a layer", tmp_path)
        press(browser, "button.pg-units-minus-0")
        wait_for(lambda: browser.execute_script(NETWORK_IMAGES) == 3 + 3 + 4 + 1, 30, "- did not take a unit", tmp_path)
        assert "hidden layers" in browser.find_element(By.CSS_SELECTOR, ".pg-network").find_element(By.XPATH, "..").text

        # Click a third of the way along the edge of L0.N1.w2 (from x1*x2), type a value, press Enter.
        edge = browser.execute_script(
            "var lines = document.querySelectorAll('.pg-network svg g line');"
            "var titles = document.querySelectorAll('.pg-network svg g rect title');"
            "for (var i = 0; i < lines.length; i++) { if (titles[i].textContent.indexOf('L0.N1.w2 ') === 0) {"
            " var l = lines[i]; return [+l.getAttribute('x1'), +l.getAttribute('y1'), +l.getAttribute('x2'), +l.getAttribute('y2')]; } }"
            "return null;"
        )
        assert edge is not None
        before = browser.execute_script(BACKGROUND)
        point_in(browser, ".pg-network svg", edge[0] + (edge[2] - edge[0]) / 3, edge[1] + (edge[3] - edge[1]) / 3)
        ActionChains(browser).click().perform()
        editor = wait_for(
            lambda: [e for e in browser.find_elements(By.CSS_SELECTOR, ".pg-weight-editor") if e.is_displayed()],
            30, "clicking the edge did not open the weight's box", tmp_path,
        )[0]  # fmt: skip
        assert "L0.N1.w2 (from x1*x2)" in editor.text
        box = editor.find_element(By.CSS_SELECTOR, ".pg-weight-value input")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys("-3.5", Keys.ENTER)
        wait_for(lambda: browser.execute_script(BACKGROUND) != before, 30, "the typed weight did not change the output", tmp_path)
        wait_for(
            lambda: "L0.N1.w2 (from x1*x2) = -3.5," in browser.find_element(By.CSS_SELECTOR, ".pg-network").get_attribute("innerHTML"),
            30, "the network does not show the typed weight", tmp_path,
        )  # fmt: skip

        # The pointer over unit L1.N2 shows its map over the plane, and leaving shows the output again.
        unit = browser.execute_script(
            "var g = document.querySelector('.pg-network .pg-unit[data-unit=\"L1.N2\"] image');"
            "return [+g.getAttribute('x'), +g.getAttribute('y'), +g.getAttribute('width')];"
        )
        point_in(browser, ".pg-network svg", unit[0] + unit[2] / 2, unit[1] + unit[2] / 2)
        wait_for(lambda: "unit L1.N2 over the plane" in browser.execute_script(BOUNDARY_TEXT), 30,
                 "hovering unit L1.N2 did not show it over the plane", tmp_path)  # fmt: skip
        ActionChains(browser).move_to_element(browser.find_element(By.CSS_SELECTOR, "button.pg-step")).perform()
        wait_for(lambda: "over the plane" not in browser.execute_script(BOUNDARY_TEXT), 30,
                 "leaving the network did not show the output again", tmp_path)  # fmt: skip

        # The view toggles: the test points go, the output turns to its sign.
        rims = "return document.querySelectorAll(\".pg-boundary-points circle[stroke='#111111']\").length;"
        assert browser.execute_script(rims) == 30
        press(browser, ".pg-control-show_test_data input")
        wait_for(lambda: browser.execute_script(rims) == 0, 30, "hiding the test data left test points", tmp_path)
        shaded = browser.execute_script(BACKGROUND)
        press(browser, ".pg-control-discretize input")
        wait_for(lambda: browser.execute_script(BACKGROUND) != shaded, 30, "discretising did not redraw the output", tmp_path)


@pytest.mark.timeout(300)
def test_the_settings_text_runs_the_same_run_and_a_hostile_one_is_only_words(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    with voila(write_notebook(tmp_path), tmp_path) as url:
        browser.get(url)
        text_box = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".pg-settings-text textarea"), 120,
                            "the playground did not appear", tmp_path)[0]  # fmt: skip
        shown = text_box.get_attribute("value")
        assert shown == Playground(**SETUP).settings_text()  # type: ignore[arg-type]

        # Paste another set-up, load it, train three epochs: the numbers a headless run of the text gives.
        text = shown.replace("dataset=moons", "dataset=spirals").replace("seed=0", "seed=7").replace("l1=0.0", "l1=0.003")
        text_box.clear()
        text_box.send_keys(text)
        press(browser, "button.pg-load-settings")
        wait_for(lambda: browser.find_element(By.CSS_SELECTOR, ".pg-control-dataset select").get_attribute("value") == "spirals",
                 30, "loading the text did not change the data set", tmp_path)  # fmt: skip
        headless = Playground.from_settings(text)
        headless.step(3)
        for epoch in (1, 2, 3):
            press(browser, "button.pg-step")
            status = wait_for(lambda e=epoch: epoch_of(browser.execute_script(STATUS)) == e and browser.execute_script(STATUS),
                              30, f"step did not reach epoch {epoch}", tmp_path)  # fmt: skip
            assert train_loss(status) == format_number(headless.history.train_loss[epoch], 3), (status, epoch)

        # A hostile text is refused in words: nothing of it becomes an element or runs.
        title = browser.title
        text_box.clear()
        text_box.send_keys(HOSTILE)
        press(browser, "button.pg-load-settings")
        message = wait_for(
            lambda: "dataset must be a name" in (shown := browser.find_element(By.CSS_SELECTOR, ".pg-message").text) and shown,
            30, "the hostile text got no message naming the data set", tmp_path,
        )  # fmt: skip
        assert "<img src=x onerror=" in message
        assert browser.execute_script("return document.querySelectorAll('.pg-message img, img[src=\"x\"]').length") == 0
        time.sleep(0.5)
        assert browser.title == title
        assert epoch_of(browser.execute_script(STATUS)) == 3


@pytest.mark.timeout(180)
def test_a_saved_page_opens_with_its_settings_as_its_address(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    pg = Playground("gaussian", n_points=80, features=["x1", "x2", "sin(x1)"], hidden=[3], l1=0.01, seed=5)
    pg.step(12)
    page = pg.save_html(tmp_path / "run.html", max_frames=6)
    # Opened with someone else's fragment, markup included: the page puts its own settings there.
    browser.get(page.resolve().as_uri() + "#" + HOSTILE)
    address = browser.execute_script("return location.href")
    assert address.endswith("#" + pg.settings_text())
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    assert browser.find_element(By.ID, "settings-text").get_attribute("value") == pg.settings_text()
    again = Playground.from_settings(address)
    again.step(12)
    assert again.history.train_loss == pg.history.train_loss and again.history.test_loss == pg.history.test_loss

    # A unit under the pointer is shown over the plane, with its name.
    unit = browser.find_element(By.CSS_SELECTOR, ".network-frame:not([hidden]) .pg-unit[data-unit='L0.N1'] image")
    ActionChains(browser).move_to_element(unit).perform()
    zoom = browser.execute_script(
        "var z = document.querySelector('.zoom'); return [z.hidden, document.getElementById('pg-zoom-image').getAttribute('href'),"
        " document.getElementById('pg-zoom-caption').textContent];"
    )
    assert zoom == [False, unit.get_attribute("href"), "unit L0.N1 over the plane"]
    ActionChains(browser).move_to_element(browser.find_element(By.ID, "play")).perform()
    assert browser.execute_script("return document.querySelector('.zoom').hidden") is True
