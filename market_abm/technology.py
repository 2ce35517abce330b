"""Exogenous technology: the printer capability frontier and the printer learning curve."""

from __future__ import annotations

import numpy as np


def capability_frontier(year: float, start_year: float, start: float, growth: float) -> float:
    """Home printer capability in [0, 1] at a (fractional) calendar year.

    Logistic in calendar time: logit C(t) = logit C(start_year) + growth * (t - start_year).
    ``growth`` is per year; 0 freezes the frontier at ``start``.

    >>> round(capability_frontier(2000, 1990, 0.5, 0.0), 3)
    0.5
    """
    logit0 = np.log(start / (1.0 - start))
    return float(1.0 / (1.0 + np.exp(-(logit0 + growth * (year - start_year)))))


def printer_price(cumulative_per_household: float, initial_cumulative: float,
                  price_start: float, price_floor: float, learning_rate: float) -> float:
    """Printer price ($) from Wright's law on cumulative printers sold per household.

    The premium above ``price_floor`` falls by ``learning_rate`` per doubling of cumulative
    printers (``initial_cumulative`` sold before the start gives the curve's origin).

    >>> printer_price(0.004, 0.002, 1100.0, 100.0, 0.2)
    900.0
    """
    doublings = np.log2(max(cumulative_per_household, initial_cumulative) / initial_cumulative)
    premium = (price_start - price_floor) * (1.0 - learning_rate) ** doublings
    return float(price_floor + premium)
