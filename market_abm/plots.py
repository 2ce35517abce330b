"""Figures of a run: channel shares and active firms over the years (matplotlib, PNG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from market_abm.agents import FIRM_ROLES  # noqa: E402
from market_abm.indicators import yearly  # noqa: E402
from market_abm.market import CHANNELS  # noqa: E402
from market_abm.network import INTERMEDIARY_ROLES  # noqa: E402
from market_abm.palette import CHANNEL_COLOURS, ROLE_COLOURS, ROLE_LABELS  # noqa: E402
from market_abm.storage import atomic_write  # noqa: E402

__all__ = ["network_figure", "run_figure", "save_figure", "yearly"]


def run_figure(timeseries: pd.DataFrame, title: str = "") -> plt.Figure:
    """Stacked channel shares of retail sales ($, left; as the Census counts e-commerce) and
    active firms by role (right), per year."""
    y = yearly(timeseries)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    left.stackplot(y.index, [y[f"spend_share_{c}"] for c in CHANNELS],
                   labels=[c.replace("_", " ") for c in CHANNELS],
                   colors=[CHANNEL_COLOURS[c] for c in CHANNELS])
    left.set(xlabel="year", ylabel="share of retail sales ($)", ylim=(0, 1),
             title="Channel shares of retail sales")
    left.legend(loc="lower left", fontsize=8)
    for role in FIRM_ROLES:
        right.plot(y.index, y[f"active_{role}s"], color=ROLE_COLOURS[role],
                   label=ROLE_LABELS[role])
    right.set(xlabel="year", ylabel="active firms", title="Active firms by role",
              yscale="symlog")
    right.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


# No creation date and fixed element ids: the same figure gives the same bytes every time.
SVG_SALT = "market_abm"


def save_figure(fig: plt.Figure, path: Path, dpi: int = 110, close: bool = True) -> None:
    """Save a figure atomically (format from the suffix), byte for byte the same for the same
    figure (no date in PDF/SVG metadata, fixed SVG clip ids); close it unless ``close`` is
    False."""
    fmt = path.suffix[1:]
    metadata = {"Date": None} if fmt in ("svg", "pdf") else None
    with plt.rc_context({"svg.hashsalt": SVG_SALT}):
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=fmt,
                                                   metadata=metadata))
    if close:
        plt.close(fig)


def network_figure(metrics: pd.DataFrame, title: str = "") -> plt.Figure:
    """The supply network's metrics per year (network.network_metrics): intermediation
    index, flow shares, flow betweenness and Herfindahl concentration of each intermediary
    role."""
    y = metrics.set_index("year")
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    index, share, between, hhi = axes.flat
    index.plot(y.index, y["intermediation_index"], color="k")
    index.set(xlabel="year", ylabel="intermediaries per unit sold", ylim=(0, None),
              title="Intermediation index")
    for role in INTERMEDIARY_ROLES:
        colour, label = ROLE_COLOURS[role], ROLE_LABELS[role]
        share.plot(y.index, y[f"flow_share_{role}"], color=colour, label=label)
        between.plot(y.index, y[f"flow_betweenness_{role}"], color=colour, label=label)
        hhi.plot(y.index, y[f"hhi_{role}s"], color=colour, label=label)
    share.set(xlabel="year", ylabel="share of units sold", ylim=(0, 1.05),
              title="Flow through each role")
    between.set(xlabel="year", ylabel="mean share of a producer-customer flow",
                title="Flow betweenness (producer to customer)")
    hhi.set(xlabel="year", ylabel="HHI of throughput", ylim=(0, 1.05),
            title="Concentration (Herfindahl)")
    for ax in (share, between, hhi):
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
