"""The customers' step written as an idiomatic Mesa model: the reference of the speed benchmark.

One ``Shopper`` agent (a plain Python object) per customer, activated with
``AgentSet.shuffle_do``; every decision is scalar Python, as a Mesa model is usually written.
The rules are those of ``MarketModel.customer_step`` (market_abm/adoption.py, demand.py,
market.py and ``CustomerPopulation.update_usage``), under a fixed offer of the firms:

- neighbour shares are read before anyone acts (``observe`` on every agent, then ``step``:
  the synchronous update of the vectorised model);
- internet access: Bass hazard (internet_p + internet_q * neighbours connected) / steps_per_year
  from internet_start_year on;
- printers (economic adoption): an owner's printer wears out at rate 1 / lifetime and is
  replaced with probability keen; a connected non-owner buys with probability
  (bass_p + bass_q * neighbour owners) / steps_per_year * keen, keen = a^k / (1 + a^k) of the
  printer's value over its life against its price; every printer is a ``HomePrinter`` agent;
- purchases: Poisson(purchases_per_year / steps_per_year) per category; each purchase draws
  its urgency, weighs the open channels by generalised cost, habit and neighbours' use, and
  draws its channel from the logit probabilities (none open: the purchase is lost);
- habit: usage <- keep * usage + (1 - keep) * this step's purchases by channel / purchases,
  keep = (1 - 1 / (habit_memory * purchases per year)) ** purchases.

It starts from a MarketModel's customers (a copy of their state) and the firms' ``Supply`` of
that model, so both versions can be run side by side from the same state. The random streams
differ (the vectorised model draws purchases per category and spreads them over customers), so
the two agree in distribution, not draw for draw: benchmarks/run.py checks the channel shares
within sampling error. Kept here only: the package never imports it.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from market_abm import MarketModel, load_scenario
from market_abm.adoption import printer_keenness
from market_abm.agents.customers import HomePrinter
from market_abm.market import CHANNELS, HOME_PRINT, ONLINE, PRINT_SERVICE, RETAIL
from market_abm.pricing import build_supply


class Shopper(mesa.Agent):
    """A household deciding on its own: internet, printer, purchases and habit."""

    def __init__(self, model: IdiomaticCustomers, index: int, state: dict):
        super().__init__(model)
        self.index = index
        for name, value in state.items():
            setattr(self, name, value)
        self.neighbours: list[Shopper] = []
        self.printer_agent: HomePrinter | None = None
        self.seen_usage = [0.0] * len(CHANNELS)
        self.seen_internet = self.seen_owners = 0.0

    def observe(self) -> None:
        """Neighbours' channel use, internet access and printer ownership (start of step)."""
        nb = self.neighbours
        if not nb:
            return
        share = 1.0 / len(nb)
        self.seen_usage = [sum(n.usage[c] for n in nb) * share for c in range(len(CHANNELS))]
        self.seen_internet = sum(n.internet for n in nb) * share
        self.seen_owners = sum(n.printer > 0 for n in nb) * share

    def step(self) -> None:
        self.connect()
        self.update_printer()
        self.shop()

    def connect(self) -> None:
        m, s = self.model, self.model.params
        if self.internet or m.year < s.internet_start_year:
            return
        hazard = (s.internet_p + s.internet_q * self.seen_internet) / s.steps_per_year
        if self.random.random() < hazard:
            self.internet = True

    def update_printer(self) -> None:
        s = self.model.params
        economic = s.adoption_model == "economic"
        keen = self.keen if economic else 1.0
        if self.printer > 0:
            if not economic or self.random.random() >= 1.0 / (s.printer_lifetime
                                                              * s.steps_per_year):
                return
            self.printer_agent.remove()
            self.printer_agent = None
            self.printer = 0.0
            if self.random.random() < keen:  # replaced at once
                self.buy_printer()
        elif self.internet or not economic:
            hazard = (s.bass_p + s.bass_q * self.seen_owners) / s.steps_per_year
            if self.random.random() < hazard * keen:
                self.buy_printer()

    def buy_printer(self) -> None:
        m = self.model
        self.printer = m.capability
        self.printer_agent = HomePrinter(m, self.index, m.capability)
        m.printers_bought += 1

    def shop(self) -> None:
        m = self.model
        counts = [0] * len(CHANNELS)
        for k, n_k in enumerate(m.rng.poisson(m.rate_per_step)):
            for _ in range(n_k):
                channel = self.choose(k)
                if channel is None:
                    m.lost += 1
                else:
                    counts[channel] += 1
                    m.counts[channel] += 1
        bought = sum(counts)
        if bought:
            keep = (1.0 - m.step_weight) ** bought
            self.usage = [keep * u + (1.0 - keep) * c / bought
                          for u, c in zip(self.usage, counts, strict=True)]

    def choose(self, k: int) -> int | None:
        """The channel of one purchase of category ``k`` (None: no channel is open)."""
        m, s = self.model, self.model.params
        offer = m.offer
        time_value = self.time_value * self.random.expovariate(1.0)  # urgency
        value = self.taste * offer.personalisation[k] * offer.ref_price[k]
        ref = offer.ref_price[k]
        utils = []
        for c in range(len(CHANNELS)):
            if not self.can_use(c, k):
                continue
            cost = offer.price[k][c] + offer.delay[k][c] * time_value
            cost += self.extra_cost(c, k) - value * offer.fit[k][c]
            utils.append((c, -self.sensitivity * cost / ref + s.habit_weight * self.usage[c]
                          + s.social_weight * self.seen_usage[c]))
        if not utils:
            return None
        top = max(u for _, u in utils)
        weights = [(c, math.exp(u - top)) for c, u in utils]
        draw = self.random.random() * sum(w for _, w in weights)
        for c, w in weights:
            draw -= w
            if draw < 0:
                return c
        return weights[-1][0]

    def can_use(self, c: int, k: int) -> bool:
        offer = self.model.offer
        if not offer.open[k][c]:
            return False
        if c == RETAIL:
            return math.isfinite(self.travel_store)
        if c == ONLINE:
            return self.internet
        if c == HOME_PRINT:
            return self.internet and self.printer >= offer.printability[k]
        return self.internet and math.isfinite(self.travel_hub)

    def extra_cost(self, c: int, k: int) -> float:
        """Travel to the shop or hub, or the attention and failed attempts of a home print."""
        if c == RETAIL:
            return self.travel_store
        if c == PRINT_SERVICE:
            return self.travel_hub
        if c == ONLINE:
            return 0.0
        offer = self.model.offer
        effort = offer.print_effort * self.hassle
        margin = max(self.printer - offer.printability[k], 0.0)
        fail = min(math.exp(-margin / offer.failure_scale), 0.9)
        return effort + (offer.material[k] + effort) * (1.0 / (1.0 - fail) - 1.0)


class ScalarOffer:
    """The firms' offer as nested Python lists (what a scalar model reads)."""

    def __init__(self, offer):
        self.price, self.delay = offer.price.tolist(), offer.delay.tolist()
        self.fit, self.open = offer.fit.tolist(), offer.open.tolist()
        self.ref_price = offer.ref_price.tolist()
        self.personalisation = offer.personalisation.tolist()
        self.printability = offer.printability.tolist()
        self.material = offer.material.tolist()
        self.print_effort, self.failure_scale = offer.print_effort, offer.failure_scale


class IdiomaticCustomers(mesa.Model):
    """The customers of a MarketModel, one ``Shopper`` agent each, under a fixed offer.

    Args:
        source: a MarketModel whose customers (state, social ties, printers) are copied.
        supply: the firms' ``Supply`` the customers face (``pricing.build_supply(source)``).
        rng: seed of this model's own draws.
    """

    def __init__(self, source, supply, rng=None):
        super().__init__(rng=rng)
        s = self.params = source.scenario
        if source.social.adjacency is None:
            raise ValueError("the idiomatic reference needs an explicit social graph "
                             "(watts_strogatz or barabasi_albert), not 'complete'")
        self.year, self.capability = source.year, source.capability
        self.offer = ScalarOffer(supply.offer)
        self.rate_per_step = source.categories.purchases_per_year / s.steps_per_year
        self.step_weight = 1.0 / (s.habit_memory * source.categories.purchases_per_year.sum())
        pop = source.customers
        keen = printer_keenness(source)
        for i in range(pop.n):
            Shopper(self, i, {
                "time_value": float(pop.time_value[i]), "sensitivity": float(pop.sensitivity[i]),
                "taste": float(pop.taste[i]), "hassle": float(pop.hassle[i]),
                "travel_store": float(pop.travel_store[i]),
                "travel_hub": float(pop.travel_hub[i]), "internet": bool(pop.internet[i]),
                "printer": float(pop.printer[i]), "usage": pop.usage[i].tolist(),
                "keen": float(keen[i])})
        self.shoppers = self.agents_by_type[Shopper]
        by_index = sorted(self.shoppers, key=lambda a: a.index)
        adj = source.social.adjacency
        for a in by_index:
            a.neighbours = [by_index[j] for j in adj.indices[adj.indptr[a.index]:
                                                             adj.indptr[a.index + 1]]]
            if a.printer > 0:
                a.printer_agent = HomePrinter(self, a.index, a.printer)
        self.counts = [0] * len(CHANNELS)
        self.lost = self.printers_bought = 0

    def step(self) -> None:
        """One step of every customer; ``counts`` holds the step's purchases by channel."""
        self.counts = [0] * len(CHANNELS)
        self.lost = self.printers_bought = 0
        self.shoppers.do("observe")
        self.shoppers.shuffle_do("step")



def side_by_side(customers: int, year: int, seed: int, reference_seed: int, **overrides):
    """A baseline MarketModel of ``customers`` (seed ``seed``, scenario ``overrides``) run to
    January of ``year``, the firms' offer then, and the reference built from its customers.
    Returns (model, supply, reference)."""
    s = load_scenario("baseline", {"n_customers": customers, **overrides})
    model = MarketModel(s, rng=seed)
    model.run_for((year - s.start_year) * s.steps_per_year)
    supply = build_supply(model)
    return model, supply, IdiomaticCustomers(model, supply, rng=reference_seed)


def model_purchases(model, supply, steps: int) -> np.ndarray:
    """Purchases by channel over ``steps`` of ``model.customer_step`` under ``supply``."""
    total = np.zeros(len(CHANNELS))
    for _ in range(steps):
        total += np.bincount(model.customer_step(supply).channel, minlength=len(CHANNELS))
    return total


def reference_purchases(reference: IdiomaticCustomers, steps: int) -> np.ndarray:
    """Purchases by channel over ``steps`` of the reference."""
    total = np.zeros(len(CHANNELS))
    for _ in range(steps):
        reference.step()
        total += reference.counts
    return total
