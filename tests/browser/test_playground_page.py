"""A saved playground page in a real browser: opened from disk in headless Chromium with no
network, its slider moved with the keyboard as a person would, it shows the boundary, the
network and the numbers of the epoch the slider points at, and plays through the run."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from nn import Playground

pytest.importorskip("numpy")

pytestmark = pytest.mark.slow

FRAMES = 12


def visible(browser: Any, selector: str) -> list[int]:
    """The indices of the elements matching ``selector`` that are not hidden."""
    script = f"return Array.from(document.querySelectorAll('{selector}')).map((e, i) => e.hidden ? -1 : i).filter(i => i >= 0);"
    result: list[int] = browser.execute_script(script)
    return result


def frame_state(browser: Any) -> dict[str, Any]:
    state: dict[str, Any] = browser.execute_script(
        "return {frame: Number(document.body.getAttribute('data-frame')),"
        " counter: document.getElementById('counter').textContent,"
        " numbers: document.getElementById('numbers').textContent,"
        " cursor: Number(document.querySelector('.pg-cursor').getAttribute('x1'))};"
    )
    return state


@pytest.mark.timeout(180)
def test_moving_the_slider_shows_each_recorded_epoch(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    pg = Playground("circles", n_points=80, hidden=[5], lr=0.3, batch_size="full", seed=2)
    pg.step(44)
    path = pg.save_html(tmp_path / "run.html", max_frames=FRAMES)
    epochs = [int(e) for e in re.findall(r'"epoch": (\d+)', path.read_text())]
    assert len(epochs) == FRAMES and epochs[0] == 0 and epochs[-1] == 44

    browser.get(path.resolve().as_uri())
    start = frame_state(browser)
    assert start["frame"] == 0 and visible(browser, ".boundary-frame") == [0] == visible(browser, ".network-frame")
    assert start["counter"] == f"epoch 0 (frame 1 of {FRAMES})"
    assert start["numbers"].startswith(f"train loss {pg.history.train_loss[0]:.4g}")

    slider = browser.find_element(By.ID, "slider")
    slider.click()  # focus; the click itself moves the thumb to where it landed
    slider.send_keys(Keys.HOME)
    for _ in range(3):
        slider.send_keys(Keys.ARROW_RIGHT)
    moved = frame_state(browser)
    assert moved["frame"] == 3
    assert visible(browser, ".boundary-frame") == [3] == visible(browser, ".network-frame")
    assert moved["counter"] == f"epoch {epochs[3]} (frame 4 of {FRAMES})"
    run = pg.history
    assert moved["numbers"] == (
        f"train loss {run.train_loss[epochs[3]]:.4g} ({run.train_accuracy[epochs[3]]:.0%} right), "
        f"test loss {run.test_loss[epochs[3]]:.4g} ({run.test_accuracy[epochs[3]]:.0%} right)"
    )
    assert moved["cursor"] > start["cursor"]

    slider.send_keys(Keys.END)
    last = frame_state(browser)
    assert last["frame"] == FRAMES - 1 and last["counter"].startswith("epoch 44 ")

    # Play starts again from the first frame and runs to the last.
    browser.find_element(By.ID, "play").click()
    deadline = time.monotonic() + 30
    seen: set[int] = set()
    while time.monotonic() < deadline:
        frame = frame_state(browser)["frame"]
        seen.add(frame)
        if frame == FRAMES - 1 and len(seen) > 1:
            break
        time.sleep(0.05)
    assert len(seen) > 3 and frame_state(browser)["frame"] == FRAMES - 1
    # At the last frame the page stops by itself and the button offers to play again.
    while time.monotonic() < deadline and "pause" in browser.find_element(By.ID, "play").text:
        time.sleep(0.05)
    assert "play" in browser.find_element(By.ID, "play").text
