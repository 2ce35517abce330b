"""Retailers: stores that sell the classic flow and may exit or turn into print hubs."""

from __future__ import annotations

from market_abm.agents.base import LocatedFirm


class Retailer(LocatedFirm):
    """A shop at (x, y) km paying rent (fixed_cost, $/year) and living on its margin."""

    role = "retailer"
