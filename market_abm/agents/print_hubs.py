"""Print hubs: local shops that print designs for customers (print-service channel)."""

from __future__ import annotations

import numpy as np

from market_abm.agents.base import LocatedFirm
from market_abm.market import PRINT_SERVICE


class PrintHub(LocatedFirm):
    """A print hub at (x, y) km; ``converted_from`` is the unique_id of the store it was."""

    role = "print_hub"
    label = "print hubs"
    colour = "#ff7f0e"

    @classmethod
    def site_profit(cls, model, outlook, x: float, y: float) -> float:
        """Expected yearly margin ($) of a print hub at (x, y) km, before fixed costs: the
        print-service purchases of the sampled customers for whom it would be the nearest
        hub, with the designs owners and licensers offer and material on sale."""
        cat, pop = model.categories, model.customers
        sample = outlook.sample
        can_print = cat.printable & (cat.printability < model.pro_capability)
        if not can_print.any() or outlook.hub_bound <= 0:
            return 0.0
        trip = model.trip_cost(np.hypot(pop.x[sample] - x, pop.y[sample] - y))
        now = outlook.nearest_trip(model, pop.x[sample], pop.y[sample], pop.travel_hub[sample],
                                   outlook.hub_sites)
        closer = trip < now
        if not closer.any():
            return 0.0
        from market_abm.evaluation import printing_offer

        offer = printing_offer(model, outlook.supply, outlook.coverage, hubs=True)
        units = outlook.units_of(model, sample[closer], np.flatnonzero(can_print),
                                 {"hub": trip[closer]}, offer)[:, PRINT_SERVICE]
        supply = outlook.supply
        return float(units @ (supply.hub_fee - supply.hub_cost))

    @classmethod
    def enter(cls, model, outlook) -> int:
        """Independent hubs open at up to ``entry_candidates`` random sites a year where a hub
        would pay its fixed cost."""
        s = model.scenario
        entries = 0
        if outlook.hub_bound <= s.hub_fixed_cost:  # no site could pay
            return 0
        for _ in range(s.entry_candidates):
            if entries >= s.max_entries_per_year:
                break
            x, y = model.rng.uniform(0, s.region_size_km, 2)
            if cls.site_profit(model, outlook, x, y) > s.hub_fixed_cost:
                cls(model, s.hub_fixed_cost * model.cost_factor(), x, y)
                outlook.hub_sites.append((x, y))
                entries += 1
        return entries
