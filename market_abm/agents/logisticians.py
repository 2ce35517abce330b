"""Logisticians: carriers of bulk to stores and parcels to homes."""

from __future__ import annotations

from market_abm.agents.base import Firm
from market_abm.market import ONLINE, RETAIL


class Logistician(Firm):
    """A carrier with ``depots`` fulfilment depots and a smoothed yearly ``parcel_volume``
    (parcels/year) that drives its parcel unit cost (density economies). More depots deliver
    faster (market_abm.offer); each costs depot_cost a year on top of the fixed cost."""

    role = "logistician"
    label = "logisticians"
    colour = "#9467bd"

    def __init__(self, model, fixed_cost: float, depots: int = 1):
        super().__init__(model, fixed_cost)
        self.depots = depots
        self.parcel_volume = 0.0

    def review(self, outlook) -> None:
        """Invest or pivot, on profit.

        A carrier whose parcel volume exceeds its depots' capacity adds a depot when last
        year's profit covers it (fulfilment where volume pays); depots are sunk: a carrier
        whose volume falls keeps paying for them. A losing carrier turns into a material
        supplier when supplying material would earn more than carrying did; one that runs
        out of cash exits, and its volume goes to the others (consolidation).
        """
        from market_abm.agents.material_suppliers import MaterialSupplier

        s, model = self.model.scenario, self.model
        if self.insolvent:
            return
        if self.last_profit < 0:
            expected = MaterialSupplier.expected_profit(model, outlook) - \
                s.material_supplier_fixed_cost
            cash = self.cash + s.material_supplier_fixed_cost * s.cash_reserve_years \
                - s.conversion_cost
            if expected > 0 and cash >= 0 and expected - s.conversion_cost > self.last_profit:
                MaterialSupplier(model, s.material_supplier_fixed_cost * model.cost_factor(),
                                 cash=cash, converted_from=self.unique_id)
                outlook.new_suppliers += 1  # carriers reviewing later see it
                self.leave("pivoted into a material supplier: supplying material would earn "
                           "more than carrying, after the conversion cost",
                           carrier_profit=self.last_profit, supplier_profit=expected,
                           conversion_cost=s.conversion_cost)
            return
        if self.parcel_volume > self.depots * s.depot_capacity and \
                self.last_profit > s.depot_cost:
            self.depots += 1
            self.fixed_cost += s.depot_cost

    @classmethod
    def enter(cls, model, outlook) -> int:
        """A carrier enters, up to max_entries_per_year, while an equal share of the region's
        parcels at the reference fee's margin covers its overheads and one depot.

        In a region left with no carrier (the last one pivoted or exited), stores and web
        shops cannot sell, so current volumes are zero: an entrant then plans on the parcels
        and the bulk deliveries to stores they would sell if it delivered
        (``Outlook.carried``), so the carriers' own exit does not close the market for
        carrying for good. With incumbents the rule counts parcels only; counting bulk as
        well makes entrants leave within the year in the baseline (docs/model.md).
        """
        s, cat = model.scenario, model.categories
        n = len(outlook.supply.logisticians)
        units = outlook.current if n else outlook.carried(model)
        parcels = float((units[:, ONLINE] / cat.items_per_purchase).sum())
        margin = parcels * s.parcel_cost * s.logistics_margin
        if not n:
            margin += float(units[:, RETAIL] @ (s.bulk_cost * cat.bulk)) * s.logistics_margin
        entries = 0
        while entries < s.max_entries_per_year and \
                margin / (n + 1) > s.logistician_fixed_cost + s.depot_cost:
            carrier = cls(model, (s.logistician_fixed_cost + s.depot_cost) * model.cost_factor())
            carrier.parcel_volume = parcels / (n + 1)  # it enters with the volume it plans for
            n += 1
            entries += 1
        return entries
