"""The firms' what-ifs: reusing the sampled customers' utilities under the current offer
(evaluation.SampleChoice) must give exactly the estimate a full computation gives, for every
what-if the yearly review asks."""

from __future__ import annotations

import numpy as np
import pytest

from market_abm import MarketModel
from market_abm.evaluation import (
    PRINTING,
    Outlook,
    carried_offer,
    expected_units,
    printing_offer,
    with_open,
)
from market_abm.market import ONLINE, PRINT_SERVICE, RETAIL
from tests.conftest import fast_scenario


@pytest.fixture(scope="module")
def reviewed():
    """A model in 2026, when every channel is open somewhere, members and hubs included
    (membership_fee set where a membership pays), and the outlook of its review."""
    s = fast_scenario(membership_fee=30.0)
    model = MarketModel(s, rng=5)
    model.run_for((2026 - s.start_year) * s.steps_per_year)
    return model, Outlook.take(model)


def what_ifs(model, outlook):
    """(name, offer, customers, categories, travel, member_of, changed) of each what-if."""
    supply, sample = outlook.supply, outlook.sample
    cat, pop = model.categories, model.customers
    part = sample[::3]
    ks = np.flatnonzero(cat.store_type == cat.store_type[0])
    trip = model.trip_cost(np.hypot(pop.x[part] - 1.0, pop.y[part] - 2.0))
    printable = np.flatnonzero(cat.printable)
    makers = np.ones(len(cat), dtype=bool)
    yield "store site", supply.offer, part, ks, {"store": trip}, None, (RETAIL,)
    yield ("hub site", printing_offer(model, supply, outlook.coverage, hubs=True), part,
           printable, {"hub": trip}, None, PRINTING)
    yield "web shops", with_open(supply.offer, ONLINE, makers), sample, None, None, None, (
        ONLINE,)
    yield "carrier", carried_offer(model, supply), sample, None, None, None, (RETAIL, ONLINE)
    for member in (0, 1):
        yield (f"membership {member}", supply.offer, part, None, None,
               np.full(len(part), member), (ONLINE,))


def test_a_what_if_on_the_shared_utilities_equals_the_full_computation(reviewed):
    model, outlook = reviewed
    assert (model.customers.member_of > 0).any(), "the fixture must hold members"
    assert outlook.supply.hubs, "the fixture must hold print hubs"
    for name, offer, customers, ks, travel, member_of, changed in what_ifs(model, outlook):
        full = expected_units(model, offer, customers, ks, travel, member_of)
        shared = expected_units(model, offer, customers, ks, travel, member_of,
                                base=outlook.base, changed=changed)
        assert full.sum() > 0, name
        assert np.array_equal(full, shared), name


def test_a_channel_left_out_of_changed_gives_a_wrong_estimate(reviewed):
    """The check above can fail: declaring that a store at a new site changes nothing
    keeps the old trips and a different estimate."""
    model, outlook = reviewed
    name, offer, customers, ks, travel, member_of, _ = next(what_ifs(model, outlook))
    full = expected_units(model, offer, customers, ks, travel, member_of)
    stale = expected_units(model, offer, customers, ks, travel, member_of,
                           base=outlook.base, changed=(PRINT_SERVICE,))
    assert not np.array_equal(full, stale)
