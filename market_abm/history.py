"""Observed history for calibration and pattern checks: the series of data/history/.

The series are real and sourced (data/history/README.md: sources, units, gaps); each loader
returns them as read, nothing interpolated. Used by the patterns, the calibration, the plots
of a run against the data, and the paper.

Example:
    >>> ecommerce_share().loc[2009]
    np.float64(0.041)
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd


def path(name: str) -> Path:
    """The file of one series (e.g. ``us_ecommerce_share_1999_2009.csv``), for the command
    line's ``--data`` and the paper."""
    return Path(str(resources.files("market_abm.data.history").joinpath(name)))


@cache
def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(path(name), dtype={"naics": str})


def _series(name: str) -> pd.Series:
    table = _table(name)
    return pd.Series(table["value"].to_numpy(float), index=table["year"].to_numpy(int),
                     name=name.removesuffix(".csv"))


def ecommerce_share() -> pd.Series:
    """E-commerce share of US retail sales, Q4 of each year 1999-2009 (fraction; Census)."""
    return _series("us_ecommerce_share_1999_2009.csv")


def internet_households() -> pd.Series:
    """US households with internet access at home, 1997-2014 (fraction; Census CPS)."""
    return _series("us_internet_households.csv")


def smartphone_adults() -> pd.Series:
    """US adults who own a smartphone, 2011-2024 (fraction; Pew): a technology driver."""
    return _series("us_adults_owning_smartphone.csv")


def ecommerce_share_2024() -> pd.Series:
    """E-commerce share of US retail sales, Q1 2024 (fraction; Census CB24-76)."""
    return _series("us_ecommerce_share_2024.csv")


def internet_adults() -> pd.Series:
    """US adults who use the internet, 2000-2024 (fraction; Pew)."""
    return _series("us_adults_using_internet.csv")


def parcels() -> pd.Series:
    """Parcels shipped in the US, 2015-2024 (billions a year; Pitney Bowes)."""
    return _series("us_parcels.csv")


def store_establishments() -> pd.DataFrame:
    """US establishments by store type and year: columns year, store_type, naics, value."""
    return _table("us_store_establishments.csv")


def establishment_change() -> pd.Series:
    """Change in US establishments 2001-2017 by store type (fraction; BLS QCEW)."""
    table = _table("us_establishment_change_2001_2017.csv")
    return pd.Series(table["change"].to_numpy(float), index=table["store_type"])


def online_share_by_kind() -> pd.DataFrame:
    """Share of each kind of merchandise sold online, 2011-2012: kind, year, value."""
    return _table("us_online_share_by_kind_2011_2012.csv")


def desktop_printers() -> pd.DataFrame:
    """Desktop 3D printers sold worldwide and entry printer prices: year, measure, value."""
    return _table("desktop_3d_printers.csv")


def milestones() -> pd.DataFrame:
    """Dates of the first 3D design platforms, print services and cheap printers."""
    return _table("re_intermediation_milestones.csv")
