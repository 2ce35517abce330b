"""ABC-SMC history matching (market_abm.history_match): a synthetic truth is recovered, the
same seed gives the same posterior on any engine, and a killed calibration resumes from its
database with no population lost or repeated."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
import pytest

from market_abm import observables
from market_abm.engines import DaskEngine, InProcess
from market_abm.history_match import (
    ABC_ID,
    DB_NAME,
    point_estimate,
    posterior_table,
    run_abc,
    stored_populations,
)
from market_abm.runner import simulate
from market_abm.scenario import load_scenario
from market_abm.targets import parse_targets

# A small market with two steps a year, 1995-2004: internet access spreads with internet_p.
BASE = {"n_customers": 300, "start_year": 1995, "end_year": 2004, "steps_per_year": 2,
        "internet_start_year": 1995}
TRUTH = 0.06
PRIOR = (0.005, 0.3)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, dict]:
    """Internet access of one run at internet_p = TRUTH, written as a data file, and the
    targets that fit internet_p to it."""
    folder = tmp_path_factory.mktemp("synthetic")
    scenario = load_scenario("baseline", {**BASE, "internet_p": TRUTH})
    yearly = observables.yearly(simulate(scenario, 123).timeseries)
    yearly[["year", "internet_share"]].rename(columns={"internet_share": "value"}).to_csv(
        folder / "internet.csv", index=False)
    spec = {"target": [{"data": "internet.csv", "column": "internet_share", "scale": 0.03,
                        "years": [1996, 2004]}],
            "parameter": [{"name": "internet_p", "prior": "uniform", "bounds": list(PRIOR)}]}
    return folder, spec


def fit(synthetic, out: Path, engine, generations: int, population: int = 6):
    folder, spec = synthetic
    targets = parse_targets(spec, folder)
    history = run_abc(targets, load_scenario("baseline", BASE), out, engine, seed=5,
                      population=population, generations=generations, batch=4,
                      progress=lambda line: None)
    return posterior_table(history)


def test_synthetic_truth_is_recovered(synthetic, tmp_path):
    """Tolerance: with 12 particles and 3 populations the weighted median lies within 0.15
    of the prior's width of the truth (0.06 +- 0.044), and the last population is at most
    0.3 of the prior's width (5-95 %). At this size the estimate moves by about a tenth of
    the prior's width with the number of particles (0.06 with 12, 0.13 with 16)."""
    table = fit(synthetic, tmp_path, InProcess(), generations=3, population=12)
    estimate = point_estimate(table, ["internet_p"])["internet_p"]
    width = PRIOR[1] - PRIOR[0]
    assert abs(estimate - TRUTH) < 0.15 * width, estimate
    last = table[table["population"] == 3]["internet_p"]
    assert last.quantile(0.95) - last.quantile(0.05) < 0.3 * width
    assert sorted(table["population"].unique()) == [1, 2, 3]
    assert np.allclose(table.groupby("population")["weight"].sum(), 1.0)


def test_same_seed_same_posterior_on_any_engine(synthetic, tmp_path):
    one = fit(synthetic, tmp_path / "a", InProcess(), generations=2)
    with DaskEngine(workers=2) as engine:
        two = fit(synthetic, tmp_path / "c", engine, generations=2)
        again = fit(synthetic, tmp_path / "b", engine, generations=2)
    pd.testing.assert_frame_equal(one, two)  # another engine, two workers
    pd.testing.assert_frame_equal(two, again)  # the same engine again


class Killed(InProcess):
    """An engine that dies after ``calls`` batches (a killed calibration)."""

    def __init__(self, calls: int):
        self.calls = calls

    def map(self, fn, tasks):
        if self.calls == 0:
            raise KeyboardInterrupt
        self.calls -= 1
        yield from super().map(fn, tasks)


def test_killed_calibration_resumes_without_losing_or_repeating(synthetic, tmp_path):
    straight = fit(synthetic, tmp_path / "straight", InProcess(), generations=3)
    out = tmp_path / "killed"
    first = fit(synthetic, out, InProcess(), generations=1)  # population 1 stored
    with pytest.raises(KeyboardInterrupt):  # dies during population 2
        fit(synthetic, out, Killed(calls=1), generations=3)
    lines = []
    resumed = posterior_table(run_abc(
        parse_targets(synthetic[1], synthetic[0]), load_scenario("baseline", BASE), out,
        InProcess(), seed=5, population=6, generations=3, batch=4, progress=lines.append))
    assert lines[0] == "calibrate: resuming after population 1 of 3"
    assert len(lines) == 3  # populations 2 and 3 run, population 1 is not run again
    pd.testing.assert_frame_equal(resumed[resumed["population"] == 1], first)
    pd.testing.assert_frame_equal(resumed, straight)
    assert resumed.groupby("population").size().tolist() == [6, 6, 6]


@pytest.mark.parametrize("batches", [1, 2], ids=["during-calibration-sample", "after-it"])
def test_a_calibration_killed_before_its_first_population_resumes_as_one_run(
        synthetic, tmp_path, batches):
    """Killed while drawing pyabc's calibration sample or after it, before population 1 is
    stored: the rerun loads the run pyabc's ``new`` began (it does not begin a second one)
    and gives the populations of an uninterrupted calibration, one run in the database.
    Population 6 and batch 4: the calibration sample takes two batches."""
    straight = fit(synthetic, tmp_path / "straight", InProcess(), generations=2)
    out = tmp_path / "killed"
    with pytest.raises(KeyboardInterrupt):
        fit(synthetic, out, Killed(calls=batches), generations=2)
    assert stored_populations(out / DB_NAME) == 0
    resumed = fit(synthetic, out, InProcess(), generations=2)
    pd.testing.assert_frame_equal(resumed, straight)
    runs = pyabc.History(f"sqlite:///{out / DB_NAME}").all_runs()
    assert [run.id for run in runs] == [ABC_ID]
