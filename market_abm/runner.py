"""Running the model: one run from a scenario and a seed, and saving it to a folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from market_abm.model import MarketModel
from market_abm.network import exits_frame, network_events, network_metrics
from market_abm.plots import network_figure, run_figure, save_figure
from market_abm.scenario import Scenario
from market_abm.storage import atomic_write, manifest, write_json, write_parquet


@dataclass
class RunResult:
    """What one run produced: the step table, the yearly flow ledger, firms and exits."""

    scenario: Scenario
    seed: int | np.random.SeedSequence
    timeseries: pd.DataFrame
    flows: pd.DataFrame
    firms: pd.DataFrame
    exited: pd.DataFrame = field(default_factory=lambda: exits_frame([]))  # year, role, id


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
    rng = np.random.default_rng(seed) if isinstance(seed, np.random.SeedSequence) else seed
    model = MarketModel(scenario, rng=rng)
    steps_per_year = scenario.steps_per_year
    for _ in range(scenario.end_year - scenario.start_year + 1):
        model.run_for(steps_per_year)
        if on_year is not None:
            last = pd.DataFrame(model.rows[-steps_per_year:])
            on_year(last.mean(numeric_only=True))
    return RunResult(scenario, seed, model.timeseries, model.flows, model.firm_table,
                     exits_frame(model.exited))


def save_run(result: RunResult, out: Path, **extra) -> None:
    """Write timeseries, flows, firms and network metrics (Parquet), the network events
    (events.csv), channels.png, network.png and manifest.json to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
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
