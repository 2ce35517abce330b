"""The baseline patterns (pattern-oriented modelling, Grimm et al. 2005) as checks.

Each check takes the yearly means of a run's timeseries (``plots.yearly``) and returns True
when the run reproduces the pattern. Every pattern is a fact of 1990-2024 (data/history/)
or of the essay's story that a run can fail, and docs/validation.md lists, for each, the
rival models a reviewer would propose and which of them it rejects. The thresholds are the
user's (issues "Model 2" and "Model 3"): never tune them to make a run pass.

Used by the tests (several seeds) and by experiments/pattern_validation.py (share of 50
seeds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from market_abm import history
from market_abm.scenario import Scenario

CENSUS_TOLERANCE = 0.01   # online spend share within 1 percentage point of the Census
MEDIA = ("books", "music_video")
STORE_PATTERN_TYPES = {"bookstores": 0.65, "furniture_home": 0.75, "hardware": 0.75}
FREEZE_YEAR = 2020        # the what-if run of pattern 5b


def printed(y: pd.DataFrame) -> pd.Series:
    """Share of the shopping goods' units printed (home print plus print services), per year:
    the items of model 2's categories (``shopping`` in categories.csv), which printing
    competes for; groceries, fuel and the other staples are not printable."""
    return y["printed_share_shopping"]


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


# Pattern 7: the value share of all retail in 2024 (the Census's 15.9 % in Q1) lies in this
# window, and it rises at least as fast over 2010-2024 as over 1999-2009 (issue "Model 3").
ONLINE_2024 = (0.13, 0.19)
# Pattern 8: parcels per household within this factor of the Pitney Bowes figures of about
# 80 (2015: 10.0 bn parcels, 125 million households) and 165 (2023).
PARCEL_FACTOR = 1.5
PARCELS_PER_HOUSEHOLD = {2015: 80.0, 2023: 165.0}
# Pattern 9: printers bought to print.
OWNERS_2024 = 0.05          # printer owners below this share of households in 2024
SALES_FACTOR = 2.5          # printers bought per household 2011-2015 vs world sales per
#                             world household (world_households)
PRINTS_PER_OWNER = 5.0      # home-printed items per owner and year, every year from 2015


def online_keeps_accelerating(y: pd.DataFrame) -> bool:
    """7. The online share of all retail sales is 13-19 % in 2024 (yearly mean; the Census's
    15.9 % is the first quarter), and its mean yearly rise over 2010-2024 is at least that of
    1999-2009."""
    if not {1999, 2009, 2010, 2024} <= set(y.index):
        return False
    share = y["spend_share_online"]
    level = share.at[2024]
    rise_now = (share.at[2024] - share.at[2010]) / 14.0
    rise_then = (share.at[2009] - share.at[1999]) / 10.0
    return bool(ONLINE_2024[0] <= level <= ONLINE_2024[1] and rise_now >= rise_then)


def parcels_in_level(y: pd.DataFrame) -> bool:
    """8. Parcels per household within a factor of 1.5 of about 80 in 2015 and 165 in
    2023 (Pitney Bowes volume per US household)."""
    if not set(PARCELS_PER_HOUSEHOLD) <= set(y.index):
        return False
    return all(1.0 / PARCEL_FACTOR <= y.at[year, "parcels_per_household"] / observed
               <= PARCEL_FACTOR for year, observed in PARCELS_PER_HOUSEHOLD.items())


def world_sales_per_household(world_households: float) -> float:
    """World desktop printers sold a year per world household, mean of 2011-2015
    (desktop_3d_printers.csv: personal printers 2011-2013, all printers shipped 2014-2015),
    per 1,000 households: the yardstick of pattern 9."""
    table = history.desktop_printers()
    sold = table[table["measure"].isin(["personal_printers_sold_worldwide",
                                        "all_3d_printers_shipped_worldwide"])]
    sold = sold[sold["year"].between(2011, 2015)]
    return float(sold["value"].mean()) / world_households * 1000.0


def printers_bought_to_print(y: pd.DataFrame, world_households: float) -> bool:
    """9. Printer owners below 5 % of households in 2024; printers bought per household in
    2011-2015 within a factor of 2.5 of world desktop sales per world household; at least 5
    home-printed items per printer owner and year in every year from 2015 in which
    households own printers."""
    if not {2011, 2015, 2024} <= set(y.index):
        return False
    bought = y.loc[2011:2015, "printers_bought"].mean()
    world = world_sales_per_household(world_households)
    sales = 1.0 / SALES_FACTOR <= bought / world <= SALES_FACTOR
    owned = y.loc[2015:, "printer_owner_share"] > 0
    prints = (y.loc[2015:, "home_prints_per_owner"][owned] >= PRINTS_PER_OWNER).all()
    return bool(y.at[2024, "printer_owner_share"] < OWNERS_2024 and sales and prints)


BASELINE = {
    "1 online tracks the Census, then keeps rising": online_tracks_census,
    "2 books and music go online first": media_online_first,
    "3 bookstores close first": bookstores_close_first,
    "4 platforms, print services and printers from the niche": reintermediation_from_the_niche,
    "5 printing late, then spreading": printing_late_then_spreading,
    "6 stores and carriers shrink, material suppliers appear": intermediaries_reshaped,
    "7 online keeps accelerating after 2009, to today's level": online_keeps_accelerating,
    "8 parcels in level": parcels_in_level,
    "9 printers are bought to print": printers_bought_to_print,
}
FROZEN = {"5b printing stays a niche with capability frozen in 2020":
          printing_stays_niche_if_frozen}


# Rival models (scenario overrides of the baseline), each the explanation a reviewer would
# propose instead of a mechanism, with the patterns that mechanism is offered for: the
# evidence that those patterns can fail. docs/validation.md lists the shares of seeds
# measured by experiments/pattern_validation.py (every pattern, not only these) and which
# rivals each pattern rejects; tests/test_patterns.py checks one seed.
ALTERNATIVES: dict[str, tuple[dict, list[str]]] = {
    "version 1's lock-in: habit 1.5 + social 1.5": (
        {"habit_weight": 1.5, "social_weight": 1.5},
        ["1 online tracks the Census, then keeps rising"]),
    "price and size alone (every other category attribute equal)": (
        {"uniform_category_fit": True},
        ["2 books and music go online first", "3 bookstores close first"]),
    "printer prices falling by date (decline fitted to the price data)": (
        {"printer_price_model": "by_date"},
        ["4 platforms, print services and printers from the niche",
         "9 printers are bought to print"]),
    "capability frozen at its 2015 level": (
        {"capability_freeze_year": 2015},
        ["5 printing late, then spreading",
         "6 stores and carriers shrink, material suppliers appear"]),
    "smartphones change nothing (a device shift only)": (
        {"mobile_order_saving": 0.0},
        ["7 online keeps accelerating after 2009, to today's level"]),
    "one parcel per order (sellers' items ship together)": (
        {"marketplace_split_shipments": False},
        ["8 parcels in level"]),
}


# Patterns the calibrated Model 3 does not reproduce (0 of 50 seeds, docs/validation.md,
# section 2), with what it does instead: reported, never hidden by a changed threshold.
NOT_OBTAINED = {
    "5 printing late, then spreading":
        "the 3D flow reaches about 8 % of the shopping goods' items in 2050, not 10 %",
    "6 stores and carriers shrink, material suppliers appear":
        "its carriers' clause needs printing above 10 % of items, which pattern 5 misses",
    "9 printers are bought to print":
        "in 2015-2018 the few owners (0.05-0.3 % of households) print fewer than 5 items a "
        "year, in some years none",
}


def baseline_patterns(y: pd.DataFrame, world_households: float | None = None
                      ) -> dict[str, bool]:
    """Patterns 1-9 of a baseline run (5b needs its own run, ``frozen_patterns``);
    ``world_households`` is the run's scenario value (pattern 9's yardstick; default: the
    scenario default)."""
    if world_households is None:
        world_households = Scenario.model_fields["world_households"].default
    out = {}
    for name, check in BASELINE.items():
        out[name] = (check(y, world_households) if check is printers_bought_to_print
                     else check(y))
    return out


def frozen_patterns(y: pd.DataFrame) -> dict[str, bool]:
    """Pattern 5b of a run with capability_freeze_year = FREEZE_YEAR."""
    return {name: check(y) for name, check in FROZEN.items()}
