"""torch stays optional: importing nn does not import it, and without it the bridge's functions
say how to install the CPU build. Each check runs in a fresh interpreter, so nothing imported by
other tests can hide an import; torch is made unimportable there, whether it is installed or not."""

from __future__ import annotations

import subprocess
import sys

import pytest

CPU_BUILD = "pip install torch --index-url https://download.pytorch.org/whl/cpu"


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_importing_nn_does_not_import_torch() -> None:
    # nn.torch_bridge, the public functions, is loaded; the modules that import torch are not.
    modules = ["torch", "nn.torch_convert", "nn.torch_network", "nn.torch_losses"]
    result = run(f"import sys, nn; print([name for name in {modules!r} if name in sys.modules])")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("call", "name"),
    [
        ("nn.to_torch(nn.MLP(2, [3, 1], rng=0))", "to_torch"),
        ("nn.from_torch(object())", "from_torch"),
        ("nn.to_torch_loss('mse')", "to_torch_loss"),
    ],
)
def test_without_torch_the_error_says_how_to_install_the_cpu_build(call: str, name: str) -> None:
    # A None entry in sys.modules makes `import torch` raise ImportError, as if it were not installed.
    code = f"""
import sys
sys.modules["torch"] = None
import nn
try:
    {call}
except ImportError as error:
    print(error)
else:
    print("no error")
"""
    result = run(code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (
        result.stdout.strip()
        == f"{name} needs PyTorch, which is not installed; install the CPU build with: {CPU_BUILD}"
    )
