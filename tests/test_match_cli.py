"""market-abm calibrate --targets: the files of a history match, the out-of-sample scores,
and one clear line (nothing written) for every conflicting or bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from market_abm import observables
from market_abm.cli import main
from market_abm.match_cli import FAN_PANELS
from market_abm.predictive import (
    FORECASTS,
    band_coverage,
    bass_curve,
    fit_bass,
    holdout_scores,
    score_records,
)
from market_abm.runner import simulate
from market_abm.scenario import load_scenario

# a small market with two steps a year, 1995-2004 (as tests/test_history_match.py)
SMALL = {"n_customers": 100, "start_year": 1995, "end_year": 2004, "steps_per_year": 2,
         "internet_start_year": 1995}
SETS = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "market_abm.cli", *args], capture_output=True,
                          text=True, timeout=900, stdin=subprocess.DEVNULL)


def refused(capsys, *args) -> list[str]:
    """Run ``market-abm`` in this process (the same code as the command, without a new
    interpreter) on input it must refuse: the status must be 2; returns stderr's lines."""
    try:
        status = main(list(args))
    except SystemExit as stop:  # argparse's own errors
        status = stop.code
    assert status == 2, args
    return capsys.readouterr().err.strip().splitlines()


@pytest.fixture(scope="module")
def targets_file(tmp_path_factory):
    """Internet access of a run at internet_p = 0.06 as data; internet_p to infer."""
    folder = tmp_path_factory.mktemp("match")
    scenario = load_scenario("baseline", {**SMALL, "internet_p": 0.06})
    yearly = observables.yearly(simulate(scenario, 7).timeseries)
    yearly[["year", "internet_share"]].rename(columns={"internet_share": "value"}).to_csv(
        folder / "internet.csv", index=False)
    (folder / "targets.toml").write_text(
        '[[target]]\ndata = "internet.csv"\ncolumn = "internet_share"\nscale = 0.03\n'
        'years = [1996, 2004]\n\n[[parameter]]\nname = "internet_p"\nbounds = [0.005, 0.3]\n')
    return folder / "targets.toml"


def test_history_match_writes_every_file_and_scores_the_holdout(targets_file, tmp_path):
    out = tmp_path / "hm"
    done = cli("calibrate", "--targets", str(targets_file), *SETS, "--population", "6",
               "--generations", "2", "--draws", "8", "--holdout", "2003:2004",
               "--forecast-to", "2006", "--workers", "1", "--seed", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "population 2/2: tolerance" in done.stdout
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert set(posterior["population"]) == {1, 2}
    assert posterior.groupby("population")["weight"].sum().round(9).eq(1.0).all()
    everything = pd.read_parquet(out / "predictive.parquet")
    fans = everything[everything["kind"] == "forecast"]
    assert set(fans["column"]) == set(FORECASTS) and fans["year"].max() == 2006
    assert set(FORECASTS) == {c for _, columns in FAN_PANELS for c in columns}  # all drawn
    bands = everything[everything["kind"] == "target"]
    assert bands["year"].min() == 1995 and bands["year"].max() == 2006  # to --forecast-to
    q = bands[["q05", "q25", "q50", "q75", "q95"]].to_numpy()
    assert (np.diff(q, axis=1) >= -1e-12).all()  # quantiles in order
    held = bands[bands["year"].isin([2003, 2004])]
    assert held["observed"].notna().all() and not held["fitted"].any()
    assert bands[bands["year"].between(1996, 2002)]["fitted"].all()
    scores = pd.read_csv(out / "holdout.csv")
    assert scores.loc[0, "held_out"] == 2
    assert {"in_50", "in_90", "rmse_model", "rmse_line", "rmse_bass"} <= set(scores.columns)
    report = json.loads((out / "manifest.json").read_text())
    assert report["status"] == "complete" and report["holdout"] == [2003, 2004]
    assert report["holdout_scores"][0]["held_out"] == 2
    assert report["coverage"][0]["observed"] == 7  # 1996-2002: the fitted years
    assert "fitted observations inside the predictive bands" in done.stdout
    scenario = load_scenario(out / "scenario.toml")
    assert scenario.internet_p == pytest.approx(report["point_estimate"]["internet_p"])
    for figure in ("fit.png", "posterior.png", "forecast.png"):
        assert (out / figure).read_bytes()[:4] == b"\x89PNG"


def test_the_same_command_resumes_a_killed_history_match(targets_file, tmp_path, capsys,
                                                        monkeypatch):
    """Killed after its first population, the same command picks up from abc.db."""
    from market_abm import history_match

    make_abc, calls = history_match.make_abc, []

    def killed_after_one(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as Ctrl-C would, during the second population
        return make_abc(*args, **kwargs)

    out = tmp_path / "hm"
    argv = ["calibrate", "--targets", str(targets_file), *SETS, "--population", "4",
            "--generations", "2", "--draws", "2", "--workers", "1", "--seed", "5",
            "--out", str(out)]
    monkeypatch.setattr(history_match, "make_abc", killed_after_one)
    assert main(argv) != 0
    assert "rerun the same command to resume" in capsys.readouterr().err
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    monkeypatch.setattr(history_match, "make_abc", make_abc)
    assert main(argv) == 0
    assert "resuming after population 1 of 2" in capsys.readouterr().out
    report = json.loads((out / "manifest.json").read_text())
    assert [p["population"] for p in report["populations"]] == [0, 1, 2]
    assert all(p["seconds"] >= 0 and p["runs"] >= 4 for p in report["populations"])
    assert set(pd.read_parquet(out / "posterior.parquet")["population"]) == {1, 2}


def test_holdout_scores_count_points_in_the_bands():
    """Two held-out points, one inside both bands, one outside both: 0.5 and 0.5; a series
    on a straight line is predicted exactly by the line."""
    years = np.arange(2000, 2010)
    rows = pd.DataFrame({"target": "t", "year": years, "observed": 2.0 * years - 3990.0,
                         "fitted": years < 2008})
    rows["q50"] = rows["observed"]
    rows.loc[rows.year == 2009, "q50"] += 10.0
    for lo, hi, width in (("q25", "q75", 1.0), ("q05", "q95", 2.0)):
        rows[lo], rows[hi] = rows["q50"] - width, rows["q50"] + width
    scores = holdout_scores(rows, (2008, 2009)).iloc[0]
    assert scores["held_out"] == 2 and scores["in_50"] == 0.5 and scores["in_90"] == 0.5
    assert scores["rmse_line"] == pytest.approx(0.0, abs=1e-9)
    assert scores["rmse_model"] == pytest.approx(np.sqrt(50.0))


def test_band_coverage_counts_only_the_fitted_observations():
    """Three fitted observations, two inside the 50 % band and all three inside the 90 %
    band; a held-out point far outside and years without data do not count."""
    rows = pd.DataFrame({"target": "t", "year": [2000, 2001, 2002, 2003, 2004],
                         "observed": [1.0, 1.5, 1.9, 9.0, np.nan],
                         "fitted": [True, True, True, False, False]})
    for q, shift in (("q05", -1.0), ("q25", -0.2), ("q50", 0.0), ("q75", 0.2), ("q95", 1.0)):
        rows[q] = 1.5 + shift
    cover = band_coverage(rows)
    assert cover.to_dict("records") == [{"target": "t", "observed": 3, "in_50": pytest.approx(
        1 / 3), "in_90": 1.0}]


def test_band_coverage_with_the_observation_noise_reports_both():
    """The same three fitted observations against bands widened by the observation noise:
    the noisy 50 % band holds all three, the runs' own band one of three."""
    rows = pd.DataFrame({"target": "t", "year": [2000, 2001, 2002],
                         "observed": [1.0, 1.5, 1.9], "fitted": True})
    for q, shift in (("q05", -1.0), ("q25", -0.2), ("q50", 0.0), ("q75", 0.2), ("q95", 1.0)):
        rows[q] = 1.5 + shift
        rows[f"{q}_noisy"] = 1.5 + 3 * shift
    cover = band_coverage(rows).iloc[0]
    assert cover["in_50"] == pytest.approx(1 / 3) and cover["in_50_noisy"] == 1.0
    assert cover["in_90"] == cover["in_90_noisy"] == 1.0


def test_a_fit_window_too_short_for_a_reference_scores_none():
    """One fitted point: no line, no Bass curve; the manifest gets null, not NaN."""
    rows = pd.DataFrame({"target": "t", "year": [2000, 2001, 2002],
                         "observed": [1.0, 0.9, 0.8], "fitted": [True, False, False]})
    for q, shift in (("q05", -0.2), ("q25", -0.1), ("q50", 0.0), ("q75", 0.1), ("q95", 0.2)):
        rows[q] = 0.95 + shift
    scores = holdout_scores(rows, (2001, 2002))
    assert scores.loc[0, "held_out"] == 2
    assert np.isnan(scores.loc[0, "rmse_line"]) and np.isnan(scores.loc[0, "rmse_bass"])
    record = score_records(scores)[0]
    assert record["rmse_line"] is None and record["rmse_model"] == pytest.approx(
        np.sqrt((0.05**2 + 0.15**2) / 2))
    json.dumps(score_records(scores), allow_nan=False)


def test_bass_fit_recovers_a_bass_curve():
    years = np.arange(1995, 2015, dtype=float)
    truth = (0.02, 0.8, 0.01, 0.4)
    values = bass_curve(years - years.min() + 1.0, *truth)
    a, m, p, q = fit_bass(years, values)
    fitted = bass_curve(years - years.min() + 1.0, a, m, p, q)
    assert np.abs(fitted - values).max() < 1e-3


@pytest.mark.parametrize("case, flags, words", [
    ("both modes", ["--data", "x.csv", "--target", "share_online"], "not both"),
    ("lhs method", ["--method", "lhs"], "--method lhs fits one series"),
    ("lhs flag", ["--points", "5"], "--points is a --method lhs setting"),
    ("holdout order", ["--holdout", "2004:2001"], "FIRST:LAST years in order"),
    ("holdout empty", ["--holdout", "1990:1994"], "no target has an observation"),
    ("holdout all", ["--holdout", "1990:2010"], "every observation lies in the holdout"),
    ("forecast early", ["--forecast-to", "2002"], "ends before the last observation"),
    ("forecast range", ["--forecast-to", "2300"], "end_year"),
    ("draws", ["--draws", "0"], "--draws must be at least 1"),
])
def test_bad_history_match_input_is_one_line(targets_file, tmp_path, capsys, case, flags,
                                            words):
    out = tmp_path / "never"
    lines = refused(capsys, "calibrate", "--targets", str(targets_file), *SETS, *flags,
                    "--workers", "1", "--out", str(out))
    assert len(lines) == 1 and words in lines[0], (case, lines)
    assert not out.exists()


def test_abc_settings_are_refused_in_lhs_mode(tmp_path, capsys):
    data = tmp_path / "obs.csv"
    data.write_text("year,value\n2000,0.01\n2001,0.02\n")
    for flags, words in ((["--quick"], "--quick is an ABC setting"),
                         (["--holdout", "2001:2001"], "--holdout is an ABC setting"),
                         (["--method", "abc"], "--method abc needs --targets")):
        lines = refused(capsys, "calibrate", "--data", str(data), "--target", "share_online",
                        *flags, "--out", str(tmp_path / "never"))
        assert len(lines) == 1 and words in lines[0], (flags, lines)
        assert not (tmp_path / "never").exists()
    lines = refused(capsys, "calibrate", "--out", str(tmp_path / "never"))
    assert "give --targets FILE.toml, or --data" in lines[0]


def test_an_unreachable_scheduler_is_one_line(targets_file, tmp_path, capsys):
    out = tmp_path / "never"
    lines = refused(capsys, "calibrate", "--targets", str(targets_file), *SETS, "--scheduler",
                    "tcp://127.0.0.1:1", "--out", str(out))
    assert len(lines) == 1 and "cannot reach Dask scheduler" in lines[0], lines
    assert not out.exists()
