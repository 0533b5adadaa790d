"""Every external address in the built site, and why each one is harmless.

A static scan cannot tell a fetched address from a mentioned one, so each host that appears is
listed here with the reason it is never asked for anything while a page is read; the build
fails on a host that is not listed, so a new one is looked at before it ships. The browser tests
check the other way round: on the pages they open, no request leaves 127.0.0.1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from urllib.parse import urlsplit

SCANNED = {".html", ".js", ".mjs", ".css", ".json", ".svg", ".xml", ".txt"}
URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}(?::\d+)?(?:[/?#][^\s"'`<>()\\]*)?""")
# Only these spellings count as an address: a full http(s) URL, or a protocol-relative one where
# HTML or CSS would load it; a bare // starts a JavaScript comment far more often.
PROTOCOL_RELATIVE = re.compile(r"""(?:src|href)\s*=\s*["']//|url\(\s*["']?//""")



@dataclass(frozen=True)
class Accounted:
    """Hosts that may appear in the files matching ``files`` (a glob over site paths, ``*`` crossing
    folders), and why that is safe."""

    files: str
    hosts: frozenset[str]
    why: str


def _hosts(*names: str) -> frozenset[str]:
    return frozenset(names)


ANY_HOST = _hosts("*")
ACCOUNTED = (
    Accounted("*", _hosts("www.w3.org", "www.sitemaps.org"),
              "XML namespace names (SVG, XLink, MathML, XHTML, the sitemap schema): identifiers, never fetched"),
    Accounted("*.html", _hosts("squidfunk.github.io"),
              "the theme's 'Made with Material for MkDocs' footer link: a link a reader may follow"),
    Accounted("lessons/*", _hosts("voila.readthedocs.io"), "a link in lesson 11's text"),
    Accounted("guide/torch/*", _hosts("download.pytorch.org"),
              "the package index of PyTorch's CPU build, in the pip command the page shows"),
    Accounted("search/search_index.json", _hosts("download.pytorch.org"),
              "the search index holds the pages' text, that pip command included"),
    Accounted("assets/javascripts/lunr/*", ANY_HOST,
              "licence and credit comments of the search's stemmers and word splitters for other "
              "languages; the site's search is English and loads none of these files"),
    Accounted("assets/javascripts/workers/search.*.js", _hosts("lunrjs.com", "tartarus.org", "bit.ly"),
              "lunr's credit comments in the search worker"),
    Accounted("assets/javascripts/bundle.*.js", _hosts("api.github.com"),
              "the theme's repository facts, asked for only when mkdocs.yml sets repo_url (it does not)"),
    Accounted("assets/javascripts/bundle.*.js", _hosts("unpkg.com"),
              "mermaid, loaded only for a page with a mermaid diagram (none), and a ResizeObserver "
              "polyfill, loaded only by browsers without ResizeObserver (none current)"),
    Accounted("assets/javascripts/bundle.*.js", _hosts("clipboardjs.com"), "a credit comment"),
    Accounted("assets/stylesheets/*.css", _hosts("fontawesome.com"), "the icons' licence comment"),
    Accounted("assets/vendor/mathjax/*", _hosts("www.mathjax.org", "github.com", "www.apache.org"),
              "credit and licence comments"),
    Accounted("assets/vendor/mathjax/*", _hosts("cdn.jsdelivr.net"),
              "the speech rule engine's defaults for its maps, replaced by MathJax with the vendored "
              "sre/mathmaps when the reader turns speech on, and an XPath polyfill and maps for "
              "Internet Explorer only"),
    Accounted("assets/vendor/widgets/*", _hosts(
        "fontawesome.com", "github.com", "evilmartians.com", "json-schema.org", "meyerweb.com",
        "raw.githubusercontent.com", "stackoverflow.com", "tools.ietf.org", "www.w3ctech.com",
        "jquery.com", "jquery.org", "jqueryui.com"),
              "credit, licence and source comments in the widget renderer and its fonts; json-schema.org "
              "and ajv's data.json are schema identifiers, never fetched"),
    Accounted("assets/vendor/widgets/embed.js", _hosts("fonts.googleapis.com"),
              "a commented-out @import in JupyterLab's theme CSS"),
    Accounted("assets/vendor/widgets/embed.js", _hosts("cdn.jsdelivr.net"),
              "where the renderer would load a widget module it does not carry; the build keeps only "
              "core widgets, which it carries, in the saved state (docs/staging.py)"),
)


def external_urls(site: Path) -> list[tuple[str, str]]:
    """Every (address, file relative to ``site``) where the site names another host."""
    found = []
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.suffix in SCANNED:
            text = path.read_text(encoding="utf-8", errors="replace")
            where = path.relative_to(site).as_posix()
            for match in URL.finditer(text):
                url = match.group()
                if url.startswith("//") and not PROTOCOL_RELATIVE.search(text, max(0, match.start() - 12), match.start() + 2):
                    continue
                found.append((url, where))
    return found


def host(url: str) -> str:
    """The host an address names, without a port."""
    return (urlsplit(url if "://" in url else f"https:{url}").hostname or "").lower()


def unaccounted(site: Path) -> list[tuple[str, str]]:
    """The external addresses that no entry of ``ACCOUNTED`` explains."""
    return [(url, where) for url, where in external_urls(site) if not explained(host(url), where)]


def explained(name: str, where: str) -> bool:
    """Whether an entry of ``ACCOUNTED`` covers host ``name`` in the site file ``where``."""
    return any(
        fnmatchcase(where, entry.files) and (name in entry.hosts or entry.hosts == ANY_HOST) for entry in ACCOUNTED
    )
