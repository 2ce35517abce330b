"""Regime and timing outputs (market_abm.regimes) of hand-built yearly tables and a real run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from market_abm.cli import main
from market_abm.network import INTERMEDIARY_ROLES
from market_abm.regimes import outcome_table, regime_3d, run_outcomes
from market_abm.runner import simulate
from market_abm.scenario import load_scenario
from market_abm.sweep import network_table, yearly_table

YEARS = list(range(1998, 2006))


def table(share_3d, stores=None, volume=None, years=YEARS, **extra) -> pd.DataFrame:
    """A yearly table: the 3D share of the shopping goods' items, stores and carriers' volume."""
    n = len(years)
    share = np.asarray(share_3d, dtype=float)
    return pd.DataFrame({"year": years, "printed_share_shopping": share,
                         "active_retailers": stores if stores is not None else [100.0] * n,
                         "carrier_volume_per_unit": volume if volume is not None
                         else [1.0] * n, **extra})


@pytest.mark.parametrize(("shares", "label"), [
    ([0.0] * 7 + [0.099], "niche"),
    ([0.0] * 7 + [0.10], "coexistence"),           # reaching 10 % is no longer a niche
    ([0.0, 0.2, 0.49, 0.3, 0.2, 0.2, 0.2, 0.2], "coexistence"),
    ([0.0, 0.2, 0.5, 0.3, 0.2, 0.2, 0.2, 0.2], "takeover"),  # passing 50 % once is enough
    ([0.0, 0.1, 0.3, 0.6, 0.8, 0.9, 0.9, 0.95], "takeover"),
])
def test_regime_labels(shares, label):
    assert run_outcomes(table(shares))["regime_3d"] == label


def test_regime_thresholds_can_change():
    share = pd.Series([0.0, 0.04, 0.06, 0.3], index=[2000, 2001, 2002, 2003])
    assert regime_3d(share) == "coexistence"
    assert regime_3d(share, niche=0.05) == "coexistence"
    assert regime_3d(share, niche=0.5, takeover=0.6) == "niche"
    assert regime_3d(share, niche=0.05, takeover=0.25) == "takeover"
    with pytest.raises(ValueError, match="niche < takeover"):
        regime_3d(share, niche=0.5, takeover=0.4)


def test_year_3d_passes_10pct_and_never_is_missing():
    out = run_outcomes(table([0.0, 0.02, 0.09, 0.11, 0.05, 0.2, 0.3, 0.3]))
    assert out["year_3d_passes_10pct"] == 2001.0  # first year at or above 10 %
    never = run_outcomes(table([0.0, 0.02, 0.09, 0.0999, 0.05, 0.0, 0.0, 0.0]))
    assert math.isnan(never["year_3d_passes_10pct"])


def test_year_stores_halve_against_the_2000_count():
    # 1998-1999 below half of 2000's count do not count: only years after 2000
    stores = [40.0, 45.0, 100.0, 80.0, 51.0, 50.0, 49.0, 30.0]
    assert run_outcomes(table([0.0] * 8, stores=stores))["year_stores_halve"] == 2004.0
    assert math.isnan(run_outcomes(table([0.0] * 8, stores=[100.0] * 8))["year_stores_halve"])
    later = table([0.0] * 5, stores=[10.0, 1.0, 1.0, 1.0, 1.0], years=list(range(2001, 2006)))
    assert math.isnan(run_outcomes(later)["year_stores_halve"])  # 2000 not simulated


def test_year_carriers_peak():
    volume = [0.5, 0.7, 0.9, 1.2, 1.1, 1.0, 0.8, 0.6]
    assert run_outcomes(table([0.0] * 8, volume=volume))["year_carriers_peak"] == 2001.0
    rising = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]  # highest in the end year: no peak yet
    assert math.isnan(run_outcomes(table([0.0] * 8, volume=rising))["year_carriers_peak"])
    assert math.isnan(run_outcomes(table([0.0] * 8, volume=[0.0] * 8))["year_carriers_peak"])


def network_columns(platform, best_other) -> dict:
    cols = {f"network_flow_betweenness_{r}": [0.0] * len(YEARS) for r in INTERMEDIARY_ROLES}
    cols["network_flow_betweenness_platform"] = platform
    cols["network_flow_betweenness_logistician"] = best_other
    return cols


def test_year_platform_most_central_only_with_network_metrics():
    assert "year_platform_most_central" not in run_outcomes(table([0.0] * 8))
    platform = [0.0, 0.1, 0.3, 0.5, 0.6, 0.4, 0.7, 0.8]
    carrier = [0.9, 0.8, 0.5, 0.5, 0.4, 0.5, 0.3, 0.2]  # 2001: a tie is not "highest"
    out = run_outcomes(table([0.0] * 8, **network_columns(platform, carrier)))
    assert out["year_platform_most_central"] == 2002.0
    never = run_outcomes(table([0.0] * 8, **network_columns([0.1] * 8, [0.2] * 8)))
    assert math.isnan(never["year_platform_most_central"])


def test_outcome_table_one_row_per_run():
    runs = pd.concat([table([0.0] * 8).assign(run_id=1),
                      table([0.0, 0.1, 0.3, 0.6, 0.8, 0.9, 0.9, 0.95]).assign(run_id=0)])
    out = outcome_table(runs)
    assert list(out.columns) == ["run_id", "regime_3d", "year_3d_passes_10pct",
                                 "year_stores_halve", "year_carriers_peak"]
    assert list(out["run_id"]) == [0, 1] and list(out["regime_3d"]) == ["takeover", "niche"]
    assert out["year_3d_passes_10pct"].dtype == np.float64
    assert out.at[0, "year_3d_passes_10pct"] == 1999.0
    assert math.isnan(out.at[1, "year_3d_passes_10pct"])
    with_net = pd.concat([table([0.0] * 8, **network_columns([0.1] * 8, [0.0] * 8))
                          .assign(run_id=0)])
    assert outcome_table(with_net)["year_platform_most_central"].tolist() == [1998.0]


def test_a_real_run_has_every_column_the_outputs_read():
    """Column names checked against what the model writes (yearly and network tables)."""
    result = simulate(load_scenario("baseline", {"n_customers": 200, "start_year": 1999,
                                                 "end_year": 2002}), 1)
    yearly = yearly_table(result).merge(network_table(result), on="year")
    out = run_outcomes(yearly)
    assert set(out) == {"regime_3d", "year_3d_passes_10pct", "year_stores_halve",
                        "year_carriers_peak", "year_platform_most_central"}
    assert out["regime_3d"] == "niche"  # no 3D flow by 2002


def test_sweep_runs_table_has_the_outputs(tmp_path):
    """A sweep with --network: runs.parquet holds every output, equal to run_outcomes of
    each run's yearly table."""
    out = tmp_path / "sweep"
    assert main(["sweep", "--set", "n_customers=200", "--set", "start_year=1999",
                 "--set", "end_year=2002", "--replicates", "2", "--network", "--seed", "4",
                 "--workers", "1", "--out", str(out)]) == 0
    runs = pd.read_parquet(out / "runs.parquet").set_index("run_id")
    yearly = pd.read_parquet(out / "yearly.parquet")
    for run_id, part in yearly.groupby("run_id"):
        expected = run_outcomes(part)
        assert set(expected) == set(runs.columns) & set(expected)
        for name, value in expected.items():
            got = runs.at[run_id, name]
            assert got == value or (pd.isna(got) and pd.isna(value))
