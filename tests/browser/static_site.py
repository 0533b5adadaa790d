"""Serve a built static site on 127.0.0.1 for a browser test, started and stopped by the test, and
read back every address the browser asked for from its NetLog (page, web workers and service
worker alike, which Chrome's performance log does not all show)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

# What a static host sends for the files of a JupyterLite site: ES modules and WebAssembly are
# refused by the browser under any other type.
CONTENT_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json"}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {**http.server.SimpleHTTPRequestHandler.extensions_map, **CONTENT_TYPES}

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test's output to its own messages."""


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free port of 127.0.0.1 and yield its origin; stop when done."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name="static-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _read_net_log(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        log: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError:
        # Chromium writes the events as it goes and closes the JSON at exit; a log cut short by
        # a browser that did not exit cleanly still holds every event before the cut.
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    return log


def requested_urls(net_log: Path, site: str) -> list[str]:
    """Every address requested by the pages of ``site`` (an origin such as http://127.0.0.1:8000)
    and by their workers, in order, with the pages themselves. The browser's own traffic (update
    checks, its start page, autofill look-ups about a page) has no page of the site as its
    initiator and is left out."""
    log = _read_net_log(net_log)
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] != start_job or "url" not in params:
            continue
        url = str(params["url"])
        made_by_site = params.get("initiator") == site
        navigated_to = params.get("request_type") == "main frame" and url.startswith(f"{site}/")
        if made_by_site or navigated_to:
            urls.append(url)
    return urls
