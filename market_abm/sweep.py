"""Sweeps: many runs of a design (parameter sets × replicates), resumable and engine-agnostic.

Seeds: one root seed per sweep. Run ``k`` (its ``run_id``) gets the child
``SeedSequence(root).spawn(n_runs)[k]``, that is ``SeedSequence(root, spawn_key=(k,))``; its
entropy and spawn key are stored with the run, so
``market-abm run --scenario DIR/scenario.toml --set <its parameters> --entropy ROOT --spawn-key k``
reruns it alone. Runs are numbered point by point, replicates innermost.

Files in the output folder ``DIR``:

- ``manifest.json``: design, root seed, replicates, base scenario, fingerprint, package
  versions, git commit, command line, status (``running`` or ``complete``);
- ``scenario.toml``: the base scenario (every parameter), for reruns;
- ``runs/run_<run_id>.parquet``: the yearly table of one finished run, written atomically the
  moment its result arrives. A rerun of the same command skips the runs already there, so a
  sweep killed at any moment (even SIGKILL) resumes where it stopped and runs each run once;
- ``yearly.parquet``: all run files together, one row per run and year;
- ``runs.parquet``: one row per run: ``run_id``, ``point``, the varying parameters,
  ``replicate``, ``seed_entropy``, ``seed_spawn_key``, and ``final_<column>`` for each yearly
  column (the final year's value, i.e. the mean over the final year of the timeseries column).

The yearly table of a run is the yearly mean of each numeric timeseries column, plus from the
flow ledger ``customer_price_<channel>`` ($ customers paid per unit bought on that channel,
all categories together; for home printing the design plus its material) and from the firm
table ``firm_profit_<role>`` and ``firm_revenue_<role>`` ($ / year, summed over active firms).
With ``network=True`` (``market-abm sweep --network``) it also holds the supply-network
metrics of every year (``market_abm.network.network_metrics``) as ``network_<metric>``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from market_abm.agents import FIRM_ROLES
from market_abm.errors import UsageError
from market_abm.indicators import yearly as yearly_means
from market_abm.market import CHANNELS
from market_abm.runner import RunResult, simulate
from market_abm.scenario import Scenario, scenario_to_toml
from market_abm.storage import atomic_write, manifest, write_json, write_parquet

DROP_COLUMNS = ("step", "month")
# (flow kind, source role) of what customers pay on each channel; units from the first entry.
CHANNEL_FLOWS = {"retail": [("goods", "retailer")], "online": [("parcel", "logistician")],
                 "home_print": [("design", "platform"), ("material", "material_supplier")],
                 "print_service": [("print_job", "print_hub")]}
PROGRESS_EVERY_S = 10.0


@dataclass
class Sweep:
    """What a sweep runs: a base scenario, design points, replicates and a root seed."""

    base: Scenario
    points: list[dict[str, Any]]
    scenarios: list[Scenario]
    replicates: int = 1
    root_seed: int = 1
    info: dict[str, Any] = field(default_factory=dict)  # extra manifest fields (design kind...)
    network: bool = False  # add the supply-network metrics of every year (network_<metric>)

    def __post_init__(self) -> None:
        if self.replicates < 1:
            raise UsageError(f"--replicates must be at least 1, got {self.replicates}")
        if not 0 <= self.root_seed < 2**63:
            raise UsageError(f"--seed must be in [0, 2**63), got {self.root_seed}")
        if not self.points:
            raise UsageError("the design has no points")

    @property
    def names(self) -> list[str]:
        """The parameters that vary, in design order."""
        names: list[str] = []
        for point in self.points:
            names += [k for k in point if k not in names]
        return names

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.replicates

    def table(self) -> pd.DataFrame:
        """One row per run: run_id, point, parameters, replicate, seed entropy and spawn key."""
        children = np.random.SeedSequence(self.root_seed).spawn(self.n_runs)
        rows = []
        for p, scenario in enumerate(self.scenarios):
            for r in range(self.replicates):
                k = p * self.replicates + r
                rows.append({"run_id": k, "point": p,
                             **{n: getattr(scenario, n) for n in self.names},
                             "replicate": r, "seed_entropy": children[k].entropy,
                             "seed_spawn_key": children[k].spawn_key[0]})
        return pd.DataFrame(rows).astype({"seed_entropy": "int64", "seed_spawn_key": "int64"})

    def tasks(self) -> list[tuple[int, dict[str, Any], int, int, bool]]:
        """(run_id, scenario values, seed entropy, spawn key, network) for every run."""
        return [(k, self.scenarios[k // self.replicates].model_dump(), self.root_seed, k,
                 self.network) for k in range(self.n_runs)]

    def fingerprint(self) -> str:
        """A hash of everything that determines the runs: resuming needs the same one."""
        fields = {"base": self.base.model_dump(), "points": self.scenarios_dump(),
                  "replicates": self.replicates, "root_seed": self.root_seed}
        if self.network:
            fields["network"] = True
        text = json.dumps(fields, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def scenarios_dump(self) -> list[dict[str, Any]]:
        return [{n: getattr(s, n) for n in self.names} for s in self.scenarios]


def yearly_table(result: RunResult) -> pd.DataFrame:
    """One row per year: timeseries yearly means, customer prices by channel, firm money."""
    ts = result.timeseries.drop(columns=[c for c in DROP_COLUMNS if c in result.timeseries])
    yearly = yearly_means(ts)
    years = yearly.index
    flows = result.flows[result.flows["dst_role"] == "customers"]
    paid = flows.groupby(["kind", "src_role", "year"])[["units", "value"]].sum()
    for channel in CHANNELS:
        parts = CHANNEL_FLOWS[channel]
        units = pd.Series(0.0, index=years)
        value = pd.Series(0.0, index=years)
        for i, key in enumerate(parts):
            if key in paid.index.droplevel("year"):
                part = paid.loc[key].reindex(years, fill_value=0.0)
                value += part["value"]
                if i == 0:
                    units += part["units"]
        yearly[f"customer_price_{channel}"] = (value / units.where(units > 0)).astype(float)
    money = result.firms.groupby(["role", "year"])[["profit", "revenue"]].sum()
    for role in FIRM_ROLES:
        part = (money.loc[role].reindex(years, fill_value=0.0) if role in money.index.levels[0]
                else pd.DataFrame({"profit": 0.0, "revenue": 0.0}, index=years))
        yearly[f"firm_profit_{role}"] = part["profit"].astype(float)
        yearly[f"firm_revenue_{role}"] = part["revenue"].astype(float)
    return yearly.reset_index()


def network_table(result: RunResult) -> pd.DataFrame:
    """The yearly supply-network metrics of a run (market_abm.network), prefixed network_."""
    from market_abm.network import network_metrics

    metrics = network_metrics(result.flows, result.firms, result.exited,
                              result.scenario.segment_grid ** 2)
    return metrics.rename(columns={c: f"network_{c}" for c in metrics.columns if c != "year"})


def run_one(task: tuple[int, dict[str, Any], int, int, bool]) -> pd.DataFrame:
    """Run one task of a sweep and return its yearly table (with run_id first)."""
    run_id, values, entropy, key, network = task
    seed = np.random.SeedSequence(entropy, spawn_key=(key,))
    result = simulate(Scenario(**values), seed)
    table = yearly_table(result)
    if network:
        net = network_table(result).astype({"year": table["year"].dtype})
        table = table.merge(net, on="year", how="left", validate="one_to_one")
    table.insert(0, "run_id", run_id)
    return table


def run_path(out: Path, run_id: int) -> Path:
    return out / "runs" / f"run_{run_id:06d}.parquet"


def _is_temporary(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp")


def check_out(out: Path, sweep: Sweep) -> None:
    """Refuse an output folder that is a file, or holds anything but this same sweep."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    if not out.is_dir():
        return
    man = out / "manifest.json"
    if man.is_file():
        try:
            stored = json.loads(man.read_text()).get("fingerprint")
        except (OSError, ValueError):
            raise UsageError(f"--out {out}: manifest.json is unreadable") from None
        if stored != sweep.fingerprint():
            raise UsageError(f"--out {out} holds a different sweep (other design, replicates, "
                             "seed or base scenario): choose a new folder")
    elif any(not _is_temporary(p) and not _runs_without_results(p) for p in out.iterdir()):
        raise UsageError(f"--out {out} exists and is not a sweep folder")


def _runs_without_results(path: Path) -> bool:
    """A runs/ folder holding at most temporary files (a sweep killed as it started)."""
    return path.name == "runs" and path.is_dir() and all(map(_is_temporary, path.iterdir()))


def done_runs(out: Path) -> set[int]:
    """run_ids whose file is stored (stray temporary files of a killed sweep are removed)."""
    folder = out / "runs"
    if not folder.is_dir():
        return set()
    for tmp in folder.iterdir():
        if _is_temporary(tmp):
            tmp.unlink(missing_ok=True)
    return {int(p.stem.removeprefix("run_")) for p in folder.glob("run_*.parquet")}


class Progress:
    """Runs done, rate and time left: a tqdm bar on a terminal, else a line every 10 s."""

    def __init__(self, total: int, done: int, stream=None):
        self.total, self.done, self.start_done = total, done, done
        self.stream = stream or sys.stderr
        self.start = self.last = time.monotonic()
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            # a terminal that reports size 0 (some ptys) would hide the bar: use 80 x 24
            size = shutil.get_terminal_size()
            self.bar = tqdm(total=total, initial=done, unit="run", file=self.stream,
                            ncols=min(size.columns, 100), nrows=size.lines, desc="sweep")

    def update(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            return
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_S or self.done == self.total:
            self.last = now
            print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float) -> str:
        rate = (self.done - self.start_done) / max(now - self.start, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        return (f"sweep: {self.done}/{self.total} runs ({self.done / self.total:.0%}), "
                f"{rate:.2f} runs/s, ~{left:.0f} s left")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def consolidate(out: Path, sweep: Sweep) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gather the run files into yearly.parquet and runs.parquet (one row per run)."""
    yearly = pd.concat([pd.read_parquet(run_path(out, k)) for k in range(sweep.n_runs)],
                       ignore_index=True)
    last = yearly.loc[yearly.groupby("run_id")["year"].idxmax()].drop(columns="year")
    last = last.rename(columns={c: f"final_{c}" for c in last.columns if c != "run_id"})
    runs = sweep.table().merge(last, on="run_id", how="left", validate="one_to_one")
    write_parquet(yearly, out / "yearly.parquet")
    write_parquet(runs, out / "runs.parquet")
    return runs, yearly


def write_manifest(out: Path, sweep: Sweep, status: str) -> None:
    fields = {"kind": "sweep", "status": status, "fingerprint": sweep.fingerprint(),
              "root_seed": sweep.root_seed, "replicates": sweep.replicates,
              "n_points": len(sweep.points), "n_runs": sweep.n_runs,
              "parameters": sweep.names, "design": sweep.scenarios_dump(),
              "base_scenario": sweep.base.model_dump(), "network": sweep.network,
              "rerun": ("market-abm run --scenario DIR/scenario.toml --set NAME=VALUE... "
                        "--entropy SEED_ENTROPY --spawn-key SEED_SPAWN_KEY --out RUNDIR")}
    fields.update(sweep.info)
    write_json(manifest(**fields), out / "manifest.json")


def run_sweep(out: Path, sweep: Sweep, engine, log=print,
              progress_stream=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every run of ``sweep`` not yet stored in ``out`` on ``engine``, then consolidate.

    Call ``check_out(out, sweep)`` first (before opening the engine) so a wrong folder fails
    before anything starts. Returns (runs, yearly) as written.
    """
    check_out(out, sweep)
    out.mkdir(parents=True, exist_ok=True)
    for tmp in out.iterdir():
        if _is_temporary(tmp):
            tmp.unlink(missing_ok=True)
    write_manifest(out, sweep, "running")  # first: it marks the folder as this sweep's
    (out / "runs").mkdir(exist_ok=True)
    text = scenario_to_toml(sweep.base)
    atomic_write(out / "scenario.toml", lambda tmp: tmp.write_text(text))
    done = done_runs(out)
    tasks = [t for t in sweep.tasks() if t[0] not in done]
    log(f"sweep: {sweep.n_runs} runs ({len(sweep.points)} points x {sweep.replicates} "
        f"replicates), {len(done)} already stored, {len(tasks)} to run on {engine.description}")
    start = time.monotonic()
    progress = Progress(sweep.n_runs, len(done), progress_stream)
    try:
        for i, table in engine.map(run_one, tasks):
            write_parquet(table, run_path(out, tasks[i][0]))
            progress.update()
    finally:
        progress.close()
    runs, yearly = consolidate(out, sweep)
    write_manifest(out, sweep, "complete")
    elapsed = time.monotonic() - start
    rate = f", {len(tasks) / elapsed:.2f} runs/s" if tasks and elapsed > 0 else ""
    log(f"sweep: wrote {out}/runs.parquet ({len(runs)} runs), yearly.parquet, manifest.json "
        f"in {elapsed:.1f} s{rate}")
    return runs, yearly
