"""Logisticians: carriers of bulk to stores, parcels to homes and printing material."""

from __future__ import annotations

from market_abm.agents.base import Firm


class Logistician(Firm):
    """A carrier. ``parcel_volume`` (parcels/year, smoothed) drives its parcel unit cost.

    A pivoted logistician has left bulk store delivery for material supply and local delivery.
    """

    role = "logistician"

    def __init__(self, model, fixed_cost: float):
        super().__init__(model, fixed_cost)
        self.parcel_volume = 0.0
        self.pivoted = False
        self.material_profit_year = 0.0
        self.last_material_profit = 0.0

    def close_year(self) -> None:
        super().close_year()
        self.last_material_profit = self.material_profit_year
        self.material_profit_year = 0.0
