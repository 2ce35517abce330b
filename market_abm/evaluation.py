"""What firms expect at the yearly review: demand under the current offer and under offers
the market does not have yet, estimated with the customers' own logit on a sample.

Firms decide on expected profit. Where a firm considers something the market does not offer
yet (a platform entering, a store at a new site, a producer opening a web shop), it estimates
demand with the customers' own choice model on ``evaluation_sample`` customers, as if the new
offer existed. Nothing here follows a calendar.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from market_abm.market import (
    CHANNELS,
    HOME_PRINT,
    ONLINE,
    PRINT_SERVICE,
    RETAIL,
    Offer,
    Shoppers,
    channel_utilities,
    choice_probabilities,
    served,
)
from market_abm.offer import Supply, build_supply, parcel_scale, waived_share


class SampleChoice:
    """The sampled customers' purchases of every category under one offer, and their channel
    utilities with a design found: the common part of the review's what-ifs.

    Rows are customer-major (row ``i * K + k`` is ``sample[i]``'s purchase of category k).
    A what-if (expected_units with ``base``) gathers its rows and recomputes only the
    channels it changes; since each row's utility depends on that purchase alone, the result
    is the one a full computation gives, at a fraction of its cost. Without a design found,
    the printing channels are unavailable and the others unchanged.
    """

    def __init__(self, model, offer: Offer, sample: np.ndarray):
        s, K = model.scenario, len(model.categories)
        self.model, self.sample, self.K = model, sample, K
        self.customer, self.category = np.repeat(sample, K), np.tile(np.arange(K), len(sample))
        self.table = model.customers.rows(self.customer)
        self.shoppers = model.customers.shoppers_of(self.table, self.customer, self.category,
                                                    model.social_use)
        util = np.full((len(CHANNELS), len(sample) * K), -np.inf, dtype=np.float32)
        self.util = channel_utilities(offer, self.shoppers, s.habit_weight, s.social_weight,
                                      range(len(CHANNELS)), util)  # channel-major (4, m)

    def rows(self, customers: np.ndarray, categories: np.ndarray) -> np.ndarray | None:
        """Row indices of ``customers`` (part of the sample) x ``categories``, customer-major;
        None when that is every row in order."""
        if len(customers) == len(self.sample) and len(categories) == self.K and \
                np.array_equal(customers, self.sample) and \
                np.array_equal(categories, np.arange(self.K)):
            return None
        at = np.searchsorted(self.sample, customers)
        return (at[:, None] * self.K + np.asarray(categories)[None, :]).ravel()

    def subset(self, rows: np.ndarray) -> Shoppers:
        """The purchases ``rows`` only (as ``self.shoppers.subset(rows)``, gathered faster)."""
        return self.model.customers.shoppers_of(self.table.take(rows, axis=0),
                                                self.customer.take(rows),
                                                self.category.take(rows),
                                                self.model.social_use)


def expected_units(model, offer: Offer, sample: np.ndarray, categories: np.ndarray | None = None,
                   travel: dict[str, np.ndarray] | None = None,
                   member_of: np.ndarray | None = None, base: SampleChoice | None = None,
                   changed: tuple[int, ...] = tuple(range(len(CHANNELS)))) -> np.ndarray:
    """Expected real items per year (len(sample), K, 4) bought by each sampled customer's
    share of the population under ``offer`` (averaged over finding a design or not).

    ``categories`` (indices) limits the purchases evaluated (others are 0); ``travel`` replaces
    the shoppers' trip costs, ``{"store": (len(sample),), "hub": (len(sample),)}`` ($ per
    purchase), as a store or hub at a new site would. With ``base`` (the same customers'
    SampleChoice under an offer that differs from ``offer`` only in the ``changed``
    channels, with the same travel and memberships for the others), only those channels'
    utilities are computed.
    """
    s, cat = model.scenario, model.categories
    K = len(cat)
    ks = np.arange(K) if categories is None else np.asarray(categories)
    if base is None:
        who, what = np.repeat(sample, len(ks)), np.tile(ks, len(sample))
        shoppers = model.customers.shoppers(who, what, model.social_use)
        util = np.full((len(CHANNELS), len(who)), -np.inf, dtype=np.float32)
        changed = tuple(range(len(CHANNELS)))
    else:
        rows = base.rows(sample, ks)
        if rows is None:
            shoppers, util = replace(base.shoppers), base.util.copy()
        else:
            shoppers, util = base.subset(rows), base.util.take(rows, axis=1)
    if member_of is not None:  # memberships as if (1 + marketplace position, 0 none)
        shoppers.member_of = np.repeat(member_of, len(ks))
    if travel:
        if "store" in travel:
            shoppers.travel_store = np.repeat(travel["store"], len(ks))
        if "hub" in travel:
            shoppers.travel_hub = np.repeat(travel["hub"], len(ks))
    shoppers.design_found = True
    channel_utilities(offer, shoppers, s.habit_weight, s.social_weight, changed, util)
    no_design = util.copy()
    no_design[[HOME_PRINT, PRINT_SERVICE]] = -np.inf
    probs = np.zeros(util.shape)  # channel-major, as the utilities
    found = offer.findable.take(shoppers.category)
    for u, weight in ((util, found), (no_design, 1.0 - found)):
        ok = served(u.T)
        if ok.all():
            probs += choice_probabilities(u.T).T * weight
        else:
            probs[:, ok] += choice_probabilities(u[:, ok].T).T * weight[ok]
    per_customer = s.population_households / len(sample)
    rate = np.tile(cat.items_per_year[ks], len(sample))
    out = np.zeros((len(sample), K, 4))
    out[:, ks, :] = (probs * rate * per_customer).T.reshape(len(sample), len(ks), 4)
    return out


# The channels a printing what-if changes (printing_offer): the two that print.
PRINTING = (HOME_PRINT, PRINT_SERVICE)


def with_open(offer: Offer, channel: int, categories: np.ndarray, **changes) -> Offer:
    """A copy of ``offer`` where ``channel`` is also open for ``categories`` (bool (K,)), with
    other fields replaced by ``changes``."""
    open_ = offer.open.copy()
    open_[:, channel] |= categories
    return replace(offer, open=open_, **changes)


def printing_offer(model, supply: Supply, coverage: np.ndarray | float,
                   hubs: bool = False) -> Offer:
    """The offer as if platforms sold designs of printable categories, with the chance
    ``coverage`` (per category) that the design wanted exists, and material were on sale:
    home printing open wherever a printer can print, print services where professional
    capability can and a hub exists (or, with ``hubs``, is being considered)."""
    cat, offer = model.categories, supply.offer
    open_ = offer.open.copy()
    open_[:, HOME_PRINT] = cat.printable
    open_[:, PRINT_SERVICE] = cat.printable & (cat.printability < model.pro_capability) & (
        hubs or bool(supply.hubs))
    return replace(offer, open=open_, findable=cat.printable_share * coverage)


def carried_offer(model, supply: Supply) -> Offer:
    """The offer as if one new carrier delivered: stores and web shops open for the
    categories they would sell (``supply.carriable``), parcels at the fee of a carrier with
    no volume yet (the cost cap) and the speed of one depot."""
    s, cat, offer = model.scenario, model.categories, supply.offer
    open_ = offer.open.copy()
    open_[:, [RETAIL, ONLINE]] = supply.carriable
    fee = offer.purchase_fee.copy()
    fee[:, ONLINE] = (s.parcel_cost * parcel_scale(np.zeros(1), s)[0]
                      + s.parcel_bulk_cost * cat.bulk * cat.items_per_purchase) * (
        1.0 + s.logistics_margin)
    delay = offer.delay.copy()
    delay[:, ONLINE] = s.online_delay_days
    return replace(offer, open=open_, purchase_fee=fee, delay=delay)


@dataclass
class Outlook:
    """The yearly review's common knowledge.

    supply: the offer after exits; sample: customers sampled for estimates; current: expected
    items per year (K, 4) under the current offer; online: items per year each category
    would sell online if every producer of it sold online; printing: items per year (K, 2:
    home print, print service) if a design of every item of the printable categories were
    on a platform, with material on sale and print hubs where they are (or, without any,
    one at the centre of the region): a firm scales it by the designs it would bring or
    find, ``coverage``; coverage: chance per category (K,) that a design wanted exists,
    from the designs owners share and the producers licensing, platform or not; licensers:
    producers licensing each category's designs (K,), updated as producers decide;
    hub_sites and store_sites: print hubs and stores (type, x, y) opened during this review,
    which later entrants take into account; new_suppliers: material suppliers that carriers
    pivoted into during this review (until the offer is rebuilt); hub_bound: the most a
    print hub could earn a year ($, margin before fixed costs), serving every sampled
    customer with no trip: where it is below a hub's fixed cost no site is worth evaluating.
    """

    supply: Supply
    sample: np.ndarray
    current: np.ndarray
    online: np.ndarray
    printing: np.ndarray
    coverage: np.ndarray
    licensers: np.ndarray
    hub_bound: float
    hub_sites: list[tuple[float, float]]
    store_sites: list[tuple[int, float, float]]
    base: SampleChoice
    new_suppliers: int = 0

    @classmethod
    def take(cls, model) -> Outlook:
        """Estimate the year's outlook (after exits, before any other decision)."""
        s, cat = model.scenario, model.categories
        supply = build_supply(model)
        n = model.customers.n
        sample = np.sort(model.rng.choice(n, min(n, s.evaluation_sample), replace=False))
        offer = supply.offer
        base = SampleChoice(model, offer, sample)
        current = expected_units(model, offer, sample, base=base, changed=()).sum(0)
        makers = np.array([p.makes for p in supply.producers], dtype=bool).reshape(-1, len(cat))
        online = expected_units(model, with_open(offer, ONLINE, makers.any(0)), sample,
                                base=base, changed=(ONLINE,))[:, :, ONLINE].sum(0)
        travel = None
        if not supply.hubs:  # as if one hub stood at the centre of the region
            pop, centre = model.customers, s.region_size_km / 2
            travel = {"hub": model.trip_cost(np.hypot(pop.x[sample] - centre,
                                                      pop.y[sample] - centre))}
        printing = expected_units(model, printing_offer(model, supply, np.ones(len(cat)),
                                                        hubs=True), sample, travel=travel,
                                  base=base, changed=PRINTING)
        licensers = np.array([p.makes & p.licenses_designs for p in supply.producers],
                             dtype=bool).reshape(-1, len(cat)).sum(0)
        coverage = supply.design_coverage
        can_print = np.flatnonzero(cat.printable & (cat.printability < model.pro_capability))
        hub_bound = 0.0
        if len(can_print):
            no_trip = {"hub": np.zeros(len(sample))}
            served = expected_units(model, printing_offer(model, supply, coverage, hubs=True),
                                    sample, can_print, no_trip, base=base,
                                    changed=PRINTING)[:, :, PRINT_SERVICE].sum(0)
            hub_bound = float(served @ (supply.hub_fee - supply.hub_cost))
        return cls(supply, sample, current, online,
                   printing[:, :, [HOME_PRINT, PRINT_SERVICE]].sum(0), coverage, licensers,
                   hub_bound, [], [], base)

    def membership_gain(self, model, marketplace) -> float:
        """Yearly profit ($) ``marketplace`` expects from offering its delivery membership:
        on the sampled households who would join (last year's parcel fees on its share of
        their orders above membership_fee), their fees, plus the commission on the orders
        the membership adds, less the parcel fees it takes over. -inf when nobody would
        join."""
        s, cat, pop = model.scenario, model.categories, model.customers
        supply = self.supply
        m = supply.marketplaces.index(marketplace)
        saving = pop.last_parcel_fees[self.sample] * marketplace.online_share
        joiners = self.sample[saving > s.membership_fee]
        if not len(joiners):
            return -np.inf
        discount = supply.offer.member_discount.copy()
        discount[:, 1 + m] = waived_share(supply.online_split, supply.source_fee,
                                          supply.parcel_split, m)
        offer = replace(supply.offer, member_discount=discount)
        items = cat.items_per_purchase
        orders = []
        for member in (0, m + 1):
            # with no member anywhere, "nobody a member" is the current offer as it stands
            same = member == 0 and self.base.shoppers.member_of is None
            units = expected_units(model, offer, joiners, member_of=np.full(len(joiners),
                                                                            member),
                                   base=self.base, changed=() if same else (ONLINE,))
            orders.append(units.sum(0)[:, ONLINE] * supply.online_split[:, 1 + m] / items)
        weight = len(joiners) / len(self.sample)  # joiners' share of the population
        before, after = orders[0] * weight, orders[1] * weight
        fee = supply.offer.purchase_fee[:, ONLINE]
        commission = s.marketplace_commission * supply.marketplace_price * items
        members = s.population_households * weight
        return float(members * s.membership_fee + (after - before) @ commission
                     - after @ fee)

    def nearest_trip(self, model, x: np.ndarray, y: np.ndarray, current: np.ndarray,
                     sites: list[tuple[float, float]]) -> np.ndarray:
        """Trip cost ($ per purchase) from (x, y) to the nearest of ``current`` (the trip
        cost to the firms open before the review) and ``sites`` opened during it."""
        trip = current.copy()
        for sx, sy in sites:
            np.minimum(trip, model.trip_cost(np.hypot(x - sx, y - sy)), out=trip)
        return trip

    def units_of(self, model, customers: np.ndarray, categories: np.ndarray,
                 travel: dict[str, np.ndarray], offer: Offer | None = None) -> np.ndarray:
        """Expected items per year (K, 4) of ``customers`` (part of the sample, keeping their
        weight in it) under ``offer`` (default: the current offer), with their trips replaced
        by ``travel``."""
        changed = (RETAIL,) if offer is None else PRINTING
        if offer is None and set(travel) != {"store"} or offer is not None and \
                set(travel) != {"hub"}:
            raise ValueError("units_of: a store's what-if changes the store trips of the "
                             "current offer, a hub's the hub trips of a printing offer")
        offer = self.supply.offer if offer is None else offer
        units = expected_units(model, offer, customers, categories, travel, base=self.base,
                               changed=changed)
        return units.sum(0) * len(customers) / len(self.sample)

    def carried(self, model) -> np.ndarray:
        """Expected items per year (K, 4) if a new carrier delivered (``carried_offer``):
        the volumes a carrier entering a region with none would plan for."""
        return expected_units(model, carried_offer(model, self.supply), self.sample,
                              base=self.base, changed=(RETAIL, ONLINE)).sum(0)

    def refresh(self, model) -> None:
        """Rebuild the offer after the reviews, before entries: entrants see the stores
        converted into hubs and the carriers pivoted into material suppliers (entrants of
        one role see those of their role that entered before them, not other roles')."""
        self.supply = build_supply(model)
        self.base = SampleChoice(model, self.supply.offer, self.sample)
        self.new_suppliers = 0
