"""MarketModel: the step order of market_abm (see docs/model.md for the full description).

Each step (a month by default):
1. technology: capability frontier and printer price (Wright's law);
2. customers: internet access spreads, printers are retired, replaced and bought (Bass on the
   social graph, filtered by value against price);
3. purchases: Poisson demand per category, channel by multinomial logit, habits updated
   (steps 2-3 are ``customer_step``, under the offer the firms set at the start of the step);
4. clearing: prices split among the roles on each channel, flows recorded;
5. firms: producers reprice with capacity use (dynamic pricing);
6. at December: yearly review (exits, pivots, conversions, entries, portfolios), then the
   year's flows are closed into the ledger.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from market_abm import adoption, review
from market_abm.agents.customers import Customer, CustomerPopulation, HomePrinter
from market_abm.agents.logisticians import Logistician
from market_abm.agents.platforms import Platform
from market_abm.agents.print_hubs import PrintHub
from market_abm.agents.producers import Producer
from market_abm.agents.retailers import Retailer
from market_abm.categories import load_categories
from market_abm.clearing import Purchases, book_firms, clear
from market_abm.demand import draw_purchases
from market_abm.flows import FlowLedger
from market_abm.indicators import step_row
from market_abm.market import CHANNELS, Shoppers, choose, served, utilities
from market_abm.memory import keep_freed_memory
from market_abm.pricing import build_supply
from market_abm.scenario import Scenario, load_scenario
from market_abm.social import SocialGraph
from market_abm.technology import capability_frontier, printer_price

FIRM_ROLES = {"producer": Producer, "logistician": Logistician, "retailer": Retailer,
              "platform": Platform, "print_hub": PrintHub}


class MarketModel(mesa.Model):
    """Distribution channels of a regional market as consumer 3D printing grows.

    Args:
        scenario: a validated Scenario, or a preset name / scenario file path.
        rng: seed or numpy Generator; every random draw of the run comes from it.

    Example:
        >>> m = MarketModel(load_scenario("baseline", {"n_customers": 200, "end_year": 1991}),
        ...                 rng=1)
        >>> m.run_for(m.scenario.n_steps)
        >>> len(m.timeseries)
        24
    """

    def __init__(self, scenario: Scenario | str = "baseline", rng=None):
        super().__init__(rng=rng)
        keep_freed_memory()  # steps reuse their temporaries' memory (market_abm/memory.py)
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        s = self.scenario
        self.categories = load_categories()
        self.year, self.month = s.start_year, 0
        self._set_technology()
        self.cumulative_printers = s.printer_initial_cumulative
        self.printer_price = s.printer_price_start

        self.customers = CustomerPopulation(s, self.rng)
        Customer.create_agents(self, s.n_customers, index=np.arange(s.n_customers))
        self.social = SocialGraph(s.social_network, s.n_customers, s.social_degree,
                                  s.social_rewiring, self.rng)
        self.social_use = self.customers.usage.copy()
        self.printer_agents: dict[int, HomePrinter] = {}
        grid = s.segment_grid
        cell = s.region_size_km / grid
        col = np.minimum((self.customers.x // cell).astype(int), grid - 1)
        row = np.minimum((self.customers.y // cell).astype(int), grid - 1)
        self.segment_of = row * grid + col
        self.n_segments = grid * grid

        self._create_firms()
        self._nearest_known: dict[str, tuple] = {}  # role -> (firm ids, nearest)
        self.ref_price = self._reference_prices()
        self.ledger = FlowLedger()
        self.rows: list[dict] = []
        self.exited: list[tuple[int, str, int]] = []  # (year, role, unique_id)
        self.firm_rows: list[dict] = []  # one row per firm and year (see firm_table)
        self.last_flows: list = []  # the flows of the latest step (flows.Flow)
        self.refresh_firms()
        self._start_year()
        self.running = True

    # Mesa's Model keeps an experimental ``scenario`` of its own; ours is the pydantic one.
    @property
    def scenario(self) -> Scenario:
        return self._market_scenario

    @scenario.setter
    def scenario(self, value) -> None:
        self._market_scenario = value

    # --- set-up -------------------------------------------------------------------------------
    def cost_factor(self) -> float:
        """A firm's fixed-cost multiple, uniform within +/- fixed_cost_spread."""
        spread = self.scenario.fixed_cost_spread
        return float(self.rng.uniform(1.0 - spread, 1.0 + spread))

    def trip_cost(self, distance_km: np.ndarray) -> np.ndarray:
        """$ per item of a return trip of ``distance_km`` (shared by items_per_trip items)."""
        s = self.scenario
        return (2.0 * distance_km * s.travel_cost_per_km + s.trip_time_cost) / s.items_per_trip

    def _create_firms(self) -> None:
        s, cat, rng = self.scenario, self.categories, self.rng
        K = len(cat)
        demand = cat.purchases_per_year * s.population_households
        makes = np.zeros((s.n_producers, K), dtype=bool)
        for j in range(s.n_producers):
            makes[j, rng.choice(K, size=min(2, K), replace=False)] = True
        for k in np.flatnonzero(~makes.any(axis=0)):
            makes[rng.integers(s.n_producers), k] = True
        makers = makes.sum(axis=0)
        for j in range(s.n_producers):
            capacity = (demand[makes[j]] / makers[makes[j]]).sum() / s.target_utilisation
            Producer(self, s.producer_fixed_cost * self.cost_factor(), makes[j],
                     s.producer_markup, capacity)
        for _ in range(s.n_logisticians):
            Logistician(self, s.logistician_fixed_cost * self.cost_factor())
        sites = rng.uniform(0, s.region_size_km, (s.n_retailers, 2))
        for x, y in sites:
            Retailer(self, s.retailer_fixed_cost * self.cost_factor(), x, y)

    def _reference_prices(self) -> np.ndarray:
        """Shop price per category at the start ($): the yardstick of relative prices."""
        s, cat = self.scenario, self.categories
        landed = cat.unit_cost * (1 + s.producer_markup) + s.bulk_cost * cat.bulk * (
            1 + s.logistics_margin)
        return landed * (1 + s.retail_margin)

    def refresh_firms(self) -> None:
        """Firm lists per role, in order of entry (fixed between yearly reviews)."""
        self.firm_lists = {role: sorted(self.agents_by_type.get(cls, []),
                                        key=lambda a: a.unique_id)
                           for role, cls in FIRM_ROLES.items()}

    def _nearest(self, role: str, trip: np.ndarray) -> np.ndarray:
        """Index of each customer's nearest firm of ``role`` (stores, hubs); writes the trip
        cost ($ per item, inf when there is none) into ``trip``. Unchanged since last year
        when the same firms are open."""
        pop, firms = self.customers, self.firm_lists[role]
        sites = tuple(f.unique_id for f in firms)
        known = self._nearest_known.get(role)
        if known is not None and known[0] == sites:
            return known[1]
        if not firms:
            trip[:] = np.inf
            nearest = np.zeros(pop.n, dtype=np.int64)
        else:
            tree = cKDTree(np.array([(f.x, f.y) for f in firms]))
            dist, idx = tree.query(np.column_stack([pop.x, pop.y]))
            trip[:] = self.trip_cost(dist)
            nearest = idx.astype(np.int64)
        self._nearest_known[role] = (sites, nearest)
        return nearest

    def _start_year(self) -> None:
        """Per-year state: nearest store and hub, and what a printer is worth to each."""
        pop = self.customers
        self.store_of = self._nearest("retailer", pop.travel_store)
        self.hub_of = self._nearest("print_hub", pop.travel_hub)
        supply = build_supply(self)
        s = self.scenario
        enjoyment = s.printer_enjoyment * pop.innovativeness
        self.printer_value_per_year = adoption.printer_savings(self, supply) + enjoyment

    def _set_technology(self) -> None:
        s = self.scenario
        t = s.start_year + self.step_index() / s.steps_per_year
        self.capability = capability_frontier(t, s.start_year, s.printer_capability_start,
                                              s.printer_capability_growth)
        self.pro_capability = capability_frontier(t + s.pro_capability_lead_years,
                                                  s.start_year, s.printer_capability_start,
                                                  s.printer_capability_growth)

    def step_index(self) -> int:
        """Steps since the start of the run (0 during the first step)."""
        return max(self.steps - 1, 0)

    # --- the step -----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the market by one step (a month by default)."""
        s = self.scenario
        t = self.step_index()
        if t >= s.n_steps:
            self.running = False
            return
        self.year, self.month = s.start_year + t // s.steps_per_year, t % s.steps_per_year

        # 1. technology
        self._set_technology()
        self.printer_price = printer_price(self.cumulative_printers, s.printer_initial_cumulative,
                                           s.printer_price_start, s.printer_price_floor,
                                           s.printer_learning_rate)
        supply = build_supply(self)  # the firms' offer, fixed while customers decide
        # 2.-3. customers: diffusion, purchases and their channels, habits
        buys = self.customer_step(supply)

        # 4. clearing
        cleared, flows = clear(self, supply, buys)
        book_firms(self, supply, cleared)
        self.ledger.add(flows)
        self.last_flows = flows

        # 5. producers' dynamic pricing
        if s.dynamic_pricing:
            for prod in supply.producers:
                use = prod.goods_units_year / max(self.month + 1, 1) * s.steps_per_year \
                    / prod.capacity
                prod.markup = float(np.clip(
                    prod.markup + s.price_adjustment / s.steps_per_year
                    * (use - s.target_utilisation), 0.05, 3.0 * max(s.producer_markup, 0.05)))

        row = step_row(self, supply, cleared)
        # 6. yearly review
        if self.month == s.steps_per_year - 1:
            self.ledger.close_year(self.year, self.node_ids())
            self._record_firms()
            for firm in (f for fl in self.firm_lists.values() for f in fl):
                firm.close_year()
            events = review.yearly_review(self)
            row.update(events)
            self.refresh_firms()
            self._start_year()
        self.rows.append(row)
        if t + 1 >= s.n_steps:
            self.running = False

    def customer_step(self, supply) -> Purchases:
        """The customers' part of a step, under the firms' offer ``supply``; returns the
        purchases served.

        Neighbour shares are read at the start of the step (synchronous update); then
        internet access spreads, printers are retired, replaced and bought, purchases arrive
        and each picks a channel, and the habit memory takes in the step's purchases.
        (benchmarks/ time this against a Mesa version with one object per customer.)
        """
        s, pop = self.scenario, self.customers
        stacked = np.column_stack([pop.usage, pop.internet, pop.owners]).astype(np.float32)
        seen = self.social.neighbour_mean(stacked)
        self.social_use = np.ascontiguousarray(seen[:, :4])
        adoption.spread_internet(self, np.asarray(seen[:, 4]))
        self.printers_bought, _ = adoption.update_printers(self, np.asarray(seen[:, 5]))

        rate = self.categories.purchases_per_year / s.steps_per_year
        who, what = draw_purchases(pop.n, rate, self.rng)
        shoppers = self.shoppers(who, what)
        shoppers.time_value *= self.rng.exponential(1.0, len(who))  # urgency of each purchase
        util = utilities(supply.offer, shoppers, s.habit_weight, s.social_weight)
        ok = served(util)
        self.lost_purchases = len(who) - int(ok.sum())
        if self.lost_purchases:  # purchases no channel can serve are lost demand
            util, who, what = util.T[:, ok].T, who[ok], what[ok]
        buys = Purchases(who, what, choose(util, self.rng))

        counts = np.bincount(buys.customer * len(CHANNELS) + buys.channel,
                             minlength=pop.n * len(CHANNELS)).reshape(pop.n, len(CHANNELS))
        bought = np.bincount(buys.customer, minlength=pop.n)
        per_year = self.categories.purchases_per_year.sum()
        pop.update_usage(bought, counts, 1.0 / (s.habit_memory * per_year))
        return buys

    def shoppers(self, customer: np.ndarray, category: np.ndarray,
                 travel_hub: np.ndarray | None = None) -> Shoppers:
        """The customer-side attributes of purchases (one row per customer, category pair);
        ``travel_hub`` replaces the trip cost to the nearest hub (a hub being considered)."""
        pop, c = self.customers, customer
        rows = pop.rows(c)
        col = {name: rows[:, j] for j, name in enumerate(pop.TABLE_COLUMNS)}
        return Shoppers(category=category, travel_store=col["travel_store"],
                        travel_hub=col["travel_hub"] if travel_hub is None else travel_hub,
                        time_value=col["time_value"], taste=col["taste"],
                        sensitivity=col["sensitivity"], internet=pop.internet.take(c),
                        printer=col["printer"], hassle=col["hassle"],
                        usage=pop.usage.take(c, axis=0), social=self.social_use.take(c, axis=0))

    def node_ids(self) -> dict[str, list[int]]:
        """Ids of the flow ledger's nodes: firms' unique_id, customer segments 0..n-1."""
        ids = {role: [f.unique_id for f in firms] for role, firms in self.firm_lists.items()}
        ids["customers"] = list(range(self.n_segments))
        return ids

    def _record_firms(self) -> None:
        """Snapshot every active firm at the end of the year (before the review)."""
        for role, firms in self.firm_lists.items():
            for f in firms:
                self.firm_rows.append({
                    "year": self.year, "role": role, "id": f.unique_id,
                    "entry_year": f.entry_year, "x": getattr(f, "x", float("nan")),
                    "y": getattr(f, "y", float("nan")),
                    "converted_from": getattr(f, "converted_from", None) or -1,
                    "units": f.units_year, "revenue": f.revenue_year,
                    "profit": f.profit_year, "cash": f.cash})

    # --- outputs ------------------------------------------------------------------------------
    @property
    def firm_table(self) -> pd.DataFrame:
        """Firms active in each year: role, id, entry year, site, units, revenue, profit, cash.

        A firm that exits at a yearly review has its last row in the year before; exits
        themselves are listed in ``exited`` as (year of the review, role, id).
        """
        return pd.DataFrame(self.firm_rows)

    @property
    def timeseries(self) -> pd.DataFrame:
        """One row per step (see docs/model.md for the columns)."""
        frame = pd.DataFrame(self.rows)
        event_cols = [c for c in frame.columns if c.startswith(("exits_", "entries_",
                                                                "conversions_"))]
        frame[event_cols] = frame[event_cols].fillna(0).astype(int)
        return frame

    @property
    def flows(self) -> pd.DataFrame:
        """The yearly flow ledger (flows.FLOW_COLUMNS), one row per edge and year."""
        return self.ledger.table()
