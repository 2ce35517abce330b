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
    printer: capability of the owned printer (0 = none); travel_store and travel_hub: $ per
    item of a trip to the nearest store and print hub (inf when there is none; set yearly by
    the model); internet: has access; printer_since: step the printer was bought (-1 = none);
    usage: (n, 4) exponentially smoothed share of own purchases by channel (the habit).

    The attributes a purchase needs are columns of one (n, 8) table, ``table`` (names in
    ``TABLE_COLUMNS``), and the named arrays above are views of its columns: gathering the
    rows of a step's purchases then reads one 64-byte row per purchase instead of one cache
    line per attribute, which is most of the cost of a step at 10^5-10^6 customers.
    """

    TABLE_COLUMNS = ("time_value", "sensitivity", "taste", "hassle", "printer",
                     "travel_store", "travel_hub", "innovativeness")

    def __init__(self, scenario, rng: np.random.Generator):
        n, s = scenario.n_customers, scenario
        self.n = n
        self.table = np.zeros((n, len(self.TABLE_COLUMNS)))
        for j, name in enumerate(self.TABLE_COLUMNS):
            setattr(self, name, self.table[:, j])
        # Draws in a fixed order: the same seed gives the same customers.
        self.x = rng.uniform(0, s.region_size_km, n)
        self.y = rng.uniform(0, s.region_size_km, n)
        income = rng.lognormal(0.0, 0.4, n)
        self.time_value[:] = s.time_value * income / income.mean()
        self.sensitivity[:] = s.price_sensitivity * rng.lognormal(
            -0.5 * s.sensitivity_spread**2, s.sensitivity_spread, n)
        self.taste[:] = s.personalisation_taste * rng.exponential(1.0, n)
        self.innovativeness[:] = rng.random(n)
        self.hassle[:] = rng.lognormal(-0.5 * s.print_hassle_spread**2, s.print_hassle_spread,
                                       n)
        self.travel_store[:] = self.travel_hub[:] = np.inf
        self.internet = np.zeros(n, dtype=bool)
        self.printer_since = np.full(n, -1, dtype=np.int64)
        self.usage = np.zeros((n, len(CHANNELS)), dtype=np.float32)
        self.usage[:, RETAIL] = 1.0

    @property
    def owners(self) -> np.ndarray:
        """Bool mask of customers owning a printer."""
        return self.printer > 0

    def rows(self, customers: np.ndarray) -> np.ndarray:
        """The table rows of ``customers`` (a copy, shape (len(customers), 8))."""
        return np.take(self.table, customers, axis=0)

    def update_usage(self, bought: np.ndarray, counts: np.ndarray, step_weight: float) -> None:
        """Blend this step's purchases into the habit memory.

        ``bought`` (n,) is each customer's number of purchases this step and ``counts``
        (n, 4) the same by channel; ``step_weight`` is the weight of one purchase:
        1 / (habit_memory * purchases per year). Customers who bought nothing keep their
        habit exactly (their weight of the past is 1).
        """
        keep = ((1.0 - step_weight) ** np.arange(bought.max(initial=0) + 1)).take(bought)
        per_purchase = np.maximum(bought, 1)[:, None]
        self.usage[:] = keep[:, None] * self.usage + (1.0 - keep)[:, None] * counts / per_purchase

    def nbytes(self) -> int:
        """Memory held by the arrays (bytes; the table's column views are counted once)."""
        return sum(v.nbytes for v in vars(self).values()
                   if isinstance(v, np.ndarray) and v.base is None)


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
