"""The documentation site in a real browser, with no network but 127.0.0.1: built by the one
command (``python -m docs build``), served as a static host serves it, and opened in headless
Chromium that can resolve no other host. Every page loads without a console error and without a
request that leaves 127.0.0.1; maths is typeset, pictures are drawn, the saved widgets and the
saved playground run work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

pytestmark = pytest.mark.slow

MATHJAX_DONE = """
const done = arguments[arguments.length - 1];
(function wait() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => done('typeset'), (error) => done('failed: ' + error));
  } else if (document.readyState === 'complete' && !document.querySelector('script[src*="mathjax"]')) {
    done('no mathjax on this page');
  } else {
    setTimeout(wait, 50);
  }
})();
"""


def open_page(driver: Any, url: str) -> None:
    """Load ``url`` and wait until the page has finished loading and MathJax has typeset it."""
    driver.get(url)
    outcome = driver.execute_async_script(MATHJAX_DONE)
    assert not outcome.startswith("failed"), f"{url}: MathJax {outcome}"


def console_errors(driver: Any) -> list[str]:
    """The console's errors since the last call (a failed request is one too)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def requested(driver: Any) -> list[str]:
    """Every address the browser asked for since the last call, frames and failed requests included."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def leaving(urls: list[str], site: str) -> list[str]:
    """The addresses that are neither on the site nor inline (data:, blob:, about:) nor the browser's
    own pages (chrome://, its start page's, read from disk)."""
    return [url for url in urls if not url.startswith((site, "data:", "blob:", "about:", "chrome:"))]


def pages(site: Path) -> list[str]:
    """Every page of the built site, as a path relative to its root ('' for the start page)."""
    found = sorted(path.relative_to(site).parent.as_posix() + "/" for path in site.rglob("index.html"))
    return ["" if page == "./" else page for page in found if not page.startswith(("assets/", "lite/"))]


def text_of(driver: Any, selector: str) -> str:
    """The visible text of every element matching ``selector``, joined."""
    text: str = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText).join('\\n');", selector
    )
    return text


def count(driver: Any, selector: str) -> int:
    number: int = driver.execute_script("return document.querySelectorAll(arguments[0]).length;", selector)
    return number


@pytest.mark.timeout(600)
def test_every_page_loads_offline_without_a_console_error(offline_browser: Any, built_site: Path, site_url: str) -> None:
    every = pages(built_site)
    assert {"", "lessons/01_chain_rule/", "api/autograd_lite/", "playground/", "speed/results/"} <= set(every)
    problems = []
    for page in every:
        open_page(offline_browser, urljoin(site_url, page))
        errors = console_errors(offline_browser)
        outside = leaving(requested(offline_browser), site_url)
        if errors or outside:
            problems.append(f"/{page}: console errors {errors}, requests that left 127.0.0.1 {outside}")
    assert not problems, "\n".join(problems)


@pytest.mark.timeout(180)
def test_the_start_page_shows_the_worked_example_typeset(offline_browser: Any, site_url: str) -> None:
    open_page(offline_browser, site_url)
    # Every \( ... \) of the worked example became typeset maths; none is left as raw text.
    assert count(offline_browser, "article mjx-container") >= 9
    assert "\\(" not in text_of(offline_browser, "article p")
    picture = offline_browser.execute_script(
        "const i = document.querySelector('article img[src$=\"worked_example.svg\"]');"
        "return i && {complete: i.complete, width: i.naturalWidth, shown: i.getBoundingClientRect().width};"
    )
    assert picture and picture["complete"] and picture["width"] > 300 and picture["shown"] > 300
    assert "-4.0 -4.0 3.0" in text_of(offline_browser, "article pre")
    assert not console_errors(offline_browser)
    assert not leaving(requested(offline_browser), site_url)


@pytest.mark.timeout(180)
def test_a_lesson_shows_its_maths_pictures_and_saved_widgets(offline_browser: Any, site_url: str) -> None:
    open_page(offline_browser, urljoin(site_url, "lessons/01_chain_rule/"))
    markdown = text_of(offline_browser, ".jp-RenderedMarkdown")
    assert "The chain rule" in markdown
    # The lesson writes its maths between $ signs: all of it is typeset, no $ is left on the page.
    assert count(offline_browser, ".jp-RenderedMarkdown mjx-container") >= 5
    assert "$" not in markdown
    # The graph pictures the lesson drew (SVG outputs, shown as images) are decoded and on the page.
    pictures = offline_browser.execute_script(
        "return Array.from(document.querySelectorAll('.jp-RenderedSVG img'))"
        ".map(i => ({complete: i.complete, width: i.naturalWidth, shown: i.getBoundingClientRect().width}));"
    )
    assert len(pictures) >= 3
    assert all(p["complete"] and p["width"] > 100 and p["shown"] > 100 for p in pictures), pictures
    # The saved slider over the backward pass's frames is drawn by the vendored widget renderer.
    offline_browser.implicitly_wait(0)
    slider = offline_browser.execute_script("return document.querySelectorAll('.widget-slider, .jupyter-widgets .slider').length;")
    assert slider >= 1
    assert not console_errors(offline_browser)
    assert not leaving(requested(offline_browser), site_url)


@pytest.mark.timeout(180)
def test_the_playground_page_embeds_a_saved_run_that_plays(offline_browser: Any, site_url: str) -> None:
    from selenium.webdriver.common.by import By

    open_page(offline_browser, urljoin(site_url, "playground/"))
    frame = offline_browser.find_element(By.CSS_SELECTOR, "iframe.playground-run")
    assert frame.size["width"] > 600 and frame.size["height"] > 600
    offline_browser.switch_to.frame(frame)
    frames = count(offline_browser, ".boundary-frame")
    assert frames > 10
    assert offline_browser.find_element(By.ID, "counter").text.startswith("epoch ")
    offline_browser.switch_to.default_content()
    assert not console_errors(offline_browser)
    assert not leaving(requested(offline_browser), site_url)


@pytest.mark.timeout(180)
def test_the_api_reference_documents_the_public_names(offline_browser: Any, site_url: str) -> None:
    open_page(offline_browser, urljoin(site_url, "api/autograd_lite/"))
    import autograd_lite

    documented = set(offline_browser.execute_script(
        "return Array.from(document.querySelectorAll('[id^=\"autograd_lite.\"]')).map(e => e.id);"
    ))
    # A name that is also a module's (gradcheck) is documented from the module that defines it.
    missing = [
        name for name in autograd_lite.__all__
        if not name.startswith("_") and not {f"autograd_lite.{name}", f"autograd_lite.{name}.{name}"} & documented
    ]
    assert not missing, f"not in the API reference: {missing}"
