"""Calibration targets files (market_abm.targets): parsing, observed and simulated series,
the distance, and one clear line for every bad input."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from market_abm import observables
from market_abm.calibration import model_columns
from market_abm.errors import DataError, UsageError
from market_abm.scenario import load_scenario
from market_abm.targets import (
    distance,
    load_targets,
    observed,
    parse_targets,
    simulated,
    target_errors,
    targets_to_toml,
)

HISTORY = Path(__file__).parents[1] / "experiments" / "targets" / "history.toml"
PARAM = {"name": "social_weight", "prior": "uniform", "bounds": [0.0, 3.0]}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def one(folder: Path, target: dict, parameters: list | None = None):
    return parse_targets({"target": [target], "parameter": parameters or [PARAM]}, folder)


def test_history_targets_round_trip_and_fit_the_baseline_run():
    targets = load_targets(HISTORY)
    again = parse_targets(tomllib.loads(targets_to_toml(targets)), targets.folder)
    assert again == targets
    assert len(targets.targets) == 15 and len(targets.parameters) == 9
    targets.check(load_scenario("baseline"), model_columns())  # every column exists


def test_transforms_filters_and_combined_rows(tmp_path):
    write(tmp_path, "d.csv", "year,kind,value\n2000,a,2\n2001,a,4\n2001,a,6\n2002,b,8\n"
                             "2003,a,10\n")
    spec = one(tmp_path, {"data": "d.csv", "column": "x", "scale": 1, "combine": "mean",
                          "filter": {"kind": "a"}, "transform": "index:2000"}).targets[0]
    assert observed(spec, tmp_path).to_dict() == {2000: 1.0, 2001: 2.5, 2003: 5.0}
    spec = one(tmp_path, {"data": "d.csv", "column": "x", "scale": 1, "combine": "mean",
                          "filter": {"kind": ["a", "b"]}, "transform": "log",
                          "years": [2001, 2002]}).targets[0]
    assert np.allclose(observed(spec, tmp_path), np.log([5.0, 8.0]))


def test_an_index_base_year_is_neither_fitted_nor_scored(tmp_path):
    write(tmp_path, "d.csv", "year,value\n2000,2\n2001,4\n2003,10\n")
    targets = one(tmp_path, {"data": "d.csv", "column": "x", "scale": 1,
                             "transform": "index:2000"})
    # 2000 is 1 on both sides by construction: it is not an observation
    assert targets.observed()[0].to_dict() == {2001: 2.0, 2003: 5.0}
    assert targets.observed_all()[0].to_dict() == {2001: 2.0, 2003: 5.0}
    only = one(tmp_path, {"data": "d.csv", "column": "x", "scale": 1, "years": [2000, 2000],
                          "transform": "index:2000"})
    with pytest.raises(UsageError, match="only observation is the index year 2000"):
        only.check(load_scenario("baseline"), ["x"])


def steps(values: dict[int, list[float]], column: str = "x") -> pd.DataFrame:
    """A monthly timeseries: one row per month of each year with the given values."""
    rows = [{"step": 12 * i + m, "year": year, "month": m, column: v}
            for i, (year, months) in enumerate(values.items()) for m, v in enumerate(months)]
    return pd.DataFrame(rows)


def test_simulated_series_aggregate_the_year_as_the_target_says(tmp_path):
    write(tmp_path, "d.csv", "year,value\n2000,1\n2001,1\n")
    ts = steps({2000: list(range(12)), 2001: [12.0] * 12})
    for aggregate, first in (("mean", 5.5), ("q1", 1.0), ("q4", 10.0), ("last", 11.0)):
        spec = one(tmp_path, {"data": "d.csv", "column": "x", "scale": 1,
                              "aggregate": aggregate}).targets[0]
        assert simulated(spec, ts, None)[0].to_dict() == {2000: first, 2001: 12.0}
    spec = one(tmp_path, {"data": "d.csv", "column": "x", "scale": 1, "aggregate": "last",
                          "transform": "index:2000"}).targets[0]
    assert simulated(spec, ts, None)[0].to_dict() == {2000: 1.0, 2001: 12.0 / 11.0}


def test_distance_is_zero_on_the_data_and_grows_in_units_of_scale(tmp_path):
    write(tmp_path, "d.csv", "year,value\n2000,0.1\n2001,0.3\n")
    targets = one(tmp_path, {"data": "d.csv", "column": "x", "scale": 0.05})
    exact = steps({2000: [0.1] * 12, 2001: [0.3] * 12})
    assert np.isclose(distance(targets, exact, None), 0.0, atol=1e-12)
    off = steps({2000: [0.2] * 12, 2001: [0.4] * 12})  # 0.1 off: two scales
    assert np.isclose(distance(targets, off, None), 2.0)
    two = pd.concat([exact.assign(run_id=0), off.assign(run_id=1)])  # replicate mean
    assert np.allclose(target_errors(targets, two, None), [1.0])


def test_derived_columns_of_the_history_exist_in_a_run():
    from market_abm import MarketModel

    scenario = load_scenario("baseline", {"n_customers": 200, "end_year": 1992})
    model = MarketModel(scenario, rng=1)
    model.run_for(scenario.n_steps)
    frame = observables.yearly(model.timeseries)
    for name in observables.DERIVED:
        values = observables.column(frame, name, scenario)
        assert len(values) == 3, name


@pytest.mark.parametrize("target, says", [
    ({"data": "d.csv", "column": "x", "scale": 1, "colour": "red"}, "unknown key 'colour'"),
    ({"data": "d.csv", "column": "x", "scale": 0}, "scale"),
    ({"data": "d.csv", "column": "x", "scale": 1, "transform": "diff"}, "transform must be"),
    ({"data": "d.csv", "column": "x", "scale": 1, "years": [2005, 2000]}, "in order"),
    ({"data": "d.csv", "column": "x", "scale": 1, "aggregate": "max"}, "aggregate"),
    ({"data": "nowhere.csv", "column": "x", "scale": 1}, "data file not found"),
    ({"data": "d.csv", "column": "x", "scale": 1, "filter": {"kind": "a"}}, "no column 'kind'"),
    ({"data": "d.csv", "column": "x", "scale": 1, "transform": "index:1990"},
     "index year 1990 is not an observed year"),
    ({"data": "nan.csv", "column": "x", "scale": 1}, "line 3 has a year or value that is not"),
    ({"data": "text.csv", "column": "x", "scale": 1}, "line 2 has a year or value"),
    ({"data": "twice.csv", "column": "x", "scale": 1}, "year 2000 appears twice"),
    ({"data": "d.csv", "column": "x", "scale": 1, "years": [1950, 1960]}, "no observation"),
])
def test_bad_target_is_one_line(tmp_path, target, says):
    write(tmp_path, "d.csv", "year,value\n2000,1\n2001,2\n")
    write(tmp_path, "nan.csv", "year,value\n2000,1\n2001,nan\n")
    write(tmp_path, "text.csv", "year,value\n2000,abc\n")
    write(tmp_path, "twice.csv", "year,value\n2000,1\n2000,2\n")
    with pytest.raises((UsageError, DataError)) as err:
        one(tmp_path, target)
    assert says in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("parameter, says", [
    ({"name": "no_such_key", "bounds": [0, 1]}, "'no_such_key' is not a scenario parameter"),
    ({"name": "social_network", "bounds": [0, 1]}, "is not a number"),
    ({"name": "social_weight", "prior": "normal", "bounds": [0, 1]}, "unknown prior 'normal'"),
    ({"name": "social_weight", "bounds": [2, 1]}, "low < high"),
    ({"name": "social_weight", "bounds": [-1, 1]}, "leave the parameter's allowed range (ge 0)"),
    ({"name": "printer_learning_rate", "bounds": [0.1, 1.0]}, "allowed range (lt 1)"),
    ({"name": "social_weight", "prior": "loguniform", "bounds": [0, 1]}, "bounds above 0"),
    ({"name": "social_weight"}, "bounds"),
])
def test_bad_parameter_is_one_line(tmp_path, parameter, says):
    write(tmp_path, "d.csv", "year,value\n2000,1\n")
    with pytest.raises(UsageError) as err:
        one(tmp_path, {"data": "d.csv", "column": "x", "scale": 1}, [parameter])
    assert says in str(err.value) and "\n" not in str(err.value)


def test_targets_that_cannot_meet_the_runs_are_refused(tmp_path):
    write(tmp_path, "d.csv", "year,value\n1985,1\n2001,2\n")
    scenario = load_scenario("baseline")
    with pytest.raises(UsageError, match="the model has no column 'nope'"):
        one(tmp_path, {"data": "d.csv", "column": "nope", "scale": 1}).check(
            scenario, model_columns())
    with pytest.raises(UsageError, match="observed years 1985-2001 lie outside"):
        one(tmp_path, {"data": "d.csv", "column": "share_online", "scale": 1}).check(
            scenario, model_columns())


def test_targets_file_errors(tmp_path):
    with pytest.raises(UsageError, match="targets file not found"):
        load_targets(tmp_path / "none.toml")
    with pytest.raises(UsageError, match="is malformed"):
        load_targets(write(tmp_path, "bad.toml", "[[target]\n"))
    with pytest.raises(UsageError, match="no \\[\\[target\\]\\]"):
        load_targets(write(tmp_path, "empty.toml", "[[parameter]]\nname='social_weight'\n"
                                                   "bounds=[0,1]\n"))
    with pytest.raises(UsageError, match="unknown table 'targets'"):
        load_targets(write(tmp_path, "typo.toml", "[[targets]]\ndata='d.csv'\n"))
