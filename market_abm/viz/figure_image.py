"""FigureImage: a view's PNG as wide as its box, drawn at the pixels the screen shows, that
reports where it is clicked (the Vue template figure_image.vue).

The browser reports the box's width (CSS px, in steps of 20 px) and the screen's pixel ratio;
``scale_for`` turns them into the view's drawing scale (live.LiveView ``scale``), so that one
image pixel is one screen pixel: sharp on a HiDPI screen, and the same picture, larger, in a
wider box. The browser also says when the image leaves the screen (scrolled away) and comes
back: the page does not draw a view while it is off screen. A click reports its place as
fractions of the image (``{"x", "y"}`` from the top left), which ``LiveView.pick`` turns
into the firm drawn there.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from market_abm.viz.live import DPI, LiveView

# Drawing scales allowed: below 0.5 the text is unreadable, above 3 a redraw costs more than
# the step (a view at scale s has s^2 times the pixels).
MIN_SCALE, MAX_SCALE = 0.5, 3.0


def scale_for(kind: type[LiveView], width_px: float, ratio: float) -> float:
    """Drawing scale of a view of class ``kind`` shown ``width_px`` CSS pixels wide on a
    screen of ``ratio`` device pixels per CSS pixel: device pixels over the view's width at
    scale 1, in steps of 0.1 (1.0 before the browser has reported a width).

    Example:
        >>> from market_abm.viz.charts import ChannelShares
        >>> scale_for(ChannelShares, 480, 2.0)   # 960 device px for a 400-px view
        2.4
        >>> scale_for(ChannelShares, 0, 1.0)
        1.0
    """
    if width_px <= 0:
        return 1.0
    scale = width_px * max(ratio, 1.0) / (kind.size[0] * DPI)
    return round(min(max(scale, MIN_SCALE), MAX_SCALE), 1)


@solara.component_vue("figure_image.vue")
def FigureImage(png: bytes, event_clicked: Callable[[dict], None] | None = None,
                event_resized: Callable[[dict], None] | None = None,
                event_seen: Callable[[dict], None] | None = None):
    """The image ``png``; ``event_clicked({"x", "y"})`` with the click's fractions of the
    image; ``event_resized({"width", "ratio"})`` when its box's width (CSS px) or the screen's
    pixel ratio changes; ``event_seen({"visible"})`` when it comes on screen or leaves it."""
