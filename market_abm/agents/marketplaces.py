"""Online marketplaces: the internet flow's own re-intermediation.

A marketplace lists the catalogues of third-party sellers, who join it where selling there
pays, and takes a commission on their sales; where its parcel volume pays, it offers
households a delivery membership (a yearly fee instead of a fee per parcel).
"""

from __future__ import annotations

import numpy as np

from market_abm.agents.base import Firm
from market_abm.market import ONLINE
from market_abm.offer import marketplace_price, online_shares


def seller_weight(sellers: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Share of a category's catalogue listed by ``sellers`` third-party sellers, each
    listing the share ``reach`` of it independently.

    >>> seller_weight(np.array([0.0, 1.0, 2.0]), np.array([0.5, 0.5, 0.5]))
    array([0.  , 0.5 , 0.75])
    """
    return 1.0 - (1.0 - reach) ** sellers


class Marketplace(Firm):
    """An online marketplace with ``sellers`` (K,) third-party sellers per category.

    The sellers are a vectorised population of identical small firms (like the households):
    each lists the share ``seller_listing_reach`` x the category's listing_reach of its
    catalogue, pays the marketplace ``marketplace_commission`` of its sales and the
    overheads ``seller_fixed_cost`` a year (their entry rule, ``review``, is on expected
    profit). ``membership`` says whether the marketplace offers its delivery membership
    (``membership_fee`` a year, no parcel fee on its orders).
    """

    role = "marketplace"
    label = "marketplaces"
    colour = "#e377c2"

    def __init__(self, model, fixed_cost: float, sellers: np.ndarray):
        super().__init__(model, fixed_cost)
        self.sellers = np.asarray(sellers, dtype=float).copy()
        self.membership = False
        self.members = 0.0  # households with its membership (real households)
        self.orders_year = self.market_orders_year = 0.0
        self.online_share = 0.0  # its share of all online orders, last year

    def close_year(self) -> None:
        super().close_year()
        self.online_share = self.orders_year / max(self.market_orders_year, 1e-12)
        self.orders_year = self.market_orders_year = 0.0

    def book_step(self, value_added: float, units: np.ndarray, orders: np.ndarray,
                  market_orders: np.ndarray, supply) -> None:
        """One step's books: ``units`` and ``orders`` (K,) sold through it, of
        ``market_orders`` (K,) online orders in all. The marketplace keeps the commission
        and pays its sellers the rest of the price (value_added is price less the parcel
        fees it waived); members pay membership_fee a year."""
        s = self.model.scenario
        steps = s.steps_per_year
        sales = supply.marketplace_price * units  # (K,) $
        payout = (1.0 - s.marketplace_commission) * sales
        fees = self.members * s.membership_fee / steps
        self.book(value_added + fees, float(payout.sum()), float(units.sum()))
        self.orders_year += float(orders.sum())
        self.market_orders_year += float(market_orders.sum())

    @staticmethod
    def seller_margin(model) -> np.ndarray:
        """$ a third-party seller earns per item (K,): the marketplace price less the
        commission, unit cost and handling."""
        s, cat = model.scenario, model.categories
        return (marketplace_price(cat, s) * (1.0 - s.marketplace_commission)
                - cat.unit_cost * (1.0 + s.online_handling))

    def review(self, outlook) -> None:
        """Sellers and membership, on expected profit.

        Sellers (per category) close half the gap to the number at which one more seller's
        share of the category's expected online sales no longer covers its overheads (free
        entry). The membership is offered when, on the sampled households who would join
        (their parcel fees on this marketplace's orders above the fee), the fees and the
        commission on the orders it adds exceed the parcel fees it takes over; it is
        withdrawn when it no longer does.
        """
        model = self.model
        s, cat = model.scenario, model.categories
        supply = outlook.supply
        mine = supply.marketplaces.index(self)
        listed = supply.online_weight  # (K, 1 + marketplaces): web shops first
        reach = s.seller_listing_reach * cat.listing_reach
        margin = self.seller_margin(model)
        online = outlook.current[:, ONLINE]  # expected items a year
        ks = np.flatnonzero((cat.listing_reach > 0) & (margin > 0))
        target = _free_entry(online[ks], listed[ks], 1 + mine, reach[ks], margin[ks],
                             s.seller_fixed_cost, s.marketplace_network_effect)
        for k, n in zip(ks.tolist(), target.tolist(), strict=True):
            self.sellers[k] += 0.5 * (n - self.sellers[k])
        self.membership = bool(outlook.membership_gain(model, self) > 0)

    @classmethod
    def enter(cls, model, outlook) -> int:
        """A marketplace enters, up to max_entries_per_year, while the commission it expects
        covers its fixed cost. It brings marketplace_seed_sellers sellers per category and
        expects their share of the current online sales: against the web shops' listings,
        and among marketplaces the share seed^e / (sum of listing^e + seed^e) (e =
        marketplace_network_effect): the incumbents' sellers are its barrier."""
        s, cat = model.scenario, model.categories
        supply = outlook.supply
        reach = s.seller_listing_reach * cat.listing_reach
        sellable = (cat.listing_reach > 0) & (cls.seller_margin(model) > 0)
        price = marketplace_price(cat, s)
        online = outlook.current[:, ONLINE]
        listed = supply.online_weight.copy()
        seed = np.where(sellable, s.marketplace_seed_sellers, 0.0)
        entries = 0
        while entries < s.max_entries_per_year:
            trial = np.column_stack([listed, seller_weight(seed, reach)])
            share = online_shares(trial, s.marketplace_network_effect)[:, -1]
            commission = s.marketplace_commission * float((online * share * price).sum())
            if commission <= s.marketplace_fixed_cost:
                break
            cls(model, s.marketplace_fixed_cost * model.cost_factor(), seed)
            listed = trial
            entries += 1
        return entries


def _free_entry(units: np.ndarray, listed: np.ndarray, column: int, reach: np.ndarray,
                margin: np.ndarray, fixed_cost: float, network_effect: float,
                most: float = 1e6) -> np.ndarray:
    """Sellers n per category at which one seller's expected profit, units x share(n) / n x
    margin - fixed_cost, falls to zero: share(n) is the online share (offer.online_shares)
    of the source ``column`` of the category's listing weights (a row of ``listed``) when it
    lists with n sellers. Found by bisection on n in [1, most] (0 if even one seller
    loses), for every category at once (``units``, ``reach``, ``margin``: one per row)."""
    def profit(n: np.ndarray) -> np.ndarray:
        trial = listed.copy()
        # a scalar power per category: numpy's vector power may differ in the last bit
        trial[:, column] = [1.0 - (1.0 - r) ** x for r, x in zip(reach.tolist(), n.tolist(),
                                                                   strict=True)]
        share = online_shares(trial, network_effect)[:, column]
        return units * share / n * margin - fixed_cost

    lo, hi = np.ones(len(units)), np.full(len(units), most)
    out = np.zeros(len(units))
    viable = (units > 0) & (reach > 0)
    viable[viable] &= profit(lo)[viable] > 0
    crowded = viable & (profit(hi) > 0)
    out[crowded] = most
    active = viable & ~crowded
    while (active := active & (hi / lo > 1.001)).any():
        mid = np.sqrt(lo * hi)
        gain = profit(np.where(active, mid, lo)) > 0
        lo = np.where(active & gain, mid, lo)
        hi = np.where(active & ~gain, mid, hi)
    settled = viable & ~crowded
    out[settled] = lo[settled]
    return out
