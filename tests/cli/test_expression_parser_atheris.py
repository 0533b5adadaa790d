"""Run the coverage-guided atheris fuzzer on the expression parser for a bounded time: it must
find no input that crashes, hangs or escapes the documented refusal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).parent / "atheris_expression_harness.py"


def test_atheris_finds_no_crash_in_the_expression_parser(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    result = subprocess.run(
        [sys.executable, str(HARNESS), "-runs=30000", "-max_total_time=25", "-timeout=5", "-rss_limit_mb=2048"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done" in result.stderr
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))
