"""Shared fixtures: small scenarios that exercise every channel quickly."""

from __future__ import annotations

import pytest

from market_abm import MarketModel, load_scenario


def fast_scenario(**overrides):
    """A short run where internet, online sellers, marketplaces, printers, platforms, hubs and
    material suppliers all appear within a few years (a fifth of the baseline market, so a fifth of
    its fixed costs)."""
    values = dict(n_customers=400, n_producers=8, n_logisticians=4,
                  start_year=2020, end_year=2027, internet_start_year=2020,
                  internet_p=0.5, printer_capability_start=0.6, pro_capability_lead_years=5,
                  printer_price_start=1000.0, world_printers_start=1e6, maker_share=0.2,
                  evaluation_sample=300, bass_p=0.3, population_households=40_000,
                  store_cost_scale=0.2, producer_fixed_cost=30_000.0,
                  online_seller_fixed_cost=100_000.0, logistician_fixed_cost=50_000.0,
                  depot_cost=20_000.0, platform_fixed_cost=2_000.0, hub_fixed_cost=5_000.0,
                  material_supplier_fixed_cost=5_000.0, conversion_cost=5_000.0,
                  designer_fixed_cost=20_000.0, designs_per_owner=2.0,
                  marketplace_fixed_cost=100_000.0)
    values.update(overrides)
    return load_scenario("baseline", values)


@pytest.fixture(scope="session")
def fast_run():
    """One finished fast run, shared by the invariant tests."""
    model = MarketModel(fast_scenario(), rng=11)
    model.run_for(model.scenario.n_steps)
    return model
