"""The playground: train a small network on points in the plane (two classes, or a number per
point) and watch every unit learn, live in a notebook (ipywidgets) or headless, and share a run
as one self-contained page or its set-up as one short settings text.

>>> from nn.playground import Playground
>>> pg = Playground("moons", hidden=[8, 8], seed=0)
>>> history = pg.step(5)

``Playground`` holds the run (settings, data, model, history) and hands everything that draws
it a ``PlaygroundState``; ``playground(...)`` makes one and shows its live view in a notebook.
"""

from .playground import Playground, playground

__all__ = ["Playground", "playground"]
