"""A static folder served on 127.0.0.1 for a browser test, the way any static host would serve
it: Python's http.server in a thread, on a free port, stopped when the test is done; and every
address the browser asked for, read back from its NetLog (pages, web workers and service workers
alike, which Chrome's performance log does not all show)."""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

STOP_SECONDS = 10.0
# What a static host sends for the files of a JupyterLite site: ES modules and WebAssembly are
# refused by the browser under any other type.
CONTENT_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json"}


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without printing a line per request into the test output."""

    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, **CONTENT_TYPES}

    def log_message(self, format: str, *args: Any) -> None:  # the base class names it format
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 and yield its address (ending in /); stop serving afterwards."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name=f"serve {folder.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(STOP_SECONDS)


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
    and by their workers, in order, with the pages themselves; read from the NetLog Chromium
    writes with ``--log-net-log``. The browser's own traffic (update checks, its start page,
    autofill look-ups about a page) has no page of the site as its initiator and is left out."""
    origin = site.rstrip("/")
    log = _read_net_log(net_log)
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] != start_job or "url" not in params:
            continue
        url = str(params["url"])
        made_by_site = params.get("initiator") == origin
        navigated_to = params.get("request_type") == "main frame" and url.startswith(f"{origin}/")
        if made_by_site or navigated_to:
            urls.append(url)
    return urls
