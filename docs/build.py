"""Build the documentation site into a folder, then hand the folder to the in-browser lessons'
build when ``docs/lite_build.py`` exists.

The site is built from a staging folder made fresh on every build (see ``staging``), with
mkdocs in strict mode, so a broken link, a missing page or a docstring the API reference cannot
read stops the build instead of shipping a page with a hole in it. Afterwards every external
address left in the site is checked against ``external_urls.ACCOUNTED``.
"""

from __future__ import annotations

import importlib
import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
DOCS = REPOSITORY / "docs"
CONFIG = DOCS / "mkdocs.yml"
LITE_BUILD = DOCS / "lite_build.py"


class BuildError(Exception):
    """The site could not be built; the message says what to do."""


def build_everything(site: Path) -> Path:
    """The documentation site in ``site``, and the in-browser lessons under ``site/lite`` when present."""
    build_site(site)
    build_lite(site)
    return site


def build_site(site: Path) -> None:
    """Stage the sources, build them with mkdocs (every warning an error) and check the result."""
    try:
        from mkdocs.commands.build import build
        from mkdocs.config import load_config
        from mkdocs.exceptions import MkDocsException
    except ImportError as error:
        raise BuildError(f"{error.name} is missing; install the docs extra: pip install -e '.[docs]'") from error

    from docs.external_urls import unaccounted
    from docs.staging import stage

    _show_mkdocs_messages()
    with tempfile.TemporaryDirectory(prefix="autograd-lite-docs-") as folder:
        staging = Path(folder)
        lessons = stage(staging)
        config = load_config(str(CONFIG), docs_dir=str(staging), site_dir=str(site), strict=True)
        config["nav"] = with_lessons(config["nav"], lessons)
        try:
            build(config)
        except MkDocsException as error:
            raise BuildError(f"mkdocs refused the site: {error}") from error
    strangers = unaccounted(site)
    if strangers:
        listing = "; ".join(f"{url} in {where}" for url, where in strangers[:10])
        raise BuildError(
            f"{len(strangers)} external address(es) in the site that docs/external_urls.py does not account for: {listing}"
        )


def with_lessons(nav: list[object], lessons: list[tuple[str, str]]) -> list[object]:
    """The configured nav with every staged lesson (title, page) after the lessons' index page."""
    for entry in nav:
        if isinstance(entry, dict) and isinstance(entry.get("Lessons"), list):
            entry["Lessons"].extend({title: page} for title, page in lessons)
            return nav
    raise BuildError("docs/mkdocs.yml has no 'Lessons' section (a list) in its nav to add the lessons to")


def build_lite(site: Path) -> None:
    """Call ``docs/lite_build.py``'s ``build(site_dir)``, which puts the in-browser lessons under ``site/lite``."""
    if not LITE_BUILD.exists():
        return
    module = importlib.import_module("docs.lite_build")
    lite_build: Callable[[Path], None] = module.build
    lite_build(site)


def _show_mkdocs_messages() -> None:
    """mkdocs' own progress lines and warnings on stderr, as its command line prints them."""
    logger = logging.getLogger("mkdocs")
    if not any(getattr(handler, "_docs_build", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler._docs_build = True  # type: ignore[attr-defined]  # marks ours, so a second build adds no second one
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
