"""The supply side of one step: firms' prices and market splits, and the offer customers see.

Producer prices are unit cost times (1 + markup); a category's producers split its units by a
logit on price (the same sensitivity customers use between channels). Online variety grows
with the number of online sellers of a category; web shops split parcels among carriers by a
logit on fee and speed: the fee falls with a carrier's volume (density economies) and its
delivery quickens with its depots; bulk goes evenly to the carriers. Designs come from
platforms (split by catalogue^network_effect), material from material suppliers (evenly),
print jobs from the nearest print hub.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market_abm.market import HOME_PRINT, ONLINE, PRINT_SERVICE, RETAIL, Offer, retries
from market_abm.technology import print_quality

# Bulk of a parcel holding one spool of filament (a 1 kg spool, about a fifth of a shoebox).
SPOOL_BULK = 0.2


def price_shares(prices: np.ndarray, eligible: np.ndarray, sensitivity: float,
                 ref: np.ndarray) -> np.ndarray:
    """Logit market shares (K, n) of n sellers per category; zero rows where none is eligible.

    prices and eligible have shape (n, K); ref (K,) normalises prices.

    >>> price_shares(np.array([[1.0], [1.0]]), np.array([[True], [True]]), 5.0, np.ones(1))
    array([[0.5, 0.5]])
    """
    if prices.shape[0] == 0:
        return np.zeros((prices.shape[1], 0))
    util = np.where(eligible, -sensitivity * prices / ref, -np.inf).T
    top = util.max(axis=1, keepdims=True)
    top[~np.isfinite(top)] = 0.0
    w = np.exp(util - top)
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total > 0)


def even_split(n: int) -> np.ndarray:
    """Equal shares among n firms (empty when there are none)."""
    return np.full(n, 1.0 / n) if n else np.zeros(0)


def parcel_scale(volume: np.ndarray, scenario) -> np.ndarray:
    """Parcel cost multiple of each carrier from its yearly parcel volume (real parcels)."""
    ratio = np.maximum(volume, 1.0) / scenario.parcel_reference_volume
    return np.minimum(ratio ** -scenario.parcel_scale_elasticity, scenario.parcel_cost_cap)


def seller_coverage(sellers: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Share of each category's catalogue carried online by ``sellers`` online sellers, each
    listing the share ``reach`` of it (independently).

    >>> seller_coverage(np.array([0, 1, 2]), np.array([0.5, 0.5, 0.5]))
    array([0.  , 0.5 , 0.75])
    """
    return 1.0 - (1.0 - reach) ** sellers


def design_coverage(commons: float, scale: float, reach: np.ndarray,
                    licensers: np.ndarray) -> np.ndarray:
    """Chance, per category, that a design of the item wanted exists: among the ``commons``
    designs printer owners have shared (1 - exp(-commons / scale)) or in the catalogue of one
    of the ``licensers`` producers of the category, each carrying the share ``reach`` of it.

    >>> design_coverage(200.0, 200.0, np.array([0.5, 0.5]), np.array([0, 1])).round(3)
    array([0.632, 0.816])
    """
    return 1.0 - np.exp(-commons / scale) * (1.0 - reach) ** licensers


def online_shares(listed: np.ndarray, network_effect: float) -> np.ndarray:
    """Shares of a category's online units (K, 1 + n_m) by source: the web shops (column 0)
    and the marketplaces together in proportion to what they list; among marketplaces, in
    proportion to listing ** network_effect (buyers go where the sellers are, and sellers
    where the buyers are).

    >>> online_shares(np.array([[0.5, 0.25, 0.25]]), 1.0).round(3)
    array([[0.5 , 0.25, 0.25]])
    """
    total = listed.sum(axis=1, keepdims=True)
    out = np.divide(listed, total, out=np.zeros_like(listed), where=total > 0)
    if listed.shape[1] > 2:
        pull = listed[:, 1:] ** network_effect
        within = pull.sum(axis=1, keepdims=True)
        out[:, 1:] = out[:, 1:].sum(axis=1, keepdims=True) * np.divide(
            pull, within, out=np.zeros_like(pull), where=within > 0)
    return out


def marketplace_price(categories, scenario) -> np.ndarray:
    """Price per item ($, K) of third-party sellers: unit cost at the starting markup times
    (1 + online_margin), what a web shop would ask (sellers are price takers)."""
    return (categories.unit_cost * (1.0 + scenario.producer_markup)
            * (1.0 + scenario.online_margin))


def spool_cost(scenario, scale: np.ndarray) -> np.ndarray:
    """Each carrier's cost ($, n_l) of delivering one spool of filament: a parcel at its
    density multiple ``scale`` plus the spool's bulk."""
    return scenario.parcel_cost * scale + scenario.parcel_bulk_cost * SPOOL_BULK


def waived_share(online_split: np.ndarray, source_fee: np.ndarray, parcel_split: np.ndarray,
                 marketplace: int) -> np.ndarray:
    """Share of a category's expected parcel fee per online order (K,) that a membership of
    marketplace ``marketplace`` (its position) waives: its share of the orders times its fee
    per order, over the fee of an order from any source."""
    if not len(parcel_split):
        return np.zeros(online_split.shape[0])
    by_source = np.einsum("l,lks->ks", parcel_split, source_fee)  # (K, sources) $ per order
    expected = (by_source * online_split).sum(axis=1)
    mine = online_split[:, 1 + marketplace] * by_source[:, 1 + marketplace]
    return np.divide(mine, expected, out=np.zeros_like(mine), where=expected > 0)


def licensed_share(commons: float, scale: float, reach: np.ndarray,
                   licensers: np.ndarray) -> np.ndarray:
    """Share, per category, of the designs found that come from licensing producers rather
    than from the designs owners share: the licensed catalogues' chance of holding the design
    over the sum of both chances (0 where no producer licenses).

    >>> licensed_share(0.0, 200.0, np.array([0.5, 0.5]), np.array([0, 1])).round(3)
    array([0., 1.])
    """
    shared = -np.expm1(-commons / scale)
    licensed = 1.0 - (1.0 - reach) ** licensers
    total = shared + licensed
    return np.divide(licensed, total, out=np.zeros_like(licensed), where=total > 0)


def inspection_learning(experience: np.ndarray, scenario) -> np.ndarray:
    """Multiple (<= 1) of each category's cost of buying unseen, from the online orders placed
    so far per household (``experience``): reviews, size guides and free returns spread as a
    category sells online, so the cost falls by the share ``inspection_learning`` per doubling
    of that experience beyond ``inspection_experience`` orders.

    >>> s = type("S", (), {"inspection_learning": 0.2, "inspection_experience": 10.0})
    >>> inspection_learning(np.array([5.0, 10.0, 20.0]), s)
    array([1. , 1. , 0.8])
    """
    doublings = np.log2(np.maximum(experience / scenario.inspection_experience, 1.0))
    return (1.0 - scenario.inspection_learning) ** doublings


@dataclass
class Supply:
    """Firm lists (fixed within a year) and the step's prices ($/item) and market splits."""

    producers: list
    logisticians: list
    retailers: list
    platforms: list
    hubs: list
    suppliers: list
    wholesale: np.ndarray       # (n_p, K) producer price
    share_goods: np.ndarray     # (K, n_p) producer shares of retail units
    share_online: np.ndarray    # (K, n_p) producer shares of online units
    share_design: np.ndarray    # (K, n_p) producer shares of design sales
    online_sellers: np.ndarray  # (K,) producers selling each category online
    online_coverage: np.ndarray  # (K,) share of the catalogue carried online
    marketplaces: list
    online_weight: np.ndarray   # (K, 1 + n_m) listing weight: web shops, each marketplace
    online_split: np.ndarray    # (K, 1 + n_m) shares of online units (web shops first)
    marketplace_price: np.ndarray  # (K,) price per item of third-party sellers
    handling: np.ndarray        # (K,) web shop's own cost per item sold online
    bulk_fee: np.ndarray        # (K,) carrier fee per item delivered to stores
    bulk_split: np.ndarray      # (n_l,)
    parcel_fee: np.ndarray      # (n_l, K) $ per online order (over its sources)
    source_fee: np.ndarray      # (n_l, K, 1 + n_m) $ per order shipped by each source
    parcels_per_order: np.ndarray  # (K, 1 + n_m) parcels an order makes, by source
    parcel_split: np.ndarray    # (n_l,)
    parcel_scale: np.ndarray    # (n_l,) parcel cost multiple from each carrier's volume
    delivery_days: np.ndarray   # (n_l,)
    store_margin: np.ndarray    # (K,) margin of the category's store type
    material_price: np.ndarray  # (K,) material for one printed item, delivered
    material_split: np.ndarray  # (n_s,)
    material_by_parcel: bool    # no supplier: material bought online, carried by parcel
    platform_split: np.ndarray  # (n_pf,)
    design_price: np.ndarray    # (K,)
    design_coverage: np.ndarray  # (K,) chance a design of the item wanted exists
    licensed_share: np.ndarray  # (K,) share of the designs found that producers license
    hub_cost: np.ndarray        # (K,) print hub cost per good print (material at cost, machine
    #                             time, failed prints)
    hub_fee: np.ndarray         # (K,) print hub price on top of the design
    offer: Offer
    carriable: np.ndarray       # (K, 2) bool: stores and web shops would sell each category
    #                             (retail, online) if a carrier delivered (the offer's
    #                             retail and online channels need one)

    def mean_wholesale(self, shares: np.ndarray) -> np.ndarray:
        """Share-weighted producer price per category (K,)."""
        return (shares * self.wholesale.T).sum(axis=1)


def build_supply(model) -> Supply:
    """Prices, splits and the customer-facing offer from the current firm states."""
    s, cat = model.scenario, model.categories
    lists = model.firm_lists
    producers, logisticians = lists["producer"], lists["logistician"]
    retailers, platforms = lists["retailer"], lists["platform"]
    hubs, suppliers = lists["print_hub"], lists["material_supplier"]
    marketplaces = lists["marketplace"]
    K, ref = len(cat), model.ref_price
    n_l = len(logisticians)

    makes = np.array([p.makes for p in producers], dtype=bool).reshape(len(producers), K)
    markup = np.array([p.markup for p in producers])
    wholesale = cat.unit_cost[None, :] * (1.0 + markup[:, None])
    flag = {name: np.array([getattr(p, name) for p in producers], dtype=bool)[:, None]
            for name in ("in_stores", "sells_online", "licenses_designs")}
    store_ok, online_ok = makes & flag["in_stores"], makes & flag["sells_online"]
    design_ok = makes & flag["licenses_designs"]
    share_goods = price_shares(wholesale, store_ok, s.price_sensitivity, ref)
    share_online = price_shares(wholesale, online_ok, s.price_sensitivity, ref)
    share_design = price_shares(wholesale, design_ok, s.price_sensitivity, ref)
    online_sellers = online_ok.sum(axis=0)
    # Online assortment: the web shops' listings and each marketplace's sellers'; online
    # units go to each source in proportion to what it lists.
    listed = np.zeros((K, 1 + len(marketplaces)))
    listed[:, 0] = seller_coverage(online_sellers, cat.listing_reach)
    seller_reach = s.seller_listing_reach * cat.listing_reach
    for m, mp in enumerate(marketplaces):
        listed[:, 1 + m] = seller_coverage(mp.sellers, seller_reach)
    online_split = online_shares(listed, s.marketplace_network_effect)
    online_coverage = 1.0 - np.prod(1.0 - listed, axis=1)
    third_party_price = marketplace_price(cat, s)

    margin = 1.0 + s.logistics_margin
    bulk_fee = s.bulk_cost * cat.bulk * margin
    scale = parcel_scale(np.array([lg.parcel_volume for lg in logisticians]), s)
    # Parcels per online order, by source: a web shop ships an order in one parcel; on a
    # marketplace each item comes from its own seller, in a parcel of its own (orders of
    # categories delivered as one basket, parcels = 0 in categories.csv, are one delivery).
    per_order = np.ones((K, 1 + len(marketplaces)))
    if s.marketplace_split_shipments:
        per_order[:, 1:] = np.where(cat.parcels > 0, cat.items_per_purchase, 1.0)[:, None]
    bulk_part = s.parcel_bulk_cost * cat.bulk * cat.items_per_purchase
    source_fee = (s.parcel_cost * scale[:, None, None] * per_order[None, :, :]
                  + bulk_part[None, :, None]) * margin  # (n_l, K, sources) $ per order
    parcel_fee = (source_fee * online_split[None, :, :]).sum(axis=2)  # expected, per order
    depots = np.array([lg.depots for lg in logisticians], dtype=float)
    days = s.online_delay_days * depots ** -s.delivery_speedup
    # Web shops pick carriers by fee and speed: the fee of a parcel plus its days at the mean
    # time value, relative to the parcel cost.
    service = (s.parcel_cost * scale + s.time_value * days) / s.parcel_cost
    parcel_split = (price_shares(service[:, None], np.ones((n_l, 1), bool),
                                 s.price_sensitivity, np.ones(1))[0] if n_l else np.zeros(0))
    handling = s.online_handling * cat.unit_cost

    # Material: from a specialist supplier where one is active (its own delivery), else
    # bought online and delivered by parcel (a spool carries material_spool_price of it).
    material_price = cat.material_cost * (1.0 + s.material_margin)
    by_parcel = not suppliers
    weight = np.array([pf.catalogue for pf in platforms]) ** s.network_effect
    platform_split = weight / weight.sum() if len(platforms) else np.zeros(0)
    design_price = s.design_price_share * ref
    coverage = design_coverage(model.world_designs, s.design_catalogue_scale,
                               cat.listing_reach, design_ok.sum(axis=0))
    machine = s.machine_cost_per_hour * cat.print_hours / s.pro_speedup
    pro_retries = retries(model.pro_capability - cat.printability, s.print_failure_scale)
    hub_cost = (cat.material_cost + machine) * pro_retries
    hub_fee = hub_cost * (1.0 + s.hub_margin)
    pro_quality = print_quality(model.pro_capability, cat.printability, cat.print_quality_max,
                                s.print_quality_scale)

    store_margin = cat.stores.margin[cat.store_type]
    w_goods = (share_goods * wholesale.T).sum(axis=1)
    w_online = (share_online * wholesale.T).sum(axis=1)
    price = np.zeros((K, 4))
    price[:, RETAIL] = (w_goods + bulk_fee) * (1.0 + store_margin)
    price[:, ONLINE] = (online_split[:, 0] * w_online * (1.0 + s.online_margin)
                        + online_split[:, 1:].sum(axis=1) * third_party_price)
    fee = np.zeros((K, 4))
    fee[:, ONLINE] = parcel_split @ parcel_fee if n_l else 0.0
    if by_parcel and n_l:  # a spool's parcel fee, shared by the prints it makes
        spool_fee = float(parcel_split @ spool_cost(s, scale) * margin)
        material_price = material_price + spool_fee * cat.material_cost / s.material_spool_price
    price[:, HOME_PRINT] = design_price + material_price
    price[:, PRINT_SERVICE] = design_price + hub_fee

    on_demand = np.array([p.on_demand for p in producers], dtype=float)
    fit = np.zeros((K, 4))
    fit[:, ONLINE] = 0.5 * (share_online * on_demand[None, :]).sum(axis=1) * online_split[:, 0]
    fit[:, HOME_PRINT] = fit[:, PRINT_SERVICE] = 1.0
    delay = np.zeros((K, 4))
    delay[:, ONLINE] = parcel_split @ days if n_l else s.online_delay_days
    delay[:, HOME_PRINT] = cat.print_hours * cat.items_per_purchase / 24.0
    delay[:, PRINT_SERVICE] = s.print_service_delay_days
    long_tail = s.variety_value * cat.long_tail
    mismatch = np.zeros((K, 4))
    mismatch[:, RETAIL] = long_tail * (1.0 - cat.store_coverage)
    touch = s.inspection_value * cat.touch * inspection_learning(model.online_experience, s)
    mismatch[:, ONLINE] = long_tail * (1.0 - online_coverage) + touch
    mismatch[:, PRINT_SERVICE] = 1.0 - pro_quality

    types = np.array([r.store_type for r in retailers], dtype=np.int64)
    has_type = np.bincount(types, minlength=len(cat.stores)) > 0
    designs = cat.printable & bool(platforms)  # ``findable``: which designs exist
    open_ = np.zeros((K, 4), dtype=bool)
    carriable = np.stack([store_ok.any(axis=0) & has_type[cat.store_type],
                          (listed.sum(axis=1) > 0) & (cat.listing_reach > 0)], axis=1)
    open_[:, [RETAIL, ONLINE]] = carriable & bool(n_l)
    open_[:, HOME_PRINT] = designs & (bool(suppliers) or bool(n_l))  # material on sale
    open_[:, PRINT_SERVICE] = designs & bool(hubs) & (cat.printability < model.pro_capability)
    # designs are bought through a platform: none, nothing findable
    findable = cat.printable_share * coverage * bool(platforms)
    # A member of marketplace m pays no parcel fee on m's share of a category's online orders.
    discount = np.zeros((K, 1 + len(marketplaces)))
    for m, mp in enumerate(marketplaces):
        if mp.membership:
            discount[:, 1 + m] = waived_share(online_split, source_fee, parcel_split, m)
    offer = Offer(price=price, purchase_fee=fee, delay=delay, fit=fit, mismatch=mismatch,
                  open=open_, findable=findable, ref_price=ref, items=cat.items_per_purchase,
                  personalisation=cat.personalisation, printability=cat.printability,
                  quality_max=cat.print_quality_max, quality_scale=s.print_quality_scale,
                  material=material_price, print_effort=s.home_print_effort,
                  failure_scale=s.print_failure_scale, member_discount=discount)
    return Supply(
        producers=producers, logisticians=logisticians, retailers=retailers,
        platforms=platforms, hubs=hubs, suppliers=suppliers, wholesale=wholesale,
        share_goods=share_goods, share_online=share_online, share_design=share_design,
        online_sellers=online_sellers, online_coverage=online_coverage,
        marketplaces=marketplaces, online_weight=listed, online_split=online_split,
        marketplace_price=third_party_price, handling=handling, bulk_fee=bulk_fee,
        bulk_split=even_split(n_l), parcel_fee=parcel_fee, source_fee=source_fee,
        parcels_per_order=per_order * cat.parcels[:, None], parcel_split=parcel_split,
        parcel_scale=scale, delivery_days=days, store_margin=store_margin,
        material_price=material_price, material_split=even_split(len(suppliers)),
        material_by_parcel=by_parcel, platform_split=platform_split,
        design_price=design_price, design_coverage=coverage,
        licensed_share=licensed_share(model.world_designs, s.design_catalogue_scale,
                                      cat.listing_reach, design_ok.sum(axis=0)),
        hub_cost=hub_cost,
        hub_fee=hub_fee, offer=offer, carriable=carriable)
