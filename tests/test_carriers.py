"""Carriers: a region left without one is a market a carrier enters, not an absorbing state."""

from __future__ import annotations

import numpy as np

from market_abm import MarketModel
from market_abm.agents.logisticians import Logistician
from market_abm.evaluation import Outlook
from market_abm.market import ONLINE, RETAIL
from tests.conftest import fast_scenario


def test_a_region_without_carriers_gets_one_back(monkeypatch):
    """With no carrier, stores and web shops cannot sell (their volumes are zero), so an
    entry rule on current volumes would never bring one back (the 'takeover' runs of the
    first discovery ensemble were such collapses). The entrant plans on what stores and web
    shops would sell if it delivered, and retail goes on."""
    model = MarketModel(fast_scenario(), rng=3)
    outlook = Outlook.take(model)
    assert outlook.carried(model)[:, RETAIL].sum() > 0.0
    monkeypatch.setattr(Logistician, "review",
                        lambda self, outlook: self.leave("the test: every carrier leaves"))
    model.run_for(model.scenario.steps_per_year)  # every carrier leaves at the review
    monkeypatch.undo()
    ts = model.timeseries
    assert ts["exits_logistician"].iloc[-1] == model.scenario.n_logisticians
    assert ts["entries_logistician"].iloc[-1] >= 1
    assert model.firm_lists["logistician"]
    model.run_for(1)
    assert model.timeseries["share_retail"].iloc[-1] > 0.0
    # the rule on current volumes alone would see nothing to carry
    model.firm_lists["logistician"] = []
    assert Outlook.take(model).current[:, [RETAIL, ONLINE]].sum() == 0.0

def test_carriers_enter_on_parcels_while_some_remain():
    """With incumbents the rule is unchanged: the baseline market's four carriers see no
    entrant in the first year (entry on parcels; bulk is theirs)."""
    model = MarketModel(fast_scenario(), rng=3)
    model.run_for(model.scenario.steps_per_year)
    assert np.all(model.timeseries["entries_logistician"].fillna(0) == 0)
