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
from market_abm.offer import Supply, spool_cost


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
    material_parcels: float    # parcels of material carried (no supplier: bought online)
    returns: float = 0.0       # parcels of returned online orders
    orders_market: np.ndarray | None = None  # (n_m, K) online orders on each marketplace
    order_parcels: float = 0.0  # parcels of the step's online orders

    @property
    def parcels(self) -> float:
        """Parcels carried in the step: those of the online orders (one per web-shop order,
        one per item of a marketplace order), the returns of online orders (``returns``) and
        the material bought online."""
        return self.order_parcels + self.returns + self.material_parcels


def _per(keys: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(keys, weights=weights, minlength=size).astype(float)


def clear(model, supply: Supply, buys: Purchases) -> tuple[Cleared, list[Flow]]:
    """Split the step's purchases among firms; returns totals and the step's flows."""
    s, cat = model.scenario, model.categories
    # real occasions per simulated decision of each category: households x batch
    hh = s.households_per_customer * cat.batch(s.decisions_per_category)
    K, n_s = len(cat), model.n_segments
    c, k, ch = buys.customer, buys.category, buys.channel
    seg_k = model.segment_of.take(c) * K + k  # (segment, category) key of each purchase
    offer = supply.offer
    items = cat.items_per_purchase

    purchases = _per(k * 4 + ch, K * 4).reshape(K, 4) * hh[:, None]
    units = purchases * items[:, None]
    spend = units * offer.price + purchases * offer.purchase_fee

    def seg_cat(i):  # purchases (segment, category) of the purchases i
        return _per(seg_k.take(i), n_s * K).reshape(n_s, K) * hh

    flows: list[Flow] = []
    outer = np.outer
    n_r, n_h = len(supply.retailers), len(supply.hubs)
    store_units, hub_units, material_units = np.zeros(n_r), np.zeros((n_h, K)), np.zeros(K)
    material_parcels = 0.0

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

    # Online (one parcel per order). Web shops' part: producer -> logistician -> customers;
    # each marketplace's part: logistician -> marketplace (delivery, paid by the
    # marketplace) -> customers (members of a marketplace pay no fee on its orders).
    o = np.flatnonzero(ch == ONLINE)
    split, n_m = supply.online_split, len(supply.marketplaces)
    parcels = 0.0  # parcels of online orders (an order of several sellers makes several)
    orders_market, waived = np.zeros((n_m, K)), np.zeros((n_m, K))
    fee = offer.purchase_fee[:, ONLINE]  # mean over carriers, $ per order
    if len(o):
        web = units[:, ONLINE] * split[:, 0]
        a = web[:, None] * supply.share_online
        paid = supply.wholesale.T * (1.0 + s.online_margin)  # (K, n_p) $ per item
        flows.append(Flow("parcel", "producer", "logistician",
                          outer(a.sum(0), supply.parcel_split),
                          outer((a * paid).sum(0), supply.parcel_split)))
        sk = seg_cat(o)
        sk_web = sk * split[:, 0]
        item_price = supply.mean_wholesale(supply.share_online) * (1.0 + s.online_margin) * items
        value = supply.parcel_split[:, None] * (sk_web @ item_price
                                                + (sk_web @ supply.source_fee[:, :, 0].T).T)
        parcels = float(sk_web.sum(0) @ supply.parcels_per_order[:, 0])
        flows.append(Flow("parcel", "logistician", "customers",
                          outer(supply.parcel_split, sk_web @ items), value))
        if n_m:
            member = model.customers.member_of.take(c.take(o))
            k_o = k.take(o)
            market_price = supply.marketplace_price * items
            to_market, market_value = np.zeros((n_m, n_s)), np.zeros((n_m, n_s))
            carrier_value = np.zeros((len(supply.logisticians), n_m))
            for m in range(n_m):
                sk_m = sk * split[:, 1 + m]
                m_fee = supply.parcel_split @ supply.source_fee[:, :, 1 + m]  # $ per order
                mine = member == m + 1  # members of m: the share of the fee m waives
                w_m = _per(seg_k.take(o[mine]), n_s * K,
                           offer.member_discount[k_o[mine], 1 + m]).reshape(n_s, K) * hh
                orders_market[m], waived[m] = sk_m.sum(0), w_m.sum(0) * fee
                to_market[m] = sk_m @ items
                market_value[m] = sk_m @ (market_price + m_fee) - w_m @ fee
                carrier_value[:, m] = supply.parcel_split * (supply.source_fee[:, :, 1 + m]
                                                             @ orders_market[m])
                parcels += float(orders_market[m] @ supply.parcels_per_order[:, 1 + m])
            flows.append(Flow("parcel", "logistician", "marketplace",
                              outer(supply.parcel_split, to_market.sum(1)), carrier_value))
            flows.append(Flow("parcel", "marketplace", "customers", to_market, market_value))
            spend[:, ONLINE] -= waived.sum(0)

    # Designs for both printing channels: producer -> platform for licensed designs, and the
    # designs owners share (customers -> platform, free) for the rest.
    h, p = np.flatnonzero(ch == HOME_PRINT), np.flatnonzero(ch == PRINT_SERVICE)
    printed = units[:, HOME_PRINT] + units[:, PRINT_SERVICE]
    if printed.sum() > 0:
        a = (printed * supply.licensed_share)[:, None] * supply.share_design
        net = (1.0 - s.platform_commission) * supply.design_price
        flows.append(Flow("design", "producer", "platform",
                          outer(a.sum(0), supply.platform_split),
                          outer((a * net[:, None]).sum(0), supply.platform_split)))
        shared = seg_cat(np.concatenate([h, p])) * items @ (1.0 - supply.licensed_share)
        flows.append(Flow("design", "customers", "platform", outer(shared,
                          supply.platform_split), np.zeros((n_s, len(supply.platforms)))))
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
        if supply.material_by_parcel:  # bought online, delivered by the carriers
            material_parcels = float(material_units @ cat.material_cost) / \
                s.material_spool_price
            flows.append(Flow("material", "logistician", "customers",
                              outer(supply.parcel_split, used.sum(1)),
                              outer(supply.parcel_split, used @ supply.material_price)))
        else:
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
    returns = float(purchases[:, ONLINE] @ cat.parcels) * s.online_return_rate
    return Cleared(units, spend, purchases, va, bulk, parcel, store_units, hub_units,
                   material_units, material_parcels, returns, orders_market, parcels), flows


def book_firms(model, supply: Supply, cleared: Cleared) -> None:
    """Post each firm's value added, variable costs and items handled for the step."""
    s, cat = model.scenario, model.categories
    units, va = cleared.units, cleared.value_added
    steps = s.steps_per_year

    # Producers, all at once (arrays over producers), then posted one by one.
    producers = supply.producers
    goods = units[:, RETAIL, None] * supply.share_goods        # (K, n_p) items
    online = (units[:, ONLINE] * supply.online_split[:, 0])[:, None] * supply.share_online
    design = ((units[:, HOME_PRINT] + units[:, PRINT_SERVICE]) * supply.licensed_share)[
        :, None] * supply.share_design
    net_design = (1.0 - s.platform_commission) * supply.design_price
    made = goods + online
    made_units, made_cost = made.sum(axis=0), cat.unit_cost @ made
    on_demand = np.array([p.on_demand for p in producers], dtype=bool)
    premium = np.array([p.on_demand_premium() if p.on_demand else 0.0 for p in producers])
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
    # material bought online: its cost outside the region and its parcels' delivery cost
    material_cost = float(cleared.material_units @ cat.material_cost) \
        if supply.material_by_parcel else 0.0
    spool = spool_cost(s, supply.parcel_scale)
    for i, lg in enumerate(supply.logisticians):
        share = supply.parcel_split[i]
        cost = (supply.bulk_split[i] * s.bulk_cost * cleared.bulk_volume
                + share * (parcels @ supply.parcel_fee[i]) / margin
                + share * (material_cost + cleared.material_parcels * spool[i]))
        carried = share * cleared.parcels
        lg.parcel_volume += (carried * steps - lg.parcel_volume) / steps
        lg.book(va["logistician"][i], cost,
                supply.bulk_split[i] * units[:, RETAIL].sum() + share * units[:, ONLINE].sum())

    for shop, value, sold in zip(supply.retailers, va["retailer"].tolist(),
                                 cleared.store_units.tolist(), strict=True):
        shop.book(value, 0.0, sold)
    for m, mp in enumerate(supply.marketplaces):  # sellers are paid their sales less the cut
        mp.book_step(va["marketplace"][m], cleared.orders_market[m] * cat.items_per_purchase,
                     cleared.orders_market[m], cleared.purchases[:, ONLINE], supply)
    printed = units[:, HOME_PRINT] + units[:, PRINT_SERVICE]
    for i, pf in enumerate(supply.platforms):
        sold = printed.sum() * supply.platform_split[i]
        pf.book(va["platform"][i], 0.0, sold)
        pf.grow_catalogue(supply.platform_split[i])
    for hub, value, made in zip(supply.hubs, va["print_hub"].tolist(), cleared.hub_units,
                                strict=True):  # material, machine time and failed prints
        hub.book(value, float(made @ supply.hub_cost), float(made.sum()))
    for i, sup in enumerate(supply.suppliers):
        sold = cleared.material_units * supply.material_split[i]
        sup.book(va["material_supplier"][i], sold @ cat.material_cost, sold.sum())
