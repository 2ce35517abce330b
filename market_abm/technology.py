"""Exogenous technology and its cost: the printer capability frontier, print quality, and the
printer price on a global learning curve."""

from __future__ import annotations

from functools import cache

import numpy as np


def capability_frontier(year: float, start_year: float, start: float, growth: float,
                        freeze_year: float | None = None) -> float:
    """Home printer capability in [0, 1] at a (fractional) calendar year.

    Logistic in calendar time: logit C(t) = logit C(start_year) + growth * (t - start_year),
    held at its value of ``freeze_year`` from then on. ``growth`` is per year; 0 freezes the
    frontier at ``start``.

    >>> round(capability_frontier(2000, 1990, 0.5, 0.0), 3)
    0.5
    >>> capability_frontier(2030, 1990, 0.1, 0.1, 2000) == capability_frontier(2000, 1990, 0.1, 0.1)
    True
    """
    if freeze_year is not None:
        year = min(year, freeze_year)
    logit0 = np.log(start / (1.0 - start))
    return float(1.0 / (1.0 + np.exp(-(logit0 + growth * (year - start_year)))))


def print_quality(capability: np.ndarray | float, printability: np.ndarray,
                  quality_max: np.ndarray, scale: float) -> np.ndarray:
    """Quality of a printed item relative to a shop-bought one, in [0, quality_max].

    quality_max * (1 - exp(-margin / scale)), margin = capability - printability; 0 below the
    threshold. Multi-material goods have quality_max < 1: they never print as well as made.

    >>> print_quality(0.5, np.array([0.2, 0.6]), np.array([1.0, 1.0]), 0.3).round(3)
    array([0.632, 0.   ])
    """
    margin = np.maximum(np.asarray(capability, dtype=float) - printability, 0.0)
    return quality_max * -np.expm1(-margin / scale)


def printer_price(world_cumulative: float, world_start: float, price_start: float,
                  price_floor: float, learning_rate: float) -> float:
    """Printer price ($) from Wright's law on world cumulative printers sold.

    The premium above ``price_floor`` falls by ``learning_rate`` per doubling of world
    cumulative printers, from ``price_start`` at ``world_start`` printers.

    >>> printer_price(40_000, 20_000, 1100.0, 100.0, 0.2)
    900.0
    """
    doublings = np.log2(max(world_cumulative, world_start) / world_start)
    premium = (price_start - price_floor) * (1.0 - learning_rate) ** doublings
    return float(price_floor + premium)


@cache
def _price_decline(floor: float) -> tuple[float, float]:
    """Least-squares fit of log(price - floor) = a - r * year to the entry printer prices of
    market_abm/data/history/desktop_3d_printers.csv (every quoted model): (a, r)."""
    from market_abm import history

    table = history.desktop_printers()
    quotes = table[table["measure"] == "entry_printer_price_usd"]
    years = quotes["year"].to_numpy(float)
    premium = np.maximum(quotes["value"].to_numpy(float) - floor, 1.0)
    slope, intercept = np.polyfit(years, np.log(premium), 1)
    return float(intercept), float(-slope)


def price_by_date(year: float, floor: float, start: float) -> float:
    """Printer price ($) falling with calendar time alone: floor + exp(a - r * year), the
    decline fitted to the observed entry prices (``_price_decline``), at most ``start`` (the
    price before consumer sales). The rival of the world learning curve: prices that would
    have fallen whatever the number of printers sold.

    >>> price_by_date(2030.0, 150.0, 2500.0) < price_by_date(2012.0, 150.0, 2500.0)
    True
    """
    a, r = _price_decline(floor)
    return float(min(floor + np.exp(a - r * year), start))
