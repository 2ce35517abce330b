"""A stored run, opened in the page without rerunning it: the folder ``market-abm run`` writes
(or the page's own run download, unzipped).

``open_run_folder`` reads its manifest.json (the scenario and seed), timeseries.parquet,
flows.parquet and firms.parquet, and builds the December snapshot of every year the firm table
has: the time charts up to that December, the supply network of that year's flows, the stores
and print hubs active in it. A run folder does not keep the customers, so the map shows the
firms only. A folder that is not a run folder is refused with one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from market_abm.network import build_graph
from market_abm.outdir import read_manifest
from market_abm.scenario import Scenario, ScenarioError, make_scenario
from market_abm.viz.state import Snapshot, firm_cap, printable_from

NEEDED = ("manifest.json", "timeseries.parquet", "flows.parquet", "firms.parquet")
NO_CUSTOMERS = {k: np.zeros(0) for k in ("x", "y", "printer", "internet")}


@dataclass(frozen=True, eq=False)
class StoredRun:
    """An opened run folder: its scenario, seed label and the December snapshot of each
    year (``years``)."""

    folder: Path
    scenario: Scenario
    seed: str
    years: dict[int, Snapshot]

    def closed_years(self) -> list[int]:
        """The years it has a snapshot of, in order."""
        return sorted(self.years)

    def year_snapshot(self, year: int) -> Snapshot | None:
        """The December snapshot of ``year`` (None if the run has none)."""
        return self.years.get(year)

    @property
    def latest(self) -> Snapshot:
        """The last year's snapshot."""
        return self.years[max(self.years)]


def _sites(firms: pd.DataFrame, role: str) -> np.ndarray:
    part = firms[firms["role"] == role]
    return part[["x", "y"]].to_numpy(dtype=float).reshape(-1, 2)


def _ids(firms: pd.DataFrame, role: str) -> np.ndarray:
    return firms.loc[firms["role"] == role, "id"].to_numpy(dtype=int)


def open_run_folder(folder: str | Path, run: int = 0) -> StoredRun:
    """The run in ``folder`` (``run``: counts the page's runs, for its views); ValueError with
    one line when it is not a readable run folder."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder: give a folder `market-abm run` wrote")
    missing = [name for name in NEEDED if not (folder / name).is_file()]
    if missing:
        raise ValueError(f"{folder} is not a run folder: it lacks {', '.join(missing)}")
    manifest = read_manifest(folder)
    if manifest is None or "scenario" not in manifest:
        raise ValueError(f"{folder}/manifest.json is not the manifest of a market-abm run")
    try:
        scenario = make_scenario(manifest["scenario"])
        ts = pd.read_parquet(folder / "timeseries.parquet")
        flows = pd.read_parquet(folder / "flows.parquet")
        firms = pd.read_parquet(folder / "firms.parquet")
    except ScenarioError as exc:
        raise ValueError(f"{folder}/manifest.json: {exc}") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{folder}: a table cannot be read ({exc})") from None
    if firms.empty or ts.empty:
        raise ValueError(f"{folder} holds no closed year")
    seed = ", ".join(f"{k.removeprefix('seed_').replace('_', ' ')} {manifest[k]}"
                     for k in ("seed", "seed_entropy", "seed_spawn_key") if k in manifest)
    per_year = scenario.steps_per_year
    cap = firm_cap(scenario, int(firms[firms["year"] == firms["year"].min()]
                                 .groupby("role").size().max()))
    thresholds = printable_from(scenario)
    years = {}
    for version, year in enumerate(sorted(int(y) for y in firms["year"].unique()), start=1):
        rows = ts[ts["year"] <= year].reset_index(drop=True)
        if len(rows) < (year - scenario.start_year + 1) * per_year:
            break  # a year the timeseries did not finish
        network = flows[flows["year"] == year].reset_index(drop=True)
        active = firms[firms["year"] == year]
        following = firms[firms["year"] == year + 1]
        graph = build_graph(network, pd.concat([active, following], ignore_index=True), year,
                            scenario.segment_grid ** 2)
        years[year] = Snapshot(
            timeseries=rows, steps=len(rows), n_steps=scenario.n_steps,
            start_year=scenario.start_year, end_year=scenario.end_year, year=year,
            month=per_year, customers=NO_CUSTOMERS,
            stores=_sites(active, "retailer"), hubs=_sites(active, "print_hub"),
            region_km=scenario.region_size_km, network=network, graph=graph,
            thresholds=thresholds, segment_grid=scenario.segment_grid, firm_cap=cap,
            run=run, version=version, store_ids=_ids(active, "retailer"),
            hub_ids=_ids(active, "print_hub"))
    return StoredRun(folder, scenario, seed, years)
