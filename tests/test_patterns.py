"""The six baseline patterns of the core model on several seeds (see market_abm/patterns.py).

Each run is the documented baseline (1990-2050, monthly, 2,000 customers).
"""

from __future__ import annotations

import pytest

from market_abm import MarketModel, load_scenario, patterns
from market_abm.indicators import yearly

SEEDS = (1, 2, 3)
pytestmark = pytest.mark.slow


def yearly_run(seed: int, **overrides):
    scenario = load_scenario("baseline", overrides)
    model = MarketModel(scenario, rng=seed)
    model.run_for(scenario.n_steps)
    return yearly(model.timeseries), model


@pytest.fixture(scope="module", params=SEEDS)
def baseline(request):
    return yearly_run(request.param)


def test_1_retail_dominates_before_the_internet(baseline):
    y, model = baseline
    assert patterns.retail_dominant_before_internet(y, model.scenario)


def test_2_online_is_slow_then_keeps_rising(baseline):
    y, model = baseline
    assert patterns.online_slow_then_rising(y, model.scenario)


def test_3_printing_is_late_and_spreads_small_objects_first(baseline):
    y, model = baseline
    assert patterns.printing_late_then_spreading(y, model.scenario, model.categories)


def test_4_retailers_and_logistics_volume_shrink(baseline):
    y, model = baseline
    assert patterns.intermediaries_shrink(y, model.scenario)


def test_5_platforms_and_hubs_appear(baseline):
    y, model = baseline
    assert patterns.new_intermediaries_appear(y, model.scenario)


@pytest.mark.parametrize("seed", SEEDS)
def test_6_no_capability_growth_keeps_home_printing_marginal(seed):
    y, model = yearly_run(seed, printer_capability_growth=0.0)
    assert patterns.home_printing_marginal(y, model.scenario)


def test_checks_can_fail():
    """A run without internet or printing fails the patterns that need them."""
    y, model = yearly_run(1, n_customers=300, internet_start_year=2060,
                          printer_capability_growth=0.0)
    found = patterns.baseline_patterns(y, model.scenario, model.categories)
    assert not found["2 online slow, then rising"]
    assert not found["3 printing late, small objects first"]
    assert not found["5 platforms and hubs appear"]
