"""experiments.discovery end to end at test size: its files, regime counts that add up to the
runs, an outcome with nothing to find recorded rather than failing, resuming, and the same
boxes on one and on two workers."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from experiments import discovery as experiment
from market_abm.regimes import REGIMES, TAKEOVER_SHARE

# 8 points of the quick market (2000-2040, quarterly): about 15 s on one core. With the
# default seed, some runs stay a niche and some do not, so PRIM has a box to find for niche.
POINTS = "8"


def discover(out, *extra):
    done = subprocess.run([sys.executable, "-m", "experiments.discovery", "--quick", "--points",
                           POINTS, "--out", str(out), *extra], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    out = tmp_path_factory.mktemp("discovery") / "one"
    return out, discover(out, "--workers", "1")


def test_files_and_regime_counts(one_worker):
    out, done = one_worker
    runs = pd.read_parquet(out / "sweep" / "runs.parquet")
    assert len(runs) == int(POINTS)
    assert set(runs.columns) >= {name for name, _, _ in experiment.UNCERTAINTIES}
    for name, lo, hi in experiment.UNCERTAINTIES:
        assert runs[name].between(lo, hi).all(), name
    regimes = pd.read_csv(out / "regimes.csv")
    assert list(regimes["regime"]) == list(REGIMES)
    assert regimes["runs"].sum() == len(runs)
    assert regimes.set_index("regime")["runs"].to_dict() == {
        r: int((runs["regime_3d"] == r).sum()) for r in REGIMES}
    for name in ("regimes",):
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert "<svg" in (out / f"{name}.svg").read_text()[:2000]
    outcomes = pd.read_csv(out / "outcomes.csv", keep_default_na=False).set_index("outcome")
    assert list(outcomes.index) == list(experiment.OUTCOMES)
    for name, row in outcomes.iterrows():
        assert row["condition"] == experiment.OUTCOMES[name]
        assert row["runs"] == len(runs)
        boxes = pd.read_csv(out / f"boxes_{name}.csv")
        assert len(boxes) == row["boxes"]
        figures = [out / f"{kind}_{name}.{fmt}" for kind in ("trajectory", "scatter")
                   for fmt in ("png", "svg")]
        if row["boxes"]:
            assert row["note"] == "" and all(f.is_file() for f in figures)
            assert (out / f"scenario_{name}.toml").is_file()
            assert boxes["density"].between(0, 1).all() and boxes["coverage"].between(0, 1).all()
            assert (boxes["runs_of_interest"] <= boxes["runs"]).all()
            assert boxes["runs_of_interest"].sum() <= row["runs_of_interest"]
        else:
            assert row["note"] and not any(f.exists() for f in figures)
            assert f"{name} ({row['condition']}): {row['note']}" in done.stdout
    # the category table lets at most printable_ceiling(reach) of items be printed: below the
    # takeover threshold no run can take over, and the experiment says so instead of failing
    if experiment.printable_ceiling(experiment.highest_reach()) < TAKEOVER_SHARE:
        assert outcomes.at["takeover", "runs_of_interest"] == 0
        assert outcomes.at["takeover", "note"] == "holds for no run: PRIM has nothing to find"
    niche = outcomes.loc["niche"]
    assert 0 < niche["runs_of_interest"] < len(runs) and niche["boxes"] >= 1


def test_rerun_resumes_without_running_again(one_worker):
    out, _ = one_worker
    stored = {p.name: p.stat().st_mtime_ns for p in (out / "sweep" / "runs").iterdir()}
    before = {name: (out / f"{name}.csv").read_bytes() for name in ("regimes", "outcomes")}
    done = discover(out, "--workers", "1")
    assert f"{POINTS} already stored, 0 to run" in done.stdout
    assert {p.name: p.stat().st_mtime_ns for p in (out / "sweep" / "runs").iterdir()} == stored
    for name, data in before.items():
        assert (out / f"{name}.csv").read_bytes() == data, name


def test_same_seed_same_boxes_on_two_workers(one_worker, tmp_path):
    out, _ = one_worker
    discover(tmp_path / "two", "--workers", "2")
    for name in ["regimes", "outcomes", *(f"boxes_{o}" for o in experiment.OUTCOMES)]:
        assert (tmp_path / "two" / f"{name}.csv").read_bytes() == \
            (out / f"{name}.csv").read_bytes(), name


@pytest.mark.parametrize("points", ["1", "0"])
def test_too_few_points_is_one_line(tmp_path, points):
    done = subprocess.run([sys.executable, "-m", "experiments.discovery", "--quick", "--points",
                           points, "--out", str(tmp_path / "x"), "--workers", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: --points must be at least 2 (PRIM compares runs), "
                                   f"got {points}")
    assert not (tmp_path / "x").exists()


def test_latin_hypercube_is_seeded_and_stratified():
    a, b = experiment.latin_hypercube(20, 7), experiment.latin_hypercube(20, 7)
    assert a == b and a != experiment.latin_hypercube(20, 8)
    for name, lo, hi in experiment.UNCERTAINTIES:
        values = sorted(p[name] for p in a)
        # one point in each of the 20 equal strata of the range
        strata = [int((v - lo) / (hi - lo) * 20) for v in values]
        assert strata == list(range(20)), name


def test_takeover_is_not_excluded_by_construction():
    """With today's printable shares no run could pass the takeover threshold; the ensemble
    samples how far multi-material printing widens them, up to a ceiling above it."""
    assert experiment.printable_ceiling() < TAKEOVER_SHARE
    assert experiment.printable_ceiling(experiment.highest_reach()) > TAKEOVER_SHARE
    assert experiment.printable_ceiling(0.5) < experiment.printable_ceiling(1.0)
