"""History matching by approximate Bayesian computation (ABC-SMC, pyabc).

The parameters of a targets file (market_abm.targets) get their priors; a particle is a
parameter set, simulated once with a seed drawn with it; its distance to the observed series
is ``targets.distance`` (each target's RMSE in units of its scale, root mean square over the
targets). pyabc (Schälte et al. 2022) runs the sequential Monte Carlo: each population
accepts particles closer than a tolerance that shrinks (the median distance of the previous
population), perturbed by a multivariate normal kernel, and stores every population in an
SQLite database, so that a killed calibration resumes from its last complete population.

Same seed, same posterior, on any engine: ``OrderedSampler`` hands candidate k of population
t the seed (root, t, k), runs the candidates in batches on the sweep engine (in-process, the
embedded LocalCluster or a Dask scheduler) and accepts them in the order of k, exactly as one
process drawing them one after another would; workers only change how fast.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc
from pyabc.sampler import Sampler

from market_abm.runner import simulate
from market_abm.scenario import Scenario, make_scenario
from market_abm.targets import Targets, simulated

log = logging.getLogger(__name__)

DB_NAME = "abc.db"
ABC_ID = 1  # one ABC-SMC run per database: pyabc's first (a resumed run loads it)


def _run_candidate(task: tuple[Callable, int]) -> Any:
    """One candidate particle: the numpy global generator pyabc samples with is seeded first
    (pyabc draws proposals from it), then ``simulate_one`` proposes, simulates, compares."""
    simulate_one, seed = task
    np.random.seed(seed)  # noqa: NPY002 (pyabc samples with the legacy global generator)
    return simulate_one()


class OrderedSampler(Sampler):
    """pyabc sampler that evaluates candidates in seeded batches on a market_abm engine and
    accepts them in order (see the module docstring). ``batch``: candidates sent at once
    (at least the engine's workers, for parallelism)."""

    def __init__(self, engine, seed: int, batch: int):
        super().__init__()
        self.engine, self.seed, self.batch = engine, seed, max(int(batch), 1)

    def candidate_seed(self, t: int, k: int) -> int:
        """The seed of candidate ``k`` of population ``t`` (t = -1: pyabc's calibration
        sample)."""
        sequence = np.random.SeedSequence(self.seed, spawn_key=(t + 1, k))
        return int(sequence.generate_state(1)[0])

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        sample = self._create_empty_sample()
        accepted = evaluated = k = 0
        while accepted < n and evaluated < max_eval:
            size = self.batch if not all_accepted else min(self.batch, n - accepted)
            tasks = [(simulate_one, self.candidate_seed(t, k + i)) for i in range(size)]
            results = dict(self.engine.map(_run_candidate, tasks))
            k += size
            for i in range(size):  # in candidate order, whatever order they finished in
                particle = results[i]
                sample.append(particle)
                evaluated += 1
                accepted += bool(particle.accepted)
                if accepted >= n or evaluated >= max_eval:
                    break
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample


def summary_keys(targets: Targets) -> list[list[str]]:
    """Per target, the keys of its observed years in the summary statistics (``t<i>_<year>``)."""
    return [[f"t{i}_{year}" for year in obs.index]
            for i, obs in enumerate(targets.observed())]


def observed_stats(targets: Targets) -> dict[str, float]:
    """The observed series as pyabc summary statistics."""
    return {key: float(value) for keys, obs in zip(summary_keys(targets), targets.observed(),
                                                    strict=True)
            for key, value in zip(keys, obs.to_numpy(), strict=True)}


@dataclass
class TargetModel:
    """The model as pyabc calls it: parameters -> summary statistics of one run of the base
    scenario with those parameters, seeded from numpy's global generator (seeded per
    candidate by OrderedSampler)."""

    base: dict[str, Any]
    targets: Targets

    def __call__(self, parameters: dict) -> dict[str, float]:
        values = {**self.base, **{k: typed_value(self.base, k, v) for k, v in parameters.items()}}
        scenario = make_scenario(values)
        seed = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002 (seeded per candidate)
        timeseries = simulate(scenario, seed).timeseries
        out = {}
        for keys, spec, obs in zip(summary_keys(self.targets), self.targets.targets,
                                   self.targets.observed(), strict=True):
            series = simulated(spec, timeseries, scenario)[0].reindex(obs.index)
            out.update(zip(keys, series.to_numpy(float), strict=True))
        return out


def typed_value(base: dict, key: str, value: float) -> int | float:
    """A sampled parameter value as the scenario key takes it (whole for an int key)."""
    return int(round(value)) if isinstance(base.get(key), int) else float(value)


@dataclass
class ScaledDistance:
    """pyabc distance: root mean square over the targets of each target's RMSE in units of
    its scale (``targets.distance`` on summary statistics; inf when a value is missing)."""

    keys: list[list[str]]
    scales: list[float]

    def __call__(self, x: dict, x_0: dict) -> float:
        errors = []
        for keys, scale in zip(self.keys, self.scales, strict=True):
            diff = np.array([x[k] - x_0[k] for k in keys], dtype=float) / scale
            errors.append(np.mean(diff**2))
        total = float(np.sqrt(np.mean(errors)))
        return total if np.isfinite(total) else np.inf


def prior(targets: Targets) -> pyabc.Distribution:
    """The priors of the targets' parameters (uniform or log-uniform between the bounds)."""
    rvs = {}
    for p in targets.parameters:
        lo, hi = p.bounds
        rvs[p.name] = (pyabc.RV("uniform", lo, hi - lo) if p.prior == "uniform"
                       else pyabc.RV("loguniform", lo, hi))
    return pyabc.Distribution(**rvs)


def make_abc(targets: Targets, base: Scenario, engine, seed: int, population: int,
             batch: int) -> pyabc.ABCSMC:
    """The ABC-SMC of ``targets`` around ``base`` on ``engine``."""
    keys = summary_keys(targets)
    distance = ScaledDistance(keys, [t.scale for t in targets.targets])
    sampler = OrderedSampler(engine, seed, batch)
    return pyabc.ABCSMC(TargetModel(base.model_dump(), targets), prior(targets), distance,
                        population_size=population, sampler=sampler)


@contextlib.contextmanager
def _quiet_pyabc():
    """pyabc logs every population at INFO; the caller prints its own progress line."""
    logger = logging.getLogger("ABC")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def stored_populations(path: Path) -> int | None:
    """Populations of the calibration in the database ``path`` (0: none yet, only the
    record pyabc's ``new`` writes at t = -1); None when no run is stored (no file, or one
    killed inside ``new``)."""
    if not path.is_file():
        return None
    max_t = pyabc.History(f"sqlite:///{path}", _id=ABC_ID).max_t
    return None if max_t is None else int(max_t) + 1


def run_abc(targets: Targets, base: Scenario, out: Path, engine, *, seed: int,
            population: int, generations: int, batch: int,
            progress: Callable[[str], None] = print) -> pyabc.History:
    """Run (or resume) ABC-SMC into ``out``/abc.db until ``generations`` populations are
    stored; prints one line per population (tolerance, acceptance rate, evaluations).

    Every population starts from the database (pyabc's ``load``), as a resumed calibration
    does: the tolerance (the weighted median distance of the last population) and the
    perturbation kernel come from the stored population, so a calibration killed at any
    point and rerun gives the populations an uninterrupted one would. The database holds one
    run (``ABC_ID``): a run killed before its first population is loaded, not begun again
    beside it (pyabc's ``new`` would add a second run, and its readers take the latest);
    pyabc then draws its calibration sample again, with the same seeds."""
    out.mkdir(parents=True, exist_ok=True)
    path, db = out / DB_NAME, f"sqlite:///{out / DB_NAME}"
    with _quiet_pyabc():
        stored = stored_populations(path)
        if stored is None:
            path.unlink(missing_ok=True)
        elif stored:
            progress(f"calibrate: resuming after population {stored} of {generations}")
        while (stored or 0) < generations:
            abc = make_abc(targets, base, engine, seed, population, batch)
            history = (abc.new(db, observed_stats(targets)) if stored is None
                       else abc.load(db, ABC_ID))
            abc.run(max_nr_populations=1)
            stored = history.n_populations
            pops = history.get_all_populations()
            row = pops[pops["t"] == history.max_t].iloc[0]
            progress(f"calibrate: population {stored}/{generations}: tolerance "
                     f"{row['epsilon']:.4g}, acceptance {population / row['samples']:.1%} "
                     f"of {int(row['samples'])} runs")
    return pyabc.History(db, _id=ABC_ID)


def posterior_table(history: pyabc.History) -> pd.DataFrame:
    """Every population's accepted particles: the parameters, ``weight`` (summing to 1 in
    each population), ``distance`` and ``population`` (1 = the first)."""
    rows = [{**dict(particle.parameter), "weight": particle.weight,
             "distance": particle.distance, "population": t + 1}
            for t in range(history.max_t + 1)
            for particle in history.get_population(t=t).particles]
    table = pd.DataFrame(rows)
    table["weight"] /= table.groupby("population")["weight"].transform("sum")
    return table


def population_log(history: pyabc.History) -> list[dict[str, Any]]:
    """One record per stored population, as pyabc timed it: ``population`` (0 = pyabc's
    calibration sample that sets the first tolerance), ``tolerance`` (None for population
    0, which has none), ``runs`` (candidate
    runs evaluated), ``seconds`` (its wall time; a resumed calibration's pause between
    sessions is not counted) and ``finished`` (ISO time)."""
    pops = history.get_all_populations()
    return [{"population": int(row.t) + 1,
             "tolerance": float(row.epsilon) if np.isfinite(row.epsilon) else None,
             "runs": int(row.samples), "seconds": round(float(row.wall_time), 1),
             "finished": pd.Timestamp(row.population_end_time).isoformat()}
            for row in pops.itertuples()]


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative weight reaches the share ``q`` of the total.

    >>> weighted_quantile(np.array([3.0, 1.0, 2.0]), np.array([0.2, 0.5, 0.3]), 0.5)
    1.0
    """
    order = np.argsort(values)
    cum = np.cumsum(np.asarray(weights, float)[order])
    return float(np.asarray(values)[order][np.searchsorted(cum, q * cum[-1])])


def point_estimate(table: pd.DataFrame, names: list[str]) -> dict[str, float]:
    """The weighted median of each parameter in the last population (the point estimate of
    scenario.toml)."""
    last = table[table["population"] == table["population"].max()]
    return {name: weighted_quantile(last[name].to_numpy(), last["weight"].to_numpy(), 0.5)
            for name in names}
