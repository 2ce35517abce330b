"""Producers: make product categories, price them and choose how and where to sell."""

from __future__ import annotations

import numpy as np

from market_abm.agents.base import Firm


class Producer(Firm):
    """A manufacturer of some categories.

    State: ``markup`` (fraction over unit cost, moved by capacity use under dynamic pricing),
    ``capacity`` (units/year), ``on_demand`` (production mode), ``inventory`` (units, mass
    production only), and the channel portfolio ``sells_online`` and ``licenses_designs``.
    """

    role = "producer"

    def __init__(self, model, fixed_cost: float, makes: np.ndarray, markup: float,
                 capacity: float):
        super().__init__(model, fixed_cost)
        self.makes = makes  # bool, one per category
        self.markup = markup
        self.capacity = capacity
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
                + s.design_catalogue_cost * self.makes.sum() * self.licenses_designs)

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
