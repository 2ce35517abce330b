"""The baseline patterns (market_abm/patterns.py) on several seeds, and alternatives that fail
them: a pattern that no alternative model can fail would be no evidence.

Each run is the documented baseline (1990-2050, monthly, 2,000 customers); pattern 5b is
checked on its own run with the capability frontier frozen in 2020.
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
    return yearly(model.timeseries)


@pytest.fixture(scope="module", params=SEEDS)
def baseline(request):
    return yearly_run(request.param)


@pytest.mark.parametrize("name", list(patterns.BASELINE))
def test_baseline_reproduces(baseline, name):
    assert patterns.BASELINE[name](baseline), name


@pytest.mark.parametrize("seed", SEEDS)
def test_frozen_capability_keeps_printing_a_niche(seed):
    y = yearly_run(seed, capability_freeze_year=patterns.FREEZE_YEAR)
    assert patterns.printing_stays_niche_if_frozen(y)
    assert not patterns.printing_late_then_spreading(y)  # ... so 5 rejects a frozen frontier


@pytest.mark.parametrize("alternative", list(patterns.ALTERNATIVES))
def test_each_alternative_fails_its_patterns(alternative):
    overrides, failed = patterns.ALTERNATIVES[alternative]
    found = patterns.baseline_patterns(yearly_run(1, **overrides))
    for name in failed:
        assert not found[name], f"{alternative} should fail: {name}"
