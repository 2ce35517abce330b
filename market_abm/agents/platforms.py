"""3D platforms: design marketplaces earning a commission, growing their catalogue."""

from __future__ import annotations

from market_abm.agents.base import Firm


class Platform(Firm):
    """A design marketplace with a catalogue (designs) that grows with its sales.

    Customers pick a platform with weight catalogue ** network_effect and designers follow
    sales (designs_per_sale): the two-sided network effect.
    """

    role = "platform"

    def __init__(self, model, fixed_cost: float, catalogue: float):
        super().__init__(model, fixed_cost)
        self.catalogue = catalogue
