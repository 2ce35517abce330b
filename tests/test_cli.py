"""The command line: market-abm run writes its files, same seed same files, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from market_abm.docs import parameter_table

REQUIRED = ["step", "year", "share_retail", "share_online", "share_home_print",
            "share_print_service", "active_producers", "active_retailers",
            "active_logisticians", "active_platforms", "active_print_hubs",
            "printer_owner_share", "printer_capability", "printer_price",
            "revenue_share_producer", "revenue_share_retailer", "revenue_share_logistician",
            "revenue_share_platform", "revenue_share_print_hub"]
SMALL = ["--set", "n_customers=300", "--set", "end_year=1993"]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "market_abm.cli", *args], capture_output=True,
                          text=True, timeout=300)


def test_run_writes_timeseries_manifest_and_figure(tmp_path):
    out = tmp_path / "run"
    done = cli("run", "--scenario", "baseline", *SMALL, "--seed", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "1993" in done.stdout and "retail" in done.stdout  # the yearly summary
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert set(REQUIRED) <= set(ts.columns)
    assert len(ts) == 4 * 12
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 1 and manifest["scenario"]["n_customers"] == 300
    assert {"mesa", "numpy", "market_abm"} <= set(manifest["versions"])
    assert manifest["git_commit"] and "run" in manifest["command"]
    assert (out / "channels.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(out.glob(".*tmp"))


def test_same_seed_gives_identical_files(tmp_path):
    for name, seed in (("a", "4"), ("b", "4"), ("c", "5")):
        assert cli("run", *SMALL, "--seed", seed, "--out", str(tmp_path / name),
                   "--quiet").returncode == 0
    for f in ("timeseries.parquet", "flows.parquet", "channels.png"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    assert ((tmp_path / "a" / "timeseries.parquet").read_bytes()
            != (tmp_path / "c" / "timeseries.parquet").read_bytes())


def test_bad_input_is_one_line_nonzero_and_writes_nothing(tmp_path):
    cases = [
        ["--set", "n_custmers=300"],
        ["--set", "n_customers=-3"],
        ["--scenario", "nowhere"],
        ["--scenario", str(tmp_path / "missing.toml")],
        ["--set", "end_year=1980"],
    ]
    for extra in cases:
        out = tmp_path / "never"
        done = cli("run", *extra, "--out", str(out))
        assert done.returncode == 2, extra
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "error" in lines[0], done.stderr
        assert not out.exists()


def test_parameter_docs_match_the_code():
    with open("docs/parameters.md") as fh:
        assert fh.read() == parameter_table(), "run `make docs` to regenerate docs/parameters.md"


def test_importing_the_command_line_leaves_the_heavy_libraries_unloaded():
    """The command line's import stays light (issue 26: under 1 s): Mesa, matplotlib, Dask,
    Solara, pyabc and EMA Workbench are imported by the code that uses them."""
    heavy = ("mesa", "matplotlib", "dask", "distributed", "solara", "pyabc", "ema_workbench")
    code = ("import sys, market_abm.cli; "
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
