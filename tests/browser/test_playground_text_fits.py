"""Every text of the playground's pictures lies inside its picture and clear of the others,
measured in a real browser: Chromium lays each <text> out with its own fonts, and its box
(getBBox, in the picture's own units) must sit within the SVG's viewBox, or the browser cuts it
off ("-0.937" read "0.937"), and must not overlap another text's box. Checked on the live views
(boundary, network, loss), in the saved page, and with the extents, class names, losses and
network sizes that make labels long or room short."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nn import Playground

pytest.importorskip("numpy")

from nn.playground.views import Renderer  # after the skip: it needs numpy

# For every <svg> on the page: each text whose box leaves the viewBox, with by how much, and each
# pair of texts whose boxes overlap.
OUTSIDE = """
const found = [];
for (const [n, svg] of Array.from(document.querySelectorAll('svg')).entries()) {
  const box = svg.viewBox.baseVal;
  if (!box || box.width === 0) continue;
  const where = `${svg.getAttribute('class')} #${n}`;
  const boxes = [];
  for (const text of svg.querySelectorAll('text')) {
    if (!text.textContent.trim() || text.closest('[hidden]')) continue;
    const b = text.getBBox();
    const out = Math.max(box.x - b.x, b.x + b.width - (box.x + box.width), box.y - b.y, b.y + b.height - (box.y + box.height));
    if (out > 0.5) found.push(`${where}: "${text.textContent}" sticks out by ${out.toFixed(1)}`);
    for (const [other, o] of boxes) {
      const w = Math.min(b.x + b.width, o.x + o.width) - Math.max(b.x, o.x);
      const h = Math.min(b.y + b.height, o.y + o.height) - Math.max(b.y, o.y);
      if (w > 0.5 && h > 0.5) found.push(`${where}: "${text.textContent}" overlaps "${other}"`);
    }
    boxes.push([text.textContent, b]);
  }
}
return found;
"""


def texts_outside(browser: Any, page: Path) -> list[str]:
    browser.get(page.resolve().as_uri())
    found: list[str] = browser.execute_script(OUTSIDE)
    return found


def long_labels() -> list[Playground]:
    """Runs whose labels are long: negative extents with three digits, big and tiny losses,
    long class names, a deep network."""
    wide_points = [[-12.5 + 0.3 * k, -0.687 + 0.01 * k] for k in range(40)]  # x1 from -0.937 once padded
    runs = [
        Playground("moons", n_points=60, hidden=[4], seed=0),
        Playground("xor", n_points=20, hidden=[1], seed=4),
        Playground((wide_points, ["yes" if k % 3 else "no" for k in range(40)]), hidden=[3], seed=1),
        Playground((wide_points, ["a rather long class name" if k % 2 else "another long name" for k in range(40)]), seed=2),
        Playground(([[1e4 * x, 1e4 * y] for x, y in wide_points], [k % 2 for k in range(40)]), hidden=[8, 8, 8], lr=10.0,
                   loss="mse", seed=3),
    ]
    every = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    runs += [
        # Every feature's name beside its input, a regression's colour scale, L1's count of zeros.
        Playground("multi_gaussian", n_points=60, features=every, hidden=[8, 8, 8], l1=0.05, seed=0),
        Playground("plane", n_points=30, features=["x1", "sin(x2)"], hidden=[], show_test_data=False, seed=1),
        Playground("gaussian", n_points=30, hidden=[1], l1=0.5, lr=1.0, discretize=True, seed=2),
    ]
    for pg in runs:
        pg.step(3)
    return runs


@pytest.mark.timeout(240)
def test_every_text_of_the_live_views_lies_inside_its_picture(browser: Any, tmp_path: Path) -> None:
    pictures = []
    for pg in long_labels():
        pictures += [pg.boundary_svg(), pg.network_svg(), pg.loss_svg()]
        # The plane showing a hovered unit, with its caption.
        renderer = Renderer(pg.settings, pg.data)
        pictures.append(renderer.boundary_background(pg.latest, renderer.labels[-1]))
    page = tmp_path / "views.html"
    page.write_text("<!doctype html><meta charset='utf-8'><body>" + "".join(pictures) + "</body>", encoding="utf-8")
    assert texts_outside(browser, page) == []


@pytest.mark.timeout(240)
def test_every_text_of_a_saved_page_lies_inside_its_picture(browser: Any, tmp_path: Path) -> None:
    for number, pg in enumerate(long_labels()):
        page = pg.save_html(tmp_path / f"run{number}.html", max_frames=4)
        assert texts_outside(browser, page) == [], page.name
