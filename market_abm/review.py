"""Yearly review: exits, pivots, conversions, entries and channel portfolios.

Firms decide on expected profit. Where a firm considers something the market does not offer yet
(a platform entering, a store turning into a print hub, a producer opening a web shop), it
estimates demand with the customers' own logit model on a sample of customers, as if the new
offer existed (``expected_units``). Nothing here follows a calendar.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from market_abm.agents.logisticians import Logistician
from market_abm.agents.platforms import Platform
from market_abm.agents.print_hubs import PrintHub
from market_abm.agents.producers import Producer
from market_abm.agents.retailers import Retailer
from market_abm.market import (
    HOME_PRINT,
    ONLINE,
    PRINT_SERVICE,
    Offer,
    Shoppers,
    choice_probabilities,
    utilities,
)
from market_abm.pricing import build_supply

ROLE_CLASSES = {"producer": Producer, "logistician": Logistician, "retailer": Retailer,
                "platform": Platform, "print_hub": PrintHub}


def sample_shoppers(model, sample: np.ndarray, travel_hub: np.ndarray | None = None) -> Shoppers:
    """One row per (sampled customer, category): every category each customer may buy."""
    K = len(model.categories)
    return model.shoppers(np.repeat(sample, K), np.tile(np.arange(K), len(sample)),
                          None if travel_hub is None else np.repeat(travel_hub, K))


def expected_units(model, offer: Offer, sample: np.ndarray,
                   travel_hub: np.ndarray | None = None) -> np.ndarray:
    """Expected real units per year (len(sample), K, 4) bought by each sampled customer's
    population share, under ``offer``."""
    s, cat = model.scenario, model.categories
    shoppers = sample_shoppers(model, sample, travel_hub)
    util = utilities(offer, shoppers, s.habit_weight, s.social_weight)
    ok = np.isfinite(util).any(axis=1)
    probs = np.zeros_like(util)
    probs[ok] = choice_probabilities(util[ok])
    per_customer = s.population_households / len(sample)
    rate = np.tile(cat.purchases_per_year, len(sample))[:, None]
    return (probs * rate * per_customer).reshape(len(sample), len(cat), 4)


def with_open(offer: Offer, channel: int, categories: np.ndarray) -> Offer:
    """A copy of ``offer`` where ``channel`` is open for the given categories (bool (K,))."""
    open_ = offer.open.copy()
    open_[:, channel] |= categories
    return replace(offer, open=open_)


def remove_insolvent(model) -> dict[str, int]:
    """The exit rule: firms with negative cash leave the market. Returns exits per role."""
    exits = {}
    for role, cls in ROLE_CLASSES.items():
        gone = [f for f in model.agents_by_type.get(cls, []) if f.insolvent]
        for firm in gone:
            model.exited.append((model.year, role, firm.unique_id))
            firm.remove()
        exits[role] = len(gone)
    return exits


def pivot_logisticians(model) -> None:
    """Losing carriers move to material supply and local delivery when that pays better."""
    carriers = model.firm_lists["logistician"]
    material = sum(lg.last_material_profit for lg in carriers)
    specialists = sum(lg.pivoted for lg in carriers)
    for lg in carriers:
        if lg.pivoted or lg.last_profit >= 0 or material <= 0:
            continue
        expected = material / (specialists + 1) - lg.fixed_cost
        if expected > lg.last_profit:
            lg.pivoted = True
            specialists += 1


def review_producers(model, supply, sample: np.ndarray) -> None:
    """Capacity, production mode and channel portfolio of every producer, on profit."""
    s, cat = model.scenario, model.categories
    producers = supply.producers
    if not producers:
        return
    premium = s.on_demand_premium * (1.0 - model.pro_capability)
    mass_extra = s.holding_cost * s.inventory_cover_months / 12.0
    makes = np.array([p.makes for p in producers])
    online_sellers = makes & np.array([p.sells_online for p in producers])[:, None]
    licensers = makes & np.array([p.licenses_designs for p in producers])[:, None]

    offer = supply.offer
    online_units = expected_units(model, with_open(offer, ONLINE, makes.any(0)),
                                  sample)[:, :, ONLINE].sum(0)
    print_offer = with_open(with_open(offer, HOME_PRINT, makes.any(0)), PRINT_SERVICE,
                            makes.any(0) & (cat.printability <= model.pro_capability)
                            & bool(len(supply.hubs)))
    design_units = expected_units(model, print_offer, sample)[:, :, [HOME_PRINT,
                                                                    PRINT_SERVICE]].sum((0, 2))
    platforms_ahead = bool(len(supply.platforms))
    net_design = (1.0 - s.platform_commission) * supply.design_price

    for j, prod in enumerate(producers):
        prod.capacity += 0.5 * (prod.last_goods_units / s.target_utilisation - prod.capacity)
        prod.capacity = max(prod.capacity, 1.0)
        prod.on_demand = bool(premium < mass_extra)
        mine = prod.makes
        margin = supply.wholesale[j] - cat.unit_cost
        if prod.sells_online:
            prod.sells_online = prod.online_losing_years < 2  # closes after 2 losing years
        else:
            share = 1.0 / (online_sellers[:, mine].sum(0) + 1.0)
            gain = (online_units[mine] * share) @ margin[mine] - s.web_shop_cost
            prod.sells_online = bool(gain > 0)
        if prod.licenses_designs:
            prod.licenses_designs = prod.design_losing_years < 2
        elif platforms_ahead:
            share = 1.0 / (licensers[:, mine].sum(0) + 1.0)
            gain = (design_units[mine] * share) @ net_design[mine] - \
                s.design_catalogue_cost * mine.sum()
            prod.licenses_designs = bool(gain > 0)


def enter_platforms(model, supply, sample: np.ndarray) -> int:
    """Platforms enter, up to max_entries_per_year, while an entrant's expected commission
    covers its fixed cost. An entrant expects the share seed^e / (sum of catalogue^e + seed^e)
    of the design market (e = network_effect): the incumbents' catalogues are its barrier."""
    s, cat = model.scenario, model.categories
    platforms = supply.platforms
    if platforms:  # last year's design sales and commission per design
        sold = sum(pf.last_units for pf in platforms)
        per_design = sum(pf.last_profit + pf.fixed_cost for pf in platforms) / max(sold, 1e-9)
    else:  # designs customers would buy if a platform carried them
        printable = cat.printability <= model.capability
        offer = with_open(supply.offer, HOME_PRINT, printable)
        units = expected_units(model, offer, sample)[:, :, HOME_PRINT].sum(0)
        sold = units.sum()
        per_design = (units @ (s.platform_commission * supply.design_price)) / max(sold, 1e-9)
    weights = float((np.array([pf.catalogue for pf in platforms]) ** s.network_effect).sum())
    seed = s.platform_seed_catalogue ** s.network_effect
    entries = 0
    while entries < s.max_entries_per_year:
        expected = sold * seed / (weights + seed) * per_design
        if expected <= s.platform_fixed_cost:
            break
        Platform(model, s.platform_fixed_cost * model.cost_factor(), s.platform_seed_catalogue)
        weights += seed
        entries += 1
    return entries


def hub_profit(model, supply, sample: np.ndarray, x: float, y: float) -> float:
    """Expected yearly profit ($) of a print hub at (x, y) km, before fixed costs."""
    cat, pop = model.categories, model.customers
    can_print = cat.printability <= model.pro_capability
    if not (can_print.any() and supply.platforms):
        return 0.0
    dist = np.hypot(pop.x[sample] - x, pop.y[sample] - y)
    trip = model.trip_cost(dist)
    closer = trip < pop.travel_hub[sample]
    if not closer.any():
        return 0.0
    offer = with_open(supply.offer, PRINT_SERVICE, can_print & supply.offer.open[:, HOME_PRINT])
    units = expected_units(model, offer, sample[closer], trip[closer])[:, :, PRINT_SERVICE]
    units *= closer.sum() / len(sample)
    per_unit = supply.hub_fee - supply.hub_cost
    return float(units.sum(0) @ per_unit)


def open_print_hubs(model, supply, sample: np.ndarray) -> tuple[int, int]:
    """Losing stores convert into hubs, and independent hubs enter, where a hub pays.

    Returns (conversions, entries)."""
    s, rng = model.scenario, model.rng
    fixed = s.hub_fixed_cost
    conversions = entries = 0
    for shop in supply.retailers:
        if shop.last_profit >= 0 or conversions >= s.max_entries_per_year:
            continue
        profit = hub_profit(model, supply, sample, shop.x, shop.y) - fixed
        affordable = shop.cash + fixed * s.cash_reserve_years >= s.conversion_cost
        if affordable and profit > 0 and profit - s.conversion_cost > shop.last_profit:
            PrintHub(model, fixed * model.cost_factor(), shop.x, shop.y,
                     cash=shop.cash - s.conversion_cost + fixed * s.cash_reserve_years,
                     converted_from=shop.unique_id)
            model.exited.append((model.year, "retailer", shop.unique_id))
            shop.remove()
            conversions += 1
    for _ in range(2 * s.max_entries_per_year):
        if entries >= s.max_entries_per_year:
            break
        x, y = rng.uniform(0, s.region_size_km, 2)
        if hub_profit(model, supply, sample, x, y) > fixed:
            PrintHub(model, fixed * model.cost_factor(), x, y)
            entries += 1
    return conversions, entries


def yearly_review(model) -> dict[str, int]:
    """The firms' yearly decisions, in order; returns entry and exit counts for the year."""
    exits = remove_insolvent(model)
    model.refresh_firms()
    supply = build_supply(model)
    sample = model.rng.choice(model.customers.n, min(model.customers.n,
                                                     model.scenario.evaluation_sample),
                              replace=False)
    pivot_logisticians(model)
    platform_entries = enter_platforms(model, supply, sample)
    if platform_entries:  # producers see the entrant when they weigh licensing
        model.refresh_firms()
        supply = build_supply(model)
    review_producers(model, supply, sample)
    conversions, hub_entries = open_print_hubs(model, supply, sample)
    events = {f"exits_{role}": n for role, n in exits.items()}
    events.update(entries_platform=platform_entries, entries_print_hub=hub_entries,
                  conversions_retailer=conversions)
    return events
