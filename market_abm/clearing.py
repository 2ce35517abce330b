"""Clearing: route each step's purchases through the firms that handle them.

Every purchase's price is split among the roles on its channel (see flows.py for the value
convention): retail = producer -> logistician -> retailer -> customer; online = producer ->
logistician -> customer; home_print = producer -> platform -> customer (design) plus
logistician -> customer (material); print_service = producer -> platform -> hub (design),
logistician -> hub (material), hub -> customer (print job). Stores and hubs are the customer's
nearest; producers, carriers and platforms take their market shares of each category.
Quantities are real units ($ and units of the modelled population, not of the agents).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market_abm.flows import Flow, value_added
from market_abm.market import HOME_PRINT, ONLINE, PRINT_SERVICE, RETAIL
from market_abm.pricing import Supply


@dataclass
class Purchases:
    """One step's served purchases: customer, category and chosen channel per purchase."""

    customer: np.ndarray
    category: np.ndarray
    channel: np.ndarray


@dataclass
class Cleared:
    """Totals of a cleared step (real units and $)."""

    units: np.ndarray          # (K, 4)
    spend: np.ndarray          # (K, 4)
    value_added: dict          # role -> (n,) $
    logistics_volume: float    # bulk units carried
    store_units: np.ndarray    # (n_retailers,) units sold by each store
    hub_units: np.ndarray      # (n_hubs, K) units printed by each hub


def _per(keys: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(keys, weights=weights, minlength=size).astype(float)


def clear(model, supply: Supply, buys: Purchases) -> tuple[Cleared, list[Flow]]:
    """Split the step's purchases among firms; returns totals and the step's flows."""
    s, cat, hh = model.scenario, model.categories, model.scenario.households_per_customer
    K = len(cat)
    n_s = model.n_segments
    c, k, ch = buys.customer, buys.category, buys.channel
    seg = model.segment_of.take(c)
    price = supply.offer.price

    units = _per(k * 4 + ch, K * 4).reshape(K, 4) * hh
    spend = units * price

    def seg_cat(i):
        return _per(seg.take(i) * K + k.take(i), n_s * K).reshape(n_s, K) * hh

    flows: list[Flow] = []
    outer = np.outer
    n_r, n_h = len(supply.retailers), len(supply.hubs)
    store_units, hub_units = np.zeros(n_r), np.zeros((n_h, K))

    # Retail: producer -> logistician -> retailer -> customer segment.
    r = np.flatnonzero(ch == RETAIL)  # the retail purchases
    if len(r):
        store, k_r = model.store_of.take(c.take(r)), k.take(r)
        u_store = _per(store * K + k_r, n_r * K).reshape(n_r, K) * hh
        store_units = u_store.sum(1)
        a = units[:, RETAIL, None] * supply.share_goods
        flows.append(Flow("goods", "producer", "logistician",
                          outer(a.sum(0), supply.bulk_split),
                          outer((a * supply.wholesale.T).sum(0), supply.bulk_split)))
        landed = supply.mean_wholesale(supply.share_goods) + supply.bulk_fee
        flows.append(Flow("goods", "logistician", "retailer", outer(supply.bulk_split,
                          u_store.sum(1)), outer(supply.bulk_split, u_store @ landed)))
        pair = store * n_s + seg.take(r)
        flows.append(Flow("goods", "retailer", "customers",
                          _per(pair, n_r * n_s).reshape(n_r, n_s) * hh,
                          _per(pair, n_r * n_s, price[:, RETAIL].take(k_r)).reshape(n_r, n_s)
                          * hh))

    # Online: producer -> logistician -> customer segment (parcels).
    o = np.flatnonzero(ch == ONLINE)
    if len(o):
        a = units[:, ONLINE, None] * supply.share_online
        flows.append(Flow("parcel", "producer", "logistician",
                          outer(a.sum(0), supply.parcel_split),
                          outer((a * supply.wholesale.T).sum(0), supply.parcel_split)))
        sk = seg_cat(o)
        w_online = supply.mean_wholesale(supply.share_online)
        value = supply.parcel_split[:, None] * (sk @ w_online + (sk @ supply.parcel_fee.T).T)
        flows.append(Flow("parcel", "logistician", "customers",
                          outer(supply.parcel_split, sk.sum(1)), value))

    # Designs for both printing channels: producer -> platform.
    h, p = np.flatnonzero(ch == HOME_PRINT), np.flatnonzero(ch == PRINT_SERVICE)
    printed = units[:, HOME_PRINT] + units[:, PRINT_SERVICE]
    if printed.sum() > 0:
        a = printed[:, None] * supply.share_design
        net = (1.0 - s.platform_commission) * supply.design_price
        flows.append(Flow("design", "producer", "platform",
                          outer(a.sum(0), supply.platform_split),
                          outer((a * net[:, None]).sum(0), supply.platform_split)))
    if len(h):
        sk = seg_cat(h)
        flows.append(Flow("design", "platform", "customers", outer(supply.platform_split,
                          sk.sum(1)), outer(supply.platform_split, sk @ supply.design_price)))
        flows.append(Flow("material", "logistician", "customers", outer(supply.material_split,
                          sk.sum(1)), outer(supply.material_split, sk @ supply.material_price)))
    if len(p):
        hub, k_p = model.hub_of.take(c.take(p)), k.take(p)
        u_hub = hub_units = _per(hub * K + k_p, n_h * K).reshape(n_h, K) * hh
        flows.append(Flow("design", "platform", "print_hub", outer(supply.platform_split,
                          u_hub.sum(1)), outer(supply.platform_split, u_hub @ supply.design_price)))
        flows.append(Flow("material", "logistician", "print_hub",
                          outer(supply.material_split, u_hub.sum(1)),
                          outer(supply.material_split, u_hub @ supply.material_price)))
        pair = hub * n_s + seg.take(p)
        flows.append(Flow("print_job", "print_hub", "customers",
                          _per(pair, n_h * n_s).reshape(n_h, n_s) * hh,
                          _per(pair, n_h * n_s, price[:, PRINT_SERVICE].take(k_p))
                          .reshape(n_h, n_s) * hh))

    sizes = {role: len(model.firm_lists[role]) for role in model.firm_lists}
    sizes["customers"] = n_s
    va = value_added(flows, sizes)
    volume = float(units[:, RETAIL] @ cat.bulk + units[:, ONLINE] @ cat.bulk
                   + printed @ (cat.bulk * s.material_bulk))
    return Cleared(units, spend, va, volume, store_units, hub_units), flows


def book_firms(model, supply: Supply, cleared: Cleared) -> None:
    """Post each firm's value added, variable costs and units for the step."""
    s, cat = model.scenario, model.categories
    units, va = cleared.units, cleared.value_added
    premium = s.on_demand_premium * (1.0 - model.pro_capability)

    goods = units[:, RETAIL, None] * supply.share_goods
    online = units[:, ONLINE, None] * supply.share_online
    design = (units[:, HOME_PRINT] + units[:, PRINT_SERVICE])[:, None] * supply.share_design
    net_design = (1.0 - s.platform_commission) * supply.design_price
    for j, prod in enumerate(supply.producers):
        made = goods[:, j] + online[:, j]
        cost = made @ cat.unit_cost
        if prod.on_demand:
            cost *= 1.0 + premium
        else:
            monthly = made.sum() * s.steps_per_year / 12.0
            target = s.inventory_cover_months * monthly  # stock of cover_months of sales
            prod.inventory += (target - prod.inventory) / s.steps_per_year
            cost += s.holding_cost / s.steps_per_year * prod.inventory * (
                made @ cat.unit_cost / max(made.sum(), 1e-12))
        prod.goods_units_year += made.sum()
        online_margin = online[:, j] @ (supply.wholesale[j] - cat.unit_cost)
        prod.online_profit_year += online_margin - s.web_shop_cost / s.steps_per_year * \
            prod.sells_online
        prod.design_profit_year += design[:, j] @ net_design - (
            s.design_catalogue_cost * prod.makes.sum() * prod.licenses_designs / s.steps_per_year)
        channels = prod.channel_fixed_cost() / s.steps_per_year
        prod.book(va["producer"][j], cost + channels, made.sum() + design[:, j].sum())

    margin = 1.0 + s.logistics_margin
    bulk_units = units[:, RETAIL] @ cat.bulk
    parcels = units[:, ONLINE].sum()
    printed = units[:, HOME_PRINT] + units[:, PRINT_SERVICE]
    material_cost = printed @ (cat.material_cost
                               + s.parcel_bulk_cost * s.material_bulk * cat.bulk)
    material_profit = printed @ supply.material_price - material_cost
    for i, lg in enumerate(supply.logisticians):
        parcel_units = parcels * supply.parcel_split[i]
        cost = (supply.bulk_split[i] * s.bulk_cost * bulk_units
                + supply.parcel_split[i] * (units[:, ONLINE] @ supply.parcel_fee[i]) / margin
                + supply.material_split[i] * material_cost)
        lg.parcel_volume += (parcel_units * s.steps_per_year - lg.parcel_volume) / \
            s.steps_per_year
        lg.material_profit_year += supply.material_split[i] * material_profit
        lg.book(va["logistician"][i], cost,
                supply.bulk_split[i] * units[:, RETAIL].sum() + parcel_units
                + supply.material_split[i] * printed.sum())

    for i, shop in enumerate(supply.retailers):
        shop.book(va["retailer"][i], 0.0, cleared.store_units[i])
    for i, pf in enumerate(supply.platforms):
        sold = printed.sum() * supply.platform_split[i]
        pf.book(va["platform"][i], 0.0, sold)
        pf.catalogue += s.designs_per_sale * sold
    # A hub buys one unit of material per print from carriers (in its value added); machine
    # time and the material of failed prints are its own cost.
    own_cost = supply.hub_cost - supply.material_price
    for i, hub in enumerate(supply.hubs):
        made = cleared.hub_units[i]
        hub.book(va["print_hub"][i], made @ own_cost, made.sum())
