"""backward_steps and save_animation: frames in the engine's own order with the running
gradients, a self-contained HTML page, and a headless Chromium moving its slider."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd_lite import Value, grad, topological_order
from autograd_lite.pictures import Frame, animation_html, backward_steps, save_animation, show_frames
from tests.pictures.dot_reader import parse_dot
from tests.strategies import Expression, expressions
from tests.worked_example import worked_example

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_worked_example_steps_in_the_engines_order_and_ends_with_the_known_gradients() -> None:
    x, y, z, q, f = worked_example()
    frames = list(backward_steps(f))
    assert [frame.node for frame in frames] == topological_order(f)
    last = frames[-1]
    assert (last.grads[x], last.grads[y], last.grads[z], last.grads[q], last.grads[f]) == (
        -4.0,
        -4.0,
        3.0,
        -4.0,
        1.0,
    )
    final = parse_dot(last.graph.source)
    for label, gradient in (("x", "-4"), ("y", "-4"), ("z", "3")):
        assert f"grad {gradient}<" in final.nodes[final.named(label)]["label"]
    # The frames replay the pass on the side: no .grad was touched.
    assert not any(v.grad_reached for v in (x, y, z, q, f))


def test_each_frame_highlights_its_node_and_the_edges_it_adds_to() -> None:
    _, _, z, q, f = worked_example()
    first, _, third, *_ = list(backward_steps(f))
    assert first.caption.startswith("step 1 of 5: f (*) has its full gradient 1")
    start = parse_dot(first.graph.source)
    assert start.nodes[start.named("f")]["penwidth"] == "3"
    highlighted = [(t, h) for t, h, a in start.edges if a.get("penwidth") == "2.5"]
    assert sorted(highlighted) == sorted([(start.named("q"), "n0op"), (start.named("z"), "n0op")])
    assert "carries 1 × -4 = -4" in start.edges_between(start.named("q"), "n0op")[0]["label"]
    # x and y have not been reached yet at step 1; q has its gradient but is still waiting.
    assert "grad —" in start.nodes[start.named("x")]["label"]
    assert "grad -4 <I>so far</I>" in start.nodes[start.named("q")]["label"]
    assert third.node is q and third.processed == frozenset({f, z, q})
    later = parse_dot(third.graph.source)
    assert "grad -4 <I>so far</I>" in later.nodes[later.named("x")]["label"]
    assert "so far" not in later.nodes[later.named("q")]["label"]


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.lists(st.floats(0.2, 2.0), min_size=3, max_size=3))
def test_frames_follow_topological_order_and_end_at_what_grad_returns(
    expression: Expression, point: list[float]
) -> None:
    leaves = [Value(v) for v in point[: expression.n_inputs]]
    try:
        out = expression.with_values(leaves)
    except (ValueError, ZeroDivisionError, OverflowError):
        assume(False)
        return
    frames = list(backward_steps(out))
    order = topological_order(out)
    assert [frame.node for frame in frames] == order
    assert [len(frame.processed) for frame in frames] == list(range(1, len(order) + 1))
    expected = grad(out, leaves)
    for leaf, value in zip(leaves, expected, strict=True):
        assert frames[-1].grads.get(leaf, 0.0) == pytest.approx(value, rel=1e-12, abs=1e-300, nan_ok=True)


def test_a_seed_other_than_one_scales_every_gradient() -> None:
    x, y, z, _, f = worked_example()
    last = list(backward_steps(f, 2.0))[-1]
    assert (last.grads[x], last.grads[y], last.grads[z]) == (-8.0, -8.0, 6.0)


def test_bad_input_to_backward_steps_and_save_animation(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="backward_steps: root must be a Value, got int"):
        backward_steps(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="backward_steps: data must be a real number, got str"):
        backward_steps(Value(1.0), "1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="save_animation: there are no frames to save"):
        save_animation([], tmp_path / "a.html")
    with pytest.raises(TypeError, match=r"save_animation: frames\[0\] must be a Frame, got str"):
        save_animation(["frame"], tmp_path / "a.html")  # type: ignore[list-item]
    assert list(tmp_path.iterdir()) == []


# ---- the web page --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def animation(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Frame]]:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    *_, f = worked_example()
    frames = list(backward_steps(f, edge_labels=True))
    path = save_animation(frames, tmp_path_factory.mktemp("anim") / "backward.html", interval_ms=200)
    return path, frames


def test_the_page_is_one_self_contained_file(animation: tuple[Path, list[Frame]]) -> None:
    path, frames = animation
    assert [p.name for p in path.parent.iterdir()] == ["backward.html"]
    page = path.read_text(encoding="utf-8")
    assert page.count("<svg") == len(frames) == 5
    assert 'type="range"' in page and 'id="play"' in page
    # Nothing to fetch: no external scripts, styles, images or links.
    assert not re.search(r"<(script|link|img|iframe)[^>]*(src|href)=", page)
    assert not re.search(r"""(src|href)=["']https?:""", page)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "every frame's SVG ids were made unique"


def _dump_dom(url: str, profile: Path, *extra: str) -> str:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *extra,
        "--dump-dom",
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


def _shown(dom: str) -> list[int]:
    frames = re.findall(r'<div class="frame"[^>]*>', dom)
    return [i for i, tag in enumerate(frames) if "hidden" not in tag]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
@pytest.mark.timeout(300)
def test_a_headless_browser_moves_the_slider_between_frames(
    animation: tuple[Path, list[Frame]], tmp_path: Path
) -> None:
    path, frames = animation
    url = path.resolve().as_uri()
    opened = _dump_dom(url, tmp_path / "p0")
    assert 'data-frame="0"' in opened and _shown(opened) == [0]
    # #frame=N opens that step, slider and caption with it.
    moved = _dump_dom(url + "#frame=3", tmp_path / "p1")
    assert 'data-frame="3"' in moved and _shown(moved) == [3]
    assert re.search(r'<input id="slider"[^>]*value="3"', moved)
    assert f'<div id="caption" aria-live="polite">{frames[3].caption}</div>' in moved
    # #play presses the play button; with virtual time the page plays to the last frame and stops.
    played = _dump_dom(url + "#play", tmp_path / "p2", "--virtual-time-budget=20000")
    assert 'data-frame="4"' in played and _shown(played) == [4]
    assert "▶ play" in played


# ---- notebooks -----------------------------------------------------------------------------


@needs_dot
def test_the_page_text_is_what_save_animation_writes(tmp_path: Path) -> None:
    *_, f = worked_example()
    frames = list(backward_steps(f))
    path = save_animation(frames, tmp_path / "b.html", title="<mine>")
    assert path.read_text(encoding="utf-8") == animation_html(frames, title="<mine>")
    assert "<title>&lt;mine&gt;</title>" in path.read_text(encoding="utf-8")


def test_without_ipywidgets_the_frames_show_one_after_another(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    import IPython.display

    real_import = importlib.import_module

    def no_widgets(name: str, package: str | None = None) -> Any:
        if name == "ipywidgets":
            raise ImportError("No module named 'ipywidgets'")
        return real_import(name, package)

    shown: list[Any] = []
    monkeypatch.setattr(importlib, "import_module", no_widgets)
    monkeypatch.setattr(IPython.display, "display", lambda *objects: shown.extend(objects))
    *_, f = worked_example()
    frames = list(backward_steps(f))
    show_frames(frames)
    assert shown == frames
