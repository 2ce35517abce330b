"""What a run is compared with the observed history by: yearly values of its timeseries.

A run's timeseries has one row per step; observed series are yearly (a yearly mean, a
fourth-quarter figure, or a count at the end of the year). ``yearly`` turns the steps of one
or more runs into one row per run and year with the chosen ``AGGREGATES``; ``DERIVED`` adds
the columns that match a published series but are not a timeseries column themselves (world
printer sales from the cumulative count, the store types a survey groups together, the online
share of a survey's kind of goods). Calibration targets (market_abm.targets) name either kind
of column.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import resources

import numpy as np
import pandas as pd

from market_abm.categories import load_categories

# How the steps of a year make its value: the mean of the year, of its first or fourth quarter
# (the Census e-commerce share), or the last step (a count at the end of the year).
AGGREGATES = ("mean", "q1", "q4", "last")

# Categories of each kind of goods of the Census online-share table (data/history/
# us_online_share_by_kind_2011_2012.csv), weighted by their reference spending.
KINDS = {"media_sporting_hobby_goods": ("books", "music_video", "toys_hobby"),
         "electronics_appliances": ("electronics", "appliances", "phone_accessories"),
         "furniture": ("furniture", "household_items"),
         "clothing": ("clothing", "footwear", "jewellery"),
         "health_personal_care": ("health_personal_care",)}
# Store types the Census counts together, as the sum of the model's store types.
STORE_GROUPS = {"sporting_hobby_book_music": ("bookstores", "music_stores", "sporting_hobby")}


def yearly(timeseries: pd.DataFrame, aggregate: str = "mean") -> pd.DataFrame:
    """One row per run (``run_id``, 0 when absent) and year: the numeric columns aggregated
    over the year's steps as ``aggregate`` says (one of AGGREGATES)."""
    if aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {', '.join(AGGREGATES)}, got {aggregate!r}")
    frame = timeseries if "run_id" in timeseries else timeseries.assign(run_id=0)
    if aggregate in ("q1", "q4"):  # the first or last quarter of the year's steps
        groups = frame.groupby(["run_id", "year"])["month"]
        steps, rank = groups.transform("size"), groups.rank(method="first") - 1
        quarter = np.maximum(steps // 4, 1)
        frame = frame[rank >= steps - quarter] if aggregate == "q4" else frame[rank < quarter]
    groups = frame.drop(columns=["step", "month"], errors="ignore").groupby(["run_id", "year"])
    out = groups.last() if aggregate == "last" else groups.mean(numeric_only=True)
    return out.reset_index()


def _kind_share(kind: str) -> Callable[[pd.DataFrame, object], pd.Series]:
    def share(frame: pd.DataFrame, scenario) -> pd.Series:
        cat = load_categories()
        weight = cat.items_per_year * cat.reference_prices(scenario)
        w = {c: weight[cat.index(c)] for c in KINDS[kind]}
        return sum(frame[f"spend_share_online_{c}"] * w[c] for c in w) / sum(w.values())
    return share


def _store_group(types: tuple[str, ...]) -> Callable[[pd.DataFrame, object], pd.Series]:
    def count(frame: pd.DataFrame, scenario) -> pd.Series:
        return frame[[f"active_stores_{t}" for t in types]].sum(axis=1)
    return count


def _world_printers_sold(frame: pd.DataFrame, scenario) -> pd.Series:
    """World desktop printers sold in a year: a yearly mean of the cumulative count stands at
    mid-year, so a year's sales are half the growth from the year before's mean to the year
    after's (missing at the first and last year of a run)."""
    cumulative = frame.groupby("run_id")["world_printers"]
    return (cumulative.shift(-1) - cumulative.shift(1)) / 2.0


@functools.cache
def us_households() -> pd.Series:
    """US households (millions) by year, 1990-2023 (market_abm/data/us_households.csv:
    Census CPS as read; years between two sourced years interpolated linearly, later years
    held at the last one)."""
    with resources.files("market_abm.data").joinpath("us_households.csv").open() as fh:
        table = pd.read_csv(fh)
    sourced = pd.Series(table["value"].to_numpy(float), index=table["year"].to_numpy(int))
    years = np.arange(int(sourced.index.min()), 2201)
    return pd.Series(np.interp(years, sourced.index, sourced.to_numpy()), index=years)


def _us_parcels(frame: pd.DataFrame, scenario) -> pd.Series:
    """Parcels a year of the US (billions) if every US household shipped and received what
    the region's households do: parcels per household times US households, the unit of the
    Pitney Bowes index (us_parcels.csv)."""
    years = frame["year"] if "year" in frame else frame.index.get_level_values("year")
    households = us_households().reindex(np.asarray(years)).to_numpy()
    return frame["parcels_per_household"] * households * 1e6 / 1e9


# Derived columns: name -> function of the yearly frame (one row per run and year) and the
# scenario of the runs.
DERIVED: dict[str, Callable[[pd.DataFrame, object], pd.Series]] = {
    **{f"spend_share_online_kind_{kind}": _kind_share(kind) for kind in KINDS},
    **{f"active_stores_{group}": _store_group(types) for group, types in STORE_GROUPS.items()},
    "world_printers_sold": _world_printers_sold,
    "us_parcels_bn": _us_parcels,
}


def column(frame: pd.DataFrame, name: str, scenario) -> pd.Series:
    """A timeseries column or a DERIVED one of a yearly frame (same index as the frame)."""
    if name in DERIVED:
        return DERIVED[name](frame, scenario)
    return frame[name]
