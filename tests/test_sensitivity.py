"""market-abm sensitivity: Morris and Sobol indices from real runs, files, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from market_abm.cli import main
from market_abm.sensitivity import problem, sample

# Internet access by 2002 in a small market: internet_start_year matters far more than the
# printer frontier, which reaches no category before 2002 in this range and moves internet
# access only through the random stream (firms' decisions draw on it): sampling noise, small
# next to the driver.
BASE = ["--set", "n_customers=300", "--set", "end_year=2002", "--workers", "1"]
PARAMS = ["--param", "printer_capability_growth=0.05:0.12",
          "--param", "internet_start_year=1993:1999"]


def test_morris_ranks_the_driver_first(tmp_path):
    out = tmp_path / "morris"
    assert main(["sensitivity", "--method", "morris", *PARAMS, "--output", "final_internet_share",
                 "--output", "final_share_online", "--trajectories", "3", "--seed", "3",
                 *BASE, "--out", str(out)]) == 0
    table = pd.read_csv(out / "indices.csv")
    assert list(table.columns) == ["output", "parameter", "mu", "mu_star", "sigma",
                                   "mu_star_conf"]
    assert len(table) == 4 and np.isfinite(table[["mu_star", "sigma"]]).all().all()
    internet = table[table.output == "final_internet_share"].set_index("parameter")
    # the driver ranks first, well clear of the other's mu_star (its sampling noise only)
    assert internet.loc["internet_start_year", "mu_star"] > 2 * internet.loc[
        "printer_capability_growth", "mu_star"]
    assert internet.loc["internet_start_year", "mu"] < 0  # later start, fewer connected
    assert (out / "indices.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "indices.svg").read_text().lstrip().startswith("<?xml")
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 3 * 3 and runs["internet_start_year"].dtype.kind == "i"
    man = json.loads((out / "manifest.json").read_text())
    assert man["kind"] == "sensitivity" and man["method"] == "morris"


def test_sobol_indices_and_sample_size(tmp_path):
    out = tmp_path / "sobol"
    assert main(["sensitivity", "--method", "sobol", *PARAMS, "--output",
                 "final_internet_share", "--samples", "4", "--seed", "3",
                 "--set", "end_year=1999", *BASE[:2], *BASE[4:], "--out", str(out)]) == 0
    table = pd.read_csv(out / "indices.csv")
    assert list(table.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(pd.read_parquet(out / "runs.parquet")) == 4 * (2 + 2)
    row = table.set_index("parameter").loc["internet_start_year"]
    assert row["ST"] > 0.5


def test_samplers_are_seeded():
    p = problem([("bass_q", 0.2, 0.5), ("internet_p", 0.01, 0.05)])
    assert np.array_equal(sample("morris", p, 4, 1), sample("morris", p, 4, 1))
    assert sample("sobol", p, 8, 1).shape == (8 * 4, 2)


@pytest.mark.parametrize("extra,message", [
    (["--method", "sobol", *PARAMS, "--output", "final_share_online", "--samples", "6"],
     "power of 2"),
    (["--method", "morris", *PARAMS, "--output", "final_share_onlin"], "unknown --output"),
    (["--method", "morris", *PARAMS], "--output"),
    (["--method", "morris", "--output", "final_share_online"], "--param"),
    (["--method", "morris", "--param", "bass_q=0.5:0.1", "--output", "final_share_online"],
     "inverted range"),
    (["--method", "morris", "--param", "bass_qq=0.1:0.5", "--output", "final_share_online"],
     "unknown parameter"),
    (["--method", "morris", *PARAMS, "--output", "final_share_online", "--trajectories", "1"],
     "--trajectories"),
])
def test_bad_input(extra, message, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["sensitivity", *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()


def test_figures_are_byte_identical(tmp_path):
    from market_abm.plots import save_figure
    from market_abm.sensitivity import figure

    table = pd.DataFrame({"output": "final_share_online", "parameter": ["bass_q", "bass_p"],
                          "mu": [0.1, -0.2], "mu_star": [0.1, 0.2], "sigma": [0.05, 0.01],
                          "mu_star_conf": [0.02, 0.03]})
    for name in ("a", "b"):
        for suffix in ("svg", "png"):
            save_figure(figure(table, "morris"), tmp_path / f"{name}.{suffix}")
    for suffix in ("svg", "png"):
        assert (tmp_path / f"a.{suffix}").read_bytes() == (tmp_path / f"b.{suffix}").read_bytes()
    svg = (tmp_path / "a.svg").read_text()
    assert "<dc:date>" not in svg and 'clip-path="url(#' in svg
