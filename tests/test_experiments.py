"""The experiment scripts in --quick mode write their data and PNG+SVG figures."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from experiments import screening
from tests.dask_cluster import dask_cluster


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """One scheduler and two workers on 127.0.0.1 shared by the four experiments (the
    embedded LocalCluster default is tested with the sweeps)."""
    with dask_cluster(tmp_path_factory.mktemp("dask"), workers=2) as address:
        yield address


def experiment(name, out, scheduler):
    done = subprocess.run([sys.executable, "-m", f"experiments.{name}", "--quick", "--out",
                           str(out), "--scheduler", scheduler], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def figures(out, *names):
    for name in names:
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG", name
        assert "<svg" in (out / f"{name}.svg").read_text()[:2000], name


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("experiments")


def test_baseline(root, scheduler):
    out = root / "baseline"
    experiment("baseline", out, scheduler)
    figures(out, "channels", "firms")
    bands = pd.read_csv(out / "bands.csv")
    share = bands[(bands.column == "share_retail") & (bands.year == 2000)].iloc[0]
    assert share["n"] == 5 and share["run_lo"] <= share["mean"] <= share["run_hi"]
    assert share["mean"] > 0.9  # retail dominant as the web starts
    assert len(pd.read_parquet(out / "sweep" / "runs.parquet")) == 5


def test_capability_taste(root, scheduler):
    out = root / "capability_taste"
    experiment("capability_taste", out, scheduler)
    figures(out, "home_print_2050", "tipping_year")
    grid = pd.read_csv(out / "grid.csv")
    assert len(grid) == 9
    by_growth = grid.groupby("printer_capability_growth")["home_print_2050"].mean()
    assert by_growth.iloc[-1] > by_growth.iloc[0]
    tipped = grid.dropna(subset=["tipping_year"])
    assert tipped["tipping_year"].between(1990, 2050).all()


def test_screening(root, scheduler):
    out = root / "screening"
    experiment("screening", out, scheduler)
    figures(out, "morris", "sobol")
    morris = pd.read_csv(out / "morris_indices.csv")
    assert morris["parameter"].nunique() == len(screening.BEHAVIOURAL)
    top = (out / "top_parameters.txt").read_text().split()
    sobol = pd.read_csv(out / "sobol_indices.csv")
    assert len(top) == 2 and set(sobol["parameter"]) == set(top)
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(sobol.columns)


def test_pricing(root, scheduler):
    out = root / "pricing"
    experiment("pricing", out, scheduler)
    figures(out, "profit_markup", "prices")
    summary = pd.read_csv(out / "summary.csv").set_index("output")
    assert summary.loc["final_mean_markup", "static"] == pytest.approx(0.4)
    assert summary.loc["final_mean_markup", "n_dynamic"] == 4
    assert {"final_customer_price_retail", "final_firm_profit_producer"} <= set(summary.index)


def test_network(root, scheduler):
    out = root / "network"
    experiment("network", out, scheduler)
    figures(out, "network")
    bands = pd.read_csv(out / "bands.csv")
    index = bands[bands.column == "network_intermediation_index"].sort_values("year")
    assert len(index) == 51 and (index["n"] == 3).all()
    # two intermediaries (logistician, store) per unit before any home printing
    assert index["mean"].iloc[0] == pytest.approx(2.0, abs=0.05)
    yearly = pd.read_parquet(out / "sweep" / "yearly.parquet")
    assert {"network_flow_share_retailer", "network_hhi_platforms"} <= set(yearly.columns)


def test_the_history_match_experiment_runs_the_variant_asked(tmp_path, monkeypatch):
    """--variant fit / holdout / both: which `calibrate --targets` commands it runs."""
    from experiments import history_match

    for variant, folders in (("holdout", ["holdout"]), ("fit", ["fit"]),
                             ("both", ["fit", "holdout"])):
        commands: list = []
        monkeypatch.setattr(history_match.cli, "main",
                            lambda argv, seen=commands: seen.append(argv) or 0)
        monkeypatch.setattr(sys, "argv", ["history_match", "--quick", "--out", str(tmp_path),
                                          "--variant", variant])
        history_match.run()
        assert [argv[argv.index("--out") + 1] for argv in commands] == \
            [str(tmp_path / f) for f in folders]
        assert [("--holdout" in argv) for argv in commands] == [f == "holdout" for f in folders]


def test_the_history_experiment_sets_every_series_against_a_run():
    """experiments.history.compare on the yearly table of one short baseline run: every
    series of the project's data gets its rows, parcels in level among them."""
    from experiments import history
    from market_abm import MarketModel, load_scenario
    from market_abm.indicators import yearly

    scenario = load_scenario("baseline", {"n_customers": 200, "end_year": 2024,
                                          "steps_per_year": 4})
    model = MarketModel(scenario, rng=2)
    model.run_for(scenario.n_steps)
    table = history.compare(yearly(model.timeseries).reset_index().assign(run_id=0), scenario)
    series = set(table["series"])
    assert {"parcels (billions a year)", "e-commerce share of retail sales",
            "adults owning a smartphone (a driver, fitted)"} <= series
    parcels = table[table["series"] == "parcels (billions a year)"].set_index("year")
    assert 2015 in parcels.index and parcels.loc[2015, "model"] > 0
