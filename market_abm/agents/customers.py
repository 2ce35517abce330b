"""Customers and their home printers: state in numpy arrays, thin Mesa agents over the rows.

All customers decide at once (vectorised); each is still a ``Customer`` Mesa agent whose
attributes read its row, and each printer in use is a ``HomePrinter`` agent.
"""

from __future__ import annotations

import mesa
import numpy as np

from market_abm.market import CHANNELS, RETAIL


class CustomerPopulation:
    """Arrays of customer state, one row per customer.

    x, y: home location (km); time_value: $ / day of delay; sensitivity: logit price weight;
    taste: personalisation taste; innovativeness: in [0, 1) (scales printer enjoyment);
    hassle: multiple of the average attention a home print costs (lognormal, mean 1);
    internet: has access; printer: capability of the owned printer (0 = none);
    printer_since: step the printer was bought (-1 = none); usage: (n, 4) exponentially
    smoothed share of own purchases by channel (the habit).
    """

    def __init__(self, scenario, rng: np.random.Generator):
        n, s = scenario.n_customers, scenario
        self.n = n
        self.x = rng.uniform(0, s.region_size_km, n)
        self.y = rng.uniform(0, s.region_size_km, n)
        income = rng.lognormal(0.0, 0.4, n)
        self.time_value = s.time_value * income / income.mean()
        self.sensitivity = s.price_sensitivity * rng.lognormal(
            -0.5 * s.sensitivity_spread**2, s.sensitivity_spread, n)
        self.taste = s.personalisation_taste * rng.exponential(1.0, n)
        self.innovativeness = rng.random(n)
        self.hassle = rng.lognormal(-0.5 * s.print_hassle_spread**2, s.print_hassle_spread, n)
        self.internet = np.zeros(n, dtype=bool)
        self.printer = np.zeros(n)
        self.printer_since = np.full(n, -1, dtype=np.int64)
        self.usage = np.zeros((n, len(CHANNELS)), dtype=np.float32)
        self.usage[:, RETAIL] = 1.0

    @property
    def owners(self) -> np.ndarray:
        """Bool mask of customers owning a printer."""
        return self.printer > 0

    def update_usage(self, counts: np.ndarray, step_weight: float) -> None:
        """Blend this step's purchases (counts, shape (n, 4)) into the habit memory.

        ``step_weight`` is the weight of one purchase: 1 / (habit_memory * purchases per year).
        """
        bought = counts.sum(axis=1)
        who = bought > 0
        keep = (1.0 - step_weight) ** bought[who]
        self.usage[who] = (keep[:, None] * self.usage[who]
                           + (1.0 - keep)[:, None] * counts[who] / bought[who, None])

    def nbytes(self) -> int:
        """Memory held by the arrays (bytes)."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))


class Customer(mesa.Agent):
    """A household, a thin Mesa agent over row ``index`` of the model's CustomerPopulation."""

    role = "customer"

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _pop(self) -> CustomerPopulation:
        return self.model.customers

    @property
    def location(self) -> tuple[float, float]:
        """Home (x, y) in km."""
        return float(self._pop.x[self.index]), float(self._pop.y[self.index])

    @property
    def internet(self) -> bool:
        return bool(self._pop.internet[self.index])

    @property
    def printer_capability(self) -> float:
        """Capability of the owned printer, 0 when the customer owns none."""
        return float(self._pop.printer[self.index])

    @property
    def channel_use(self) -> dict[str, float]:
        """Habit memory: smoothed share of own purchases by channel."""
        return dict(zip(CHANNELS, self._pop.usage[self.index].tolist(), strict=True))


class HomePrinter(mesa.Agent):
    """A printer in a customer's home: capability fixed at purchase (the frontier's vintage)."""

    role = "home_printer"

    def __init__(self, model, owner: int, capability: float):
        super().__init__(model)
        self.owner = owner
        self.capability = capability
        self.bought_year = model.year
