"""3D platforms: design marketplaces earning a commission, growing their catalogue."""

from __future__ import annotations

from market_abm.agents.base import Firm


class Platform(Firm):
    """A design marketplace with a catalogue (designs) that grows with its sales.

    Customers pick a platform with weight catalogue ** network_effect and designers upload
    where the buyers are (designs_per_owner from the world's printer owners, shared by the
    platforms' market shares): the two-sided network effect. Buyers search the designs all
    owners have shared (``model.world_designs``) through whichever platforms exist.
    """

    role = "platform"
    label = "platforms"
    colour = "#17becf"

    def __init__(self, model, fixed_cost: float, catalogue: float):
        super().__init__(model, fixed_cost)
        self.catalogue = catalogue

    def grow_catalogue(self, share: float) -> None:
        """Designers upload where buyers are: the platform receives ``share`` (its share of
        the design market) of the designs the world's printer owners upload this step."""
        model = self.model
        s = model.scenario
        self.catalogue += s.designs_per_owner * model.world_owners * share / s.steps_per_year

    @classmethod
    def enter(cls, model, outlook) -> int:
        """Platforms enter, up to max_entries_per_year, while an entrant's expected commission
        covers its fixed cost. An entrant expects the share seed^e / (sum of catalogue^e +
        seed^e) of the design market (e = network_effect): the incumbents' catalogues are its
        barrier. It weighs the design sales the printing outlook promises for the designs that
        exist (owners' shared designs and licensed catalogues), as if material were on sale."""
        s = model.scenario
        supply = outlook.supply
        platforms = supply.platforms
        sold = outlook.printing.sum(1) * outlook.coverage
        commission = float(sold @ (s.platform_commission * supply.design_price))
        weights = float(sum(pf.catalogue ** s.network_effect for pf in platforms))
        seed = s.platform_seed_catalogue ** s.network_effect
        entries = 0
        while entries < s.max_entries_per_year:
            if commission * seed / (weights + seed) <= s.platform_fixed_cost:
                break
            cls(model, s.platform_fixed_cost * model.cost_factor(), s.platform_seed_catalogue)
            weights += seed
            entries += 1
        return entries
