"""Clearing: route each step's purchases through the firms that handle them.

Every purchase's price is split among the roles on its channel (see flows.py for the value
convention): retail = producer -> logistician -> retailer -> customer; online = producer ->
logistician -> customer (a parcel per purchase); home_print = producer -> platform ->
customer (design) plus material_supplier -> customer (material); print_service = producer ->
platform -> hub (design), hub -> customer (print job); hubs buy professional material from
outside the region, as a cost.
Stores and hubs are the customer's nearest; producers, carriers, platforms and suppliers take
their market shares of each category. Quantities are real items ($ and items of the modelled
population, not of the agents).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market_abm.agents.customers import Purchases
from market_abm.flows import Flow, value_added
from market_abm.market import HOME_PRINT, ONLINE, PRINT_SERVICE, RETAIL, retries
from market_abm.offer import Supply


@dataclass
class Cleared:
    """Totals of a cleared step (real items and $)."""

    units: np.ndarray          # (K, 4) items
    spend: np.ndarray          # (K, 4) $ paid by customers (fees and parcels included)
    purchases: np.ndarray      # (K, 4) purchases
    value_added: dict          # role -> (n,) $
    bulk_volume: float         # bulk units carried to stores
    parcel_volume: float       # bulk units carried in parcels
    store_units: np.ndarray    # (retailers,) items sold by each store
    hub_units: np.ndarray      # (n_hubs, K) items printed by each hub
    material_units: np.ndarray  # (K,) items' worth of material home printers used


def _per(keys: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(keys, weights=weights, minlength=size).astype(float)


def clear(model, supply: Supply, buys: Purchases) -> tuple[Cleared, list[Flow]]:
    """Split the step's purchases among firms; returns totals and the step's flows."""
    s, cat = model.scenario, model.categories
    hh = s.households_per_customer
    K, n_s = len(cat), model.n_segments
    c, k, ch = buys.customer, buys.category, buys.channel
    seg_k = model.segment_of.take(c) * K + k  # (segment, category) key of each purchase
    offer = supply.offer
    items = cat.items_per_purchase

    purchases = _per(k * 4 + ch, K * 4).reshape(K, 4) * hh
    units = purchases * items[:, None]
    spend = units * offer.price + purchases * offer.purchase_fee

    def seg_cat(i):  # purchases (segment, category) of the purchases i
        return _per(seg_k.take(i), n_s * K).reshape(n_s, K) * hh

    flows: list[Flow] = []
    outer = np.outer
    n_r, n_h = len(supply.retailers), len(supply.hubs)
    store_units, hub_units, material_units = np.zeros(n_r), np.zeros((n_h, K)), np.zeros(K)

    # Retail: producer -> logistician -> retailer -> customer segment.
    r = np.flatnonzero(ch == RETAIL)
    if len(r):
        k_r = k.take(r)
        types = model.store_of.shape[1]
        store = model.store_of.ravel().take(c.take(r) * types + cat.store_type.take(k_r))
        # purchases per (store, segment, category): every retail total is a sum of it
        bought = _per(store * (n_s * K) + seg_k.take(r), n_r * n_s * K).reshape(
            n_r, n_s, K) * hh
        u_store = bought.sum(1) * items
        store_units = u_store.sum(1)
        a = units[:, RETAIL, None] * supply.share_goods
        flows.append(Flow("goods", "producer", "logistician",
                          outer(a.sum(0), supply.bulk_split),
                          outer((a * supply.wholesale.T).sum(0), supply.bulk_split)))
        landed = supply.mean_wholesale(supply.share_goods) + supply.bulk_fee
        flows.append(Flow("goods", "logistician", "retailer", outer(supply.bulk_split,
                          store_units), outer(supply.bulk_split, u_store @ landed)))
        flows.append(Flow("goods", "retailer", "customers", bought @ items,
                          bought @ (offer.price[:, RETAIL] * items)))

    # Online: producer -> logistician -> customer segment (one parcel per purchase).
    o = np.flatnonzero(ch == ONLINE)
    if len(o):
        a = units[:, ONLINE, None] * supply.share_online
        paid = supply.wholesale.T * (1.0 + s.online_margin)  # (K, n_p) $ per item
        flows.append(Flow("parcel", "producer", "logistician",
                          outer(a.sum(0), supply.parcel_split),
                          outer((a * paid).sum(0), supply.parcel_split)))
        sk = seg_cat(o)
        item_price = offer.price[:, ONLINE] * items
        value = supply.parcel_split[:, None] * (sk @ item_price + (sk @ supply.parcel_fee.T).T)
        flows.append(Flow("parcel", "logistician", "customers",
                          outer(supply.parcel_split, sk @ items), value))

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
        sk = seg_cat(h) * items
        flows.append(Flow("design", "platform", "customers", outer(supply.platform_split,
                          sk.sum(1)), outer(supply.platform_split, sk @ supply.design_price)))
        # material for every attempt, failed ones included, at the household's printer
        k_h = k.take(h)
        attempts = retries(model.customers.printer.take(c.take(h)) - offer.printability.take(
            k_h), offer.failure_scale)
        used = _per(seg_k.take(h), n_s * K, attempts).reshape(n_s, K) * hh * items
        material_units = used.sum(0)
        spend[:, HOME_PRINT] += (material_units - units[:, HOME_PRINT]) * supply.material_price
        flows.append(Flow("material", "material_supplier", "customers",
                          outer(supply.material_split, used.sum(1)),
                          outer(supply.material_split, used @ supply.material_price)))
    if len(p):
        hub = model.hub_of.take(c.take(p))
        bought = _per(hub * (n_s * K) + seg_k.take(p), n_h * n_s * K).reshape(
            n_h, n_s, K) * hh
        u_hub = hub_units = bought.sum(1) * items
        flows.append(Flow("design", "platform", "print_hub", outer(supply.platform_split,
                          u_hub.sum(1)), outer(supply.platform_split, u_hub @ supply.design_price)))
        flows.append(Flow("print_job", "print_hub", "customers", bought @ items,
                          bought @ (offer.price[:, PRINT_SERVICE] * items)))

    sizes = {role: len(firms) for role, firms in model.firm_lists.items()}
    sizes["customers"] = n_s
    va = value_added(flows, sizes)
    bulk = float(units[:, RETAIL] @ cat.bulk)
    parcel = float(units[:, ONLINE] @ cat.bulk)
    return Cleared(units, spend, purchases, va, bulk, parcel, store_units, hub_units,
                   material_units), flows


def book_firms(model, supply: Supply, cleared: Cleared) -> None:
    """Post each firm's value added, variable costs and items handled for the step."""
    s, cat = model.scenario, model.categories
    units, va = cleared.units, cleared.value_added
    steps = s.steps_per_year

    # Producers, all at once (arrays over producers), then posted one by one.
    producers = supply.producers
    goods = units[:, RETAIL, None] * supply.share_goods        # (K, n_p) items
    online = units[:, ONLINE, None] * supply.share_online
    design = (units[:, HOME_PRINT] + units[:, PRINT_SERVICE])[:, None] * supply.share_design
    net_design = (1.0 - s.platform_commission) * supply.design_price
    made = goods + online
    made_units, made_cost = made.sum(axis=0), cat.unit_cost @ made
    on_demand = np.array([p.on_demand for p in producers], dtype=bool)
    premium = np.array([p.on_demand_premium() for p in producers])
    inventory = np.array([p.inventory for p in producers])
    inventory += (s.inventory_cover_months * made_units * steps / 12.0 - inventory) / steps
    holding = s.holding_cost / steps * inventory * made_cost / np.maximum(made_units, 1e-12)
    cost = np.where(on_demand, made_cost * (1.0 + premium), made_cost + holding)
    cost += supply.handling @ online
    online_price = supply.wholesale.T * (1.0 + s.online_margin)  # (K, n_p)
    online_margin = ((online_price - (cat.unit_cost + supply.handling)[:, None]) * online).sum(0)
    design_income = net_design @ design
    handled = (made_units + design.sum(axis=0)).tolist()
    made_units, cost = made_units.tolist(), cost.tolist()
    online_margin, design_income = online_margin.tolist(), design_income.tolist()
    value_added = va["producer"].tolist()
    for j, prod in enumerate(producers):
        if not prod.on_demand:
            prod.inventory = float(inventory[j])
        prod.goods_units_year += made_units[j]
        prod.online_profit_year += online_margin[j] - s.web_shop_cost / steps * \
            prod.sells_online
        prod.design_profit_year += design_income[j] - (
            s.design_catalogue_cost * prod.lines * prod.licenses_designs / steps)
        prod.book(value_added[j], cost[j] + prod.channel_fixed_cost() / steps, handled[j])

    margin = 1.0 + s.logistics_margin
    parcels = cleared.purchases[:, ONLINE]
    for i, lg in enumerate(supply.logisticians):
        share = supply.parcel_split[i]
        cost = (supply.bulk_split[i] * s.bulk_cost * cleared.bulk_volume
                + share * (parcels @ supply.parcel_fee[i]) / margin)
        lg.parcel_volume += (share * parcels.sum() * steps - lg.parcel_volume) / steps
        lg.book(va["logistician"][i], cost,
                supply.bulk_split[i] * units[:, RETAIL].sum() + share * units[:, ONLINE].sum())

    for i, shop in enumerate(supply.retailers):
        shop.book(va["retailer"][i], 0.0, cleared.store_units[i])
    printed = units[:, HOME_PRINT] + units[:, PRINT_SERVICE]
    for i, pf in enumerate(supply.platforms):
        sold = printed.sum() * supply.platform_split[i]
        pf.book(va["platform"][i], 0.0, sold)
        pf.grow_catalogue(supply.platform_split[i])
    for i, hub in enumerate(supply.hubs):  # material, machine time and failed prints
        made = cleared.hub_units[i]
        hub.book(va["print_hub"][i], made @ supply.hub_cost, made.sum())
    for i, sup in enumerate(supply.suppliers):
        sold = cleared.material_units * supply.material_split[i]
        sup.book(va["material_supplier"][i], sold @ cat.material_cost, sold.sum())
