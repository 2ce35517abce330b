"""The six baseline patterns (pattern-oriented modelling, Grimm et al. 2005) as checks.

Each check takes the yearly means of a run's timeseries (``plots.yearly``) and its scenario and
returns True when the run reproduces the pattern. Used by the tests (several seeds) and by the
validation experiment (share of 50 seeds).
"""

from __future__ import annotations

import pandas as pd
from scipy.stats import spearmanr

from market_abm.scenario import Scenario


def retail_dominant_before_internet(y: pd.DataFrame, s: Scenario) -> bool:
    """1. share_retail >= 0.95 in every year before internet_start_year."""
    return bool((y.loc[: s.internet_start_year - 1, "share_retail"] >= 0.95).all())


def online_slow_then_rising(y: pd.DataFrame, s: Scenario, until: int = 2030) -> bool:
    """2. online < 5 % for ten years from internet_start_year, then each five-year mean up to
    ``until`` above the previous one."""
    start = s.internet_start_year
    window = y.loc[start: start + 9, "share_online"]
    slow = len(window) == 10 and (window < 0.05).all()
    online = y["share_online"]
    blocks = [online.loc[a: a + 4].mean() for a in range(start + 10, until, 5)]
    rising = len(blocks) >= 2 and all(b > a for a, b in zip(blocks, blocks[1:], strict=False))
    return bool(slow and rising)


def printing_late_then_spreading(y: pd.DataFrame, s: Scenario, categories) -> bool:
    """3. home print + print service < 2 % before 2015 and > 10 % in 2050, category by
    category with small objects first: the year each category passes 5 % printed rises with
    its printability threshold (Spearman rank correlation >= 0.7; never = after the run)."""
    printed = y["share_home_print"] + y["share_print_service"]
    late = (printed.loc[:2014] < 0.02).all() and printed.loc[2050] > 0.10
    first = []
    for name in categories.names:
        over = y.index[y[f"printed_share_{name}"] > 0.05]
        first.append(over.min() if len(over) else y.index.max() + 1)
    order = spearmanr(categories.printability, first).statistic
    return bool(late and order >= 0.7)


def intermediaries_shrink(y: pd.DataFrame, s: Scenario) -> bool:
    """4. active retailers in 2050 <= 70 % of 2000, and logistics volume per unit falls
    (2046-2050 mean below 1996-2000 mean)."""
    stores = y.loc[2050, "active_retailers"] <= 0.7 * y.loc[2000, "active_retailers"]
    volume = y["logistics_volume_per_unit"]
    return bool(stores and volume.loc[2046:2050].mean() < volume.loc[1996:2000].mean())


def new_intermediaries_appear(y: pd.DataFrame, s: Scenario) -> bool:
    """5. no platform or print hub at the start, at least one of each in 2050."""
    first, last = y.index.min(), 2050
    none = y.loc[first, "active_platforms"] == 0 and y.loc[first, "active_print_hubs"] == 0
    return bool(none and y.loc[last, "active_platforms"] >= 1
                and y.loc[last, "active_print_hubs"] >= 1)


def home_printing_marginal(y: pd.DataFrame, s: Scenario) -> bool:
    """6. (run with printer_capability_growth = 0) home printing <= 1 % in every year."""
    return bool((y["share_home_print"] <= 0.01).all())


def baseline_patterns(y: pd.DataFrame, s: Scenario, categories) -> dict[str, bool]:
    """Patterns 1-5 of a baseline run (pattern 6 needs its own run without growth)."""
    return {"1 retail dominant before the internet": retail_dominant_before_internet(y, s),
            "2 online slow, then rising": online_slow_then_rising(y, s),
            "3 printing late, small objects first": printing_late_then_spreading(y, s,
                                                                               categories),
            "4 stores and logistics volume shrink": intermediaries_shrink(y, s),
            "5 platforms and hubs appear": new_intermediaries_appear(y, s)}
