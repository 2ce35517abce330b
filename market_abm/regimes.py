"""Regime and timing outputs of a run: which regime the 3D flow ends in, and when things happen.

Computed from a run's yearly table (``market_abm.sweep.yearly_table``: one row per calendar
year, yearly means of the timeseries, plus the ``network_<metric>`` columns of a sweep run
with ``--network``), for scenario discovery (``market-abm discover``):

- ``regime_3d``: ``niche`` if the 3D flow (``printed_share_shopping``: home printing and
  print services, fraction of the shopping goods' items, yearly mean) stays below ``niche``
  (default NICHE_SHARE, 10 %)
  in every year through the end year; ``takeover`` if it reaches ``takeover`` (default
  TAKEOVER_SHARE, 50 %) in some year; ``coexistence`` otherwise;
- ``year_3d_passes_10pct``: first calendar year the 3D flow reaches 10 % of those items
  (PASSES_SHARE, fixed whatever the regime thresholds);
- ``year_stores_halve``: first year after STORES_REFERENCE_YEAR (2000) with fewer active
  stores (``active_retailers``, yearly mean) than half their count in that year; missing
  when the run does not cover 2000;
- ``year_carriers_peak``: year of the highest carriers' volume per unit sold
  (``carrier_volume_per_unit``: units carried in bulk to stores and in parcels per unit
  sold, yearly mean);
  missing when the highest value is in the end year (still rising: no peak yet) or the
  series is zero throughout (no carrier volume);
- ``year_platform_most_central``: first year the platforms' flow betweenness
  (``network_flow_betweenness_platform``, mean share of a producer-customer pair's units
  passing through platforms) is higher than that
  of every other intermediary role; only computed when the yearly table holds the network
  metrics (a sweep run with ``--network``), otherwise the column is absent.

Years are calendar years as floats; "never" (within the run) is NaN, not a number, so a
condition such as ``year_stores_halve <= 2040`` is false for a run whose stores never halve.

Example:
    >>> import pandas as pd
    >>> yearly = pd.DataFrame({"year": [2000, 2001, 2002],
    ...     "printed_share_shopping": [0.0, 0.12, 0.4],
    ...     "active_retailers": [100, 60, 40], "carrier_volume_per_unit": [1.0, 2.0, 1.5]})
    >>> out = run_outcomes(yearly)
    >>> out["regime_3d"], out["year_3d_passes_10pct"], out["year_stores_halve"]
    ('coexistence', 2001.0, 2002.0)
    >>> out["year_carriers_peak"]
    2001.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from market_abm.network import INTERMEDIARY_ROLES
from market_abm.patterns import first_year, printed

NICHE_SHARE = 0.10  # 3D flow below this in every year: niche (fraction of units bought)
TAKEOVER_SHARE = 0.50  # 3D flow reaching this in some year: takeover
PASSES_SHARE = 0.10  # the level of year_3d_passes_10pct
STORES_REFERENCE_YEAR = 2000  # year_stores_halve: stores compared with their count then
REGIMES = ("niche", "coexistence", "takeover")
NETWORK_PREFIX = "network_flow_betweenness_"
OUTPUTS = ("regime_3d", "year_3d_passes_10pct", "year_stores_halve", "year_carriers_peak",
           "year_platform_most_central")


def regime_3d(share: pd.Series, niche: float = NICHE_SHARE,
              takeover: float = TAKEOVER_SHARE) -> str:
    """``niche``, ``coexistence`` or ``takeover`` from the yearly 3D share (see module)."""
    if not 0 < niche < takeover <= 1:
        raise ValueError(f"regime thresholds need 0 < niche < takeover <= 1, got niche "
                         f"{niche}, takeover {takeover}")
    peak = share.max()
    if peak >= takeover:
        return "takeover"
    return "niche" if peak < niche else "coexistence"


def year_stores_halve(stores: pd.Series, reference: int = STORES_REFERENCE_YEAR) -> float:
    """First year after ``reference`` with fewer stores than half their ``reference`` count."""
    if reference not in stores.index:
        return np.nan
    after = stores[stores.index > reference]
    return first_year(after < 0.5 * stores[reference])


def year_peak(values: pd.Series) -> float:
    """Year of the highest value; NaN if it is the last year (no peak yet) or all zero."""
    if values.empty or not (values.abs() > 0).any():
        return np.nan
    top = values.idxmax()
    return np.nan if top == values.index[-1] else float(top)


def year_platform_most_central(yearly: pd.DataFrame) -> float:
    """First year platforms' betweenness exceeds every other intermediary role's."""
    t = yearly.set_index("year")
    platform = t[f"{NETWORK_PREFIX}platform"]
    others = t[[f"{NETWORK_PREFIX}{r}" for r in INTERMEDIARY_ROLES if r != "platform"]]
    return first_year(platform > others.max(axis=1))


def has_network(yearly: pd.DataFrame) -> bool:
    """True if the yearly table holds the betweenness of every intermediary role."""
    return all(f"{NETWORK_PREFIX}{r}" in yearly for r in INTERMEDIARY_ROLES)


def run_outcomes(yearly: pd.DataFrame, niche: float = NICHE_SHARE,
                 takeover: float = TAKEOVER_SHARE) -> dict[str, str | float]:
    """The regime and timing outputs of one run's yearly table (see module docstring)."""
    yearly = yearly.sort_values("year")
    t = yearly.set_index("year")
    share = printed(t)  # the 3D flow, as in the patterns
    out: dict[str, str | float] = {
        "regime_3d": regime_3d(share, niche, takeover),
        "year_3d_passes_10pct": first_year(share >= PASSES_SHARE),
        "year_stores_halve": year_stores_halve(t["active_retailers"]),
        "year_carriers_peak": year_peak(t["carrier_volume_per_unit"]),
    }
    if has_network(yearly):
        out["year_platform_most_central"] = year_platform_most_central(yearly)
    return out


def outcome_table(yearly: pd.DataFrame, niche: float = NICHE_SHARE,
                  takeover: float = TAKEOVER_SHARE) -> pd.DataFrame:
    """One row per run of a sweep's yearly table: ``run_id`` and the outputs of run_outcomes
    (``year_platform_most_central`` only with the network metrics)."""
    rows = [{"run_id": run_id, **run_outcomes(part, niche, takeover)}
            for run_id, part in yearly.groupby("run_id", sort=True)]
    names = [n for n in OUTPUTS if n != "year_platform_most_central" or has_network(yearly)]
    table = pd.DataFrame(rows, columns=["run_id", *names])
    return table.astype({n: "float64" for n in names if n.startswith("year_")})
