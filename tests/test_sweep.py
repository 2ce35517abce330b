"""Sweeps: same results on every engine (a real Dask scheduler and worker on 127.0.0.1 included),
kill-and-resume, lost workers, reruns from stored seeds, designs and bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from market_abm.cli import main
from market_abm.designs import grid_design, lhs_design
from market_abm.outdir import LOCK
from market_abm.scenario import load_scenario
from market_abm.sweep import Sweep
from tests.dask_cluster import dask_cluster, free_port, start_worker, stop, wait_for

# 2 points × 3 replicates of a short small run (about 0.3 s each).
SPEC = ["--set", "n_customers=300", "--set", "end_year=1999",
        "--grid", "printer_capability_growth=0.2,0.4", "--replicates", "3", "--seed", "7"]
N_RUNS = 6
# the same sweep four years longer: time to kill something mid-way
SLOW = [*SPEC[:2], "--set", "end_year=2003", *SPEC[4:]]


def cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "market_abm.cli", *args], capture_output=True,
                          text=True, timeout=240, **kwargs)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A Dask scheduler and one single-threaded worker, both on 127.0.0.1."""
    with dask_cluster(tmp_path_factory.mktemp("dask"), workers=1) as address:
        yield address


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The SPEC sweep run in-process (--workers 1)."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    assert main(["sweep", *SPEC, "--workers", "1", "--out", str(out)]) == 0
    return out


def leftovers(folder: Path) -> list[Path]:
    """Hidden files a sweep left behind, but its lock file (kept: see outdir)."""
    return [p for p in folder.rglob(".*") if p.is_file() and p.name != LOCK]


def assert_same_results(a: Path, b: Path) -> None:
    for name in ("runs.parquet", "yearly.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))


def assert_matches_reference(reference: Path, out: Path) -> None:
    """A SLOW sweep equals the reference over the years they share (same seeds)."""
    ref = pd.read_parquet(reference / "yearly.parquet")
    got = pd.read_parquet(out / "yearly.parquet")
    pd.testing.assert_frame_equal(ref, got[got["year"] <= 1999].reset_index(drop=True))


def test_sweep_files_and_schema(reference):
    runs = pd.read_parquet(reference / "runs.parquet")
    yearly = pd.read_parquet(reference / "yearly.parquet")
    assert list(runs["run_id"]) == list(range(N_RUNS))
    assert list(runs.columns[:6]) == ["run_id", "point", "printer_capability_growth",
                                      "replicate", "seed_entropy", "seed_spawn_key"]
    assert list(runs["printer_capability_growth"]) == [0.2] * 3 + [0.4] * 3
    assert list(runs["replicate"]) == [0, 1, 2] * 2
    assert (runs["seed_entropy"] == 7).all() and list(runs["seed_spawn_key"]) == list(range(6))
    assert {"final_share_online", "final_share_home_print", "final_active_retailers",
            "final_customer_price_retail", "final_firm_profit_producer"} <= set(runs.columns)
    assert "final_step" not in runs.columns and "final_month" not in runs.columns
    assert len(yearly) == N_RUNS * 10 and set(yearly["year"]) == set(range(1990, 2000))
    # final_<column> is the final year's row of the yearly table
    last = yearly[yearly["year"] == 1999].set_index("run_id")
    assert np.allclose(runs.set_index("run_id")["final_internet_share"],
                       last["internet_share"])
    # different seeds give different runs; the faster frontier gives more capability
    assert runs["final_internet_share"].nunique() > 1
    assert (runs.loc[runs.point == 1, "final_printer_capability"].min()
            > runs.loc[runs.point == 0, "final_printer_capability"].max())
    man = json.loads((reference / "manifest.json").read_text())
    assert man["status"] == "complete" and man["root_seed"] == 7 and man["n_runs"] == N_RUNS
    assert man["design"] == [{"printer_capability_growth": 0.2},
                             {"printer_capability_growth": 0.4}]
    assert man["base_scenario"]["n_customers"] == 300 and man["git_commit"]
    assert {"numpy", "mesa", "market_abm"} <= set(man["versions"])
    assert sorted(p.name for p in (reference / "runs").iterdir()) == [
        f"run_{k:06d}.parquet" for k in range(N_RUNS)]
    assert not leftovers(reference)


def test_seeds_are_spawned_children_of_the_root():
    children = np.random.SeedSequence(7).spawn(4)
    base = load_scenario("baseline")
    table = Sweep(base, [{}, {}], [base, base], replicates=2, root_seed=7).table()
    for k, child in enumerate(children):
        assert (table.seed_entropy[k], (table.seed_spawn_key[k],)) == (child.entropy,
                                                                         child.spawn_key)


def test_real_scheduler_gives_the_in_process_results(scheduler, reference, tmp_path):
    out = tmp_path / "remote"
    done = cli("sweep", *SPEC, "--scheduler", scheduler, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"Dask scheduler {scheduler}" in done.stdout
    assert_same_results(reference, out)


def test_embedded_cluster_gives_the_in_process_results(reference, tmp_path):
    out = tmp_path / "local"
    done = cli("sweep", *SPEC, "--workers", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "LocalCluster (2 workers)" in done.stdout
    assert "sweep: 6/6 runs (100%)" in done.stderr  # plain progress line when not a terminal
    assert_same_results(reference, out)


def test_rerun_of_a_complete_sweep_runs_nothing(reference):
    before = {p.name: p.stat().st_mtime_ns for p in (reference / "runs").iterdir()}
    assert main(["sweep", *SPEC, "--workers", "1", "--out", str(reference)]) == 0
    after = {p.name: p.stat().st_mtime_ns for p in (reference / "runs").iterdir()}
    assert before == after


def test_sigkill_then_resume_runs_each_run_once(reference, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "market_abm.cli", "sweep", *SLOW,
                             "--workers", "1", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(list((out / "runs").glob("run_*.parquet"))) >= 2, 120,
                 "two stored runs")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=15)
    finally:
        stop(proc)
    stored = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
              for p in (out / "runs").glob("run_*.parquet")}
    assert 2 <= len(stored) < N_RUNS, "the sweep finished before it was killed"
    assert not (out / "runs.parquet").exists()
    for name in stored:  # every stored file is complete
        assert len(pd.read_parquet(out / "runs" / name)) == 14
    done = cli("sweep", *SLOW, "--workers", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"{len(stored)} already stored, {N_RUNS - len(stored)} to run" in done.stdout
    for name, stamp in stored.items():  # not run again
        p = out / "runs" / name
        assert (p.stat().st_ino, p.stat().st_mtime_ns) == stamp
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs["run_id"]) == list(range(N_RUNS))
    assert len(pd.read_parquet(out / "yearly.parquet")) == N_RUNS * 14
    assert not leftovers(out)
    assert_matches_reference(reference, out)


def test_lost_worker_loses_no_run(scheduler, reference, tmp_path):
    extra = start_worker(scheduler, tmp_path / "extra.log")  # registered when it returns
    out = tmp_path / "lost"
    try:
        sweep = subprocess.Popen([sys.executable, "-m", "market_abm.cli", "sweep", *SLOW,
                                  "--scheduler", scheduler, "--out", str(out)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: (out / "runs").is_dir() and any((out / "runs").iterdir()), 120,
                     "a first stored run")
            extra.send_signal(signal.SIGKILL)  # the worker dies mid-sweep
            _, err = sweep.communicate(timeout=180)
        finally:
            stop(sweep)
        assert sweep.returncode == 0, err
    finally:
        stop(extra)
    assert list(pd.read_parquet(out / "runs.parquet")["run_id"]) == list(range(N_RUNS))
    assert_matches_reference(reference, out)


def test_rerun_alone_from_stored_seed_gives_the_same_final_values(reference, tmp_path):
    runs = pd.read_parquet(reference / "runs.parquet")
    row = runs.iloc[4]
    out = tmp_path / "alone"
    done = cli("run", "--scenario", str(reference / "scenario.toml"),
               "--set", f"printer_capability_growth={row.printer_capability_growth}",
               "--entropy", str(int(row.seed_entropy)), "--spawn-key", str(int(row.seed_spawn_key)),
               "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    ts = pd.read_parquet(out / "timeseries.parquet")
    final = ts[ts["year"] == ts["year"].max()].mean(numeric_only=True)
    for column in ("share_retail", "share_online", "internet_share", "active_retailers",
                   "mean_markup", "printer_capability"):
        assert final[column] == pytest.approx(row[f"final_{column}"], rel=1e-12, abs=1e-15)
    man = json.loads((out / "manifest.json").read_text())
    assert man["seed_entropy"] == 7 and man["seed_spawn_key"] == [4]


def test_lhs_and_design_file(tmp_path):
    points = lhs_design(["printer_capability_growth=0.1:0.5", "internet_start_year=1993:1999"],
                        5, seed=3)
    assert len(points) == 5
    growth = sorted(p["printer_capability_growth"] for p in points)
    # one point in each fifth of the range (Latin hypercube)
    assert [int((g - 0.1) / 0.08) for g in growth] == [0, 1, 2, 3, 4]
    assert all(isinstance(p["internet_start_year"], int) for p in points)
    assert points == lhs_design(["printer_capability_growth=0.1:0.5",
                                 "internet_start_year=1993:1999"], 5, seed=3)
    assert grid_design(["n_producers=100,200", "dynamic_pricing=true,false"]) == [
        {"n_producers": 100, "dynamic_pricing": True},
        {"n_producers": 100, "dynamic_pricing": False},
        {"n_producers": 200, "dynamic_pricing": True},
        {"n_producers": 200, "dynamic_pricing": False}]
    design = tmp_path / "design.csv"
    design.write_text("n_producers,dynamic_pricing\n50,true\n80,false\n")
    out = tmp_path / "fromfile"
    assert main(["sweep", "--set", "n_customers=200", "--set", "end_year=1991", "--design",
                 str(design), "--workers", "1", "--out", str(out)]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs["n_producers"]) == [50, 80]
    assert list(runs["dynamic_pricing"]) == [True, False]
    assert runs.loc[1, "final_mean_markup"] == pytest.approx(0.4)  # static: markups fixed
    assert runs.loc[0, "final_mean_markup"] != pytest.approx(0.4)
    first = pd.read_parquet(out / "yearly.parquet").query("year == 1990")
    assert list(first["active_retailers"] > [45, 72]) == [True, True]


BAD = [
    (["--grid", "n_custmers=100,200"], "unknown parameter 'n_custmers'"),
    (["--grid", "n_customers=100,-5"], "n_customers"),
    (["--grid", "n_customers="], "--grid expects"),
    (["--lhs", "4", "--range", "bass_q=0.5:0.2"], "inverted range"),
    (["--lhs", "4", "--range", "bass_q=0.3:0.3"], "empty range"),
    (["--lhs", "4", "--range", "bass_q=a:b"], "lo:hi"),
    (["--lhs", "4"], "--range"),
    (["--range", "bass_q=0.1:0.2"], "needs --lhs"),
    (["--grid", "bass_q=0.1,0.2", "--lhs", "3", "--range", "bass_p=0.1:0.2"], "one of"),
    (["--grid", "n_customers=300,400", "--set", "n_customers=200"], "both --set"),
    (["--replicates", "0"], "--replicates"),
    (["--workers", "0"], "--workers"),
    (["--lhs", "3", "--range", "bass_q=0.1:0.2", "--seed", "-1"], "--seed"),
]


@pytest.mark.parametrize("extra,message", BAD)
def test_bad_input_one_line_nothing_written(extra, message, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["sweep", "--set", "end_year=1991", *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()


@pytest.mark.parametrize("text,message", [
    ("", "is empty"),
    ("n_producers\n", "no rows"),
    ("n_producers,bass_q\n50,0.3\n60\n", "line 3: 1 values for 2 columns"),
    ("n_producers,bass_q\n50,\n", "empty value"),
    ("n_retailerz\n50\n", "unknown parameter 'n_retailerz'"),
    ("n_producers\n50\nmany\n", "design point 1"),
])
def test_malformed_design_file(text, message, tmp_path, capsys):
    design = tmp_path / "d.csv"
    design.write_text(text)
    out = tmp_path / "never"
    assert main(["sweep", "--design", str(design), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()


def test_unreachable_scheduler_fails_fast_one_line(tmp_path):
    out = tmp_path / "never"
    start = time.monotonic()
    done = cli("sweep", "--set", "end_year=1991", "--scheduler", f"tcp://127.0.0.1:{free_port()}",
               "--out", str(out))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach Dask scheduler" in lines[0], done.stderr
    assert time.monotonic() - start < 20
    assert not out.exists()


def test_folder_of_another_sweep_is_refused(reference, tmp_path, capsys):
    other = [*SPEC[:-1], "8"]
    assert main(["sweep", *other, "--workers", "1", "--out", str(reference)]) == 2
    assert "holds a sweep with other settings" in capsys.readouterr().err
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "notes.txt").write_text("mine")
    assert main(["sweep", *SPEC, "--workers", "1", "--out", str(stray)]) == 2
    assert "holds files market-abm did not write (notes.txt)" in capsys.readouterr().err
    assert sorted(p.name for p in stray.iterdir()) == ["notes.txt"]


def test_progress_bar_on_a_terminal(tmp_path):
    import pty

    main_fd, child_fd = pty.openpty()  # a terminal that reports size 0, like some CI ptys
    proc = subprocess.Popen([sys.executable, "-m", "market_abm.cli", "sweep", "--set",
                             "n_customers=300", "--set", "end_year=1991", "--replicates", "3",
                             "--workers", "1", "--out", str(tmp_path / "tty")],
                            stdout=child_fd, stderr=child_fd)
    os.close(child_fd)
    out = b""
    try:
        while chunk := _read(main_fd):
            out += chunk
        proc.wait(timeout=120)
    finally:
        stop(proc)
        os.close(main_fd)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text
    assert "3/3 [" in text and "run/s" in text and "100%" in text  # runs, rate, time left


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 4096)
    except OSError:  # the child closed the terminal
        return b""


def test_folder_of_a_sweep_killed_at_its_start_resumes(tmp_path):
    out = tmp_path / "early"
    (out / "runs").mkdir(parents=True)  # killed before its manifest was renamed into place
    (out / ".manifest.json.abc123.tmp").write_text('{"half": ')
    (out / "runs" / ".run_000000.parquet.xyz.tmp").write_bytes(b"PAR1")
    assert main(["sweep", "--set", "n_customers=200", "--set", "end_year=1991", "--replicates",
                 "2", "--workers", "1", "--out", str(out)]) == 0
    assert len(pd.read_parquet(out / "runs.parquet")) == 2
    assert not leftovers(out)
