"""The documentation's command line: ``python -m docs build [--site DIR]``.

It builds the documentation site into ``site/`` (every warning an error), then, when
``docs/lite_build.py`` exists, lets its ``build(site_dir)`` put the in-browser lessons under
``site/lite/``. Publish the folder on any static host as it is.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docs.build import REPOSITORY, BuildError, build_everything


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and build; one line on stderr and exit code 2 when the build is refused."""
    parser = argparse.ArgumentParser(prog="python -m docs", description="Build the documentation site.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the site (and the in-browser lessons, when present) into --site")
    build.add_argument("--site", type=Path, default=REPOSITORY / "site", help="the folder to write (default: site/)")
    arguments = parser.parse_args(argv)
    try:
        site = build_everything(arguments.site.resolve())
    except BuildError as error:
        print(f"python -m docs build: {error}", file=sys.stderr)
        return 2
    print(f"built {site}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
