"""Material suppliers: sell printing material to home printers."""

from __future__ import annotations

from market_abm.agents.base import Firm
from market_abm.market import retries


class MaterialSupplier(Firm):
    """A seller of printing material (filament, resin) delivered by its own means; it buys
    the material outside the region at the category's material cost. A carrier that pivots
    becomes one (``converted_from``)."""

    role = "material_supplier"
    label = "material suppliers"
    colour = "#bcbd22"

    @staticmethod
    def expected_profit(model, outlook, suppliers: int | None = None) -> float:
        """Yearly margin ($) an entrant expects: an equal share, among ``suppliers``
        incumbents (default: those of the outlook and the carriers that pivoted during this
        review) and itself, of the material the printing outlook's home prints need, failed
        attempts at the frontier's failure rate included."""
        s, cat = model.scenario, model.categories
        n = len(outlook.supply.suppliers) + outlook.new_suppliers if suppliers is None \
            else suppliers
        attempts = retries(model.capability - cat.printability, s.print_failure_scale)
        used = outlook.printing[:, 0] * outlook.coverage * attempts  # home prints' material
        return float(used @ (cat.material_cost * s.material_margin)) / (n + 1)

    @classmethod
    def enter(cls, model, outlook) -> int:
        """Suppliers enter, up to max_entries_per_year, while that margin covers the fixed
        cost (re-intermediation: a trade printing creates)."""
        s = model.scenario
        n, entries = len(outlook.supply.suppliers), 0
        while entries < s.max_entries_per_year and \
                cls.expected_profit(model, outlook, n + entries) > s.material_supplier_fixed_cost:
            cls(model, s.material_supplier_fixed_cost * model.cost_factor())
            entries += 1
        return entries
