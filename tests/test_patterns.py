"""The six baseline patterns of the core model (pattern-oriented modelling, Grimm et al. 2005).

Each runs the documented baseline (1990-2050, monthly, 2,000 customers) on several seeds.
"""

from __future__ import annotations

import pytest

from market_abm import MarketModel, load_scenario

SEEDS = (1, 2, 3)


def yearly_run(seed: int, **overrides):
    scenario = load_scenario("baseline", overrides)
    model = MarketModel(scenario, rng=seed)
    model.run_for(scenario.n_steps)
    return model.timeseries.groupby("year").mean(numeric_only=True), model


@pytest.fixture(scope="module", params=SEEDS)
def baseline(request):
    return yearly_run(request.param)


pytestmark = pytest.mark.slow


def test_1_retail_dominates_before_the_internet(baseline):
    y, model = baseline
    before = y.loc[: model.scenario.internet_start_year - 1, "share_retail"]
    assert (before >= 0.95).all()


def test_2_online_is_slow_then_keeps_rising(baseline):
    y, model = baseline
    start = model.scenario.internet_start_year
    assert (y.loc[start: start + 9, "share_online"] < 0.05).all()
    online = y["share_online"]
    blocks = [online.loc[a: a + 4].mean() for a in range(start + 10, 2030, 5)]
    assert all(later > earlier for earlier, later in zip(blocks, blocks[1:], strict=False))


def test_3_printing_is_late_and_spreads_small_objects_first(baseline):
    y, model = baseline
    printed = y["share_home_print"] + y["share_print_service"]
    assert (printed.loc[:2014] < 0.02).all()
    assert printed.loc[2050] > 0.10
    cats = model.categories
    first_year = {}
    for name in cats.names:
        over = y.index[y[f"printed_share_{name}"] > 0.05]
        first_year[name] = over.min() if len(over) else 10_000
    order = [first_year[n] for n in cats.names]  # names sorted by printability
    assert first_year[cats.names[0]] < first_year[cats.names[-1]]
    assert order[:4] == sorted(order[:4]) or max(order[:4]) <= min(order[4:])


def test_4_retailers_and_logistics_volume_shrink(baseline):
    y, _ = baseline
    assert y.loc[2050, "active_retailers"] <= 0.7 * y.loc[2000, "active_retailers"]
    volume = y["logistics_volume_per_unit"]
    assert volume.loc[2046:2050].mean() < volume.loc[1996:2000].mean()


def test_5_platforms_and_hubs_appear(baseline):
    y, _ = baseline
    assert y.loc[1990, "active_platforms"] == 0 and y.loc[1990, "active_print_hubs"] == 0
    assert y.loc[2050, "active_platforms"] >= 1 and y.loc[2050, "active_print_hubs"] >= 1


@pytest.mark.parametrize("seed", SEEDS)
def test_6_no_capability_growth_keeps_home_printing_marginal(seed):
    y, _ = yearly_run(seed, printer_capability_growth=0.0)
    assert (y["share_home_print"] <= 0.01).all()
