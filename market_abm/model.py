"""MarketModel: the step order of market_abm (see docs/model.md for the full description).

Each step (a month by default):
1. technology: capability frontier, printer price (a global learning curve), spending per
   household;
2. the firms' offer for the step (``offer.build_supply``): web shops, marketplaces, carriers,
   stores, platforms, hubs and material;
3. customers (one vectorised agent): internet access and smartphones spread, printers are
   retired, replaced and bought, shopping decisions arrive and pick a channel by
   multinomial logit, habits update;
4. clearing: prices split among the roles on each channel, flows recorded, firms booked;
5. producers reprice with capacity use (dynamic pricing);
6. in December: the yearly review (exits, portfolios, investments, pivots, conversions,
   marketplaces' sellers and membership, entries of every role, households' memberships),
   then the year's flows are closed into the ledger.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
from mesa.agent import AgentSet
from scipy.spatial import cKDTree

from market_abm.agents import (
    FIRM_CLASSES,
    CustomerPopulation,
    HomePrinter,
    Logistician,
    Marketplace,
    Producer,
    Retailer,
)
from market_abm.categories import load_categories
from market_abm.clearing import book_firms, clear
from market_abm.evaluation import Outlook
from market_abm.flows import FlowLedger
from market_abm.indicators import EVENT_PREFIXES, step_row
from market_abm.market import ONLINE
from market_abm.memory import keep_freed_memory
from market_abm.offer import build_supply
from market_abm.scenario import Scenario, load_scenario
from market_abm.social import SocialGraph
from market_abm.technology import capability_frontier, price_by_date, printer_price


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
        self.base_categories = load_categories()  # today's printable shares
        if s.uniform_category_fit:  # the rival of 'price and size alone' (docs/validation.md)
            table = self.base_categories
            self.base_categories = table.with_uniform_fit(
                table.items_per_year * table.reference_prices(s))
        self.categories = self.base_categories    # this year's (multi-material printing)
        self.year, self.month = s.start_year, 0
        self.world_scale = s.world_households / s.population_households
        self.world_printers = s.world_printers_start  # cumulative desktop printers sold
        self.world_owners = 0.0                       # printers in use in the world
        self.world_designs = 0.0                      # printable designs shared by owners
        self.online_experience = np.zeros(len(self.categories))  # online orders / household
        self._set_technology()

        self.customers = CustomerPopulation(self, self.categories.stores.names)
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

        self.ref_price = self.categories.reference_prices(s)
        self._create_firms()
        # (role, type) -> (firm ids, each customer's nearest id and distance, its position)
        self._sites_known: dict[tuple, tuple] = {}
        self._homes = np.column_stack([self.customers.x, self.customers.y])
        self.ledger = FlowLedger()
        self.rows: list[dict] = []
        self.exited: list[tuple[int, str, int]] = []  # (year, role, unique_id)
        # why each firm of ``exited`` left: {"rule": text, the rule's numbers ($)}
        self.exit_reasons: dict[tuple[int, str, int], dict] = {}
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
        """$ per purchase of a return trip of ``distance_km`` (shared by purchases_per_trip)."""
        s = self.scenario
        return (2.0 * distance_km * s.travel_cost_per_km + s.trip_time_cost) \
            / s.purchases_per_trip

    def _create_firms(self) -> None:
        """Producers (two categories each), carriers, and for each store type three quarters
        of the stores whose margin at the start would cover their fixed cost if catchments
        were equal (random sites make them unequal; entry and exit settle the count within
        the warm-up years)."""
        s, cat, rng = self.scenario, self.categories, self.rng
        K = len(cat)
        demand = cat.items_per_year * s.population_households
        makes = np.zeros((s.n_producers, K), dtype=bool)
        for j in range(s.n_producers):
            makes[j, rng.choice(K, size=min(2, K), replace=False)] = True
        for k in np.flatnonzero(~makes.any(axis=0)):
            makes[rng.integers(s.n_producers), k] = True
        makers = makes.sum(axis=0)
        for j in range(s.n_producers):
            capacity = (demand[makes[j]] / makers[makes[j]]).sum() / s.target_utilisation
            Producer(self, s.producer_fixed_cost * self.cost_factor(), makes[j], capacity)
        for _ in range(s.n_logisticians):
            Logistician(self, (s.logistician_fixed_cost + s.depot_cost) * self.cost_factor())
        margin = cat.stores.margin[cat.store_type]
        gross = demand * self.ref_price * margin / (1 + margin)
        for t in range(len(cat.stores)):
            count = int(0.75 * gross[cat.store_type == t].sum() // Retailer.fixed_cost_of(self, t))
            for x, y in rng.uniform(0, s.region_size_km, (max(count, 1), 2)):
                Retailer(self, Retailer.fixed_cost_of(self, t) * self.cost_factor(), x, y, t)

    def refresh_firms(self) -> None:
        """Firm lists per role, in order of entry (fixed between yearly reviews)."""
        self.firm_lists = {cls.role: sorted(self.agents_by_type.get(cls, []),
                                            key=lambda a: a.unique_id)
                           for cls in FIRM_CLASSES}

    def _nearest(self, firms: list, key: tuple, trip: np.ndarray) -> np.ndarray:
        """Index in ``firms`` (sorted by unique_id) of each customer's nearest one; writes the
        trip cost ($ per purchase, inf when there is none) into ``trip``.

        Updated from last year's answer for the same ``key``: customers whose nearest firm
        closed are searched again (a k-d tree of the open sites), and every new site is
        compared with each customer's nearest distance; the same answer as searching all
        customers anew, for a fraction of the cost when few sites change.
        """
        pop = self.customers
        ids = np.array([f.unique_id for f in firms], dtype=np.int64)
        known = self._sites_known.get(key)
        if known is not None and np.array_equal(known[0], ids):
            return known[3]
        if not firms:
            trip[:] = np.inf
            self._sites_known[key] = (ids, None, None, np.zeros(pop.n, dtype=np.int64))
            return self._sites_known[key][3]
        sites = np.array([(f.x, f.y) for f in firms])
        if known is None or known[1] is None:
            dist, idx = cKDTree(sites).query(self._homes)
            nearest = ids[idx]
        else:
            nearest, dist = known[1].copy(), known[2].copy()
            lost = ~np.isin(nearest, ids)
            if lost.any():
                dist[lost], idx = cKDTree(sites).query(self._homes[lost])
                nearest[lost] = ids[idx]
            for j in np.flatnonzero(~np.isin(ids, known[0])):
                d = np.hypot(pop.x - sites[j, 0], pop.y - sites[j, 1])
                closer = d < dist
                dist[closer], nearest[closer] = d[closer], ids[j]
        position = np.searchsorted(ids, nearest)
        trip[:] = self.trip_cost(dist)
        self._sites_known[key] = (ids, nearest, dist, position)
        return position

    def _start_year(self) -> None:
        """Per-year state: each customer's nearest store of every type (``store_of``, (n, T)
        positions in the retailer list) and hub, and what a printer is worth to each."""
        pop, stores = self.customers, self.firm_lists["retailer"]
        T = len(self.categories.stores)
        self.store_of = np.zeros((pop.n, T), dtype=np.int64)
        for t in range(T):
            mine = [i for i, r in enumerate(stores) if r.store_type == t]
            near = self._nearest([stores[i] for i in mine], ("retailer", t),
                                 pop.travel_store[:, t])
            self.store_of[:, t] = np.asarray(mine, dtype=np.int64)[near] if mine else 0
        self.hub_of = self._nearest(self.firm_lists["print_hub"], ("print_hub",),
                                    pop.travel_hub)
        pop.value_printer(build_supply(self))

    def _set_technology(self) -> None:
        s = self.scenario
        t = s.start_year + self.step_index() / s.steps_per_year
        args = (s.start_year, s.printer_capability_start, s.printer_capability_growth,
                s.capability_freeze_year)
        self.capability = capability_frontier(t, *args)
        self.pro_capability = capability_frontier(t + s.pro_capability_lead_years, *args[:3],
                                                  None if s.capability_freeze_year is None
                                                  else s.capability_freeze_year
                                                  + s.pro_capability_lead_years)
        self.spending_index = (1.0 + s.spending_growth) ** (t - s.start_year)
        self.categories = self.base_categories.with_multi_material(
            self.capability, s.multi_material_reach, s.multi_material_threshold
        ).with_spending(self.spending_index)
        if s.printer_price_model == "by_date":  # the rival of a price falling with time
            self.printer_price = price_by_date(t, s.printer_price_floor, s.printer_price_start)
        else:
            self.printer_price = printer_price(self.world_printers, s.world_printers_start,
                                               s.printer_price_start, s.printer_price_floor,
                                               s.printer_learning_rate)

    def _update_world(self) -> None:
        """The world market the region is a sample of: printers sold (the learning curve's
        driver), printers in use and the designs their owners share, from the region's
        expected printer purchases and retirements scaled to world_households."""
        s, pop = self.scenario, self.customers
        scale = s.households_per_customer * self.world_scale
        self.world_printers += pop.expected_bought * scale
        self.world_owners = max(self.world_owners + (pop.expected_bought
                                                     - pop.expected_retired) * scale, 0.0)
        self.world_designs += s.designs_per_owner * self.world_owners / s.steps_per_year

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

        self._set_technology()                                       # 1. technology
        supply = build_supply(self)                                  # 2. the offer
        buys = self.customers.step(supply)                           # 3. customers
        self._update_world()
        cleared, flows = clear(self, supply, buys)                   # 4. clearing
        book_firms(self, supply, cleared)
        self.online_experience += cleared.purchases[:, ONLINE] / s.population_households
        self.ledger.add(flows)
        self.last_flows = flows
        self.role_set(Producer).do("reprice")                  # 5. dynamic pricing

        row = step_row(self, supply, cleared)
        if self.month == s.steps_per_year - 1:                       # 6. yearly review
            row.update(self.review_year())
        self.rows.append(row)
        if t + 1 >= s.n_steps:
            self.running = False

    def firms(self) -> AgentSet:
        """Every active firm, upstream roles first (FIRM_CLASSES order)."""
        return AgentSet([f for firms in self.firm_lists.values() for f in firms],
                        random=self.random)

    def role_set(self, cls) -> AgentSet:
        """The active agents of one class (an empty set when there are none)."""
        return self.agents_by_type.get(cls) or AgentSet([], random=self.random)

    def review_year(self) -> dict[str, int]:
        """The yearly review, as AgentSet calls in order; returns the year's event counts.

        Books are closed and firms snapshotted; insolvent firms exit; producers revise their
        portfolios, carriers invest or pivot, losing stores may convert into hubs; then
        every role's entrants come in on expected profit, and next year's per-year state is
        set. Each role's decisions are methods of its agent class.
        """
        self.ledger.close_year(self.year, self.node_ids())
        self._record_firms()
        before = {role: {f.unique_id for f in firms} for role, firms in self.firm_lists.items()}
        exits_before = len(self.exited)
        self.firms().do("close_year")
        self.customers.close_year()
        self.firms().do("exit_if_insolvent")
        self.refresh_firms()
        outlook = Outlook.take(self)
        self.role_set(Producer).shuffle_do("review_portfolio", outlook)
        self.role_set(Logistician).shuffle_do("review", outlook)
        self.role_set(Retailer).shuffle_do("review", outlook)
        self.role_set(Marketplace).shuffle_do("review", outlook)
        self.refresh_firms()
        outlook.refresh(self)
        entries = {cls.role: cls.enter(self, outlook) for cls in FIRM_CLASSES}
        self.refresh_firms()
        self.customers.review_membership(self.firm_lists["marketplace"])
        self._start_year()
        events = {}
        for role in before:
            gone = [r for y, r, _ in self.exited[exits_before:] if r == role]
            events[f"exits_{role}"] = len(gone)
            events[f"entries_{role}"] = entries[role]
        converted = [f for firms in self.firm_lists.values() for f in firms
                     if f.converted_from is not None and f.entry_year == self.year
                     and f.unique_id not in before[f.role]]
        events["conversions_retailer"] = sum(f.role == "print_hub" for f in converted)
        events["pivots_logistician"] = sum(f.role == "material_supplier" for f in converted)
        return events

    def node_ids(self) -> dict[str, list[int]]:
        """Ids of the flow ledger's nodes: firms' unique_id, customer segments 0..n-1."""
        ids = {role: [f.unique_id for f in firms] for role, firms in self.firm_lists.items()}
        ids["customers"] = list(range(self.n_segments))
        return ids

    def firm_snapshot(self, year: int | None = None) -> list[dict]:
        """One firm-table row per active firm (see ``firm_table``), dated ``year`` (default:
        the model's year): the one place firm rows are made, for the run's table, the page
        and the supply network of a step."""
        types = self.categories.stores.names
        year = self.year if year is None else year
        return [{"year": year, "role": role, "id": f.unique_id, "entry_year": f.entry_year,
                 "x": getattr(f, "x", float("nan")), "y": getattr(f, "y", float("nan")),
                 "converted_from": -1 if f.converted_from is None else f.converted_from,
                 "store_type": types[f.store_type] if role == "retailer" else "",
                 "units": f.units_year, "revenue": f.revenue_year, "profit": f.profit_year,
                 "cash": f.cash}
                for role, firms in self.firm_lists.items() for f in firms]

    def _record_firms(self) -> None:
        """Snapshot every active firm at the end of the year (before the review)."""
        self.firm_rows += self.firm_snapshot()

    # --- outputs ------------------------------------------------------------------------------
    @property
    def firm_table(self) -> pd.DataFrame:
        """Firms active in each year: role, id, entry year, site, store type, units, revenue,
        profit, cash.

        A firm that exits at a yearly review has its last row in the year of that review
        (rows are taken before exits); exits are listed in ``exited`` as (year of the review,
        role, id).
        """
        return pd.DataFrame(self.firm_rows)

    @property
    def timeseries(self) -> pd.DataFrame:
        """One row per step (see docs/model.md for the columns)."""
        frame = pd.DataFrame(self.rows)
        event_cols = [c for c in frame.columns if c.startswith(EVENT_PREFIXES)]
        frame[event_cols] = frame[event_cols].fillna(0).astype(int)
        return frame

    @property
    def flows(self) -> pd.DataFrame:
        """The yearly flow ledger (flows.FLOW_COLUMNS), one row per edge and year."""
        return self.ledger.table()
