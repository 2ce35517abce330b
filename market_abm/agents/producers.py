"""Producers: make product categories, price them and choose how and where to sell."""

from __future__ import annotations

import numpy as np

from market_abm.agents.base import Firm
from market_abm.market import ONLINE


class Producer(Firm):
    """A manufacturer (or a brand) of some categories.

    State: ``markup`` (fraction over unit cost, moved by capacity use under dynamic pricing),
    ``capacity`` (items/year), ``on_demand`` (production mode) and the firm's own
    ``premium_factor`` (its on-demand premium relative to the average producer),
    ``inventory`` (items, mass production only), and the channel portfolio: ``in_stores``
    (sells through retailers: the established producers), ``sells_online`` (a web shop) and
    ``licenses_designs`` (printable designs on platforms). Brands that enter later sell only
    online or only designs.
    """

    role = "producer"
    label = "producers"
    colour = "#7f7f7f"

    def __init__(self, model, fixed_cost: float, makes: np.ndarray, capacity: float,
                 in_stores: bool = True):
        super().__init__(model, fixed_cost)
        s = model.scenario
        self.makes = makes  # bool, one per category
        self.lines = int(makes.sum())  # categories made
        self.markup = s.producer_markup
        self.capacity = capacity
        self.in_stores = in_stores
        spread = s.on_demand_spread
        self.premium_factor = float(model.rng.uniform(1.0 - spread, 1.0 + spread))
        self.on_demand = False
        self.inventory = 0.0
        self.sells_online = False
        self.licenses_designs = False
        self.goods_units_year = 0.0
        self.online_profit_year = 0.0
        self.design_profit_year = 0.0
        self.online_losing_years = 0  # consecutive yearly losses of the web shop
        self.design_losing_years = 0  # ... and of design licensing
        self.last_goods_units = 0.0

    def channel_fixed_cost(self) -> float:
        """Yearly cost ($) of the channels in the portfolio."""
        s = self.model.scenario
        return (s.web_shop_cost * self.sells_online
                + s.design_catalogue_cost * self.lines * self.licenses_designs)

    def on_demand_premium(self) -> float:
        """This firm's extra unit cost of on-demand production (fraction of unit cost): it
        shrinks as professional printing capability grows."""
        s = self.model.scenario
        return s.on_demand_premium * self.premium_factor * (1.0 - self.model.pro_capability)

    def close_year(self) -> None:
        super().close_year()
        self.online_losing_years = (self.online_losing_years + 1
                                    if self.sells_online and self.online_profit_year < 0 else 0)
        self.design_losing_years = (self.design_losing_years + 1
                                    if self.licenses_designs and self.design_profit_year < 0
                                    else 0)
        self.last_goods_units = self.goods_units_year
        self.online_profit_year = self.design_profit_year = 0.0
        self.goods_units_year = 0.0

    # --- monthly --------------------------------------------------------------------------
    def reprice(self) -> None:
        """Dynamic pricing: the markup rises when capacity use runs above target and falls
        below it, within [0.05, 3 x producer_markup]; capacity follows demand yearly, so
        markups wander around their start instead of ratcheting one way."""
        s, model = self.model.scenario, self.model
        if not s.dynamic_pricing:
            return
        months = model.month + 1
        use = self.goods_units_year / months * s.steps_per_year / max(self.capacity, 1.0)
        markup = self.markup + s.price_adjustment / s.steps_per_year * (
            use - s.target_utilisation)
        self.markup = min(max(markup, 0.05), 3.0 * max(s.producer_markup, 0.05))

    # --- yearly ---------------------------------------------------------------------------
    @staticmethod
    def online_unit_margin(model, markup: float) -> np.ndarray:
        """$ a web shop earns per item sold online, per category, at ``markup``: its price
        (producer price plus online_margin) less unit cost and handling."""
        s, cost = model.scenario, model.categories.unit_cost
        return cost * ((1.0 + markup) * (1.0 + s.online_margin) - 1.0 - s.online_handling)

    def review_portfolio(self, outlook) -> None:
        """Capacity, production mode and channel portfolio, on expected profit.

        Capacity closes half its gap to last year's sales at target use; the firm produces
        on demand when its own premium is below the stock-holding cost of mass production; a
        web shop or design licensing opens when an equal share of the category's potential
        sales pays its cost (for designs: the sales the printing outlook promises for the
        share of the catalogue its designs cover, whether or not a platform carries designs
        yet), and closes after two losing years in a row.
        """
        s, cat, model = self.model.scenario, self.model.categories, self.model
        supply = outlook.supply
        self.capacity = max(self.capacity + 0.5 * (self.last_goods_units / s.target_utilisation
                                                   - self.capacity), 1.0)
        mass_extra = s.holding_cost * s.inventory_cover_months / 12.0
        self.on_demand = bool(self.on_demand_premium() < mass_extra)
        mine = self.makes
        if self.sells_online:
            self.sells_online = self.online_losing_years < 2
        else:
            share = 1.0 / (supply.online_sellers[mine] + 1.0)
            margin = self.online_unit_margin(model, self.markup)
            gain = (outlook.online[mine] * share) @ margin[mine] - s.web_shop_cost
            self.sells_online = bool(gain > 0)
        if self.licenses_designs:
            self.licenses_designs = self.design_losing_years < 2
        elif cat.printable[mine].any():
            share = cat.listing_reach[mine] / (outlook.licensers[mine] + 1.0)
            net = (1.0 - s.platform_commission) * supply.design_price
            gain = (outlook.printing[mine].sum(1) * share) @ net[mine] - \
                s.design_catalogue_cost * mine.sum()
            self.licenses_designs = bool(gain > 0)
            outlook.licensers[mine] += self.licenses_designs

    @classmethod
    def enter(cls, model, outlook) -> int:
        """New sellers, up to max_entries_per_year per category and year: an online-only
        seller (an e-tailer or a direct brand) enters while an equal share of the category's
        current online sales covers its overheads and web shop, and a brand selling designs
        only (the essay's new actors) while an equal share of the category's potential
        design sales covers its overheads and catalogue."""
        s, cat = model.scenario, model.categories
        supply = outlook.supply
        margin = cls.online_unit_margin(model, s.producer_markup)
        net_design = (1.0 - s.platform_commission) * supply.design_price
        sellers = supply.online_sellers.astype(float).copy()
        entries = 0
        for k in range(len(cat)):
            for _ in range(s.max_entries_per_year):
                online_units = outlook.current[k, ONLINE] / (sellers[k] + 1.0)
                online_gain = online_units * margin[k]
                design_gain = (outlook.printing[k].sum() * cat.listing_reach[k]
                               / (outlook.licensers[k] + 1.0) * net_design[k]
                               if cat.printable[k] else 0.0)
                brand = None
                if online_gain > s.online_seller_fixed_cost + s.web_shop_cost:
                    brand = cls._brand(model, k, s.online_seller_fixed_cost, online_units)
                    brand.sells_online = True
                    sellers[k] += 1
                elif design_gain > s.designer_fixed_cost + s.design_catalogue_cost:
                    brand = cls._brand(model, k, s.designer_fixed_cost, 0.0)
                    brand.licenses_designs = True
                    outlook.licensers[k] += 1
                if brand is None:
                    break
                entries += 1
        return entries

    @classmethod
    def _brand(cls, model, k: int, fixed_cost: float, expected_units: float) -> Producer:
        """A new brand making category ``k`` only, sized for ``expected_units`` a year."""
        s = model.scenario
        makes = np.zeros(len(model.categories), dtype=bool)
        makes[k] = True
        return cls(model, fixed_cost * model.cost_factor(), makes,
                   max(expected_units / s.target_utilisation, 1.0), in_stores=False)
