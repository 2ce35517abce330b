"""Time charts of a run so far, drawn from a session Snapshot (matplotlib, no pyplot).

Each function returns a ``matplotlib.figure.Figure`` whose x axis spans the whole scenario, so
the curves grow from the left as the run goes on. Monthly values are smoothed over six months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from market_abm.market import CHANNELS
from market_abm.plots import CHANNEL_COLOURS
from market_abm.viz.state import Snapshot

ROLE_COLOURS = {"producer": "#7f7f7f", "logistician": "#9467bd", "retailer": "#8c564b",
                "platform": "#17becf", "print_hub": "#ff7f0e", "customers": "#1f77b4"}
ROLE_LABELS = {"producer": "producers", "logistician": "logisticians", "retailer": "retailers",
               "platform": "platforms", "print_hub": "print hubs", "customers": "customers"}
FIRM_ROLES = ("producer", "logistician", "retailer", "platform", "print_hub")
FIGSIZE = (5.0, 3.1)
DPI = 80
SMOOTH = 6  # months


def new_figure(title: str) -> tuple[Figure, object]:
    """A small figure with one axes and a title."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=10)
    ax.tick_params(labelsize=8)
    return fig, ax


def _time(snap: Snapshot) -> np.ndarray:
    ts = snap.timeseries
    per_year = max(snap.n_steps // (snap.end_year - snap.start_year + 1), 1)
    return (ts["year"] + (ts["month"] - 1) / per_year).to_numpy(dtype=float)


def _smooth(column: pd.Series) -> np.ndarray:
    return column.rolling(SMOOTH, min_periods=1).mean().to_numpy(dtype=float)


def _frame(ax, snap: Snapshot, ylabel: str) -> None:
    ax.set_xlim(snap.start_year, snap.end_year + 1)
    ax.set_ylabel(ylabel, fontsize=8)
    if snap.timeseries.empty:
        ax.text(0.5, 0.5, "press Step or Play", transform=ax.transAxes, ha="center",
                va="center", color="0.5")


def channel_shares(snap: Snapshot) -> Figure:
    """Stacked shares of units bought per channel."""
    fig, ax = new_figure("Channel shares")
    _frame(ax, snap, "share of units bought")
    ax.set_ylim(0, 1)
    if not snap.timeseries.empty:
        ts = snap.timeseries
        ax.stackplot(_time(snap), [_smooth(ts[f"share_{c}"]) for c in CHANNELS],
                     labels=[c.replace("_", " ") for c in CHANNELS],
                     colors=[CHANNEL_COLOURS[c] for c in CHANNELS])
        ax.legend(loc="lower left", fontsize=7, framealpha=0.8)
    return fig


def active_firms(snap: Snapshot) -> Figure:
    """Active firms by role; triangles mark a year's entries (up) and exits (down)."""
    fig, ax = new_figure("Active firms by role (▲ entries, ▼ exits)")
    _frame(ax, snap, "active firms")
    ax.set_yscale("symlog", linthresh=10)
    ts = snap.timeseries
    if ts.empty:
        return fig
    t = _time(snap)
    for role in FIRM_ROLES:
        active = ts[f"active_{role}s"].to_numpy(dtype=float)
        ax.plot(t, active, color=ROLE_COLOURS[role], label=ROLE_LABELS[role], lw=1.5)
        for kind, marker in (("entries", "^"), ("exits", "v"), ("conversions", "v")):
            col = f"{kind}_{role}"
            if col in ts:
                n = ts[col].fillna(0).to_numpy(dtype=float)
                hit = n > 0
                if hit.any():
                    ax.scatter(t[hit], active[hit], marker=marker, s=12 + 6 * np.sqrt(n[hit]),
                               color=ROLE_COLOURS[role], edgecolor="k", lw=0.4, zorder=3)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=7, ncol=2, framealpha=0.8)
    return fig


def technology(snap: Snapshot) -> Figure:
    """Printer owners, home and professional capability, against the category thresholds."""
    fig, ax = new_figure("Printers and capability vs category thresholds")
    _frame(ax, snap, "share / capability index")
    ax.set_ylim(0, 1)
    for name, level in snap.thresholds.items():
        ax.axhline(level, color="0.75", lw=0.7, ls="--", zorder=0)
        ax.text(snap.end_year + 0.8, level, name.replace("_", " "), fontsize=6, ha="right",
                va="bottom", color="0.4")
    ts = snap.timeseries
    if not ts.empty:
        t = _time(snap)
        ax.plot(t, ts["printer_capability"], color="#2ca02c", lw=1.8, label="home capability")
        ax.plot(t, ts["pro_capability"], color="#ff7f0e", lw=1.2, label="print hub capability")
        ax.plot(t, ts["printer_owner_share"], color="k", lw=1.5, label="printer owners")
        ax.legend(loc="upper left", fontsize=7, framealpha=0.8)
    return fig


def revenue_shares(snap: Snapshot) -> Figure:
    """Stacked share of customers' spending kept by each role (its value added)."""
    fig, ax = new_figure("Revenue share by role (value added)")
    _frame(ax, snap, "share of spending")
    ax.set_ylim(0, 1)
    ts = snap.timeseries
    if not ts.empty:
        cols = [f"revenue_share_{r}" for r in FIRM_ROLES]
        ax.stackplot(_time(snap), [np.clip(_smooth(ts[c]), 0, None) for c in cols],
                     labels=[ROLE_LABELS[r] for r in FIRM_ROLES],
                     colors=[ROLE_COLOURS[r] for r in FIRM_ROLES])
        ax.legend(loc="lower left", fontsize=7, ncol=2, framealpha=0.8)
    return fig
