"""Map of the region: customers (by printer and internet), open stores and print hubs, and
after a December step the stores and hubs that the year's review closed (crosses)."""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.lines import Line2D

from market_abm.palette import CHANNEL_COLOURS, ROLE_COLOURS
from market_abm.viz.live import LiveView
from market_abm.viz.state import Snapshot

MAX_POINTS = 5000  # customers drawn at most (a fixed every-k-th subset keeps redraws fast)
GROUPS = (("0.7", "no internet"), (CHANNEL_COLOURS["online"], "internet"),
          (CHANNEL_COLOURS["home_print"], "owns a printer"))


class MapView(LiveView):
    """Customers as dots (grey offline, blue online, green with a printer), stores as squares
    and print hubs as triangles, on the region's km grid."""

    size = (4.2, 3.6)

    def setup(self, snap: Snapshot) -> None:
        ax = self.ax
        ax.set_title("Region: customers, stores and print hubs", fontsize=10)
        ax.tick_params(labelsize=7)
        ax.set_xlim(0, snap.region_km)
        ax.set_ylim(0, snap.region_km)
        ax.set_aspect("equal")
        ax.set_xlabel("km", fontsize=7)
        handles = [Line2D([], [], ls="", marker="o", ms=3, color=c, label=label)
                   for c, label in GROUPS]
        handles += [Line2D([], [], ls="", marker="s", color=ROLE_COLOURS["retailer"],
                           mec="k", label="store"),
                    Line2D([], [], ls="", marker="^", color=ROLE_COLOURS["print_hub"],
                           mec="k", label="print hub"),
                    Line2D([], [], ls="", marker="x", color="k", label="closed (review)")]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3,
                  fontsize=6, frameon=False)

    def draw(self, snap: Snapshot) -> list[Artist]:
        ax, c, out = self.ax, snap.customers, []
        every = max(len(c["x"]) // MAX_POINTS, 1)
        x, y = c["x"][::every], c["y"][::every]
        printer, online = c["printer"][::every] > 0, c["internet"][::every].astype(bool)
        for mask, (colour, _) in zip((~online & ~printer, online & ~printer, printer), GROUPS,
                                     strict=True):
            out.append(ax.scatter(x[mask], y[mask], s=3, color=colour, lw=0))
        if len(snap.stores):
            out.append(ax.scatter(snap.stores[:, 0], snap.stores[:, 1], marker="s", s=22,
                                  color=ROLE_COLOURS["retailer"], edgecolor="k", lw=0.4))
        if len(snap.hubs):
            out.append(ax.scatter(snap.hubs[:, 0], snap.hubs[:, 1], marker="^", s=40,
                                  color=ROLE_COLOURS["print_hub"], edgecolor="k", lw=0.4))
        if len(snap.closed):
            out.append(ax.scatter(snap.closed[:, 0], snap.closed[:, 1], marker="x", s=24,
                                  color="k", lw=0.9))
        self.targets = ([("retailer", int(i)) for i in snap.store_ids]
                        + [("print_hub", int(i)) for i in snap.hub_ids]
                        + list(snap.closed_firms),
                        np.concatenate([snap.stores, snap.hubs, snap.closed]))
        owners = (f"{printer.mean():.0%} own a printer" if len(printer)
                  else "customers not stored")  # a stored run's folder has no customers
        closed = f"\n{len(snap.closed)} closed at the review" if len(snap.closed) else ""
        caption = ax.text(0.01, 0.99, f"open now: {len(snap.stores)} stores, "
                          f"{len(snap.hubs)} hubs; {owners}{closed}", transform=ax.transAxes,
                          ha="left", va="top", fontsize=7,
                          bbox={"fc": "white", "alpha": 0.8, "lw": 0})
        caption.set_in_layout(False)  # the frame's layout must not depend on the caption
        out.append(caption)
        return out
