"""A corpus of bad input for every command (run, sweep, sensitivity, calibrate, network, app).

Every case asserts: a non-zero exit status (2: bad input), exactly one line on stderr naming
the key, flag or file and what is allowed, no traceback, and nothing written (the output
does not appear) or the previous result intact (byte for byte). Most cases call
``market_abm.cli.main`` in this process; a handful run as real processes.

Classes of bad input: unknown keys; values out of range; a boolean or a string where a number
is meant; infinity, NaN and numbers too large to compute with; malformed, non-UTF-8 or
mis-shaped scenario, design and data files, and folders given as files; negative or fractional
seeds and sizes; sizes too large for the machine; output folders that cannot be created, are
files, hold files market-abm did not write, or hold another job's results; damaged run files.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from market_abm.cli import main

TINY = ["--set", "n_customers=200", "--set", "end_year=1991"]
COMMANDS = {  # the smallest valid call of each command that takes a scenario
    "run": ["run", *TINY, "--quiet"],
    "sweep": ["sweep", *TINY, "--grid", "bass_q=0.3,0.4", "--workers", "1"],
    "sensitivity": ["sensitivity", *TINY, "--method", "morris", "--param", "bass_q=0.2:0.5",
                    "--output", "final_share_online", "--trajectories", "2", "--workers", "1"],
    "calibrate": ["calibrate", *TINY, "--data", "{data}", "--target", "share_online",
                  "--params", "social_weight=0.5:3", "--points", "2", "--replicates", "1",
                  "--final-replicates", "1", "--workers", "1"],
}
UNWRITABLE = "/proc/market-abm-nowhere/out"  # cannot be created, even by root


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def fails(argv: list[str], capsys, *words: str, status: int = 2) -> str:
    """Run the command line in this process; assert the failure contract; return the line."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == status, (code, err)
    assert len(lines) == 1, err
    assert "Traceback" not in err and "error" in lines[0], err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def previous_run(tmp_path_factory) -> Path:
    """A finished tiny run, the 'previous result' that bad input must leave intact."""
    out = tmp_path_factory.mktemp("previous") / "run"
    assert main(["run", *TINY, "--quiet", "--seed", "3", "--out", str(out)]) == 0
    return out


@pytest.fixture
def data(tmp_path) -> Path:
    """A valid observed series for calibrate."""
    path = tmp_path / "obs.csv"
    path.write_text("year,value\n1990,0.01\n1991,0.02\n")
    return path


def call(command: str, data: Path, *extra: str) -> list[str]:
    return [a.replace("{data}", str(data)) for a in COMMANDS[command]] + list(extra)


# --- scenario values, every command that takes a scenario ----------------------------------
SETS = [
    (["--set", "n_custmers=300"], ["unknown parameter 'n_custmers'"]),
    (["--set", "n_customers=5"], ["n_customers", "greater than or equal to 10"]),
    (["--set", "n_customers=300.5"], ["n_customers", "must be an integer", "300.5"]),
    (["--set", 'n_customers="300"'], ["n_customers", "must be an integer", "'300'"]),
    (["--set", "printer_capability_growth=true"], ["printer_capability_growth",
                                                   "must be a number", "True"]),
    (["--set", "dynamic_pricing=no"], ["dynamic_pricing", "true or false", "'no'"]),
    (["--set", "population_households=inf"], ["population_households", "finite"]),
    (["--set", "population_households=nan"], ["population_households", "finite"]),
    (["--set", "population_households=1e308"], ["population_households", "at most 1e12"]),
    (["--set", "time_value=inf"], ["time_value", "finite"]),
    (["--set", "parcel_cost=-inf"], ["parcel_cost", "finite"]),
    (["--set", "printer_price_start=inf"], ["printer_price_start", "finite"]),
    (["--set", "end_year=1980"], ["end_year", ">= start_year"]),
    (["--set", "social_network=ring"], ["social_network", "watts_strogatz"]),
    (["--set", "n_customers"], ["--set expects key=value"]),
    (["--seed", "-1"], ["--seed", "[0, 2**63)", "-1"]),
    (["--seed", "1.5"], ["--seed", "invalid int value"]),
    (["--seed", "true"], ["--seed", "invalid int value"]),
    (["--no-such-flag"], ["unrecognized arguments"]),
]


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("extra, words", SETS, ids=[" ".join(e) for e, _ in SETS])
def test_bad_scenario_values(command, extra, words, tmp_path, data, capsys):
    out = tmp_path / "out"
    fails(call(command, data, *extra, "--out", str(out)), capsys, *words)
    assert not out.exists() and not hidden(tmp_path)


# --- scenario files, every command that takes a scenario -------------------------------------
FILES = [
    ("both.toml", b"n_customers = 500\n[scenario]\nbass_q = 0.3\n",
     ["both.toml", "'n_customers' is outside the [scenario] table"]),
    ("five.toml", b"scenario = 5\n", ["five.toml", "'scenario' must be a table", "a number"]),
    ("null.yaml", b"scenario: null\n", ["null.yaml", "'scenario' must be a table", "null"]),
    ("list.yaml", b"- n_customers\n", ["list.yaml", "expected a table", "a list"]),
    ("latin1.toml", "# caf\u00e9\nn_customers = 500\n".encode("latin-1"),
     ["latin1.toml", "not UTF-8 text"]),
    ("bool.toml", b"printer_capability_growth = true\n",
     ["printer_capability_growth", "must be a number"]),
    ("text.toml", b'n_producers = "30"\n', ["n_producers", "must be an integer"]),
    ("word.yaml", b"dynamic_pricing: 'no'\n", ["dynamic_pricing", "true or false"]),
    ("inf.yaml", b"population_households: .inf\n", ["population_households", "finite"]),
    ("bad.toml", b"n_customers = = 3\n", ["bad.toml", "malformed"]),
    ("scenario.txt", b"n_customers = 3\n", ["scenario.txt", "use .toml, .yaml or .yml"]),
    ("folder.toml", None, ["folder.toml", "is a folder"]),
    ("missing.toml", False, ["missing.toml", "not found"]),
]


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("name, content, words", FILES, ids=[f[0] for f in FILES])
def test_bad_scenario_files(command, name, content, words, tmp_path, data, capsys):
    path = tmp_path / name
    if content is None:
        path.mkdir()
    elif content is not False:
        path.write_bytes(content)
    out = tmp_path / "out"
    argv = call(command, data, "--out", str(out))
    fails([*argv[:1], "--scenario", str(path), *argv[1:]], capsys, *words)
    assert not out.exists() and not hidden(tmp_path)


# --- output folders, every command that writes one -------------------------------------------
@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_folder_that_cannot_be_created(command, data, capsys):
    fails(call(command, data, "--out", UNWRITABLE), capsys, f"--out {UNWRITABLE} cannot be "
          "created")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_that_is_a_file(command, tmp_path, data, capsys):
    out = tmp_path / "out"
    out.write_text("mine")
    fails(call(command, data, "--out", str(out)), capsys, f"--out {out} exists and is not a "
          "folder")
    assert out.read_text() == "mine"


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_folder_with_files_market_abm_did_not_write(command, overwrite, tmp_path, data,
                                                            capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    fails(call(command, data, *overwrite, "--out", str(out)), capsys,
          "holds files market-abm did not write (notes.txt)")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_folder_of_another_job(command, tmp_path, previous_run, data, capsys):
    out = tmp_path / "out"
    shutil.copytree(previous_run, out)
    before = snapshot(out)
    line = fails(call(command, data, "--out", str(out)), capsys, f"--out {out} holds a run",
                 "add --overwrite to replace it")
    assert ("with other settings" in line) == (command == "run")
    assert snapshot(out) == before


def test_bad_input_into_a_previous_result_leaves_it_intact(tmp_path, previous_run, capsys):
    out = tmp_path / "out"
    shutil.copytree(previous_run, out)
    before = snapshot(out)
    for extra in (["--set", "population_households=inf"], ["--seed", "-1"],
                  ["--scenario", str(tmp_path)]):
        fails(["run", *TINY, *extra, "--overwrite", "--out", str(out)], capsys)
    assert snapshot(out) == before


# --- run ------------------------------------------------------------------------------------
@pytest.mark.parametrize("extra, words", [
    (["--entropy", "-1"], ["--entropy", "[0, 2**63)"]),
    (["--entropy", str(2**63)], ["--entropy", "[0, 2**63)"]),
    (["--entropy", "7", "--spawn-key", "x"], ["--spawn-key", "integers"]),
    (["--entropy", "7", "--spawn-key", "-2"], ["--spawn-key", "[0, 2**63)"]),
    (["--spawn-key", "3"], ["--spawn-key needs --entropy"]),
])
def test_bad_run_seeds(extra, words, tmp_path, capsys):
    out = tmp_path / "out"
    fails(["run", *TINY, *extra, "--out", str(out)], capsys, *words)
    assert not out.exists()


# --- sweep ----------------------------------------------------------------------------------
@pytest.mark.parametrize("extra, words", [
    (["--grid", "printer_capability_growth=true,false"], ["printer_capability_growth",
                                                          "must be a number", "True"]),
    (["--grid", 'n_producers="100",200'], ["n_producers", "must be an integer", "'100'"]),
    (["--grid", "bass_q=0.3,nan"], ["bass_q", "finite"]),
    (["--grid", "bass_q=0.3,inf"], ["bass_q", "finite"]),
    (["--grid", "population_households=1e308"], ["population_households", "at most 1e12"]),
    (["--grid", "dynamic_pricing=1,0"], ["dynamic_pricing", "true or false"]),
    (["--grid", "n_custmers=100,200"], ["unknown parameter 'n_custmers'"]),
    (["--lhs", "3", "--range", "bass_q=0:inf"], ["--range bass_q", "finite"]),
    (["--lhs", "3", "--range", "bass_q=nan:1"], ["--range bass_q", "finite"]),
    (["--lhs", "0", "--range", "bass_q=0.1:0.2"], ["--lhs", "at least one point"]),
    (["--replicates", "0"], ["--replicates must be at least 1"]),
    (["--replicates", "10000000"], ["--replicates 10000000", "more than the 1,000,000"]),
    (["--replicates", "500000", "--set", "end_year=2200"], ["--replicates 500000",
                                                           "of memory"]),
    (["--lhs", "5000000", "--range", "bass_q=0.1:0.2"], ["--lhs 5000000",
                                                       "more than the 1,000,000"]),
    (["--grid", "bass_q=" + ",".join(["0.3"] * 2000), "--grid",
      "bass_p=" + ",".join(["0.03"] * 2000)], ["--grid", "4,000,000 runs"]),
    (["--workers", "0"], ["--workers must be at least 1"]),
    (["--workers", "100000"], ["--workers must be at most"]),
    (["--seed", str(2**63)], ["--seed", "[0, 2**63)"]),
])
def test_bad_sweep_input(extra, words, tmp_path, capsys):
    out = tmp_path / "out"
    fails(["sweep", *TINY, *extra, "--out", str(out)], capsys, *words)
    assert not out.exists() and not hidden(tmp_path)


@pytest.mark.parametrize("content, words", [
    (b"bass_q\nnan\n", ["design point 0", "bass_q", "finite"]),
    (b"bass_q\ninf\n", ["design point 0", "bass_q", "finite"]),
    (b"printer_capability_growth\ntrue\n", ["printer_capability_growth", "must be a number"]),
    (b"n_producers\n'100'\n", ["n_producers", "must be an integer"]),
    (b"n_producers\n100.5\n", ["n_producers", "must be an integer"]),
    ("bass_q\n0.3 # caf\u00e9\n".encode("latin-1"), ["design file", "unreadable"]),
    (None, ["design file", "is a folder"]),
])
def test_bad_design_files(content, words, tmp_path, capsys):
    design = tmp_path / "design.csv"
    if content is None:
        design.mkdir()
    else:
        design.write_bytes(content)
    out = tmp_path / "out"
    fails(["sweep", *TINY, "--design", str(design), "--workers", "1", "--out", str(out)],
          capsys, *words)
    assert not out.exists()


# --- sensitivity ----------------------------------------------------------------------------
@pytest.mark.parametrize("extra, words", [
    (["--param", "bass_q=0:inf"], ["--param bass_q", "finite"]),
    (["--param", "bass_q=0.1:50"], ["bass_q", "less than or equal to 12"]),
    (["--param", "dynamic_pricing=0:1"], ["dynamic_pricing", "true or false"]),
    (["--trajectories", "10000000"], ["--trajectories 10000000", "more than the 1,000,000"]),
    (["--trajectories", "1"], ["--trajectories must be at least 2"]),
    (["--replicates", "0"], ["--replicates must be at least 1"]),
    (["--output", "final_share_onlin"], ["unknown --output 'final_share_onlin'"]),
])
def test_bad_sensitivity_input(extra, words, tmp_path, capsys):
    base = ["sensitivity", *TINY, "--method", "morris", "--workers", "1"]
    if not any(e.startswith("--param") for e in extra):
        base += ["--param", "bass_q=0.2:0.5"]
    if "--output" not in extra:
        base += ["--output", "final_share_online"]
    out = tmp_path / "out"
    fails([*base, *extra, "--out", str(out)], capsys, *words)
    assert not out.exists()


def test_sobol_sample_size_is_refused_before_sampling(tmp_path, capsys):
    out = tmp_path / "out"
    fails(["sensitivity", *TINY, "--method", "sobol", "--param", "bass_q=0.2:0.5",
           "--output", "final_share_online", "--samples", str(2**30), "--out", str(out)],
          capsys, f"--samples {2**30}", "more than the 1,000,000")
    assert not out.exists()


# --- calibrate ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, words", [
    ("year,value\n1990,0.01\n1991,\n", ["line 3", "value must be a finite number", "''"]),
    ("year,value\n1990,0.01\n1991,nan\n", ["line 3", "finite", "'nan'"]),
    ("year,value\n1990,0.01\n1991,NaN\n", ["line 3", "finite", "'NaN'"]),
    ("year,value\n1990,inf\n1991,0.02\n", ["line 2", "finite", "'inf'"]),
    ("year,value\n1990,nan\n1991,nan\n", ["line 2", "finite"]),  # all NaN
    ("year,value\n1990,0.01\n1991.7,0.02\n", ["line 3", "year must be a whole number",
                                              "'1991.7'"]),
    ("year,value\n1990,0.01\nsoon,0.02\n", ["line 3", "year must be a whole number"]),
    ("year,value\n1990,0.01\n1991,1%\n", ["line 3", "finite number", "'1%'"]),
    ("year,value\n1990,0.01\n1990,0.02\n", ["a year appears twice"]),
    ("year,value\n", ["has no rows"]),
    ("", ["is empty"]),
    ("when,share\n1990,0.01\n", ["expected the columns year,value"]),
    ("year,value\n1990,0.01,7\n", ["line 2", "3 values for the 2 columns"]),
    ('year,value\n1990,"0.01\n', ["not a UTF-8 CSV", "unexpected end of data"]),
    ("year,value\n3000,0.01\n", ["years must be in 1900-2200"]),
    ("year,value\n1985,0.01\n", ["data starts in 1985, before the scenario's start_year"]),
])
def test_bad_calibration_data(text, words, tmp_path, capsys):
    path = tmp_path / "obs.csv"
    path.write_text(text)
    out = tmp_path / "out"
    fails(call("calibrate", path, "--out", str(out)), capsys, *words)
    assert not out.exists()


def test_calibration_data_not_utf8_missing_or_a_folder(tmp_path, capsys):
    out = tmp_path / "out"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("year,value\n1990,0.01 # caf\u00e9\n".encode("latin-1"))
    fails(call("calibrate", latin, "--out", str(out)), capsys, "latin.csv", "not a UTF-8 CSV")
    fails(call("calibrate", tmp_path / "nope.csv", "--out", str(out)), capsys,
          "data file not found")
    fails(call("calibrate", tmp_path, "--out", str(out)), capsys, "is a folder")
    assert not out.exists()


@pytest.mark.parametrize("extra, words", [
    (["--forecast-to", "2500"], ["--forecast-to 2500", "end_year", "less than or equal to "
                                                                   "2200"]),
    (["--forecast-to", "1991"], ["--forecast-to must be after the last observed year 1991"]),
    (["--params", "social_weight=0.5:inf"], ["--params", "finite"]),
    (["--params", "social_weight=0.5:100"], ["--params corner 1", "social_weight",
                                             "less than or equal to 50"]),
    (["--params", "social_weight=0.5:3,social_weight=1:2"], ["'social_weight' is given "
                                                              "twice"]),
    (["--params", "dynamic_pricing"], ["'dynamic_pricing' is not numeric"]),
    (["--params", "warp_speed"], ["unknown parameter 'warp_speed'"]),
    (["--target", "share_teleport"], ["--target 'share_teleport' is not a model column"]),
    (["--points", "0"], ["--points must be at least 1"]),
    (["--final-replicates", "0"], ["--final-replicates must be at least 1"]),
    (["--points", "10000000"], ["--points", "more than the 1,000,000"]),
    (["--seed", "-1"], ["--seed", "[0, 2**63)"]),
])
def test_bad_calibration_options(extra, words, tmp_path, data, capsys):
    argv = call("calibrate", data)
    for flag in ("--params", "--target"):  # an option given again replaces the default
        if flag in extra and flag in argv:
            i = argv.index(flag)
            del argv[i:i + 2]
    out = tmp_path / "out"
    fails([*argv, *extra, "--out", str(out)], capsys, *words)
    assert not out.exists()


# --- network --------------------------------------------------------------------------------
@pytest.fixture
def run_copy(tmp_path, previous_run) -> Path:
    run = tmp_path / "run"
    shutil.copytree(previous_run, run)
    return run


def network(run: Path, out: Path, *extra: str) -> list[str]:
    return ["network", "--run", str(run), "--year", "1991", "--format", "json",
            "--out", str(out), *extra]


@pytest.mark.parametrize("damage, words", [
    (lambda run: (run / "flows.parquet").write_bytes(b""), ["flows.parquet is unreadable"]),
    (lambda run: (run / "firms.parquet").write_bytes(
        (run / "firms.parquet").read_bytes()[:500]), ["firms.parquet is unreadable"]),
    (lambda run: (run / "flows.parquet").write_text("year,kind\n"), ["flows.parquet is "
                                                                      "unreadable"]),
    (lambda run: pd.DataFrame({"year": [1991]}).to_parquet(run / "flows.parquet"),
     ["flows.parquet lacks the column"]),
    (lambda run: (run / "manifest.json").write_text('{"scenario": '),
     ["manifest.json is damaged"]),
    (lambda run: (run / "manifest.json").write_text('{"seed": 3}'),
     ["manifest.json is damaged"]),
    (lambda run: (run / "manifest.json").write_text('{"scenario": {"segment_grid": true}}'),
     ["manifest.json is damaged"]),
    (lambda run: (run / "manifest.json").write_bytes(b"\xff\xfe{}"),
     ["manifest.json is damaged"]),
    (lambda run: (run / "flows.parquet").unlink(), ["flows.parquet missing"]),
])
def test_damaged_run_for_network(damage, words, run_copy, tmp_path, capsys):
    damage(run_copy)
    out = tmp_path / "g.json"
    fails(network(run_copy, out), capsys, f"--run {run_copy}", *words)
    assert not out.exists()


def test_network_of_mixed_runs(run_copy, tmp_path, capsys):
    other = tmp_path / "other"
    assert main(["run", *TINY, "--quiet", "--seed", "9", "--set", "n_producers=20",
                 "--out", str(other)]) == 0
    shutil.copy(other / "flows.parquet", run_copy / "flows.parquet")
    capsys.readouterr()
    out = tmp_path / "g.json"
    fails(network(run_copy, out), capsys, "do not make a network")
    assert not out.exists()


@pytest.mark.parametrize("target, extra, words", [
    ("run/manifest.json", [], ["is inside", "a folder of market-abm results"]),
    ("run/manifest.json", ["--overwrite"], ["is inside", "a folder of market-abm results"]),
    ("run/g.json", [], ["is inside", "a folder of market-abm results"]),
    ("taken.json", [], ["exists", "add --overwrite to replace it"]),
    ("run", [], ["is a folder; give a file name"]),
])
def test_network_output_that_would_overwrite(target, extra, words, run_copy, tmp_path,
                                             capsys):
    (tmp_path / "taken.json").write_text("mine")
    before = snapshot(tmp_path)
    fails(network(run_copy, tmp_path / target, *extra), capsys, *words)
    assert snapshot(tmp_path) == before


def test_network_output_that_cannot_be_created(run_copy, capsys):
    fails(network(run_copy, Path(UNWRITABLE) / "g.json"), capsys, "cannot be created")


@pytest.mark.parametrize("extra, words", [
    (["--year", "2100"], ["--year 2100 is outside the run (1990-1991)"]),
    (["--year", "1991.5"], ["--year '1991.5' is not a calendar year"]),
    (["--format", "dot"], ["--format 'dot' is unknown"]),
])
def test_bad_network_options(extra, words, run_copy, tmp_path, capsys):
    argv = network(run_copy, tmp_path / "g.json")
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        argv[argv.index(flag) + 1] = value
    fails(argv, capsys, *words)
    assert not (tmp_path / "g.json").exists()


# --- app ------------------------------------------------------------------------------------
def test_bad_app_port(capsys):
    fails(["app", "--port", "70000"], capsys, "--port must be in 0-65535")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        fails(["app", "--port", str(port)], capsys, f"--port {port} cannot be used")


# --- a handful as real processes ------------------------------------------------------------
def test_real_processes_fail_with_one_line(tmp_path, previous_run):
    latin = tmp_path / "latin.toml"
    latin.write_bytes("# caf\u00e9\n".encode("latin-1"))
    nan = tmp_path / "nan.csv"
    nan.write_text("year,value\n1990,nan\n")
    flows = tmp_path / "run"
    shutil.copytree(previous_run, flows)
    (flows / "flows.parquet").write_bytes(b"PAR1")
    out = tmp_path / "out"
    cases = [
        (["run", "--scenario", str(latin)], "not UTF-8 text"),
        (["sweep", *TINY, "--replicates", "10000000"], "more than the 1,000,000"),
        (["sensitivity", *TINY, "--method", "morris", "--param", "bass_q=0.2:0.5",
          "--output", "final_share_online", "--seed", "-1"], "--seed"),
        (["calibrate", "--data", str(nan), "--target", "share_online"], "finite"),
        (["network", "--run", str(flows), "--year", "1991", "--format", "json"],
         "flows.parquet is unreadable"),
    ]
    for argv, word in cases:
        done = subprocess.run([sys.executable, "-m", "market_abm.cli", *argv, "--out",
                               str(out)], capture_output=True, text=True, timeout=120)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, (argv, done.stderr)
        assert len(lines) == 1 and word in lines[0], (argv, done.stderr)
        assert not out.exists()
    assert json.loads((previous_run / "manifest.json").read_text())["seed"] == 3
