"""Scenario discovery: PRIM and CART find a known box, outcome conditions, ``market-abm
discover`` on a tiny real sweep, and bad input (one line, exit 2, nothing written)."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest

from market_abm import discovery
from market_abm.cli import main
from market_abm.errors import UsageError
from market_abm.outdir import LOCK
from market_abm.scenario import load_scenario

# PRIM's and CART's bounds of the known box may miss the true bounds by this much (a few
# hundred uniform points leave gaps of about 1/400 between neighbours along one axis; PRIM
# pastes up to its data points, CART splits halfway between two).
TOLERANCE = 0.05
# 4 capability growth rates x 2 social weights, one run each, 2005-2020 (about 1 s a run):
# home printing plus print services reach 3 % for the two faster growths only.
SWEEP = ["sweep", "--set", "n_customers=200", "--set", "start_year=2005",
         "--set", "end_year=2020", "--grid", "printer_capability_growth=0.1,0.2,1.0,2.0",
         "--grid", "social_weight=0.5,2.0", "--seed", "3", "--workers", "1"]
COEXIST = ["--outcome", 'regime_3d == "coexistence"', "--niche-share", "0.02"]


def known_box(n: int = 400, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Uniform points in [0, 1]^3; the outcome is x1 > 0.6 and x2 < 0.3 (x3 is noise)."""
    x = pd.DataFrame(np.random.default_rng(seed).uniform(size=(n, 3)), columns=["x1", "x2",
                                                                               "x3"])
    return x, ((x["x1"] > 0.6) & (x["x2"] < 0.3)).to_numpy()


def assert_known_bounds(box: discovery.Box) -> None:
    assert set(box.limits) == {"x1", "x2"}  # the noise dimension is left alone
    (x1_lo, x1_hi), (x2_lo, x2_hi) = box.limits["x1"], box.limits["x2"]
    assert abs(x1_lo - 0.6) <= TOLERANCE and x1_hi >= 1 - TOLERANCE
    assert x2_lo <= TOLERANCE and abs(x2_hi - 0.3) <= TOLERANCE


def test_prim_finds_the_known_box():
    x, y = known_box()
    boxes, trajectories = discovery.prim_boxes(x, y)
    assert_known_bounds(boxes[0])
    assert boxes[0].coverage >= 0.9 and boxes[0].density >= 0.9
    assert boxes[0].of_interest == round(boxes[0].coverage * y.sum())
    traj, chosen = trajectories[0]
    assert traj.at[chosen, "density"] == boxes[0].density
    assert len(boxes) == 1  # nothing else is dense: no second box


def test_cart_separates_the_known_box():
    x, y = known_box()
    tree = discovery.cart_tree(x, y)
    boxes = discovery.cart_boxes(tree, x, y)
    assert_known_bounds(boxes[0])
    assert boxes[0].density == 1.0 and boxes[0].coverage >= 0.9
    assert (tree.clf.predict(tree._x).astype(bool) == y).mean() >= 0.97
    assert all(b.density < 0.5 for b in boxes[1:])  # the rest of the design is the other class
    again = discovery.cart_tree(x, y)  # scikit-learn's random tie-breaking is seeded
    assert (again.clf.tree_.threshold == tree.clf.tree_.threshold).all()


def test_switches_and_names_are_boxed_by_their_values():
    """A name and a switch among the parameters: the box allows the right names (EMA 3.0's
    own CART boxes would share one set of names between leaves)."""
    rng = np.random.default_rng(5)
    x = pd.DataFrame({"growth": rng.uniform(size=300), "graph": rng.choice(["a", "b", "c"], 300),
                      "makers": rng.choice([True, False], 300)})
    y = ((x["growth"] > 0.5) & (x["graph"] != "a")).to_numpy()
    prim_box = discovery.prim_boxes(x, y)[0][0]
    tree = discovery.cart_tree(x, y)
    cart_box, *others = discovery.cart_boxes(tree, x, y)
    for box in (prim_box, cart_box):
        assert set(box.limits) == {"growth", "graph"}
        assert box.limits["graph"] == {"b", "c"}
        assert abs(box.limits["growth"][0] - 0.5) <= TOLERANCE
        assert box.density >= 0.95 and box.coverage >= 0.95
        centre = discovery.centre(box, x, y)
        assert centre["graph"] in {"b", "c"} and abs(centre["growth"] - 0.75) <= TOLERANCE
    # CART's leaves partition the runs
    assert sum(b.runs for b in (cart_box, *others)) == len(x)
    assert sum(b.of_interest for b in (cart_box, *others)) == y.sum()


def test_chosen_box_on_a_trajectory():
    traj = pd.DataFrame({"coverage": [1.0, 0.9, 0.9, 0.5], "density": [0.2, 0.7, 0.85, 1.0]})
    assert discovery.choose(traj, 0.8) == 2  # most covering at density >= 0.8
    assert discovery.choose(traj, 0.6) == 2  # coverage tie: the denser
    low = pd.DataFrame({"coverage": [1.0, 0.6], "density": [0.3, 0.5]})
    assert discovery.choose(low, 0.8) == 1  # none dense enough: the densest


RUNS = pd.DataFrame({"growth": [0.1, 0.2, 0.3, 0.4],
                     "regime_3d": ["niche", "coexistence", "takeover", "niche"],
                     "year_stores_halve": [2030.0, math.nan, 2045.0, 2038.0],
                     "stores": pd.array([1, None, 3, 4], dtype="Int64")})


@pytest.mark.parametrize(("expr", "expected"), [
    ('regime_3d == "takeover"', [False, False, True, False]),
    ("year_stores_halve <= 2040", [True, False, False, True]),  # never is not a year
    ("not (year_stores_halve <= 2040)", [False, True, True, False]),
    ("year_stores_halve.isna() | (growth > 0.35)", [False, True, False, True]),
    ('regime_3d in ["niche", "takeover"] and growth * 10 < 3.5', [True, False, True, False]),
    ("stores <= 3", [True, False, True, False]),  # a missing whole number: false too
])
def test_outcome_conditions(expr, expected):
    assert discovery.outcome(RUNS, expr).tolist() == expected


@pytest.mark.parametrize(("expr", "message"), [
    ("year_shops_halve <= 2040", "names 'year_shops_halve', which is not a column"),
    ("growth >", "is not a condition"),
    ("growth + 1", "gives values, not true or false"),
    ('__import__("os").getcwd() == 1', "calls a function"),
    ("growth.values > 0", "reads .values"),
    ("growth[0] > 0", "uses Subscript"),
    ("growth >= 0", "holds for every run (4 of 4): PRIM and CART have nothing to find"),
    ("growth > 1", "holds for no run (0 of 4)"),
])
def test_bad_outcomes(expr, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        discovery.outcome(RUNS, expr)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("discover") / "sweep"
    assert main([*SWEEP, "--out", str(out)]) == 0
    return out


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_sweep_runs_carry_the_regime_outputs(sweep):
    runs = pd.read_parquet(sweep / "runs.parquet")
    assert {"regime_3d", "year_3d_passes_10pct", "year_stores_halve",
            "year_carriers_peak"} <= set(runs.columns)
    assert "year_platform_most_central" not in runs  # the sweep has no --network
    assert set(runs["regime_3d"]) == {"niche"}  # under 10 % by 2020 at this size
    assert runs["year_carriers_peak"].notna().any()


def test_prim_end_to_end(sweep, tmp_path, capsys):
    out, scenario = tmp_path / "prim", tmp_path / "box1.toml"
    before = listing(sweep)
    args = ["discover", "--runs", str(sweep), *COEXIST, "--method", "prim", "--out", str(out),
            "--export-scenario", str(scenario)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "box 1: coverage 1.00, density 1.00, 4 runs" in printed
    assert "printer_capability_growth in [" in printed
    assert listing(out) == [LOCK, "boxes.csv", "manifest.json", "scatter.png",
                            "trajectory.png"]
    boxes = pd.read_csv(out / "boxes.csv")
    assert list(boxes.columns) == ["box", "coverage", "density", "mass", "runs",
                                   "runs_of_interest", "restricted",
                                   "printer_capability_growth_min",
                                   "printer_capability_growth_max"]
    row = boxes.iloc[0]
    assert (row["coverage"], row["density"], row["runs"]) == (1.0, 1.0, 4)
    assert 0.2 < row["printer_capability_growth_min"] <= 1.0
    assert row["printer_capability_growth_max"] == 2.0
    man = json.loads((out / "manifest.json").read_text())
    assert man["kind"] == "discovery" and man["n_of_interest"] == 4 and man["niche_share"] == 0.02
    # the exported scenario runs: the base scenario with the box's parameter at its centre
    exported, base = load_scenario(scenario), load_scenario(sweep / "scenario.toml")
    centre = (row["printer_capability_growth_min"] + 2.0) / 2
    assert exported.printer_capability_growth == pytest.approx(centre)
    assert exported.model_dump() == {**base.model_dump(),
                                     "printer_capability_growth": exported.
                                     printer_capability_growth}
    assert listing(sweep) == before  # the sweep folder is only read
    written = {name: (out / name).read_bytes() for name in ("boxes.csv", "scatter.png",
                                                            "trajectory.png")}
    assert main([*args, "--overwrite"]) == 0  # the same discovery again: the same bytes
    assert written == {name: (out / name).read_bytes() for name in written}


def test_cart_end_to_end(sweep, tmp_path, capsys):
    out = tmp_path / "cart"
    assert main(["discover", "--runs", str(sweep), *COEXIST, "--method", "cart",
                 "--out", str(out)]) == 0
    assert "printer_capability_growth <= " in capsys.readouterr().out
    assert listing(out) == [LOCK, "boxes.csv", "manifest.json", "scatter.png", "tree.png",
                            "tree.txt"]
    text = (out / "tree.txt").read_text()
    assert "printer_capability_growth <= " in text and "class: true" in text
    boxes = pd.read_csv(out / "boxes.csv")
    assert (boxes.at[0, "density"], boxes.at[0, "coverage"]) == (1.0, 1.0)


def test_another_discovery_in_out_is_kept(sweep, tmp_path, capsys):
    out = tmp_path / "kept"
    first = ["discover", "--runs", str(sweep), *COEXIST, "--method", "prim", "--out", str(out)]
    assert main(first) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    other = [*first[:3], "--outcome", "printer_capability_growth > 0.5", *first[7:]]
    capsys.readouterr()
    assert main(other) == 2
    assert "holds a scenario discovery with other settings" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert main([*other, "--overwrite"]) == 0


def unfinished(sweep, tmp_path):
    copy = tmp_path / "unfinished"
    shutil.copytree(sweep, copy)
    man = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**man, "status": "running"}))
    return copy


def no_runs(sweep, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(sweep, broken)
    (broken / "runs.parquet").unlink()
    return broken


@pytest.mark.parametrize(("case", "message"), [
    (["--outcome", "year_shops_halve <= 2040"],
     "--outcome: the outcome names 'year_shops_halve', which is not a column of the runs "
     "table; use a parameter (printer_capability_growth, social_weight), regime_3d"),
    (["--outcome", 'regime_3d == "takeover"'], "holds for no run (0 of 8): PRIM and CART "
     "have nothing to find"),
    (["--outcome", "final_share_online >= 0"], "holds for every run (8 of 8)"),
    (["--method", "forest"], "--method 'forest' is unknown; use one of prim, cart"),
    (["--runs", "EMPTY"], "holds no runs of a sweep"),
    (["--runs", "MISSING"], "no sweep folder at"),
    (["--runs", "NO_RUNS"], "has no runs (runs.parquet missing)"),
    (["--runs", "UNFINISHED"], "is not finished (status running): rerun its command"),
    (["--export-scenario", "EXPORT", "--box", "4"], "--box 4: PRIM found 1 box"),
    (["--export-scenario", "box.yaml"], "must be a .toml file name"),
    (["--out", "SWEEP"], "overlap"),
    (["--niche-share", "0.6"], "need 0 < niche < takeover <= 1"),
])
def test_bad_input_one_line_nothing_written(sweep, tmp_path, capsys, case, message):
    out, export = tmp_path / "out", tmp_path / "box.toml"
    (tmp_path / "empty").mkdir()
    places = {"EMPTY": lambda: tmp_path / "empty", "MISSING": lambda: tmp_path / "missing",
              "NO_RUNS": lambda: no_runs(sweep, tmp_path),
              "UNFINISHED": lambda: unfinished(sweep, tmp_path), "EXPORT": lambda: export,
              "SWEEP": lambda: sweep}
    args = {"--runs": str(sweep), "--method": "prim", "--out": str(out),
            **dict(zip(COEXIST[::2], COEXIST[1::2], strict=True))}
    for flag, value in zip(case[::2], case[1::2], strict=True):
        args[flag] = str(places[value]()) if value in places else value
    before = listing(sweep)
    assert main(["discover", *[a for kv in args.items() for a in kv]]) == 2
    err = capsys.readouterr().err
    assert err.startswith("market-abm discover: error: ") and err.count("\n") == 1
    assert message in err
    assert not out.exists() and not export.exists() and not (tmp_path / "box.yaml").exists()
    assert listing(sweep) == before
