"""Retailers: stores of one type that sell the classic flow, and may exit, convert into print
hubs, or open where a store would pay."""

from __future__ import annotations

import numpy as np

from market_abm.agents.base import LocatedFirm
from market_abm.market import RETAIL


class Retailer(LocatedFirm):
    """A shop of store type ``store_type`` (index into the model's store types) at (x, y) km,
    paying rent and staff (fixed_cost, $/year) and living on its margin."""

    role = "retailer"
    label = "retailers"
    colour = "#8c564b"

    def __init__(self, model, fixed_cost: float, x: float, y: float, store_type: int,
                 cash: float | None = None):
        super().__init__(model, fixed_cost, x, y, cash)
        self.store_type = int(store_type)

    def review(self, outlook) -> None:
        """A losing store turns into a print hub when a hub at its site would pay more than
        the store did, after the conversion cost (re-intermediation)."""
        from market_abm.agents.print_hubs import PrintHub

        s = self.model.scenario
        if self.last_profit >= 0 or self.insolvent or outlook.hub_bound <= s.hub_fixed_cost:
            return
        profit = PrintHub.site_profit(self.model, outlook, self.x, self.y) - s.hub_fixed_cost
        cash = self.cash + s.hub_fixed_cost * s.cash_reserve_years - s.conversion_cost
        if cash >= 0 and profit > 0 and profit - s.conversion_cost > self.last_profit:
            PrintHub(self.model, s.hub_fixed_cost * self.model.cost_factor(), self.x, self.y,
                     cash=cash, converted_from=self.unique_id)
            outlook.hub_sites.append((self.x, self.y))
            self.leave("converted into a print hub: a hub at its site would earn more than "
                       "the store, after the conversion cost", store_profit=self.last_profit,
                       hub_profit=profit, conversion_cost=s.conversion_cost)

    @staticmethod
    def fixed_cost_of(model, store_type: int) -> float:
        """Mean yearly fixed cost ($) of a store of this type."""
        return float(model.categories.stores.fixed_cost[store_type]
                     * model.scenario.store_cost_scale)

    @classmethod
    def site_profit(cls, model, outlook, store_type: int, x: float, y: float) -> float:
        """Expected yearly gross margin ($) of a new store of ``store_type`` at (x, y): the
        retail purchases of the sampled customers for whom it would be the nearest store of
        its type, bought at the trip cost to it."""
        cat, pop = model.categories, model.customers
        sample = outlook.sample
        ks = np.flatnonzero(cat.store_type == store_type)
        trip = model.trip_cost(np.hypot(pop.x[sample] - x, pop.y[sample] - y))
        now = outlook.nearest_trip(model, pop.x[sample], pop.y[sample],
                                   pop.travel_store[sample, store_type],
                                   [(sx, sy) for t, sx, sy in outlook.store_sites
                                    if t == store_type])
        closer = trip < now
        if not closer.any():
            return 0.0
        units = outlook.units_of(model, sample[closer], ks, {"store": trip[closer]})
        supply = outlook.supply
        unit_margin = supply.offer.price[:, RETAIL] * supply.store_margin / (
            1.0 + supply.store_margin)
        return float(units[:, RETAIL] @ unit_margin)

    @classmethod
    def enter(cls, model, outlook) -> int:
        """For each store type, ``entry_candidates`` random sites a year: a store opens at a
        site where its expected margin covers its fixed cost (free entry)."""
        s = model.scenario
        entries = 0
        for t in range(len(model.categories.stores)):
            opened = 0
            for _ in range(s.entry_candidates):
                x, y = model.rng.uniform(0, s.region_size_km, 2)
                fixed = cls.fixed_cost_of(model, t) * model.cost_factor()
                if opened < s.max_entries_per_year and \
                        cls.site_profit(model, outlook, t, x, y) > fixed:
                    cls(model, fixed, x, y, t)
                    outlook.store_sites.append((t, x, y))
                    opened += 1
            entries += opened
        return entries

