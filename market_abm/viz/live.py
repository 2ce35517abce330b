"""LiveView: a matplotlib figure whose frame is drawn once and whose data is redrawn per step.

Axes, ticks, labels and reference lines do not change during a run (axis limits are fixed to
the scenario's span), and drawing their text is most of matplotlib's cost. A LiveView draws that
frame once, keeps the pixels, and on each update restores them and draws only the data artists
on top (blitting), then encodes a PNG. Legends inside the axes are part of the frame: their
pixels are pasted back over the data, so their text is never laid out again. That keeps a step
with six views under the 300 ms budget.

A view is drawn at ``DPI * scale``: the page sets ``scale`` to the device pixels its box has on
the screen (figure_image.py), so the image is sharp at any pixel density and as wide as its
box, with the same layout (fonts are in points). ``pick`` finds the firm drawn at a point of
the image, for views that record their firms in ``targets``.
"""

from __future__ import annotations

import abc
import io

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from market_abm.viz.state import Snapshot

DPI = 80  # dots per inch at scale 1 (a 5-inch view: 400 px)
PICK_RADIUS_PT = 8.0  # a click this close to a firm's marker (points) picks the firm


def encode_png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an (h, w, 4) uint8 image (fast compression: the page is local)."""
    out = io.BytesIO()
    Image.fromarray(np.asarray(rgba)).save(out, format="png", compress_level=1)
    return out.getvalue()


class LiveView(abc.ABC):
    """Base of the page's views. Subclasses build the frame in ``setup(snap)`` and return the
    data artists of a snapshot from ``draw(snap)``; ``overlays`` lists opaque frame artists
    that must stay on top of the data (legends inside the axes).

    Example:
        >>> from market_abm.viz.state import Session, Settings
        >>> class Dots(LiveView):
        ...     def draw(self, snap):
        ...         return [self.ax.scatter([snap.steps], [0])]
        >>> snap = Session(Settings(edits={"n_customers": 50})).snapshot
        >>> png = Dots(snap).render(snap)
        >>> png[:4] == b"\\x89PNG"
        True
    """

    size = (5.0, 3.1)  # inches

    def __init__(self, snap: Snapshot, ghosts: tuple = (), scale: float = 1.0):
        self.ghosts = ghosts  # pinned runs (charts.Pin) the view draws in its frame, if any
        # firms drawn, for pick: [(role, id, or None for a group of firms)] and their (n, 2)
        # data coordinates
        self.targets: tuple[list[tuple[str, int | None]], np.ndarray] = ([], np.zeros((0, 2)))
        self.fig = Figure(figsize=self.size, dpi=DPI * scale, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
        self.ax.tick_params(labelsize=8)
        self.overlays: list[Artist] = []
        self._data: list[Artist] = []
        self._background: np.ndarray | None = None
        self._boxes: list[tuple[slice, slice]] = []
        self.setup(snap)

    def setup(self, snap: Snapshot) -> None:  # noqa: B027 (optional hook, empty by default)
        """Draw the frame: title, labels, fixed limits, reference lines, legends."""

    @abc.abstractmethod
    def draw(self, snap: Snapshot) -> list[Artist]:
        """Add the data artists of ``snap`` and return them."""

    def render(self, snap: Snapshot) -> bytes:
        """PNG of the view for ``snap``."""
        for artist in self._data:
            artist.remove()
        self._data = list(self.draw(snap))
        for artist in self._data:
            artist.set_animated(True)
        if self._background is None:
            self._draw_frame()
        pixels = np.asarray(self.canvas.buffer_rgba())
        pixels[:] = self._background
        for artist in self._data:
            self.fig.draw_artist(artist)
        for rows, cols in self._boxes:
            pixels[rows, cols] = self._background[rows, cols]
        return encode_png(pixels)

    def _draw_frame(self) -> None:
        self.canvas.draw()  # the frame only: animated artists are left out
        self._background = np.array(self.canvas.buffer_rgba())
        height, width = self._background.shape[:2]
        renderer = self.canvas.get_renderer()
        for artist in self.overlays:
            box = artist.get_window_extent(renderer)
            rows = slice(max(int(height - box.y1), 0), min(int(np.ceil(height - box.y0)), height))
            cols = slice(max(int(box.x0), 0), min(int(np.ceil(box.x1)), width))
            self._boxes.append((rows, cols))

    def pick(self, x: float, y: float) -> tuple[str, int | None] | None:
        """(role, id) of the firm drawn nearest to the point at fractions ``x`` (from the
        left) and ``y`` (from the top) of the last image, if within PICK_RADIUS_PT of it
        ((role, None) for a group of firms); None if no firm is drawn there."""
        firms, xy = self.targets
        if not firms:
            return None
        at = np.array([x * self.fig.bbox.width, (1.0 - y) * self.fig.bbox.height])
        distance = np.hypot(*(self.ax.transData.transform(xy) - at).T)
        nearest = int(np.argmin(distance))
        return firms[nearest] if distance[nearest] <= PICK_RADIUS_PT * self.fig.dpi / 72 else None

    def figure(self, snap: Snapshot) -> Figure:
        """The figure with ``snap`` drawn, as a plain (non-animated) figure for saving."""
        self.render(snap)
        for artist in self._data:
            artist.set_animated(False)
        return self.fig
