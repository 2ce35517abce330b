"""The per-step indicators: one row of the run's timeseries (columns in docs/model.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from market_abm.agents import FIRM_ROLES
from market_abm.clearing import Cleared
from market_abm.market import CHANNELS, HOME_PRINT, ONLINE, PRINT_SERVICE
from market_abm.offer import Supply

# Columns of the yearly review's events (counts in December rows, 0 in the other months).
EVENT_PREFIXES = ("exits_", "entries_", "conversions_", "pivots_")


def yearly(timeseries: pd.DataFrame) -> pd.DataFrame:
    """One row per calendar year: the mean of each numeric column, except the yearly
    review's event counts (EVENT_PREFIXES), which are summed."""
    by_year = timeseries.groupby("year")
    frame = by_year.mean(numeric_only=True)
    events = [c for c in frame.columns if c.startswith(EVENT_PREFIXES)]
    frame[events] = by_year[events].sum()
    return frame


def step_row(model, supply: Supply, cleared: Cleared) -> dict:
    """Channel shares, firm counts, technology, revenue shares and per-category shares."""
    s, pop, cat = model.scenario, model.customers, model.categories
    hh = s.households_per_customer
    units, spend = cleared.units, cleared.spend
    total = units.sum()
    by_channel = units.sum(axis=0)
    row = {"step": model.step_index(), "year": model.year, "month": model.month + 1}
    spend_by_channel = spend.sum(axis=0)
    retail_sales = spend_by_channel.sum()  # every kind of retail goods is modelled
    for c, name in enumerate(CHANNELS):
        row[f"share_{name}"] = by_channel[c] / total if total > 0 else 0.0
    for c, name in enumerate(CHANNELS):  # shares of all retail sales, as the Census counts
        row[f"spend_share_{name}"] = spend_by_channel[c] / retail_sales if retail_sales > 0 \
            else 0.0
    for role in FIRM_ROLES:
        row[f"active_{role}s"] = len(model.firm_lists[role])
    stores = np.bincount([r.store_type for r in supply.retailers],
                         minlength=len(cat.stores))
    for t, name in enumerate(cat.stores.names):
        row[f"active_stores_{name}"] = int(stores[t])
    households = s.population_households
    owners = int(np.count_nonzero(pop.owners))
    row.update(
        printer_owner_share=owners / pop.n,
        maker_share=float(pop.makers.mean()),
        internet_share=float(pop.internet.mean()),
        smartphone_share=float(pop.smartphone.mean()),
        printer_capability=model.capability,
        pro_capability=model.pro_capability,
        printer_price=model.printer_price,
        world_printers=model.world_printers,
        printers_bought=pop.printers_bought * hh / households * 1000.0 * s.steps_per_year,
        home_prints_per_owner=float(units[:, HOME_PRINT].sum()) * s.steps_per_year
        / (owners * hh) if owners else 0.0,
        units_sold=float(total),
        spend=float(spend.sum()),
        lost_purchases=pop.lost_purchases * hh,
        carrier_volume_per_unit=(cleared.bulk_volume + cleared.parcel_volume) / total
        if total > 0 else 0.0,
        parcels_per_household=cleared.parcels / households * s.steps_per_year,
        delivery_days=float(supply.offer.delay[0, ONLINE]),
        design_coverage=float(supply.offer.findable[cat.printable].mean()),
        mean_markup=float(np.mean([p.markup for p in supply.producers])) if supply.producers
        else 0.0,
        on_demand_producers=sum(p.on_demand for p in supply.producers),
        online_producers=sum(p.sells_online for p in supply.producers),
        licensing_producers=sum(p.licenses_designs for p in supply.producers),
        depots=sum(lg.depots for lg in supply.logisticians),
    )
    spent = spend.sum()
    for role in FIRM_ROLES:
        va = cleared.value_added[role].sum()
        row[f"revenue_share_{role}"] = va / spent if spent > 0 else 0.0
    printed = units[:, HOME_PRINT] + units[:, PRINT_SERVICE]
    per_cat = units.sum(axis=1)
    # the shopping goods (model 2's categories): the items printing can compete for
    shopping = cat.shopping > 0
    row["printed_share_shopping"] = (float(printed[shopping].sum() / per_cat[shopping].sum())
                                     if per_cat[shopping].sum() > 0 else 0.0)
    spend_cat = spend.sum(axis=1)
    for k, name in enumerate(cat.names):
        row[f"printed_share_{name}"] = printed[k] / per_cat[k] if per_cat[k] > 0 else 0.0
        row[f"spend_share_online_{name}"] = (spend[k, ONLINE] / spend_cat[k]
                                             if spend_cat[k] > 0 else 0.0)
        row[f"online_variety_{name}"] = float(supply.online_coverage[k])
    return row
