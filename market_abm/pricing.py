"""Supply side of one step: firms' prices and market splits, and the offer customers see.

Producer prices are unit cost times (1 + markup); a category's producers split its units by a
logit on price (the same sensitivity customers use between channels). Carriers split parcels by
their own parcel fee, which falls with their volume (density economies); bulk goes to the
carriers that still serve stores; material to the carriers that pivoted to it, if any.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market_abm.market import HOME_PRINT, ONLINE, PRINT_SERVICE, RETAIL, Offer, retries


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


def even_split(mask: np.ndarray) -> np.ndarray:
    """Equal shares over the True entries of ``mask`` (all zeros if none)."""
    count = mask.sum()
    return mask / count if count else np.zeros(len(mask))


@dataclass
class Supply:
    """Firm lists (fixed within a year) and the step's prices ($/unit) and market splits."""

    producers: list
    logisticians: list
    retailers: list
    platforms: list
    hubs: list
    wholesale: np.ndarray       # (n_p, K) producer price
    share_goods: np.ndarray     # (K, n_p) producer shares of retail units
    share_online: np.ndarray    # (K, n_p) producer shares of online units
    share_design: np.ndarray    # (K, n_p) producer shares of design sales
    bulk_fee: np.ndarray        # (K,) carrier fee per unit delivered to stores
    bulk_split: np.ndarray      # (n_l,)
    parcel_fee: np.ndarray      # (n_l, K)
    parcel_split: np.ndarray    # (n_l,)
    parcel_scale: np.ndarray    # (n_l,) parcel cost multiple from each carrier's volume
    material_price: np.ndarray  # (K,) material for one printed unit, delivered
    material_split: np.ndarray  # (n_l,)
    platform_split: np.ndarray  # (n_pf,)
    design_price: np.ndarray    # (K,)
    hub_cost: np.ndarray        # (K,) print hub cost per good print (material, machine, retries)
    hub_fee: np.ndarray         # (K,) print hub price on top of the design
    offer: Offer

    def mean_wholesale(self, shares: np.ndarray) -> np.ndarray:
        """Share-weighted producer price per category (K,)."""
        return (shares * self.wholesale.T).sum(axis=1)


def parcel_scale(volume: np.ndarray, scenario) -> np.ndarray:
    """Parcel cost multiple of each carrier from its yearly parcel volume (real parcels)."""
    ratio = np.maximum(volume, 1.0) / scenario.parcel_reference_volume
    return np.minimum(ratio ** -scenario.parcel_scale_elasticity, scenario.parcel_cost_cap)


def build_supply(model) -> Supply:
    """Prices, splits and the customer-facing offer from the current firm states."""
    s, cat = model.scenario, model.categories
    producers, logisticians = model.firm_lists["producer"], model.firm_lists["logistician"]
    retailers, platforms, hubs = (model.firm_lists["retailer"], model.firm_lists["platform"],
                                  model.firm_lists["print_hub"])
    K, ref = len(cat), model.ref_price
    n_l = len(logisticians)

    makes = np.array([p.makes for p in producers], dtype=bool).reshape(len(producers), K)
    markup = np.array([p.markup for p in producers])
    wholesale = cat.unit_cost[None, :] * (1.0 + markup[:, None])
    online_ok = makes & np.array([p.sells_online for p in producers], dtype=bool)[:, None]
    design_ok = makes & np.array([p.licenses_designs for p in producers], dtype=bool)[:, None]
    share_goods = price_shares(wholesale, makes, s.price_sensitivity, ref)
    share_online = price_shares(wholesale, online_ok, s.price_sensitivity, ref)
    share_design = price_shares(wholesale, design_ok, s.price_sensitivity, ref)

    margin = 1.0 + s.logistics_margin
    bulk_fee = s.bulk_cost * cat.bulk * margin
    pivoted = np.array([lg.pivoted for lg in logisticians], dtype=bool)
    bulk_split = even_split(~pivoted) if (~pivoted).any() else even_split(pivoted)
    scale = parcel_scale(np.array([lg.parcel_volume for lg in logisticians]), s)
    parcel_fee = (s.parcel_cost * scale[:, None] + s.parcel_bulk_cost * cat.bulk[None, :]) * margin
    parcel_split = (price_shares(parcel_fee[:, :1], np.ones((n_l, 1), bool), s.price_sensitivity,
                                 ref[:1])[0] if n_l else np.zeros(0))
    material_split = even_split(pivoted) if pivoted.any() else even_split(np.ones(n_l, bool))
    material_price = (cat.material_cost * (1.0 + s.material_margin)
                      + s.parcel_bulk_cost * s.material_bulk * cat.bulk * margin)

    weight = np.array([pf.catalogue for pf in platforms]) ** s.network_effect
    platform_split = weight / weight.sum() if len(platforms) else np.zeros(0)
    design_price = s.design_price_share * ref
    machine = s.machine_cost_per_hour * cat.print_hours / s.pro_speedup
    pro_retries = retries(model.pro_capability - cat.printability, s.print_failure_scale)
    hub_cost = (material_price + machine) * pro_retries
    hub_fee = hub_cost * (1.0 + s.hub_margin)

    w_goods = (share_goods * wholesale.T).sum(axis=1)
    w_online = (share_online * wholesale.T).sum(axis=1)
    price = np.zeros((K, 4))
    price[:, RETAIL] = (w_goods + bulk_fee) * (1.0 + s.retail_margin)
    price[:, ONLINE] = w_online + parcel_split @ parcel_fee
    price[:, HOME_PRINT] = design_price + material_price
    price[:, PRINT_SERVICE] = design_price + hub_fee

    on_demand = np.array([p.on_demand for p in producers], dtype=float)
    fit = np.zeros((K, 4))
    fit[:, ONLINE] = 0.5 * (share_online * on_demand[None, :]).sum(axis=1)
    fit[:, HOME_PRINT] = fit[:, PRINT_SERVICE] = 1.0
    delay = np.zeros((K, 4))
    delay[:, ONLINE] = s.online_delay_days * (parcel_split @ scale if n_l else 1.0)
    delay[:, HOME_PRINT] = cat.print_hours / 24.0
    delay[:, PRINT_SERVICE] = s.print_service_delay_days

    has_carrier = n_l > 0
    designs = design_ok.any(axis=0) & bool(len(platforms)) & has_carrier
    open_ = np.zeros((K, 4), dtype=bool)
    open_[:, RETAIL] = makes.any(axis=0) & bool(len(retailers)) & has_carrier
    open_[:, ONLINE] = online_ok.any(axis=0) & has_carrier
    open_[:, HOME_PRINT] = designs
    open_[:, PRINT_SERVICE] = designs & bool(len(hubs)) & (cat.printability
                                                           <= model.pro_capability)
    offer = Offer(price=price, delay=delay, fit=fit, open=open_, ref_price=ref,
                  personalisation=cat.personalisation, printability=cat.printability,
                  pro_capability=model.pro_capability,
                  material=material_price, print_effort=s.home_print_effort,
                  failure_scale=s.print_failure_scale)
    return Supply(producers, logisticians, retailers, platforms, hubs, wholesale, share_goods,
                  share_online, share_design, bulk_fee, bulk_split, parcel_fee, parcel_split,
                  scale, material_price, material_split, platform_split, design_price, hub_cost,
                  hub_fee,
                  offer)
