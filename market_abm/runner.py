"""Running the model: one run from a scenario and a seed, and saving it to a folder.

A run's folder is written as a whole (``save_run``): every file goes into a temporary folder
beside it, is flushed to disk, and the folder is swapped in with one atomic rename, so a run
killed while saving leaves either the previous complete result or the new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from market_abm.outdir import Claim, Job, run_identity
from market_abm.scenario import Scenario
from market_abm.storage import atomic_write, manifest, write_json, write_parquet

RUN_FILES = ("timeseries.parquet", "flows.parquet", "firms.parquet", "network.parquet",
             "events.csv", "channels.png", "network.png", "manifest.json")
# What a run costs, from benchmarks/README.md (baseline, one core): the interpreter and
# imports, memory per customer (agents, social graph, step temporaries) and per step (the
# timeseries row), time per customer-step and per step (firms, ledger, reviews).
BASE_BYTES = 200e6
BYTES_PER_CUSTOMER = 1_750
BYTES_PER_STEP = 5_000
SECONDS_PER_CUSTOMER_STEP = 0.45e-6
SECONDS_PER_STEP = 2e-3


@dataclass
class RunResult:
    """What one run produced: the step table, the yearly flow ledger, firms and exits."""

    scenario: Scenario
    seed: int | np.random.SeedSequence
    timeseries: pd.DataFrame
    flows: pd.DataFrame
    firms: pd.DataFrame
    exited: pd.DataFrame = field(default_factory=lambda: _exits([]))  # year, role, id


def _exits(exited) -> pd.DataFrame:
    from market_abm.network import exits_frame  # networkx and the roles, when a run has ended

    return exits_frame(exited)


def seed_info(seed: int | np.random.SeedSequence) -> dict:
    """How a run was seeded, for manifests: an int seed, or a SeedSequence's entropy and key."""
    if isinstance(seed, np.random.SeedSequence):
        return {"seed_entropy": seed.entropy, "seed_spawn_key": list(seed.spawn_key)}
    return {"seed": seed}


def simulate(scenario: Scenario, seed: int | np.random.SeedSequence,
             on_year: Callable[[pd.Series], None] | None = None) -> RunResult:
    """Run ``scenario`` from start_year to end_year with ``seed``.

    ``seed`` is an int, or a SeedSequence (a sweep's run: SeedSequence(entropy, spawn_key=key)
    is the child SeedSequence(entropy).spawn(...)[key]). ``on_year`` is called with the yearly
    mean of the timeseries after each simulated year (progress reporting).
    """
    from market_abm.model import MarketModel  # Mesa and the model: imported when a run starts

    rng = np.random.default_rng(seed) if isinstance(seed, np.random.SeedSequence) else seed
    model = MarketModel(scenario, rng=rng)
    steps_per_year = scenario.steps_per_year
    for _ in range(scenario.end_year - scenario.start_year + 1):
        model.run_for(steps_per_year)
        if on_year is not None:
            last = pd.DataFrame(model.rows[-steps_per_year:])
            on_year(last.mean(numeric_only=True))
    return RunResult(scenario, seed, model.timeseries, model.flows, model.firm_table,
                     _exits(model.exited))


def run_estimate(scenario: Scenario) -> tuple[float, float]:
    """(peak memory in bytes, seconds on one core) a run of ``scenario`` is expected to take;
    within a factor of about 1.5 (benchmarks/README.md)."""
    n, steps = scenario.n_customers, scenario.n_steps
    memory = BASE_BYTES + BYTES_PER_CUSTOMER * n + BYTES_PER_STEP * steps
    return memory, steps * (SECONDS_PER_STEP + SECONDS_PER_CUSTOMER_STEP * n)


def run_job(scenario: Scenario, seed: int | np.random.SeedSequence) -> Job:
    """What a run writes into its folder (see outdir.Claim): same scenario and seed, same job."""
    return Job("run", run_identity(scenario.model_dump(), seed_info(seed)), frozenset(RUN_FILES))


def save_run(result: RunResult, out: Path, *, claim: Claim | None = None,
             overwrite: bool = False, **extra) -> None:
    """Write timeseries, flows, firms and network metrics (Parquet), the network events
    (events.csv), channels.png, network.png and manifest.json to ``out``, as a whole.

    ``claim``: the caller's claim on ``out`` (taken before the run); without it ``out`` is
    claimed here (OutputError if it holds another job's results, unless ``overwrite``).
    """
    if claim is None:
        with Claim(out, run_job(result.scenario, result.seed), overwrite, whole=True) as claim:
            claim.replace(lambda tmp: write_run_files(result, tmp, extra))
    else:
        claim.replace(lambda tmp: write_run_files(result, tmp, extra))


def write_run_files(result: RunResult, out: Path, extra: dict) -> None:
    """The files of RUN_FILES for ``result`` into the folder ``out`` (save_run writes them
    into a temporary folder it swaps in; the page's export into one it zips)."""
    from market_abm.network import network_events, network_metrics
    from market_abm.plots import network_figure, run_figure, save_figure  # matplotlib
    write_parquet(result.timeseries, out / "timeseries.parquet")
    write_parquet(result.flows, out / "flows.parquet")
    write_parquet(result.firms, out / "firms.parquet")
    metrics = network_metrics(result.flows, result.firms, result.exited,
                              result.scenario.segment_grid ** 2)
    write_parquet(metrics, out / "network.parquet")
    events = network_events(metrics)
    atomic_write(out / "events.csv", lambda tmp: events.to_csv(tmp, index=False))
    info = seed_info(result.seed)
    label = ", ".join(f"{k.removeprefix('seed_').replace('_', ' ')} {v}" for k, v in info.items())
    save_figure(run_figure(result.timeseries, label), out / "channels.png")
    save_figure(network_figure(metrics, label), out / "network.png")
    write_json(manifest(scenario=result.scenario.model_dump(), **info, **extra),
               out / "manifest.json")
