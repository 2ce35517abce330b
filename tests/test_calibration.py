"""market-abm calibrate: fits a target series, writes a runnable scenario; clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from market_abm.scenario import load_scenario

SMALL = ["--set", "n_customers=300", "--set", "start_year=1994", "--set",
         "internet_start_year=1994", "--set", "evaluation_sample=200"]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "market_abm.cli", *args], capture_output=True,
                          text=True, timeout=600)


def test_calibration_fits_and_writes_a_runnable_scenario(tmp_path):
    data = tmp_path / "obs.csv"
    pd.DataFrame({"year": range(1997, 2004),
                  "value": [0.002, 0.004, 0.007, 0.01, 0.014, 0.018, 0.023]}).to_csv(
        data, index=False)
    out = tmp_path / "cal"
    done = cli("calibrate", "--data", str(data), "--target", "share_online",
               "--params", "social_weight=0.5:3", *SMALL, "--points", "4", "--replicates",
               "1", "--final-replicates", "2", "--forecast-to", "2005", "--workers", "1",
               "--seed", "5", "--out", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "calibration.json").read_text())
    scenario = load_scenario(out / "scenario.toml")
    assert scenario.social_weight == pytest.approx(report["params"]["social_weight"])
    assert scenario.n_customers == 300  # the base scenario is kept
    fit = pd.read_csv(out / "fit.csv")
    assert fit.year.max() == 2005 and fit.observed.notna().sum() == 7
    assert (fit.model_lower <= fit.model_upper + 1e-12).all()
    # the chosen point is the best of the points tried in the two rounds
    tried = []
    for r in ("round1", "round2"):
        yearly = pd.read_parquet(out / r / "yearly.parquet")
        obs = pd.read_csv(data).set_index("year")["value"]
        for _, part in yearly.groupby("run_id"):
            model = part.set_index("year")["share_online"].reindex(obs.index)
            tried.append(((model - obs) ** 2).mean() ** 0.5)
    assert report["rmse"] <= max(tried)
    assert (out / "fit.png").read_bytes()[:4] == b"\x89PNG"
    rerun = cli("run", "--scenario", str(out / "scenario.toml"), "--set", "end_year=1996",
                "--quiet", "--out", str(tmp_path / "rerun"))
    assert rerun.returncode == 0, rerun.stderr


@pytest.mark.parametrize("case", ["missing", "columns", "target", "param"])
def test_bad_calibration_input_is_one_line(tmp_path, case):
    data = tmp_path / "obs.csv"
    data.write_text("year,value\n2000,0.01\n2001,0.02\n")
    args = ["--data", str(data), "--target", "share_online"]
    if case == "missing":
        args[1] = str(tmp_path / "nope.csv")
    elif case == "columns":
        data.write_text("when,share\n2000,0.01\n")
    elif case == "target":
        args[3] = "share_teleport"
    else:
        args += ["--params", "warp_speed"]
    out = tmp_path / "never"
    done = cli("calibrate", *args, "--out", str(out), "--workers", "1")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0]
    assert not out.exists()
