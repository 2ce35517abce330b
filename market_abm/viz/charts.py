"""Time charts of a run so far, drawn from session Snapshots (LiveViews, see live.py).

The x axis spans the whole scenario, so the curves grow from the left as the run goes on.
Monthly values are smoothed over six months.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from market_abm.agents import FIRM_ROLES
from market_abm.market import CHANNELS
from market_abm.palette import CHANNEL_COLOURS, ROLE_COLOURS, ROLE_LABELS
from market_abm.viz.live import LiveView
from market_abm.viz.replicates import Band
from market_abm.viz.state import Snapshot

HOME, HUB = CHANNEL_COLOURS["home_print"], ROLE_COLOURS["print_hub"]

SMOOTH = 6  # months


def years(snap: Snapshot) -> np.ndarray:
    """Time of each row of the timeseries in fractional calendar years."""
    ts = snap.timeseries
    per_year = max(snap.n_steps // (snap.end_year - snap.start_year + 1), 1)
    return (ts["year"] + (ts["month"] - 1) / per_year).to_numpy(dtype=float)


MAX_PINS = 3  # pinned runs kept (the oldest goes first)
GHOST_STYLES = ("--", ":", "-.")  # line style of the first, second and third pin


@dataclass(frozen=True, eq=False)
class Pin:
    """A run pinned on the page: drawn as ghost lines (channel shares, active firms) while
    other runs play. ``label`` names it; ``t`` (years) and ``timeseries`` are the run so far."""

    label: str
    t: np.ndarray
    timeseries: pd.DataFrame


def pin(snap: Snapshot, label: str) -> Pin:
    """A Pin of the run so far in ``snap``."""
    return Pin(label, years(snap), snap.timeseries)


def smooth(column: pd.Series) -> np.ndarray:
    """Trailing mean over SMOOTH steps."""
    return column.rolling(SMOOTH, min_periods=1).mean().to_numpy(dtype=float)


class TimeChart(LiveView):
    """A chart over the scenario's years; subclasses set ``title`` and ``ylabel``."""

    title = ""
    ylabel = ""

    def setup(self, snap: Snapshot) -> None:
        ax = self.ax
        ax.set_title(self.title, fontsize=10)
        ax.set_ylabel(self.ylabel, fontsize=8)
        ax.set_xlim(snap.start_year, snap.end_year + 1)
        ax.set_ylim(0, 1)

    def ghost_handles(self) -> list:
        """Legend entries of the pinned runs and replicate bands this chart draws."""
        if not self.draws_ghosts:
            return []
        return [Patch(facecolor="0.6", alpha=0.5, edgecolor="0.1",
                      label=f"{g.label}: mean, 90 % band") if isinstance(g, Band)
                else Line2D([], [], color="0.2", ls=style, lw=1, label=f"pinned: {g.label}")
                for g, style in zip(self.ghosts, GHOST_STYLES, strict=False)]

    draws_ghosts = False

    def ghost(self, pinned: Pin | Band, style: str) -> list[Artist]:
        """The lines of one pinned run, or the mean and band of replicates (charts that draw
        them override it)."""
        return []

    def band(self, band: Band, column: str, colour) -> list[Artist]:
        """A replicate band's mean (line) and 90 % band (shaded) of one column."""
        ax = self.ax
        return [ax.fill_between(band.t, band.low[column], band.high[column], color=colour,
                                alpha=0.25, lw=0),
                *ax.plot(band.t, band.mean[column], color=colour, lw=1.0)]

    def ghost_lines(self) -> list[Artist]:
        """Every pinned run's lines, over the data (redrawn with it at each step)."""
        return [line for p, style in zip(self.ghosts, GHOST_STYLES, strict=False)
                for line in self.ghost(p, style)]

    def legend(self, handles: list, loc: str = "lower left", ncol: int = 1) -> None:
        self.overlays.append(self.ax.legend(handles=handles, loc=loc, fontsize=7, ncol=ncol,
                                            framealpha=1.0))

    def draw(self, snap: Snapshot) -> list[Artist]:
        if snap.timeseries.empty:
            return [self.ax.text(0.5, 0.5, "press Step or Play", transform=self.ax.transAxes,
                                 ha="center", va="center", color="0.5"), *self.ghost_lines()]
        return [*self.curves(snap, years(snap)), *self.ghost_lines()]

    @abc.abstractmethod
    def curves(self, snap: Snapshot, t: np.ndarray) -> list[Artist]:
        """The data artists of ``snap`` over the years ``t``."""


class ChannelShares(TimeChart):
    """Stacked shares of retail sales ($) per channel, as the Census counts e-commerce."""

    title, ylabel = "Channel shares of retail sales", "share of retail sales ($)"

    draws_ghosts = True

    def setup(self, snap: Snapshot) -> None:
        super().setup(snap)
        self.legend([Patch(color=CHANNEL_COLOURS[c], label=c.replace("_", " "))
                     for c in CHANNELS] + self.ghost_handles())

    def ghost(self, pinned, style):
        """The stack's boundaries in the pinned run (or the replicates' mean and band)."""
        if isinstance(pinned, Band):
            return [a for c in CHANNELS[:-1] for a in self.band(pinned, f"edge_{c}", "0.15")]
        edges = np.cumsum([smooth(pinned.timeseries[f"spend_share_{c}"])
                           for c in CHANNELS[:-1]],
                          axis=0)
        return [line for edge in edges
                for line in self.ax.plot(pinned.t, edge, color="0.1", ls=style, lw=1.0,
                                         alpha=0.8)]

    def curves(self, snap, t):
        ts = snap.timeseries
        return self.ax.stackplot(t, [smooth(ts[f"spend_share_{c}"]) for c in CHANNELS],
                                 colors=[CHANNEL_COLOURS[c] for c in CHANNELS])


class ActiveFirms(TimeChart):
    """Active firms by role; triangles mark entries (up) and exits or conversions (down)."""

    draws_ghosts = True

    title, ylabel = "Active firms by role (▲ entries, ▼ exits)", "active firms"

    def setup(self, snap: Snapshot) -> None:
        super().setup(snap)
        self.ax.set_yscale("symlog", linthresh=10)
        self.ax.set_ylim(0, snap.firm_cap)
        # plain counts at 0, 1, 2, 5, 10, 20, 50, ... (symlog's default leaves 0-10 bare)
        ticks = [m * 10**e for e in range(8) for m in (1, 2, 5) if m * 10**e <= snap.firm_cap]
        self.ax.yaxis.set_major_locator(FixedLocator([0, *ticks]))
        self.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        self.ax.yaxis.set_minor_locator(NullLocator())
        self.legend([Line2D([], [], color=ROLE_COLOURS[r], label=ROLE_LABELS[r])
                     for r in FIRM_ROLES] + self.ghost_handles(), loc="upper left", ncol=3)

    def ghost(self, pinned, style):
        """Each role's active firms in the pinned run (or the replicates' mean and band)."""
        if isinstance(pinned, Band):
            return [a for r in FIRM_ROLES
                    for a in self.band(pinned, f"active_{r}s", ROLE_COLOURS[r])]
        return [line for role in FIRM_ROLES
                for line in self.ax.plot(pinned.t, pinned.timeseries[f"active_{role}s"],
                                         color=ROLE_COLOURS[role], ls=style, lw=1.0,
                                         alpha=0.7)]

    def curves(self, snap, t):
        ts, ax, out = snap.timeseries, self.ax, []
        marks: dict[str, list] = {"^": [], "v": []}  # (t, active, size, colour) of events
        for role in FIRM_ROLES:
            active = ts[f"active_{role}s"].to_numpy(dtype=float)
            out += ax.plot(t, active, color=ROLE_COLOURS[role], lw=1.5)
            for kind, marker in (("entries", "^"), ("exits", "v"), ("conversions", "v")):
                col = f"{kind}_{role}"
                if col not in ts:
                    continue
                n = ts[col].fillna(0).to_numpy(dtype=float)
                hit = n > 0
                if hit.any():
                    marks[marker].append((t[hit], active[hit], 12 + 6 * np.sqrt(n[hit]),
                                          [ROLE_COLOURS[role]] * int(hit.sum())))
        for marker, parts in marks.items():  # one scatter per marker: scatters are costly
            if parts:
                x, y, size, colour = (np.concatenate([p[k] for p in parts]) for k in range(4))
                out.append(ax.scatter(x, y, marker=marker, s=size, c=list(colour),
                                      edgecolor="k", lw=0.4, zorder=3))
        return out


class Technology(TimeChart):
    """Printer owners, home and professional capability, against the category thresholds."""

    title, ylabel = "Printers and capability vs category thresholds", "share / capability"

    def setup(self, snap: Snapshot) -> None:
        super().setup(snap)
        for name, level in snap.thresholds.items():
            self.ax.axhline(level, color="0.75", lw=0.7, ls="--", zorder=0)
            self.ax.text(snap.end_year + 0.8, level, name.replace("_", " "), fontsize=6,
                         ha="right", va="bottom", color="0.4")
        self.legend([Line2D([], [], color=c, label=label) for c, label in
                     ((HOME, "home capability"), (HUB, "print hub capability"),
                      ("k", "printer owners"))], loc="upper left")

    def curves(self, snap, t):
        ts, ax = snap.timeseries, self.ax
        return [*ax.plot(t, ts["printer_capability"], color=HOME, lw=1.8),
                *ax.plot(t, ts["pro_capability"], color=HUB, lw=1.2),
                *ax.plot(t, ts["printer_owner_share"], color="k", lw=1.5)]


class RevenueShares(TimeChart):
    """Stacked share of customers' spending kept by each role (its value added)."""

    title, ylabel = "Revenue share by role (value added)", "share of spending"

    def setup(self, snap: Snapshot) -> None:
        super().setup(snap)
        self.legend([Patch(color=ROLE_COLOURS[r], label=ROLE_LABELS[r]) for r in FIRM_ROLES],
                    ncol=2)

    def curves(self, snap, t):
        ts = snap.timeseries
        return self.ax.stackplot(
            t, [np.clip(smooth(ts[f"revenue_share_{r}"]), 0, None) for r in FIRM_ROLES],
            colors=[ROLE_COLOURS[r] for r in FIRM_ROLES])
