"""A Voila server for a browser test: started on a free local port for one notebook, waited for
with a deadline, and stopped with every kernel it started when the test ends."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

INSTALL = "apt-get install -y chromium chromium-driver && pip install selenium voila"
SERVER_START_SECONDS = 60.0
SERVER_STOP_SECONDS = 20.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


@contextlib.contextmanager
def voila(notebook: Path, scratch: Path) -> Iterator[str]:
    """Serve ``notebook`` with Voila on 127.0.0.1 and yield its address; stop it afterwards."""
    try:
        import voila as _  # noqa: F401
    except ImportError:
        pytest.fail(f"voila is not installed; the browser tests need it: {INSTALL}", pytrace=False)
    port = free_port()
    # Jupyter's configuration, runtime files and secrets go to the test's own directory.
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(scratch / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "jupyter-runtime"),
        "JUPYTER_DATA_DIR": str(scratch / "jupyter-data"),
    }
    log = (scratch / "voila.log").open("wb")
    command = [
        sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
        "--show_tracebacks=True", notebook.name,
    ]
    # A session of its own, so that stopping the server also reaches the kernels it started.
    server = subprocess.Popen(command, cwd=notebook.parent, stdout=log, stderr=subprocess.STDOUT, env=env,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                output = (scratch / "voila.log").read_text(errors="replace")[-3000:]
                pytest.fail(f"Voila did not start on port {port} (exit code {server.poll()}):\n{output}", pytrace=False)
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=SERVER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=SERVER_STOP_SECONDS)
        # Anything the server left running in its session (a kernel it did not get to stop).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def voila_log(scratch: Path) -> str:
    """The end of the server's log, for a failure message."""
    path = scratch / "voila.log"
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def app_notebook(folder: Path, source: str) -> Path:
    """A one-cell notebook holding ``source``, for Voila to serve as an app."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "playground_app.ipynb"
    nbformat.write(notebook, path)
    return path


def wait_for(condition: Callable[[], Any], seconds: float, what: str, scratch: Path) -> Any:
    """The first true value of ``condition()`` within ``seconds``, or a failure saying what did not happen."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} within {seconds} s; Voila's log ends:\n{voila_log(scratch)}", pytrace=False)


def epoch_of(status: str) -> int:
    """The epoch a playground's status line shows ("epoch 12 · ..."), or -1."""
    match = re.search(r"epoch (\d+) ·", status)
    return int(match.group(1)) if match else -1


def train_loss(status: str) -> str:
    """The train loss a playground's status line shows, as written, or ''."""
    match = re.search(r"train loss (\S+)", status)
    return match.group(1) if match else ""
