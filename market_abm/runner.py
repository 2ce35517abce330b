"""Running the model: one run from a scenario and a seed, and saving it to a folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from market_abm.model import MarketModel
from market_abm.plots import run_figure, save_figure
from market_abm.scenario import Scenario
from market_abm.storage import manifest, write_json, write_parquet


@dataclass
class RunResult:
    """What one run produced: the step table, the yearly flow ledger and the inputs."""

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    flows: pd.DataFrame
    firms: pd.DataFrame


def simulate(scenario: Scenario, seed: int,
             on_year: Callable[[pd.Series], None] | None = None) -> RunResult:
    """Run ``scenario`` from start_year to end_year with ``seed``.

    ``on_year`` is called with the yearly mean of the timeseries after each simulated year
    (progress reporting).
    """
    model = MarketModel(scenario, rng=seed)
    steps_per_year = scenario.steps_per_year
    for _ in range(scenario.end_year - scenario.start_year + 1):
        model.run_for(steps_per_year)
        if on_year is not None:
            last = pd.DataFrame(model.rows[-steps_per_year:])
            on_year(last.mean(numeric_only=True))
    return RunResult(scenario, seed, model.timeseries, model.flows, model.firm_table)


def save_run(result: RunResult, out: Path, **extra) -> None:
    """Write timeseries, flows and firms (Parquet), channels.png and manifest.json to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    write_parquet(result.timeseries, out / "timeseries.parquet")
    write_parquet(result.flows, out / "flows.parquet")
    write_parquet(result.firms, out / "firms.parquet")
    save_figure(run_figure(result.timeseries, f"seed {result.seed}"), out / "channels.png")
    write_json(manifest(scenario=result.scenario.model_dump(), seed=result.seed, **extra),
               out / "manifest.json")
