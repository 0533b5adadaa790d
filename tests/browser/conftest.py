"""The browser every real-browser test drives: headless Debian Chromium through Selenium and the
system chromedriver, with a throwaway profile, every wait bounded in time.

These tests are how we know what a person sees works, so a missing browser, driver or Python
package fails them with the command that installs it; nothing here is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.servers import INSTALL
from tests.browser.static_site import serve

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REPOSITORY = Path(__file__).resolve().parents[2]
SITE_BUILD_SECONDS = 600


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


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium with a throwaway profile and no background network traffic."""
    driver = start_chromium(tmp_path, [], {})
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def offline_browser(tmp_path: Path) -> Iterator[Any]:
    """The same Chromium, able to resolve no host but 127.0.0.1, keeping its console messages and a
    log of every request it makes (``driver.get_log('browser')`` and ``driver.get_log('performance')``)."""
    arguments = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
    capabilities = {"goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}}
    driver = start_chromium(tmp_path, arguments, capabilities)
    try:
        yield driver
    finally:
        driver.quit()


def start_chromium(tmp_path: Path, arguments: list[str], capabilities: dict[str, Any]) -> Any:
    """Headless Chromium with a throwaway profile under ``tmp_path``, no background network
    traffic, ``arguments`` added to its command line and ``capabilities`` to its session."""
    webdriver = _require()
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _program(CHROMIUM)
    for name, value in capabilities.items():
        options.set_capability(name, value)
    for argument in (
        *arguments,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1300,1100",
    ):
        options.add_argument(argument)
    # The driver given by path: Selenium never looks for (or downloads) one of its own.
    driver = webdriver.Chrome(service=Service(_program(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(90)
    driver.set_script_timeout(30)
    return driver


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as the one command builds it (``python -m docs build``), once per test run."""
    site = tmp_path_factory.mktemp("docs") / "site"
    command = [sys.executable, "-m", "docs", "build", "--site", str(site)]
    result = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, timeout=SITE_BUILD_SECONDS)
    if result.returncode != 0:
        pytest.fail(f"python -m docs build failed (exit code {result.returncode}):\n{result.stderr[-3000:]}", pytrace=False)
    return site


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site served on 127.0.0.1, as a static host would serve it; its address ends in /."""
    with serve(built_site) as url:
        yield url
