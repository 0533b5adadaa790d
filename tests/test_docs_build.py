"""The documentation build's own parts, without building: the lessons it finds, the navigation it
makes, the docstring examples it shows as code, and its account of external addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from docs.build import BuildError, with_lessons
from docs.doctest_blocks import DoctestBlocks
from docs.external_urls import external_urls, unaccounted
from docs.staging import NOTEBOOKS, lesson_notebooks, lesson_title


def test_every_notebook_under_notebooks_is_a_lesson_top_level_first() -> None:
    found = lesson_notebooks()
    on_disk = {p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
    assert set(found) == on_disk and len(found) >= 11
    depths = [len(p.relative_to(NOTEBOOKS).parts) for p in found]
    assert depths == sorted(depths)
    assert found[0].name == "01_chain_rule.ipynb"


def test_a_lesson_is_titled_by_its_first_heading() -> None:
    notebook = {"cells": [{"cell_type": "code", "source": "# not a title"},
                          {"cell_type": "markdown", "source": ["Intro\n", "# 12. Something new\n"]}]}
    assert lesson_title(notebook, "12_fallback") == "12. Something new"
    assert lesson_title({"cells": []}, "12_fallback") == "12_fallback"


def test_lessons_go_after_the_lessons_index_and_nowhere_else() -> None:
    nav: list[object] = [{"Start": "index.md"}, {"Lessons": ["lessons/index.md"]}, {"Speed": ["speed/index.md"]}]
    with_lessons(nav, [("1. The chain rule", "lessons/01_chain_rule.ipynb")])
    assert nav[1] == {"Lessons": ["lessons/index.md", {"1. The chain rule": "lessons/01_chain_rule.ipynb"}]}
    assert nav[2] == {"Speed": ["speed/index.md"]}
    with pytest.raises(BuildError, match="Lessons"):
        with_lessons([{"Start": "index.md"}], [])


def test_docstring_examples_become_code_blocks_but_fenced_code_stays_as_it_is() -> None:
    lines = ["Text.", "", ">>> x = 1", ">>> x + 1", "2", "", "```python", "", ">>> inside", "```", "More."]
    assert DoctestBlocks(None).run(lines) == [
        "Text.", "", "```pycon", ">>> x = 1", ">>> x + 1", "2", "```", "", "```python", "", ">>> inside", "```", "More.",
    ]
    assert DoctestBlocks(None).run([">>> last"]) == ["```pycon", ">>> last", "```"]


def test_external_addresses_are_found_and_only_accounted_ones_pass(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"></svg><script src="https://cdn.example.org/x.js"></script>'
        '<img src="//img.example.net/a.png"><script>// a comment, not an address</script>'
    )
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "x.html").write_text('<a href="https://voila.readthedocs.io">Voila</a>')
    found = external_urls(tmp_path)
    assert ("https://cdn.example.org/x.js", "index.html") in found
    assert ("//img.example.net/a.png", "index.html") in found
    assert all("comment" not in url for url, _ in found)
    assert sorted(unaccounted(tmp_path)) == [("//img.example.net/a.png", "index.html"), ("https://cdn.example.org/x.js", "index.html")]
