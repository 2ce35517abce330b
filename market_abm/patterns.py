"""The baseline patterns (pattern-oriented modelling, Grimm et al. 2005) as checks.

Each check takes the yearly means of a run's timeseries (``plots.yearly``) and returns True
when the run reproduces the pattern. Every pattern is a fact of 1990-2024 (data/history/)
or of the essay's story that a run can fail, and docs/validation.md lists, for each, an
alternative model that fails it. The thresholds are the user's (issue "Model 2"): never
tune them to make a run pass.

Used by the tests (several seeds) and by experiments/pattern_validation.py (share of 50
seeds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from market_abm import history

CENSUS_TOLERANCE = 0.01   # online spend share within 1 percentage point of the Census
MEDIA = ("books", "music_video")
STORE_PATTERN_TYPES = {"bookstores": 0.65, "furniture_home": 0.75, "hardware": 0.75}
FREEZE_YEAR = 2020        # the what-if run of pattern 5b


def printed(y: pd.DataFrame) -> pd.Series:
    """Share of units printed (home print plus print services), per year."""
    return y["share_home_print"] + y["share_print_service"]


def first_year(flags: pd.Series) -> float:
    """First year where ``flags`` holds (NaN if never)."""
    years = flags.index[flags.to_numpy(bool)]
    return float(years.min()) if len(years) else float("nan")


def online_tracks_census(y: pd.DataFrame) -> bool:
    """1. Online spend share within 1 point of every Census value 1999-2009, and rising:
    each five-year mean 2005-2024 above the previous one."""
    census = history.ecommerce_share()
    model = y["spend_share_online"].reindex(census.index)
    close = bool((model - census).abs().max() <= CENSUS_TOLERANCE)
    blocks = [y.loc[a: a + 4, "spend_share_online"].mean() for a in range(2005, 2025, 5)]
    rising = all(b > a for a, b in zip(blocks, blocks[1:], strict=False))
    return close and rising


def media_online_first(y: pd.DataFrame) -> bool:
    """2. In 2012 books and music have the highest online spend shares of all categories,
    each at least twice furniture's."""
    if 2012 not in y.index:
        return False
    shares = {c.removeprefix("spend_share_online_"): y.at[2012, c] for c in y.columns
              if c.startswith("spend_share_online_")}
    media = [shares[m] for m in MEDIA]
    others = [v for k, v in shares.items() if k not in MEDIA]
    return bool(min(media) > max(others) and min(media) >= 2.0 * shares["furniture"])


def bookstores_close_first(y: pd.DataFrame) -> bool:
    """3. From 1995 to 2019 bookstores fall by at least 35 % while furniture and hardware
    stores fall by less than 25 %."""
    if not {1995, 2019} <= set(y.index):
        return False
    ratio = {t: y.at[2019, f"active_stores_{t}"] / max(y.at[1995, f"active_stores_{t}"], 1e-9)
             for t in STORE_PATTERN_TYPES}
    return bool(ratio["bookstores"] <= STORE_PATTERN_TYPES["bookstores"]
                and ratio["furniture_home"] > STORE_PATTERN_TYPES["furniture_home"]
                and ratio["hardware"] > STORE_PATTERN_TYPES["hardware"])


def reintermediation_from_the_niche(y: pd.DataFrame) -> bool:
    """4. The first 3D platform and the first print service are active before 2015; printer
    owners are above zero by 2015 and below 5 % of households through 2020; the printer
    price is below $500 by 2018."""
    needed = {2015, 2018, 2020} <= set(y.index)
    return bool(needed
                and first_year(y["active_platforms"] > 0) < 2015
                and first_year(y["active_print_hubs"] > 0) < 2015
                and y.loc[:2015, "printer_owner_share"].max() > 0
                and y.loc[:2020, "printer_owner_share"].max() < 0.05
                and y.at[2018, "printer_price"] < 500)


def printing_late_then_spreading(y: pd.DataFrame) -> bool:
    """5. Home printing plus print services stay below 2 % of units before 2015 and pass
    10 % by 2050."""
    share = printed(y)
    return bool(2050 in y.index and (share.loc[:2014] < 0.02).all()
                and share.loc[:2050].max() > 0.10)


def printing_stays_niche_if_frozen(y: pd.DataFrame) -> bool:
    """5b. (a run with capability_freeze_year = 2020) printing stays below 5 % of units
    through 2050."""
    return bool(2050 in y.index and (printed(y).loc[:2050] < 0.05).all())


def intermediaries_reshaped(y: pd.DataFrame) -> bool:
    """6. Stores in 2050 at most 70 % of 2000; carriers' bulk plus parcel volume per unit
    sold falls from its peak once printing passes 10 %; at least one carrier exits or
    pivots by 2050 (counted from 2000, after the warm-up of the set-up's firms); at least one
    material supplier is active by 2050."""
    if not {2000, 2050} <= set(y.index):
        return False
    stores = y.at[2050, "active_retailers"] <= 0.7 * y.at[2000, "active_retailers"]
    passed = first_year(printed(y) > 0.10)
    volume = y["carrier_volume_per_unit"]
    falls = bool(np.isfinite(passed) and volume.loc[passed + 1:2050].max()
                 < volume.loc[:passed].max())
    carriers = y.loc[2000:2050, ["exits_logistician", "pivots_logistician"]].to_numpy().sum() > 0
    suppliers = y.loc[:2050, "active_material_suppliers"].max() >= 1
    return bool(stores and falls and carriers and suppliers)


BASELINE = {
    "1 online tracks the Census, then keeps rising": online_tracks_census,
    "2 books and music go online first": media_online_first,
    "3 bookstores close first": bookstores_close_first,
    "4 platforms, print services and printers from the niche": reintermediation_from_the_niche,
    "5 printing late, then spreading": printing_late_then_spreading,
    "6 stores and carriers shrink, material suppliers appear": intermediaries_reshaped,
}
FROZEN = {"5b printing stays a niche with capability frozen in 2020":
          printing_stays_niche_if_frozen}


# Alternative models (scenario overrides of the baseline), each with the patterns it must
# fail: the evidence that those patterns can fail. docs/validation.md lists the shares of
# seeds measured by experiments/pattern_validation.py; tests/test_patterns.py checks one seed.
ALTERNATIVES: dict[str, tuple[dict, list[str]]] = {
    "version 1's lock-in: habit 1.5 + social 1.5": (
        {"habit_weight": 1.5, "social_weight": 1.5},
        ["1 online tracks the Census, then keeps rising"]),
    "no value of variety (long tail)": (
        {"variety_value": 0.0},
        ["2 books and music go online first", "3 bookstores close first"]),
    "a regional learning curve (the world is the region)": (
        {"world_households": 200_000.0},
        ["4 platforms, print services and printers from the niche"]),
    "no capability growth": (
        {"printer_capability_growth": 0.0},
        ["5 printing late, then spreading",
         "6 stores and carriers shrink, material suppliers appear"]),
}


def baseline_patterns(y: pd.DataFrame) -> dict[str, bool]:
    """Patterns 1-6 of a baseline run (5b needs its own run, ``frozen_patterns``)."""
    return {name: check(y) for name, check in BASELINE.items()}


def frozen_patterns(y: pd.DataFrame) -> dict[str, bool]:
    """Pattern 5b of a run with capability_freeze_year = FREEZE_YEAR."""
    return {name: check(y) for name, check in FROZEN.items()}
