"""Draw the pictures in docs/ again: ``python docs/make_pictures.py`` (needs Graphviz's ``dot``).

- worked_example.svg / .png: x = -2, y = 5, z = -4, f = (x + y) * z after backward, drawn by the
  command line with each edge's local derivative and the contribution it carried (the README's
  first picture).
- backward_steps.html: the same backward pass step by step, with a slider and a play button.
- mlp_collapsed.png: a 2-8-8-1 MLP after one backward pass, one node per neuron.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from autograd_lite import Value  # noqa: E402
from autograd_lite.pictures import backward_steps, draw_graph, save_animation  # noqa: E402


def worked_example() -> Value:
    """f = (x + y) * z at x = -2, y = 5, z = -4, labelled as the classic texts write it."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f


def main() -> None:
    """Write every picture into docs/."""
    f = worked_example()
    save_animation(backward_steps(f, edge_labels=True), HERE / "backward_steps.html")
    for suffix in (".svg", ".png"):
        command = ["grad", "(x + y) * z", "x=-2", "y=5", "z=-4", "--graph", str(HERE / f"worked_example{suffix}")]
        subprocess.run([sys.executable, "-m", "autograd_lite", *command], check=True)

    from nn.layers import MLP

    model = MLP(2, [8, 8, 1], activation="tanh", rng=0)
    out = model([Value(0.5, "x0"), Value(-1.0, "x1")])
    assert isinstance(out, Value)  # one output neuron: MLP returns a single Value
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    draw_graph(loss, cluster=model, collapse="neuron").save(HERE / "mlp_collapsed.png", dpi=110)


if __name__ == "__main__":
    main()
