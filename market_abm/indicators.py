"""The per-step indicators: one row of the run's timeseries."""

from __future__ import annotations

import numpy as np

from market_abm.clearing import Cleared
from market_abm.market import CHANNELS, HOME_PRINT, PRINT_SERVICE
from market_abm.pricing import Supply

ROLES = ("producer", "retailer", "logistician", "platform", "print_hub")


def step_row(model, supply: Supply, cleared: Cleared) -> dict:
    """Channel shares, firm counts, technology, revenue shares and per-category printing."""
    s, pop, cat = model.scenario, model.customers, model.categories
    units = cleared.units
    total = units.sum()
    by_channel = units.sum(axis=0)
    row = {"step": model.step_index(), "year": model.year, "month": model.month + 1}
    spend_by_channel = cleared.spend.sum(axis=0)
    spent = spend_by_channel.sum()
    for c, name in enumerate(CHANNELS):
        row[f"share_{name}"] = by_channel[c] / total if total > 0 else 0.0
    for c, name in enumerate(CHANNELS):  # shares of money spent, as retail statistics count
        row[f"spend_share_{name}"] = spend_by_channel[c] / spent if spent > 0 else 0.0
    for role in ROLES:
        row[f"active_{role}s"] = len(model.firm_lists[role])
    row.update(
        printer_owner_share=float(pop.owners.mean()),
        internet_share=float(pop.internet.mean()),
        printer_capability=model.capability,
        pro_capability=model.pro_capability,
        printer_price=model.printer_price,
        printers_bought=model.printers_bought * s.households_per_customer,
        units_sold=float(total),
        spend=float(cleared.spend.sum()),
        lost_purchases=model.lost_purchases * s.households_per_customer,
        logistics_volume_per_unit=cleared.logistics_volume / total if total > 0 else 0.0,
        mean_markup=float(np.mean([p.markup for p in supply.producers])) if supply.producers
        else 0.0,
        on_demand_producers=sum(p.on_demand for p in supply.producers),
        online_producers=sum(p.sells_online for p in supply.producers),
        licensing_producers=sum(p.licenses_designs for p in supply.producers),
        pivoted_logisticians=sum(lg.pivoted for lg in supply.logisticians),
    )
    spend = cleared.spend.sum()
    for role in ROLES:
        va = cleared.value_added[role].sum()
        row[f"revenue_share_{role}"] = va / spend if spend > 0 else 0.0
    printed = units[:, HOME_PRINT] + units[:, PRINT_SERVICE]
    per_cat = units.sum(axis=1)
    for k, name in enumerate(cat.names):
        row[f"printed_share_{name}"] = printed[k] / per_cat[k] if per_cat[k] > 0 else 0.0
    return row
