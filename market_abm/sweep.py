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
  sweep killed at any moment (even SIGKILL) resumes where it stopped and runs each run once.
  On resume each stored file is checked (readable, its run_id, its years, the yearly
  columns); a damaged one is run again, with a line saying so;
- ``yearly.parquet``: all run files together, one row per run and year;
- ``runs.parquet``: one row per run: ``run_id``, ``point``, the varying parameters,
  ``replicate``, ``seed_entropy``, ``seed_spawn_key``, and ``final_<column>`` for each yearly
  column (the final year's value, i.e. the mean over the final year of the timeseries column),
  then the regime and timing outputs of ``market_abm.regimes`` (``regime_3d``,
  ``year_3d_passes_10pct``, ``year_stores_halve``, ``year_carriers_peak``, and with
  ``network=True`` ``year_platform_most_central``) at their default thresholds.

The yearly table of a run is the yearly mean of each numeric timeseries column, plus from the
flow ledger ``customer_price_<channel>`` ($ customers paid per unit bought on that channel,
all categories together; for home printing the design plus its material) and from the firm
table ``firm_profit_<role>`` and ``firm_revenue_<role>`` ($ / year, summed over active firms).
With ``network=True`` (``market-abm sweep --network``) it also holds the supply-network
metrics of every year (``market_abm.network.network_metrics``) as ``network_<metric>``.

The folder is claimed with a lock file (``market_abm.outdir``): a second process on the same
folder stops at once, and a folder holding anything but this same sweep is refused. A sweep
larger than ``MAX_RUNS`` runs, or whose tables would not fit in the memory or on the disk of
this machine (``check_size``), is refused before anything starts.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from market_abm.agents import FIRM_ROLES
from market_abm.errors import SizeError, UsageError
from market_abm.indicators import yearly as yearly_means
from market_abm.market import CHANNELS
from market_abm.outdir import Claim, Job, inspect, is_temporary
from market_abm.regimes import outcome_table
from market_abm.runner import RunResult, simulate
from market_abm.scenario import Scenario, scenario_to_toml
from market_abm.storage import atomic_write, manifest, write_json, write_parquet

DROP_COLUMNS = ("step", "month")
# (flow kind, source role) of what customers pay on each channel; units from the first entry.
CHANNEL_FLOWS = {"retail": [("goods", "retailer")], "online": [("parcel", "logistician")],
                 "home_print": [("design", "platform"), ("material", "material_supplier")],
                 "print_service": [("print_job", "print_hub")]}
PROGRESS_EVERY_S = 10.0
MAX_RUNS = 1_000_000  # one file per run in one folder
# What gathering a sweep costs: a run's bookkeeping (task, seed, future) and, per run and
# year, each yearly column three times over (the run frames, their concatenation, Arrow).
RUN_OVERHEAD_BYTES = 20_000
SWEEP_FILES = frozenset({"manifest.json", "scenario.toml", "runs", "runs.parquet",
                         "yearly.parquet"})
RUN_FILE = re.compile(r"^run_(\d{6,})\.parquet$")


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
            raise UsageError(f"replicates must be at least 1, got {self.replicates}")
        if not 0 <= self.root_seed < 2**63:
            raise UsageError(f"the root seed must be in [0, 2**63), got {self.root_seed}")
        if not self.points:
            raise UsageError("the design has no points")
        check_size(self.n_runs, max(s.end_year - s.start_year + 1 for s in self.scenarios),
                   self.network)

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


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.3g} {unit}"
        n /= 1000
    return ""


def footprint(n_runs: int, n_years: int, network: bool = False) -> tuple[int, int]:
    """(memory, disk) in bytes a sweep of ``n_runs`` runs of ``n_years`` years needs to gather
    its tables: an upper estimate (Parquet compresses the files well below it)."""
    cells = n_runs * n_years * len(yearly_columns(network)) * 8
    return n_runs * RUN_OVERHEAD_BYTES + 3 * cells, 2 * cells


def check_size(n_runs: int, n_years: int, network: bool = False,
               folder: Path | None = None) -> None:
    """SizeError if the sweep holds more than MAX_RUNS runs, or if gathering its tables would
    take more than 80 % of the memory available now (or more than the free disk under
    ``folder``). Call it before sampling a design: it costs nothing."""
    import psutil

    if n_runs > MAX_RUNS:
        raise SizeError(f"{n_runs:,} runs is more than the {MAX_RUNS:,} a sweep may hold "
                        "(one file per run in one folder): split it into several sweeps")
    memory, disk = footprint(n_runs, n_years, network)
    available = psutil.virtual_memory().available
    if memory > 0.8 * available:
        raise SizeError(f"{n_runs:,} runs of {n_years} years need about {_size(memory)} of "
                        f"memory to gather, more than the {_size(available)} available here: "
                        "split it into several sweeps")
    if folder is not None:
        place = next(p for p in (folder, *folder.absolute().parents) if p.exists())
        usage = shutil.disk_usage(place)
        free = usage.free
        if usage.total > 0 and disk > free:  # total 0: not a disk (/proc), claiming will say
            raise SizeError(f"{n_runs:,} runs of {n_years} years need up to {_size(disk)} "
                            f"of disk, more than the {_size(free)} free under {place}")


def sweep_job(sweep: Sweep, also_writes: tuple[str, ...] = ()) -> Job:
    """What a sweep writes into its folder (see outdir.Claim)."""

    def stray_run_file(folder: Path) -> str | None:
        runs = folder / "runs"
        if not runs.is_dir():
            return None
        for path in sorted(runs.iterdir()):
            match = RUN_FILE.match(path.name)
            if not is_temporary(path) and (match is None or int(match[1]) >= sweep.n_runs):
                return f"runs/{path.name}"
        return None

    return Job(str(sweep.info.get("kind", "sweep")), sweep.fingerprint(),
               SWEEP_FILES | frozenset(also_writes), stray_run_file)


def check_out(out: Path, sweep: Sweep, overwrite: bool = False,
              also_writes: tuple[str, ...] = ()) -> None:
    """Refuse, without writing anything, a folder that is a file, holds files market_abm did
    not write, or (unless ``overwrite``) another job's results (OutputError)."""
    inspect(out, sweep_job(sweep, also_writes), overwrite)


@functools.cache
def yearly_columns(network: bool = False) -> tuple[str, ...]:
    """The columns of a run's yearly table (from a one-year run of a tiny market)."""
    from market_abm.scenario import load_scenario

    probe = load_scenario("baseline", {"n_customers": 100, "end_year": 1990})
    return tuple(run_one((0, probe.model_dump(), 0, 0, network)).columns)


def damage(path: Path, run_id: int, scenario: Scenario, network: bool) -> str | None:
    """Why a stored run file cannot be used (None if it is sound)."""
    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # any reader failure: empty, truncated, not Parquet
        text = str(exc).strip()
        return f"unreadable: {text.splitlines()[0] if text else type(exc).__name__}"
    if tuple(table.columns) != yearly_columns(network):
        return "not the yearly columns of a run"
    if not (table["run_id"] == run_id).all():
        return f"it holds run_id {table['run_id'].iloc[0] if len(table) else 'none'}"
    years = list(range(scenario.start_year, scenario.end_year + 1))
    if table["year"].tolist() != years:
        return f"{len(table)} years instead of {len(years)}"
    return None


def stored_runs(out: Path, sweep: Sweep, log=print) -> set[int]:
    """run_ids whose stored file is sound. Temporary files of a killed sweep are removed;
    a damaged file is removed (to be run again) with a line saying so."""
    folder = out / "runs"
    if not folder.is_dir():
        return set()
    done = set()
    for path in sorted(folder.iterdir()):
        match = RUN_FILE.match(path.name)
        if is_temporary(path):
            path.unlink(missing_ok=True)
        elif match is not None and int(match[1]) < sweep.n_runs:
            k = int(match[1])
            problem = damage(path, k, sweep.scenarios[k // sweep.replicates], sweep.network)
            if problem is None:
                done.add(k)
            else:
                log(f"sweep: runs/{path.name} is damaged ({problem}): running it again")
                path.unlink()
    return done


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
    runs = runs.merge(outcome_table(yearly), on="run_id", how="left", validate="one_to_one")
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


def run_sweep(out: Path, sweep: Sweep, engine, log=print, progress_stream=None,
              overwrite: bool = False, also_writes: tuple[str, ...] = (),
              then=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every run of ``sweep`` not yet stored in ``out`` on ``engine``, then consolidate.

    The folder is claimed (lock file, this same sweep or empty; ``overwrite`` replaces
    another job's results) for the whole sweep. Call ``check_out(out, sweep)`` first (before
    opening the engine) so a wrong folder fails before anything starts. ``also_writes``:
    names the caller writes into the folder besides the sweep's; ``then(runs)`` is called
    with the runs table while the folder is still held (to write them). Returns (runs,
    yearly) as written.
    """
    with Claim(out, sweep_job(sweep, also_writes), overwrite):
        write_manifest(out, sweep, "running")  # first: it marks the folder as this sweep's
        (out / "runs").mkdir(exist_ok=True)
        text = scenario_to_toml(sweep.base)
        atomic_write(out / "scenario.toml", lambda tmp: tmp.write_text(text))
        done = stored_runs(out, sweep, log)
        tasks = [t for t in sweep.tasks() if t[0] not in done]
        log(f"sweep: {sweep.n_runs} runs ({len(sweep.points)} points x {sweep.replicates} "
            f"replicates), {len(done)} already stored, {len(tasks)} to run on "
            f"{engine.description}")
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
        if then is not None:
            then(runs)
    elapsed = time.monotonic() - start
    rate = f", {len(tasks) / elapsed:.2f} runs/s" if tasks and elapsed > 0 else ""
    log(f"sweep: wrote {out}/runs.parquet ({len(runs)} runs), yearly.parquet, manifest.json "
        f"in {elapsed:.1f} s{rate}")
    return runs, yearly
