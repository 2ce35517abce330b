"""LiveView: a matplotlib figure whose frame is drawn once and whose data is redrawn per step.

Axes, ticks, labels and reference lines do not change during a run (axis limits are fixed to
the scenario's span), and drawing their text is most of matplotlib's cost. A LiveView draws that
frame once, keeps the pixels, and on each update restores them and draws only the data artists
on top (blitting), then encodes a PNG. That keeps a step with six views under the 300 ms budget.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from market_abm.viz.state import Snapshot

DPI = 80


def encode_png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an (h, w, 4) uint8 image (fast compression: the page is local)."""
    out = io.BytesIO()
    Image.fromarray(np.asarray(rgba)).save(out, format="png", compress_level=1)
    return out.getvalue()


class LiveView:
    """Base of the page's views. Subclasses build the frame in ``setup(snap)`` and return the
    data artists of a snapshot from ``draw(snap)``; ``keep`` lists artists drawn on top at
    every update (legends over the data).

    Example:
        >>> from market_abm.viz.state import Session, Settings
        >>> class Dots(LiveView):
        ...     def draw(self, snap):
        ...         return [self.ax.scatter([snap.steps], [0])]
        >>> snap = Session(Settings(n_customers=50)).snapshot
        >>> png = Dots(snap).render(snap)
        >>> png[:4] == b"\\x89PNG"
        True
    """

    size = (5.0, 3.1)

    def __init__(self, snap: Snapshot):
        self.fig = Figure(figsize=self.size, dpi=DPI, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
        self.ax.tick_params(labelsize=8)
        self.keep: list[Artist] = []
        self._data: list[Artist] = []
        self._background = None
        self.setup(snap)

    def setup(self, snap: Snapshot) -> None:
        """Draw the frame: title, labels, fixed limits, reference lines, legends."""

    def draw(self, snap: Snapshot) -> list[Artist]:
        """Add the data artists of ``snap`` and return them."""
        raise NotImplementedError

    def render(self, snap: Snapshot) -> bytes:
        """PNG of the view for ``snap``."""
        for artist in self._data:
            artist.remove()
        self._data = list(self.draw(snap))
        for artist in (*self._data, *self.keep):
            artist.set_animated(True)
        if self._background is None:
            self.canvas.draw()  # the frame only: animated artists are left out
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        for artist in (*self._data, *self.keep):
            self.fig.draw_artist(artist)
        return encode_png(self.canvas.buffer_rgba())

    def figure(self, snap: Snapshot) -> Figure:
        """The figure with ``snap`` drawn, as a plain (non-animated) figure for saving."""
        self.render(snap)
        for artist in (*self._data, *self.keep):
            artist.set_animated(False)
        return self.fig
