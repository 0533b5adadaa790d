"""Draw the pictures in docs/ again: ``python docs/make_pictures.py`` (needs Graphviz's ``dot``).

Every picture is drawn with the library's defaults, which keep its text at 9 px or more when it
is scaled to fit a 1,000-px-wide page (the test suite measures each one):

- worked_example.svg / .png: x = -2, y = 5, z = -4, f = (x + y) * z after backward, drawn by the
  command line with each edge's local derivative and the contribution it carried (the README's
  first picture): value boxes with the label on top, then data and grad.
- backward_steps.html: the same backward pass step by step, with a slider and a play button; all
  five frames share one layout, so no node moves between steps.
- mlp_collapsed.svg / .png: a 2-8-8-1 tanh MLP after one backward pass, one node per neuron (its
  gradient norm, its output and that output's gradient), each layer in a box with its neurons in
  index order, the 64 edges between the hidden layers drawn as one bundled edge, and the loss's
  ops folded into the loss's own box.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from autograd_lite import Value  # noqa: E402
from autograd_lite.pictures import backward_steps, draw_graph, save_animation  # noqa: E402

# At 96 dpi a PNG has the SVG's size in px; at least 72 keeps 9-pt text at 9 px or more.
PNG_DPI = 96


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
    picture = draw_graph(loss, cluster=model, collapse="neuron")
    picture.save(HERE / "mlp_collapsed.svg")
    picture.save(HERE / "mlp_collapsed.png", dpi=PNG_DPI)


if __name__ == "__main__":
    main()
