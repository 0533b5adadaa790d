"""An mkdocs hook (named in mkdocs.yml) that keeps the rendered lessons offline.

mkdocs-jupyter renders a lesson with nbconvert's templates, which load three things from CDNs:
MathJax 2 (with its own configuration), mermaid (only when a cell shows a diagram; none does)
and the Jupyter widget renderer. This hook removes the first two from every lesson page (the
site loads its own MathJax 3 on every page, see mkdocs.yml) and points the third at the copy
vendored into ``assets/vendor/widgets/``. A lesson page that still names a CDN afterwards stops
the build: the templates changed, and this hook must learn their new shape.
"""

from __future__ import annotations

import re
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

WIDGET_RENDERER = "assets/vendor/widgets/embed.js"
MATHJAX_2 = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
MERMAID = re.compile(
    r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded", async \(\) => \{\s*'
    r'const diagrams = document\.querySelectorAll\("\.jp-Mermaid.*?<!-- End of mermaid configuration -->',
    re.S,
)
WIDGET_LOADER = re.compile(r"<script>\s*\(function\(\) \{\s*function addWidgetsRenderer\(\).*?</script>", re.S)
CDN = re.compile(r"cdnjs\.cloudflare\.com|cdn\.jsdelivr\.net|unpkg\.com")
WIDGET_STATE = 'type="application/vnd.jupyter.widget-state+json"'


def on_post_page(output: str, page: Any, config: Any) -> str:
    """A lesson page with its CDN scripts replaced by the site's own files; other pages as they are."""
    if not page.file.src_uri.endswith(".ipynb"):
        return output
    where = page.file.src_uri
    output = _remove_once(MATHJAX_2, output, "", where, "nbconvert's MathJax 2 loader")
    output = _remove_once(MERMAID, output, "", where, "nbconvert's mermaid loader")
    if WIDGET_STATE in output:
        renderer = get_relative_url(WIDGET_RENDERER, page.url)
        output = _remove_once(WIDGET_LOADER, output, f'<script src="{renderer}" defer></script>', where,
                              "nbconvert's widget renderer loader")
    leftover = CDN.search(output)
    if leftover:
        raise PluginError(f"{where}: the rendered lesson still names a CDN ({leftover.group()}); docs/offline.py must replace it")
    return output


def _remove_once(pattern: re.Pattern[str], output: str, replacement: str, where: str, what: str) -> str:
    result, count = pattern.subn(lambda _: replacement, output)
    if count != 1:
        raise PluginError(f"{where}: expected {what} once, found it {count} times; docs/offline.py must follow the template")
    return result
