"""Multi-material printing: printable shares that widen with capability (scenario
``multi_material_reach``, ``multi_material_threshold``; ``Categories.with_multi_material``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from market_abm import MarketModel
from market_abm.categories import load_categories
from tests.conftest import fast_scenario

CAT = load_categories()


def test_reach_zero_is_todays_table():
    for capability in (0.0, 0.5, 0.99, 1.0):
        assert CAT.with_multi_material(capability, 0.0, 0.85) is CAT


def test_shares_widen_from_the_threshold_to_the_table_maximum():
    below = CAT.with_multi_material(0.84, 1.0, 0.85).printable_share
    assert np.array_equal(below, CAT.printable_share)
    full = CAT.with_multi_material(1.0, 1.0, 0.85).printable_share
    assert np.allclose(full, CAT.printable_share_max)
    half = CAT.with_multi_material(1.0, 0.5, 0.85).printable_share
    assert np.allclose(half, (CAT.printable_share + CAT.printable_share_max) / 2)
    # monotone in capability, never past the maximum
    caps = np.linspace(0.8, 1.0, 21)
    shares = np.array([CAT.with_multi_material(c, 0.7, 0.85).printable_share for c in caps])
    assert (np.diff(shares, axis=0) >= 0).all() and (shares <= CAT.printable_share_max).all()
    # a category above the threshold opens from its own printability
    k = CAT.index("electronics")
    assert CAT.printability[k] < 0.85 or CAT.with_multi_material(
        (CAT.printability[k] + 1) / 2, 1.0, 0.5).printable_share[k] > 0


def test_media_never_print_and_new_categories_become_printable():
    full = CAT.with_multi_material(1.0, 1.0, 0.85)
    for name in ("books", "music_video"):
        assert full.printable_share[CAT.index(name)] == 0 and not full.printable[CAT.index(name)]
    for name in ("clothing", "electronics", "tools_garden"):
        k = CAT.index(name)
        assert not CAT.printable[k] and full.printable[k]


def test_table_order_keeps_unprintable_categories_last():
    printable = CAT.printable
    assert printable[: printable.sum()].all()
    assert (np.diff(CAT.printability[printable]) >= 0).all()


def printed_clothing(reach: float) -> tuple[pd.Series, MarketModel]:
    model = MarketModel(fast_scenario(printer_capability_start=0.9, multi_material_reach=reach,
                                      end_year=2025), rng=3)
    model.run_for(model.scenario.n_steps)
    return model.timeseries["printed_share_clothing"], model


@pytest.mark.parametrize("reach", [0.0, 1.0])
def test_clothing_is_printed_only_with_multi_material_reach(reach):
    clothing, model = printed_clothing(reach)
    if reach == 0:
        assert (clothing == 0).all()
        assert (model.categories.printable_share == model.base_categories.printable_share).all()
    else:
        assert clothing.iloc[-12:].mean() > 0.01
        k = model.categories.index("clothing")
        assert model.categories.printable_share[k] > 0 == model.base_categories.printable_share[k]
