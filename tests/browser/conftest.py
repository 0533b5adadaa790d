"""The browser every real-browser test drives: headless Debian Chromium through Selenium and the
system chromedriver, with a throwaway profile, every wait bounded in time.

These tests are how we know what a person sees works, so a missing browser, driver or Python
package fails them with the command that installs it; nothing here is skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.servers import INSTALL

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def _require() -> Any:
    """Selenium's webdriver module, after checking that everything the tests drive is installed."""
    for program in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(program) or shutil.which(Path(program).name)):
            pytest.fail(f"{program} is missing; the browser tests need it: {INSTALL}", pytrace=False)
    try:
        from selenium import webdriver
    except ImportError:
        pytest.fail(f"selenium is not installed; the browser tests need it: {INSTALL}", pytrace=False)
    return webdriver


def _program(path: str) -> str:
    return path if os.path.exists(path) else str(shutil.which(Path(path).name))


def start_chromium(profile: Path, *arguments: str, capabilities: dict[str, Any] | None = None) -> Any:
    """A headless Chromium driven by the system chromedriver, with a throwaway profile in
    ``profile``, no background network traffic, and ``arguments`` added to its command line."""
    webdriver = _require()
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _program(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1300,1100",
        *arguments,
    ):
        options.add_argument(argument)
    for name, value in (capabilities or {}).items():
        options.set_capability(name, value)
    # The driver given by path: Selenium never looks for (or downloads) one of its own.
    driver = webdriver.Chrome(service=Service(_program(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(90)
    driver.set_script_timeout(30)
    return driver


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium with a throwaway profile and no background network traffic."""
    driver = start_chromium(tmp_path / "chromium-profile")
    try:
        yield driver
    finally:
        driver.quit()
