"""A Markdown extension (named in mkdocs.yml) that shows the docstrings' interactive examples as
code: a paragraph of ``>>>`` lines and their output, as Python's docstrings write it, becomes a
``pycon`` code block instead of three nested block quotes."""

from __future__ import annotations

from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

FENCES = ("```", "~~~")
# Before the fenced-code preprocessors (priority 25 and lower), so they fence what this marks.
PRIORITY = 30


class DoctestBlocks(Preprocessor):
    """Fences every paragraph that starts with ``>>> `` outside an existing code fence."""

    def run(self, lines: list[str]) -> list[str]:
        result: list[str] = []
        in_fence = in_example = False
        for line in lines:
            stripped = line.strip()
            if in_example and not stripped:
                result.append("```")
                in_example = False
            elif not in_fence and not in_example and line.startswith(">>> ") and (not result or not result[-1].strip()):
                result.append("```pycon")
                in_example = True
            elif not in_example and stripped.startswith(FENCES):
                in_fence = not in_fence
            result.append(line)
        if in_example:
            result.append("```")
        return result


class DoctestBlocksExtension(Extension):
    """Registers ``DoctestBlocks``."""

    def extendMarkdown(self, md: Markdown) -> None:  # the name Markdown calls
        md.preprocessors.register(DoctestBlocks(md), "doctest_blocks", PRIORITY)


def makeExtension(**kwargs: Any) -> DoctestBlocksExtension:  # the name Markdown looks for
    """The extension, as Markdown loads it by module name."""
    return DoctestBlocksExtension(**kwargs)
