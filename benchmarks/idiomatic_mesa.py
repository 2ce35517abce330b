"""The customers' step written as an idiomatic Mesa model: the reference of the speed benchmark.

One ``Shopper`` agent (a plain Python object) per household, activated with
``AgentSet.do`` and ``AgentSet.shuffle_do``; every decision is scalar Python, as a Mesa model
is usually written. The rules are those of ``CustomerPopulation.step``
(market_abm/agents/customers.py and market_abm/market.py), under a fixed offer of the firms:

- neighbour means of channel use, internet access and printer ownership are read before anyone
  acts (``observe`` on every agent, then ``step``: the synchronous update of the vectorised
  model);
- internet access: from internet_start_year on, hazard (internet_p + internet_q * neighbours
  connected) * the household's reluctance / steps_per_year;
- smartphones: from smartphone_start_year on, hazard (smartphone_p + smartphone_q *
  neighbours with one) * the household's smartphone reluctance / steps_per_year; a smartphone
  connects the household and cuts its online order effort by mobile_order_saving;
- printers (economic adoption): an owner's printer wears out at rate 1 / (lifetime *
  steps_per_year) and is replaced at once with probability keen if the owner printed at home
  in the last year (a printer that prints nothing lapses); a connected non-owner buys
  with probability (bass_p + bass_q * neighbour owners) / steps_per_year * keen, keen =
  a^k / (1 + a^k), a = the household's yearly printer value (``printer_value``, set each
  January by ``CustomerPopulation.value_printer``) * lifetime / printer price. Pure Bass
  adoption (adoption_model = "bass"): keen = 1, no retirement, no internet needed. Every
  printer is a ``HomePrinter`` agent, bought at the frontier capability;
- purchases: Poisson(decisions / steps_per_year) per category, decisions = min(occasions a year,
  decisions_per_category) (each decision a batch of occasions on one channel). Each occasion is
  an order of ``offer.items[k]`` items; a decision draws its urgency (time value * Exp(1)) and
  whether a design of the item wanted is on sale (probability ``offer.findable[k]``); a channel
  is available when open for the category and: retail, a store of the category's store type
  exists; online, internet; home printing, internet, a design and a printer more capable than
  the category's printability; print service, internet, a design and a print hub. Cost per item
  = price + (purchase fee [less the share a membership waives] + order effort online + travel +
  delay * time value) / items + reference price * (mismatch - taste * personalisation * fit),
  plus for home printing the attention, the failed prints and the print quality's shortfall;
  utility = -sensitivity * cost / reference price + habit_weight * own use + social_weight *
  neighbours' use; the channel is drawn from the logit probabilities (no channel available: the
  purchase is lost);
- habit: usage <- keep * usage + (1 - keep) * this step's purchases by channel / purchases,
  keep = (1 - 1 / (habit_memory * decisions per year)) ** decisions.

It starts from a MarketModel's customers (a copy of their state, the yearly printer value
included: the step reads it, the yearly valuation is not part of a step) and the firms'
``Supply`` of that model, so both versions can be run side by side from the same state. The
random streams differ (the vectorised model draws purchases per category and spreads them over
customers), so the two agree in distribution, not draw for draw: benchmarks/run.py checks the
channel shares within sampling error. Kept here only: the package never imports it.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from market_abm import MarketModel, load_scenario
from market_abm.agents.customers import HomePrinter
from market_abm.market import CHANNELS, HOME_PRINT, ONLINE, PRINT_SERVICE, RETAIL
from market_abm.offer import build_supply


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
        self.seen_internet = self.seen_owners = self.seen_phones = 0.0

    # --- what the neighbours do, read before anyone acts ------------------------------------
    def observe(self) -> None:
        """Neighbours' channel use, internet access and printer ownership (start of step)."""
        nb = self.neighbours
        if not nb:
            return
        share = 1.0 / len(nb)
        self.seen_usage = [sum(n.usage[c] for n in nb) * share for c in range(len(CHANNELS))]
        self.seen_internet = sum(n.internet for n in nb) * share
        self.seen_owners = sum(n.printer > 0 for n in nb) * share
        self.seen_phones = sum(n.smartphone for n in nb) * share

    def step(self) -> None:
        self.connect()
        self.get_smartphone()
        self.update_printer()
        self.shop()

    # --- internet and printer -------------------------------------------------------------
    def connect(self) -> None:
        m, s = self.model, self.model.params
        if self.internet or m.year < s.internet_start_year:
            return
        hazard = ((s.internet_p + s.internet_q * self.seen_internet) * self.reluctance
                  / s.steps_per_year)
        if self.random.random() < hazard:
            self.internet = True

    def get_smartphone(self) -> None:
        m, s = self.model, self.model.params
        if self.smartphone or m.year < s.smartphone_start_year:
            return
        hazard = ((s.smartphone_p + s.smartphone_q * self.seen_phones)
                  * self.phone_reluctance / s.steps_per_year)
        if self.random.random() < hazard:
            self.smartphone = self.internet = True
            self.order_effort *= 1.0 - s.mobile_order_saving

    def printed_lately(self) -> bool:
        """Printed at home in the last year (or bought the printer less than a year ago)."""
        m = self.model
        return self.last_print > m.step_index - m.params.steps_per_year

    def keenness(self) -> float:
        """Attractiveness filter of a printer at today's price: its value over a printer's
        life against the price (economic adoption; 1 under pure Bass adoption)."""
        m, s = self.model, self.model.params
        if s.adoption_model != "economic":
            return 1.0
        a = max(self.printer_value * s.printer_lifetime, 0.0) / max(m.printer_price, 1e-9)
        ak = a ** s.adoption_steepness
        return ak / (1.0 + ak)

    def update_printer(self) -> None:
        m, s = self.model, self.model.params
        economic = s.adoption_model == "economic"
        keen = self.keenness()
        if self.printer > 0:
            if not economic:  # pure Bass adoption: printers are never retired
                return
            wear = 1.0 / (s.printer_lifetime * s.steps_per_year)
            renew = keen * self.printed_lately()
            m.expected_bought += wear * renew
            m.expected_retired += wear
            if self.random.random() < wear:
                self.retire_printer()
                if self.random.random() < renew:  # replaced at once, if it was used
                    self.buy_printer(renewal=True)
        elif self.internet or not economic:
            hazard = (s.bass_p + s.bass_q * self.seen_owners) / s.steps_per_year
            m.expected_bought += hazard * keen
            if self.random.random() < hazard * keen:
                self.buy_printer()

    def retire_printer(self) -> None:
        self.printer_agent.remove()
        self.printer_agent = None
        self.printer = 0.0

    def buy_printer(self, renewal: bool = False) -> None:
        m = self.model
        self.printer = m.capability
        self.printer_agent = HomePrinter(m, self.index, m.capability)
        m.printers_bought += 1
        if not renewal:  # a new printer has a year to be used
            self.last_print = m.step_index

    # --- purchases ------------------------------------------------------------------------
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
                    if channel == HOME_PRINT:
                        self.last_print = m.step_index
        self.update_habit(counts)

    def update_habit(self, counts: list[int]) -> None:
        """Blend the step's purchases by channel into the habit (unchanged without any)."""
        bought = sum(counts)
        if bought:
            keep = (1.0 - self.model.step_weight) ** bought
            self.usage = [keep * u + (1.0 - keep) * c / bought
                          for u, c in zip(self.usage, counts, strict=True)]

    def choose(self, k: int) -> int | None:
        """The channel of one purchase of category ``k`` (None: no channel is available)."""
        time_value = self.time_value * self.urgency()
        found = self.find_design(k)
        utils = [(c, self.utility(c, k, time_value)) for c in range(len(CHANNELS))
                 if self.can_use(c, k, found)]
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

    def urgency(self) -> float:
        """Multiple of the time value this purchase (Exp(1): most can wait, some cannot)."""
        return self.random.expovariate(1.0)

    def find_design(self, k: int) -> bool:
        """Whether a design of the item wanted is on sale (needed to print it)."""
        return self.random.random() < self.model.offer.findable[k]

    def can_use(self, c: int, k: int, found: bool) -> bool:
        offer = self.model.offer
        if not offer.open[k][c]:
            return False
        if c == RETAIL:
            return math.isfinite(self.travel_store[self.model.store_type[k]])
        if c == ONLINE:
            return self.internet
        if c == HOME_PRINT:
            return self.internet and found and self.printer > offer.printability[k]
        return self.internet and found and math.isfinite(self.travel_hub)

    def utility(self, c: int, k: int, time_value: float) -> float:
        s = self.model.params
        return (-self.sensitivity * self.cost(c, k, time_value) / self.model.offer.ref_price[k]
                + s.habit_weight * self.usage[c] + s.social_weight * self.seen_usage[c])

    def cost(self, c: int, k: int, time_value: float) -> float:
        """Generalised cost per item ($) of channel ``c`` for a basket of category ``k``."""
        offer = self.model.offer
        per_purchase = offer.purchase_fee[k][c] + offer.delay[k][c] * time_value
        if c == ONLINE:
            waived = offer.member_discount[k][self.member_of]
            per_purchase += self.order_effort - waived * offer.purchase_fee[k][c]
        elif c == RETAIL:
            per_purchase += self.travel_store[self.model.store_type[k]]
        elif c == PRINT_SERVICE:
            per_purchase += self.travel_hub
        ref = offer.ref_price[k]
        fit_value = self.taste * offer.personalisation[k] * offer.fit[k][c]
        cost = (offer.price[k][c] + per_purchase / offer.items[k]
                + ref * (offer.mismatch[k][c] - fit_value))
        if c == HOME_PRINT:
            cost += self.home_print_cost(k)
        return cost

    def home_print_cost(self, k: int) -> float:
        """$ per good item printed at home: attention, failed attempts, quality shortfall."""
        offer = self.model.offer
        effort = offer.print_effort * self.hassle
        margin = max(self.printer - offer.printability[k], 0.0)
        fail = min(math.exp(-margin / offer.failure_scale), 0.9)
        quality = offer.quality_max[k] * -math.expm1(-margin / offer.quality_scale)
        return (effort + (offer.material[k] + effort) * (1.0 / (1.0 - fail) - 1.0)
                + offer.ref_price[k] * (1.0 - quality))


class ScalarOffer:
    """The firms' offer as nested Python lists (what a scalar model reads)."""

    def __init__(self, offer):
        for name in ("price", "purchase_fee", "delay", "fit", "mismatch", "open", "findable",
                     "ref_price", "items", "personalisation", "printability", "quality_max",
                     "material", "member_discount"):
            setattr(self, name, getattr(offer, name).tolist())
        self.quality_scale = float(offer.quality_scale)
        self.print_effort = float(offer.print_effort)
        self.failure_scale = float(offer.failure_scale)


class IdiomaticCustomers(mesa.Model):
    """The customers of a MarketModel, one ``Shopper`` agent each, under a fixed offer.

    Args:
        source: a MarketModel whose customers (state, social ties, printers) are copied.
        supply: the firms' ``Supply`` the customers face (``offer.build_supply(source)``).
        rng: seed of this model's own draws.
        shopper: the agent class (a subclass of ``Shopper`` changes a rule: the tests check
            that such a change is detected).
    """

    def __init__(self, source, supply, rng=None, shopper: type[Shopper] = Shopper):
        super().__init__(rng=rng)
        s = self.params = source.scenario
        if source.social.adjacency is None:
            raise ValueError("the idiomatic reference needs an explicit social graph "
                             "(watts_strogatz or barabasi_albert), not 'complete'")
        self.year, self.capability = source.year, source.capability
        self.printer_price = source.printer_price
        self.offer = ScalarOffer(supply.offer)
        cat = source.categories
        self.store_type = cat.store_type.tolist()
        decisions = cat.decisions(s.decisions_per_category)
        self.rate_per_step = decisions / s.steps_per_year
        self.step_weight = 1.0 / (s.habit_memory * decisions.sum())
        self.step_index = source.step_index()
        pop = source.customers
        for i in range(pop.n):
            shopper(self, i, {
                "time_value": float(pop.time_value[i]), "sensitivity": float(pop.sensitivity[i]),
                "taste": float(pop.taste[i]), "hassle": float(pop.hassle[i]),
                "travel_store": pop.travel_store[i].tolist(),
                "travel_hub": float(pop.travel_hub[i]), "reluctance": float(pop.reluctance[i]),
                "internet": bool(pop.internet[i]), "printer": float(pop.printer[i]),
                "smartphone": bool(pop.smartphone[i]),
                "phone_reluctance": float(pop.phone_reluctance[i]),
                "order_effort": float(pop.order_effort[i]),
                "member_of": int(pop.member_of[i]), "last_print": int(pop.last_print[i]),
                "printer_value": float(pop.printer_value[i]),
                "usage": pop.usage[i].astype(float).tolist()})
        self.shoppers = self.agents_by_type[shopper]
        by_index = sorted(self.shoppers, key=lambda a: a.index)
        adj = source.social.adjacency
        for a in by_index:
            a.neighbours = [by_index[j] for j in adj.indices[adj.indptr[a.index]:
                                                             adj.indptr[a.index + 1]]]
            if a.printer > 0:
                a.printer_agent = HomePrinter(self, a.index, a.printer)
                a.printer_agent.bought_year = source.printer_agents[a.index].bought_year
        self.reset_counts()

    def reset_counts(self) -> None:
        """The step's tallies: purchases by channel, lost purchases, printers bought, and the
        expected printers bought and retired (what the world market takes from a step)."""
        self.counts = [0] * len(CHANNELS)
        self.lost = self.printers_bought = 0
        self.expected_bought = self.expected_retired = 0.0

    def step(self) -> None:
        """One step of every customer; ``counts`` holds the step's purchases by channel."""
        self.reset_counts()
        self.step_index += 1
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
    """Purchases by channel over ``steps`` of the model's customer step under ``supply``."""
    total = np.zeros(len(CHANNELS))
    for _ in range(steps):
        total += np.bincount(model.customers.step(supply).channel, minlength=len(CHANNELS))
    return total


def reference_purchases(reference: IdiomaticCustomers, steps: int) -> np.ndarray:
    """Purchases by channel over ``steps`` of the reference."""
    total = np.zeros(len(CHANNELS))
    for _ in range(steps):
        reference.step()
        total += reference.counts
    return total
