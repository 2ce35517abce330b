"""Headline numbers of the latest step: date, channel shares of retail sales, parcels per
household, intermediation index, printer owners, and the active firms of each role."""

from __future__ import annotations

import re

import numpy as np

from market_abm.market import CHANNELS
from market_abm.network import FIRM_ROLES, intermediation_index
from market_abm.palette import ROLE_LABELS
from market_abm.viz.state import Snapshot

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def css_key(label: str) -> str:
    """The css class suffix of a headline label: 'online ($)' -> 'online'.

    >>> css_key("parcels / household")
    'parcels-household'
    """
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def date_label(snap: Snapshot) -> str:
    """'Mar 2003' for the latest step, 'start of 1990' before the first."""
    if not snap.steps:
        return f"start of {snap.start_year}"
    per_year = max(snap.n_steps // (snap.end_year - snap.start_year + 1), 1)
    if per_year == 12:
        return f"{MONTHS[snap.month - 1]} {snap.year}"
    return f"{snap.year}, step {snap.month} of {per_year}"


def headline(snap: Snapshot) -> dict[str, str]:
    """Label -> formatted value, in display order."""
    row = snap.last
    out = {"date": date_label(snap), "step": f"{snap.steps} / {snap.n_steps}"}
    # shares of retail sales ($, as the Census counts e-commerce), then parcels (Pitney Bowes)
    shares = {c: float(row.get(f"spend_share_{c}", 0.0)) for c in CHANNELS}
    for c in CHANNELS:  # labelled "online ($)": a share of retail sales in dollars
        out[f"{c.replace('_', ' ')} ($)"] = f"{100 * shares[c]:.1f} %" if row else "-"
    out["parcels / household"] = f"{row['parcels_per_household']:.0f}" if row else "-"
    # mean intermediaries per unit sold in the supply network of the year so far
    index = intermediation_index(snap.graph)
    out["intermediation index"] = "-" if np.isnan(index) else f"{index:.2f}"
    out["printer owners"] = f"{100 * row['printer_owner_share']:.1f} %" if row else "-"
    return out


def firm_counts(snap: Snapshot) -> str:
    """'Active firms: 24 producers · 4 logisticians · ...' of the latest step (the chart's
    log-scaled axis makes a handful of firms hard to read)."""
    row = snap.last
    if not row:
        return "Active firms: - (before the first step)"
    return "Active firms: " + " · ".join(
        f"{int(row[f'active_{r}s'])} {ROLE_LABELS[r]}" for r in FIRM_ROLES)
