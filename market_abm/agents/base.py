"""Shared base of the firm agents: cash, yearly books, exit and entry."""

from __future__ import annotations

from typing import ClassVar

import mesa


class Firm(mesa.Agent):
    """A firm with cash ($), a fixed cost ($/year) and yearly books.

    Revenue is the firm's value added (what it receives minus what it pays other modelled
    agents for the goods or files it passes on), booked every step. At the yearly review cash
    above the reserve (cash_reserve_years of fixed cost) is paid out to the owners, and a firm
    whose cash is negative exits: a reserve lasts through a bad year, not through a decline.

    Subclasses set ``role`` (the name used in every output), ``label`` and ``colour`` (the
    one palette of the package) and implement ``enter``, their entry rule.
    """

    role: ClassVar[str] = "firm"
    label: ClassVar[str] = "firms"
    colour: ClassVar[str] = "#7f7f7f"

    def __init__(self, model, fixed_cost: float, cash: float | None = None,
                 converted_from: int | None = None):
        super().__init__(model)
        self.fixed_cost = fixed_cost
        self.steps_per_year = model.scenario.steps_per_year  # the books' steps
        self.cash = self.reserve if cash is None else cash
        self.entry_year = model.year
        self.converted_from = converted_from  # unique_id of the firm this one was
        self.revenue_year = 0.0
        self.profit_year = 0.0
        self.units_year = 0.0
        self.last_profit = 0.0
        self.last_units = 0.0
        self.last_revenue = 0.0

    def book(self, revenue: float, variable_cost: float, units: float) -> None:
        """Record one step's value added ($), variable cost ($) and units handled."""
        profit = revenue - variable_cost - self.fixed_cost / self.steps_per_year
        self.cash += profit
        self.revenue_year += revenue
        self.profit_year += profit
        self.units_year += units

    @property
    def reserve(self) -> float:
        """Cash ($) the firm keeps; profit beyond it is distributed each year."""
        return self.fixed_cost * self.model.scenario.cash_reserve_years

    def close_year(self) -> None:
        """Pay out cash above the reserve and roll the yearly books over."""
        self.cash = min(self.cash, self.reserve)
        self.last_profit, self.last_units = self.profit_year, self.units_year
        self.last_revenue = self.revenue_year
        self.revenue_year = self.profit_year = self.units_year = 0.0

    @property
    def insolvent(self) -> bool:
        """The exit rule: negative cash at the yearly review."""
        return self.cash < 0.0

    def leave(self, rule: str, **numbers: float) -> None:
        """Leave the market (exit, or conversion into another role): recorded with the rule
        that fired and its numbers ($ / year, $) in ``model.exit_reasons``, then removed."""
        key = (self.model.year, self.role, self.unique_id)
        self.model.exited.append(key)
        self.model.exit_reasons[key] = {"rule": rule,
                                        **{k: float(v) for k, v in numbers.items()}}
        self.remove()

    def exit_if_insolvent(self) -> None:
        """The yearly exit decision."""
        if self.insolvent:
            self.leave("insolvent: cash below zero at the yearly review", cash=self.cash,
                       profit=self.last_profit)

    @classmethod
    def enter(cls, model, outlook) -> int:
        """Entrants of this role at the yearly review, on expected profit; returns how many."""
        return 0


class LocatedFirm(Firm):
    """A firm with a site (x, y) in km inside the region (stores and print hubs)."""

    def __init__(self, model, fixed_cost: float, x: float, y: float, cash: float | None = None,
                 converted_from: int | None = None):
        super().__init__(model, fixed_cost, cash, converted_from)
        self.x, self.y = float(x), float(y)
