"""Customers and their home printers.

The households are one vectorised Mesa agent, ``CustomerPopulation``: its state is a set of
numpy arrays with one row per household and its ``step`` takes every household's decisions at
once (internet access, printers, purchases and their channels, habits), the way mesa-frames
keeps a population as one AgentSet with its own step. Each printer in use is a
``HomePrinter`` agent.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from market_abm.market import (
    CHANNELS,
    HOME_PRINT,
    ONLINE,
    RETAIL,
    Shoppers,
    choose,
    home_print_cost,
    served,
    utilities,
)
from market_abm.technology import print_quality


@dataclass
class Purchases:
    """One step's served purchases: customer, category and chosen channel per purchase."""

    customer: np.ndarray
    category: np.ndarray
    channel: np.ndarray


def attractiveness_filter(value: np.ndarray, price: float, steepness: float) -> np.ndarray:
    """a^k / (1 + a^k) with a = value / price: 1/2 when a printer pays for itself."""
    a = np.maximum(value, 0.0) / max(price, 1e-9)
    ak = a**steepness
    return ak / (1.0 + ak)


class CustomerPopulation(mesa.Agent):
    """All households of the region, one row each (a vectorised agent set).

    x, y: home (km); time_value: $ / day of delay; sensitivity: logit price weight; taste:
    personalisation taste; hassle: multiple of the average attention a home print costs
    (lognormal, mean 1; makers' is lower); enjoyment: $ / year a maker draws from owning a
    printer (0 for others); printer: capability of the owned printer (0 = none); travel_hub
    and travel_store (n, T): $ per purchase of a trip to the nearest print hub and store of
    each type (inf when there is none; set yearly by the model); reluctance: multiple of the
    internet hazard (gamma, mean 1); internet: has access; usage: (n, 4) exponentially
    smoothed share of own purchases by channel (the habit).

    The attributes a purchase needs are columns of one (n, 8) float32 table, ``table``
    (names in ``TABLE_COLUMNS``; the eighth column is unused), and the named arrays above are
    views of its columns: gathering the rows of a step's purchases then reads one row per
    purchase instead of one cache line per attribute, which is most of the cost of a step at
    10^5-10^6 customers. The unused column makes a row 32 bytes, a size numpy's ``take``
    copies with a fixed-size move, about three times faster than the 28 bytes of seven
    columns (benchmarks/README.md). The trip to a store is read from ``travel_store`` for the
    category's store type only. Single precision is ample for these attributes and halves
    the memory a step moves.
    """

    role = "customers"
    TABLE_COLUMNS = ("time_value", "sensitivity", "taste", "hassle", "printer", "travel_hub",
                     "enjoyment", "order_effort")
    ROW_WIDTH = 8  # TABLE_COLUMNS: 32-byte rows gather fastest

    def __init__(self, model, store_types: tuple[str, ...]):
        super().__init__(model)
        s, rng = model.scenario, model.rng
        n = self.n = s.n_customers
        self.table = np.zeros((n, self.ROW_WIDTH), dtype=np.float32)
        for j, name in enumerate(self.TABLE_COLUMNS):
            setattr(self, name, self.table[:, j])
        self.travel_store = np.zeros((n, len(store_types)), dtype=np.float32)
        # Draws in a fixed order: the same seed gives the same customers.
        self.x = rng.uniform(0, s.region_size_km, n)
        self.y = rng.uniform(0, s.region_size_km, n)
        income = rng.lognormal(0.0, 0.4, n)
        income /= income.mean()  # multiple of the mean household's
        self.time_value[:] = s.time_value * income
        self.order_effort[:] = s.online_order_effort * income
        self.sensitivity[:] = s.price_sensitivity * rng.lognormal(
            -0.5 * s.sensitivity_spread**2, s.sensitivity_spread, n)
        self.taste[:] = s.personalisation_taste * rng.exponential(1.0, n)
        self.hassle[:] = rng.lognormal(-0.5 * s.print_hassle_spread**2, s.print_hassle_spread,
                                       n)
        maker = rng.random(n) < s.maker_share
        self.enjoyment[:] = np.where(maker, s.maker_enjoyment * rng.exponential(1.0, n), 0.0)
        self.hassle[maker] *= s.maker_hassle
        shape = 1.0 / s.internet_reluctance if s.internet_reluctance > 0 else 0.0
        self.reluctance = (rng.gamma(shape, 1.0 / shape, n) if shape else np.ones(n))
        shape = 1.0 / s.smartphone_reluctance if s.smartphone_reluctance > 0 else 0.0
        self.phone_reluctance = (rng.gamma(shape, 1.0 / shape, n) if shape else np.ones(n))
        self.travel_store[:] = self.travel_hub[:] = np.inf
        self.internet = np.zeros(n, dtype=bool)
        self.smartphone = np.zeros(n, dtype=bool)
        # delivery membership: 0 none, else 1 + the marketplace's position in its firm list
        self.member_of = np.zeros(n, dtype=np.int64)
        self.online_orders = np.zeros(n)  # online orders placed since the start
        self.parcel_fees_year = np.zeros(n)  # $ of parcel fees of the year's online orders
        self.last_parcel_fees = np.zeros(n)
        self.usage = np.zeros((n, len(CHANNELS)), dtype=np.float32)
        self.usage[:, RETAIL] = 1.0
        self.printer_value = np.zeros(n)  # $ / year a frontier printer is worth (yearly)
        self.last_print = np.full(n, -(2**40), dtype=np.int64)  # step of the last home print
        self._observed = np.zeros((n, 6), dtype=np.float32)  # what neighbours see (step)
        self.printers_bought = 0
        self.expected_bought = self.expected_retired = 0.0  # agents / step (see update_printers)
        self.lost_purchases = 0

    # --- state ----------------------------------------------------------------------------
    @property
    def owners(self) -> np.ndarray:
        """Bool mask of customers owning a printer."""
        return self.printer > 0

    @property
    def makers(self) -> np.ndarray:
        """Bool mask of the hobbyists (customers who enjoy owning a printer)."""
        return self.enjoyment > 0

    def rows(self, customers: np.ndarray) -> np.ndarray:
        """The table rows of ``customers`` (a copy, shape (len(customers), columns))."""
        return np.take(self.table, customers, axis=0)

    def shoppers(self, customer: np.ndarray, category: np.ndarray,
                 social_use: np.ndarray) -> Shoppers:
        """The customer-side attributes of purchases (one row per customer, category pair);
        ``social_use`` (n, 4) is the neighbours' channel use."""
        return self.shoppers_of(self.rows(customer), customer, category, social_use)

    def shoppers_of(self, rows: np.ndarray, customer: np.ndarray, category: np.ndarray,
                    social_use: np.ndarray) -> Shoppers:
        """shoppers() from the customers' table ``rows`` already gathered (``rows(customer)``,
        or a part of such a gather: one take of the table is cheaper than one per field)."""
        col = {name: rows[:, j] for j, name in enumerate(self.TABLE_COLUMNS)}
        types = self.travel_store.shape[1]
        travel = self.travel_store.ravel().take(
            customer * types + self.model.categories.store_type.take(category))
        return Shoppers(category=category, travel_store=travel, travel_hub=col["travel_hub"],
                        time_value=col["time_value"], taste=col["taste"],
                        sensitivity=col["sensitivity"], internet=self.internet.take(customer),
                        printer=col["printer"], hassle=col["hassle"],
                        order_effort=col["order_effort"],
                        usage=self.usage.take(customer, axis=0),
                        social=social_use.take(customer, axis=0),
                        member_of=self.member_of.take(customer) if self.member_of.any()
                        else None)

    def nbytes(self) -> int:
        """Memory held by the arrays (bytes; the table's column views are counted once)."""
        return sum(v.nbytes for v in vars(self).values()
                   if isinstance(v, np.ndarray) and v.base is None)

    # --- the step -------------------------------------------------------------------------
    def step(self, supply) -> Purchases:
        """Every household's part of a step, under the firms' offer ``supply``; returns the
        purchases served.

        Neighbour shares are read at the start of the step (synchronous update); then
        internet access spreads, printers are retired, replaced and bought, purchases arrive
        and each picks a channel, and the habit memory takes in the step's purchases.
        (benchmarks/ time this against a Mesa version with one object per customer.)
        """
        model, s = self.model, self.model.scenario
        # One sparse product gives the neighbours' use of three channels (the fourth is the
        # rest: habits sum to one), their internet access, printer and smartphone ownership.
        observed = self._observed
        observed[:, :3] = self.usage[:, :3]
        observed[:, 3] = self.internet
        observed[:, 4] = self.printer > 0
        observed[:, 5] = self.smartphone
        seen = np.asarray(model.social.neighbour_mean(observed))
        social = np.empty((self.n, len(CHANNELS)), dtype=np.float32)
        social[:, :3] = seen[:, :3]
        social[:, 3] = 1.0 - seen[:, :3].sum(axis=1)
        model.social_use = social
        self.spread_internet(seen[:, 3])
        self.spread_smartphones(seen[:, 5])
        self.printers_bought = self.update_printers(seen[:, 4])

        rate = model.categories.decisions(s.decisions_per_category) / s.steps_per_year
        who, what, counts = self.draw_purchases(rate)
        shoppers = self.shoppers(who, what, model.social_use)
        shoppers.counts = counts  # purchases come grouped by category
        urgency = model.rng.standard_exponential(len(who), dtype=np.float32)  # mean 1
        shoppers.time_value *= urgency
        shoppers.design_found = model.rng.random(len(who), dtype=np.float32) < \
            shoppers.per_category(supply.offer.findable)
        util = utilities(supply.offer, shoppers, s.habit_weight, s.social_weight)
        ok = served(util)
        self.lost_purchases = len(who) - int(ok.sum())
        if self.lost_purchases:  # purchases no channel can serve are lost demand
            util, who, what = util.T[:, ok].T, who[ok], what[ok]
        # (purchases stay grouped by category: the utilities above were their last use)
        buys = Purchases(who, what, choose(util, model.rng))
        self.last_print[buys.customer[buys.channel == HOME_PRINT]] = model.step_index()
        online = buys.channel == ONLINE
        batch = model.categories.batch(s.decisions_per_category)  # occasions per decision
        fee = supply.offer.purchase_fee[:, ONLINE] * batch  # $ of those occasions' parcels
        self.online_orders += np.bincount(buys.customer[online],
                                          batch.take(buys.category[online]), self.n)
        self.parcel_fees_year += np.bincount(buys.customer[online],
                                             fee.take(buys.category[online]), self.n)
        self.update_habits(buys, rate.sum() * s.steps_per_year)
        return buys

    def draw_purchases(self, rate_per_step: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Customer and category index of each purchase in one step, grouped by category,
        and the number of purchases of each category.

        Every customer buys category k at rate ``rate_per_step[k]`` (purchases per step); the
        number of purchases per category is Poisson(n * rate) and each falls on a uniformly
        drawn customer, which is the same as independent Poisson demand per customer.
        """
        rng = self.model.rng
        counts = rng.poisson(self.n * rate_per_step)
        category = np.repeat(np.arange(len(rate_per_step)), counts)
        customer = rng.integers(0, self.n, size=counts.sum())
        return customer, category, counts

    def update_habits(self, buys: Purchases, per_year: float) -> None:
        """Blend this step's purchases into the habit memory.

        Each purchase has weight 1 / (habit_memory * purchases per year); customers who
        bought nothing keep their habit exactly (their weight of the past is 1).
        """
        k = len(CHANNELS)
        counts = np.bincount(buys.customer * k + buys.channel,
                             minlength=self.n * k).reshape(self.n, k)
        bought = np.bincount(buys.customer, minlength=self.n)
        step_weight = 1.0 / (self.model.scenario.habit_memory * per_year)
        powers = (1.0 - step_weight) ** np.arange(bought.max(initial=0) + 1)
        keep = powers.astype(np.float32).take(bought)
        new = counts.astype(np.float32)
        new *= ((1.0 - keep) / np.maximum(bought, 1))[:, None]
        self.usage *= keep[:, None]
        self.usage += new

    def spread_internet(self, neighbour_internet: np.ndarray) -> None:
        """Connect customers from internet_start_year on: Bass hazard on the social graph,
        times each household's reluctance draw."""
        model, s = self.model, self.model.scenario
        if model.year < s.internet_start_year:
            return
        off = np.flatnonzero(~self.internet)
        hazard = ((s.internet_p + s.internet_q * neighbour_internet[off])
                  * self.reluctance[off] / s.steps_per_year)
        self.internet[off[model.rng.random(len(off)) < hazard]] = True

    def spread_smartphones(self, neighbour_phones: np.ndarray) -> None:
        """Smartphones spread among households from smartphone_start_year: Bass hazard on
        the social graph times the household's own reluctance draw. A smartphone
        connects its household (mobile internet), and its owner orders online with less
        effort: the order effort falls by mobile_order_saving."""
        model, s = self.model, self.model.scenario
        if model.year < s.smartphone_start_year:
            return
        off = np.flatnonzero(~self.smartphone)
        hazard = ((s.smartphone_p + s.smartphone_q * neighbour_phones[off])
                  * self.phone_reluctance[off] / s.steps_per_year)
        new = off[model.rng.random(len(off)) < hazard]
        self.smartphone[new] = True
        self.internet[new] = True
        self.order_effort[new] *= 1.0 - s.mobile_order_saving

    def close_year(self) -> None:
        """Roll the year's parcel fees over (read by the yearly review)."""
        self.last_parcel_fees, self.parcel_fees_year = self.parcel_fees_year, np.zeros(self.n)

    def review_membership(self, marketplaces: list) -> None:
        """Yearly: each household holds the membership of the marketplace offering one on
        which last year's parcel fees (at list price, on that marketplace's share of its
        orders) would have exceeded the membership fee, the largest such saving first;
        ``marketplaces`` is the new firm list (positions are re-read from it)."""
        s = self.model.scenario
        self.member_of[:] = 0
        for mp in marketplaces:
            mp.members = 0.0
        offering = [m for m, mp in enumerate(marketplaces) if mp.membership]
        if not offering:
            return
        saving = np.column_stack([self.last_parcel_fees * marketplaces[m].online_share
                                  for m in offering])
        best = saving.argmax(axis=1)
        joins = saving.max(axis=1) > s.membership_fee
        self.member_of[joins] = np.asarray(offering)[best[joins]] + 1
        counts = np.bincount(self.member_of, minlength=len(marketplaces) + 1)
        for m, mp in enumerate(marketplaces):
            mp.members = float(counts[m + 1]) * s.households_per_customer

    def printing(self) -> np.ndarray:
        """Bool mask of the households that printed something at home in the last year
        (or bought their printer less than a year ago)."""
        model = self.model
        return self.last_print > model.step_index() - model.scenario.steps_per_year

    def update_printers(self, neighbour_owners: np.ndarray) -> int:
        """Retire old printers, replace some, and let non-owners adopt. Returns printers
        bought in the step.

        A worn-out printer is replaced only by an owner who printed with it in the last year
        (economic model): a printer that prints nothing lapses, so ownership can fall."""
        model, s, rng = self.model, self.model.scenario, self.model.rng
        owners = self.owners
        economic = s.adoption_model == "economic"
        keen = self.keenness() if economic else np.ones(self.n)
        renew = keen * self.printing() if economic else keen  # an owner's replacement

        # Printers wear out at a constant hazard; pure Bass adoption has no retirement.
        retire = (np.flatnonzero(owners)[rng.random(owners.sum()) < 1.0 / (
            s.printer_lifetime * s.steps_per_year)] if economic
            else np.zeros(0, dtype=np.int64))
        renewed = rng.random(len(retire)) < renew[retire]
        replace, gone = retire[renewed], retire[~renewed]  # both sorted, as retire
        eligible = ~owners & (self.internet if economic else True)
        candidates = np.flatnonzero(eligible)
        hazard = (s.bass_p + s.bass_q * neighbour_owners[candidates]) / s.steps_per_year
        new = candidates[rng.random(len(candidates)) < hazard * keen[candidates]]

        # What the world market, of which these households are a sample, does in the step:
        # the expected purchases and retirements (the law of large numbers at world scale).
        wear = 1.0 / (s.printer_lifetime * s.steps_per_year) if economic else 0.0
        self.expected_bought = float((hazard * keen[candidates]).sum()
                                     + wear * renew[owners].sum())
        self.expected_retired = wear * float(owners.sum())
        for i in gone:
            model.printer_agents.pop(int(i)).remove()
        self.printer[gone] = 0.0
        buyers = np.concatenate([replace, new])
        self.printer[buyers] = model.capability
        self.last_print[new] = model.step_index()  # a new printer has a year to be used
        for i in replace:  # the household's printer agent takes the new machine's vintage
            model.printer_agents[int(i)].renew(model.capability)
        for i in new:
            model.printer_agents[int(i)] = HomePrinter(model, int(i), model.capability)
        return len(buyers)

    def keenness(self) -> np.ndarray:
        """Each customer's attractiveness filter of a printer at today's price (economic
        model): its value over a printer's life (yearly savings and enjoyment) against the
        price."""
        s = self.model.scenario
        worth = self.printer_value * s.printer_lifetime
        return attractiveness_filter(worth, self.model.printer_price, s.adoption_steepness)

    def value_printer(self, supply) -> None:
        """What a printer at today's frontier would be worth to each household ($ / year):
        its enjoyment, plus for each category the frontier can print, the demand for items
        whose design exists times how much cheaper (in generalised cost per item) home
        printing is than the best other channel the household has. Computed once a year,
        for the channels open today: home printing counts only for categories it is open
        for (designs on sale through a platform, material on sale), with the chance of
        finding the design wanted that buyers have now. A maker's enjoyment counts once the
        frontier prints anything at all."""
        model, offer = self.model, supply.offer
        cat = model.categories
        ks = np.flatnonzero(cat.printable & (cat.printability < model.capability)
                            & offer.open[:, HOME_PRINT] & (offer.findable > 0))
        quality = print_quality(model.capability, cat.printability, cat.print_quality_max,
                                model.scenario.print_quality_scale)
        self.printer_value[:] = self.enjoyment * (quality.max() > 0)
        if not len(ks):
            return
        price, ref, items = offer.price[ks], offer.ref_price[ks], offer.items[ks]
        fit_value = self.taste[:, None] * (offer.personalisation[ks] * ref)[None, :]
        tv = self.time_value[:, None]
        store = self.travel_store[:, cat.store_type[ks]]
        retail = (price[:, RETAIL] + ref * offer.mismatch[ks, RETAIL])[None, :] + store / items
        retail = np.where(offer.open[ks, RETAIL][None, :], retail, np.inf)
        online = ((price[:, ONLINE] + ref * offer.mismatch[ks, ONLINE])[None, :]
                  + (offer.purchase_fee[ks, ONLINE] + offer.delay[ks, ONLINE] * tv
                     + self.order_effort[:, None]) / items
                  - fit_value * offer.fit[ks, ONLINE])
        online = np.where(offer.open[ks, ONLINE][None, :] & self.internet[:, None], online,
                          np.inf)
        frontier = np.full(self.n, model.capability)
        effort = np.column_stack([home_print_cost(offer, np.full(self.n, k), frontier,
                                                  self.hassle) for k in ks])
        home = ((price[:, HOME_PRINT] + ref * offer.mismatch[ks, HOME_PRINT])[None, :]
                + effort + offer.delay[ks, HOME_PRINT] * tv / items - fit_value)
        gain = np.minimum(retail, online) - home
        gain = np.where(np.isfinite(gain), np.maximum(gain, 0.0), 0.0)
        gain *= self.internet[:, None]  # designs and material are bought online
        self.printer_value += gain @ (cat.items_per_year[ks] * offer.findable[ks])


class HomePrinter(mesa.Agent):
    """The printer in a customer's home: capability fixed at purchase (the frontier's
    vintage). A household that replaces a worn-out printer keeps its agent, renewed; one
    that gives printing up loses it."""

    role = "home_printer"

    def __init__(self, model, owner: int, capability: float):
        super().__init__(model)
        self.owner = owner
        self.renew(capability)

    def renew(self, capability: float) -> None:
        """A new machine of today's ``capability``, bought this year."""
        self.capability = capability
        self.bought_year = self.model.year
