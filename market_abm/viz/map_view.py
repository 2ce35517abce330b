"""Map of the region: customers (by printer and internet), open stores and print hubs."""

from __future__ import annotations

from matplotlib.figure import Figure

from market_abm.viz.charts import DPI, ROLE_COLOURS
from market_abm.viz.state import Snapshot

MAX_POINTS = 5000  # customers drawn at most (a fixed every-k-th subset keeps redraws fast)


def map_figure(snap: Snapshot) -> Figure:
    """Customers as dots (grey offline, blue online, green with a printer), stores as squares
    and print hubs as triangles, on the region's km grid."""
    fig = Figure(figsize=(4.2, 3.6), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(f"Region: {len(snap.stores)} stores, {len(snap.hubs)} print hubs", fontsize=10)
    ax.tick_params(labelsize=7)
    c = snap.customers
    every = max(len(c["x"]) // MAX_POINTS, 1)
    x, y = c["x"][::every], c["y"][::every]
    printer, online = c["printer"][::every] > 0, c["internet"][::every].astype(bool)
    groups = ((~online & ~printer, "0.7", "no internet"),
              (online & ~printer, "#1f77b4", "internet"),
              (printer, "#2ca02c", "owns a printer"))
    for mask, colour, label in groups:
        ax.scatter(x[mask], y[mask], s=3, color=colour, lw=0, label=f"{label} ({mask.sum()})")
    if len(snap.stores):
        ax.scatter(snap.stores[:, 0], snap.stores[:, 1], marker="s", s=22,
                   color=ROLE_COLOURS["retailer"], edgecolor="k", lw=0.4, label="store")
    if len(snap.hubs):
        ax.scatter(snap.hubs[:, 0], snap.hubs[:, 1], marker="^", s=40,
                   color=ROLE_COLOURS["print_hub"], edgecolor="k", lw=0.4, label="print hub")
    ax.set_xlim(0, snap.region_km)
    ax.set_ylim(0, snap.region_km)
    ax.set_aspect("equal")
    ax.set_xlabel("km", fontsize=7)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=6,
              frameon=False, markerscale=1.5)
    return fig
