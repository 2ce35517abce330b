"""Replicates: several seeds of the page's settings, run in the background on the sweep engine,
summarised as a mean and a 90 % band per year for the channel-share and firm charts
(``ReplicatesControl`` is the page's row of controls).

Replicate ``k`` of root seed ``s`` is seeded with ``SeedSequence(s).spawn(n)[k]``, as a sweep's
runs are, so the band depends only on the settings, the seed and ``n``: not on the engine or
its number of workers. The charts draw a ``Band`` as they draw a pinned run (charts.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import solara
import solara.lab

from market_abm.agents import FIRM_ROLES
from market_abm.engines import open_engine
from market_abm.market import CHANNELS
from market_abm.observables import yearly
from market_abm.runner import simulate
from market_abm.scenario import make_scenario
from market_abm.viz.state import Session, Settings

log = logging.getLogger(__name__)

MAX_REPLICATES = 50  # seeds one request may run
BAND = (0.05, 0.95)  # the band's quantiles: 90 % of the replicates' yearly values
# the stacked channel boundaries (retail, retail + online, ...) and the firms of each role
COLUMNS = (*(f"edge_{c}" for c in CHANNELS[:-1]), *(f"active_{r}s" for r in FIRM_ROLES))


@dataclass(frozen=True, eq=False)
class Band:
    """Mean and BAND quantiles over ``n`` replicates, per year (mid-year, ``t``) and column of
    COLUMNS (``edge_<channel>``: the cumulative share of retail sales ($) up to that channel, in
    CHANNELS order; ``active_<role>s``: active firms). ``label`` names it on the charts."""

    label: str
    n: int
    t: np.ndarray
    mean: pd.DataFrame
    low: pd.DataFrame
    high: pd.DataFrame


def _yearly_columns(timeseries: pd.DataFrame) -> pd.DataFrame:
    """The replicate's yearly means of COLUMNS, indexed by year."""
    frame = yearly(timeseries).set_index("year")
    edges = np.cumsum([frame[f"spend_share_{c}"] for c in CHANNELS[:-1]], axis=0)
    out = pd.DataFrame({f"edge_{c}": e for c, e in zip(CHANNELS[:-1], edges, strict=False)},
                       index=frame.index)
    for role in FIRM_ROLES:
        out[f"active_{role}s"] = frame[f"active_{role}s"]
    return out


def run_one(task: tuple[dict, int, tuple[int, ...]]) -> pd.DataFrame:
    """One replicate (module level, for the engines): scenario values, root seed, spawn key."""
    values, entropy, key = task
    seed = np.random.SeedSequence(entropy, spawn_key=key)
    return _yearly_columns(simulate(make_scenario(values), seed).timeseries)


def tasks(settings: Settings, n: int) -> list[tuple[dict, int, tuple[int, ...]]]:
    """The n replicate tasks of ``settings``: its scenario and the children of its seed."""
    if not 2 <= n <= MAX_REPLICATES:
        raise ValueError(f"replicates: give from 2 to {MAX_REPLICATES} seeds, got {n}")
    values = settings.scenario().model_dump()
    return [(values, settings.seed, tuple(child.spawn_key))
            for child in np.random.SeedSequence(settings.seed).spawn(n)]


def run_replicates(settings: Settings, n: int, engine,
                   progress: Callable[[int, int], None] = lambda done, n: None) -> Band:
    """Run ``n`` replicates of ``settings`` on ``engine`` (engines.open_engine), calling
    ``progress(done, n)`` as they finish, and summarise them."""
    work = tasks(settings, n)
    results: dict[int, pd.DataFrame] = {}
    for i, frame in engine.map(run_one, work):
        results[i] = frame
        progress(len(results), n)
    stack = np.stack([results[i].to_numpy() for i in range(n)])  # replicate, year, column
    first = results[0]
    table = lambda a: pd.DataFrame(a, index=first.index, columns=first.columns)  # noqa: E731
    return Band(f"{n} seeds of {settings.source}, seed {settings.seed}", n,
                first.index.to_numpy(dtype=float) + 0.5, table(stack.mean(axis=0)),
                table(np.quantile(stack, BAND[0], axis=0)),
                table(np.quantile(stack, BAND[1], axis=0)))


# Engine of the page's replicates (engines.open_engine's ``workers``): None is an embedded
# Dask LocalCluster with a worker per core, so the page's own process stays responsive.
PAGE_WORKERS: int | None = None


@solara.component
def ReplicatesControl(session: Session, bands: solara.Reactive[tuple]):
    """Run N seeds of the running run's settings in the background (progress shown) and draw
    their mean and 90 % band on the channel-share and firm charts; clear the band."""
    n = solara.use_reactive(10)
    progress = solara.use_reactive("")

    def work() -> None:
        settings, count = session.settings, n.value
        progress.set(f"replicates: starting {count} runs")
        try:
            with open_engine(workers=PAGE_WORKERS) as engine:
                band = run_replicates(settings, count, engine, lambda done, k: progress.set(
                    f"replicates: {done} / {k} runs"))
        except Exception as exc:  # the page must stay usable; the log keeps the details
            log.exception("replicates failed")
            progress.set(f"replicates failed: {exc}")
            return
        bands.set((band,))
        progress.set(f"replicates: {band.label} drawn")

    task = solara.lab.use_task(work, dependencies=None, prefer_threaded=True)
    problem = ("" if 2 <= n.value <= MAX_REPLICATES
               else f"from 2 to {MAX_REPLICATES} seeds")
    with solara.Row(gap="6px", style={"align-items": "center"}, classes=["replicates"]):
        solara.InputInt("Seeds", value=n, classes=["replicates-n"], style={"max-width": "70px"},
                        dense=True)
        solara.Button("Run seeds", small=True, icon_name="mdi-chart-bell-curve",
                      on_click=lambda: task(), disabled=task.pending or bool(problem),
                      classes=["btn-replicates"])
        if bands.value and not task.pending:
            solara.Button("Clear band", small=True, text=True, on_click=lambda: bands.set(()),
                          classes=["btn-clear-band"])
        if problem or progress.value:
            solara.Text(problem or progress.value, classes=["replicates-progress"],
                        style={"color": "#555"})
