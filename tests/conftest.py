"""Shared fixtures: small scenarios that exercise every channel quickly."""

from __future__ import annotations

import pytest

from market_abm import MarketModel, load_scenario


def fast_scenario(**overrides):
    """A short run where internet, printers, platforms and hubs all appear within years."""
    values = dict(n_customers=400, n_retailers=20, n_producers=8, n_logisticians=4,
                  start_year=2020, end_year=2027, internet_start_year=2020,
                  internet_p=0.3, printer_capability_start=0.6, pro_capability_lead_years=5,
                  printer_price_start=2000.0, evaluation_sample=300, bass_p=0.2,
                  # a fifth of the baseline market, so a fifth of its fixed costs
                  population_households=40_000, producer_fixed_cost=30_000.0,
                  retailer_fixed_cost=44_000.0, logistician_fixed_cost=8_000.0,
                  platform_fixed_cost=8_000.0, hub_fixed_cost=5_000.0,
                  conversion_cost=5_000.0)
    values.update(overrides)
    return load_scenario("baseline", values)


@pytest.fixture(scope="session")
def fast_run():
    """One finished fast run, shared by the invariant tests."""
    model = MarketModel(fast_scenario(), rng=11)
    model.run_for(model.scenario.n_steps)
    return model
