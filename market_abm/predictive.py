"""Posterior predictive of a history match, and its out-of-sample scores.

``predictive`` draws particles from the last ABC population by weight and runs each once with
a seed of its own, to ``end_year``: the spread of the runs is parameter and seed uncertainty
together, for every target and for the forecast fans of FORECASTS. Draw i uses the seed
(root, PREDICTIVE_STREAM, i) and the particles are drawn with (root, PREDICTIVE_STREAM): the
same on any engine and number of workers.

``band_coverage`` counts the fitted observations inside the predictive bands, twice: the bands
of the runs, and the bands with each target's observation scale added as noise;
``holdout_scores`` compares held-out observations with the predictive bands, next to two
references fitted to the same fit window of each series: a straight line (least squares) and
a Bass curve a + m·F(t) (F the Bass adoption share with innovation p and imitation q; a and m
free, so that falling series are fitted too).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from market_abm import observables
from market_abm.history_match import typed_value
from market_abm.runner import simulate
from market_abm.scenario import Scenario, make_scenario
from market_abm.targets import Targets, simulated

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
# forecast fans drawn next to the targets: channel shares of retail sales ($), the printed
# share of the shopping goods' items, stores, firms by role
FORECASTS = ("spend_share_retail", "spend_share_online", "spend_share_home_print",
             "spend_share_print_service", "printed_share_shopping", "active_retailers",
             "active_logisticians", "active_producers", "active_platforms",
             "active_print_hubs", "active_material_suppliers", "active_marketplaces")
# spawn-key stream of the predictive draws: far above any population number of the ABC
# (whose candidates use (t + 1, k)), so the two never share a seed
PREDICTIVE_STREAM = 10_000
NOISE_STREAM = 10_001  # the observation noise added to the draws (predictive(..._noisy))


def _run_draw(task: tuple[dict, int, Targets]) -> list[pd.Series]:
    """One predictive run: each target's simulated series (year -> value), then the yearly
    mean of each of FORECASTS."""
    values, seed, targets = task
    scenario = make_scenario(values)
    timeseries = simulate(scenario, seed).timeseries
    means = observables.yearly(timeseries).set_index("year")
    return [*(simulated(spec, timeseries, scenario).iloc[:, 0] for spec in targets.targets),
            *(means[column] for column in FORECASTS)]


def draw_particles(last: pd.DataFrame, draws: int, seed: int) -> pd.DataFrame:
    """``draws`` particles of the last population, drawn with replacement by weight."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PREDICTIVE_STREAM,)))
    weights = last["weight"].to_numpy(float)
    pick = rng.choice(len(last), size=draws, p=weights / weights.sum())
    return last.iloc[pick].reset_index(drop=True)


def predictive(targets: Targets, base: Scenario, last: pd.DataFrame, engine, *, draws: int,
               seed: int, end_year: int) -> pd.DataFrame:
    """Quantiles of the posterior predictive of every target, every year to ``end_year``.

    Returns one row per series and year: ``kind`` (``target``, or ``forecast`` for the
    FORECASTS columns, which have no data), ``target`` (label; the column for forecasts),
    ``column``, ``year``, ``q05 q25 q50 q75 q95``, ``observed`` (NaN where there is none),
    ``fitted`` (the observation was in the fit; False for held-out years), ``draws``.
    """
    names = [p.name for p in targets.parameters]
    picked = draw_particles(last, draws, seed)
    root = base.model_dump() | {"end_year": end_year}
    tasks = []
    for i, row in picked.iterrows():
        values = root | {k: typed_value(root, k, row[k]) for k in names}
        sequence = np.random.SeedSequence(seed, spawn_key=(PREDICTIVE_STREAM, int(i)))
        tasks.append((values, int(sequence.generate_state(1)[0]), targets))
    runs = [None] * len(tasks)
    for i, result in engine.map(_run_draw, tasks):
        runs[i] = result
    series = [("target", spec.label, spec.column, every, fit, spec.scale)
              for spec, every, fit in zip(targets.targets, targets.observed_all(),
                                          targets.observed(), strict=True)]
    series += [("forecast", column, column, pd.Series(dtype=float), pd.Series(dtype=float),
                np.nan) for column in FORECASTS]
    # the observation error of each target: a normal draw of sd ``scale`` added to each run
    noise = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(NOISE_STREAM,)))
    rows = []
    for j, (kind, label, column, every, fit, scale) in enumerate(series):
        wide = pd.concat([run[j] for run in runs], axis=1)
        q = wide.quantile(list(QUANTILES), axis=1).T
        noisy = None
        if kind == "target":
            observed_as = wide + noise.normal(0.0, scale, wide.shape)
            noisy = observed_as.quantile(list(QUANTILES), axis=1).T
        for year, values in q.iterrows():
            row = {"kind": kind, "target": label, "column": column, "year": int(year),
                   **{f"q{round(100 * p):02d}": float(values[p]) for p in QUANTILES}}
            for p in QUANTILES:
                row[f"q{round(100 * p):02d}_noisy"] = (float(noisy.at[year, p])
                                                       if noisy is not None else np.nan)
            rows.append({**row, "observed": float(every.get(year, np.nan)),
                         "fitted": bool(year in fit.index), "draws": draws})
    return pd.DataFrame(rows)


def fit_line(years: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Least-squares straight line: (slope, intercept)."""
    return np.polyfit(years, values, 1)


def bass_curve(t: np.ndarray, a: float, m: float, p: float, q: float) -> np.ndarray:
    """a + m · F(t), F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t}) (t in years)."""
    e = np.exp(-(p + q) * t)
    return a + m * (1.0 - e) / (1.0 + (q / p) * e)


def fit_bass(years: np.ndarray, values: np.ndarray) -> tuple[float, ...]:
    """Least-squares Bass curve on ``years`` (t = 0 one year before the first): (a, m, p, q)
    with p in [1e-4, 1] and q in [0, 3]; the best of a few starting points."""
    t = years - years.min() + 1.0
    span = float(values.max() - values.min()) or 1.0
    best = None
    for p0, q0 in ((0.01, 0.3), (0.03, 0.5), (0.1, 0.1), (0.001, 1.0)):
        for sign in (1.0, -1.0):
            start = (float(values[0]), sign * 2 * span, p0, q0)
            fit = least_squares(lambda x: bass_curve(t, *x) - values, start,
                                bounds=([-np.inf, -np.inf, 1e-4, 0.0],
                                        [np.inf, np.inf, 1.0, 3.0]))
            if best is None or fit.cost < best.cost:
                best = fit
    return tuple(float(v) for v in best.x)


def holdout_scores(table: pd.DataFrame, holdout: tuple[int, int]) -> pd.DataFrame:
    """Per target with observations in ``holdout``: held-out points, shares inside the 50 %
    and 90 % predictive bands, RMSE of the predictive median, of a straight line and of a
    Bass curve fitted to the target's fitted observations (its fit window; NaN where the
    window has too few points: two for the line, four for Bass)."""
    rows = []
    for name, part in table.groupby("target", sort=False):
        seen = part[part["observed"].notna()]
        held = seen[seen["year"].between(*holdout) & ~seen["fitted"]]
        fit = seen[seen["fitted"]]
        if held.empty:
            continue
        y, obs = held["year"].to_numpy(float), held["observed"].to_numpy(float)
        rmse = {"model": _rmse(held["q50"].to_numpy(float), obs), "line": np.nan}
        if len(fit) >= 2:  # a line needs two points
            slope, intercept = fit_line(fit["year"].to_numpy(float),
                                        fit["observed"].to_numpy(float))
            rmse["line"] = _rmse(slope * y + intercept, obs)
        if len(fit) >= 4:
            a, m, p, q = fit_bass(fit["year"].to_numpy(float), fit["observed"].to_numpy(float))
            rmse["bass"] = _rmse(bass_curve(y - fit["year"].min() + 1.0, a, m, p, q), obs)
        else:  # four parameters need four points
            rmse["bass"] = np.nan
        rows.append({"target": name, "fit_years": f"{int(fit['year'].min())}-"
                                                  f"{int(fit['year'].max())}",
                     "held_out": len(held), **_inside(held),
                     **{f"rmse_{k}": v for k, v in rmse.items()}})
    return pd.DataFrame(rows)


def band_coverage(table: pd.DataFrame) -> pd.DataFrame:
    """Per target, the observations the fit saw (``fitted``) and the shares of them inside
    the 50 % and 90 % predictive bands (columns target, observed, in_50, in_90), in the order
    of the targets. Bands that describe the data hold about half and nine tenths."""
    rows = []
    for name, part in table.groupby("target", sort=False):
        seen = part[part["observed"].notna() & part["fitted"].astype(bool)]
        if not seen.empty:
            rows.append({"target": name, "observed": len(seen), **_inside(seen)})
    columns = ["target", "observed", "in_50", "in_90"]
    if "q25_noisy" in table:  # the bands with the targets' observation noise added
        columns += ["in_50_noisy", "in_90_noisy"]
    return pd.DataFrame(rows, columns=columns)


def _inside(rows: pd.DataFrame) -> dict[str, float]:
    """Shares of ``rows``' observations inside the 50 % (q25-q75) and 90 % (q05-q95) bands
    of the runs, and (``_noisy``) of the runs with each target's observation error added
    (a normal draw of sd ``scale``: what an observation would scatter like if the model
    were right)."""
    obs = rows["observed"]
    out = {"in_50": float(((obs >= rows["q25"]) & (obs <= rows["q75"])).mean()),
           "in_90": float(((obs >= rows["q05"]) & (obs <= rows["q95"])).mean())}
    if "q25_noisy" in rows:
        out["in_50_noisy"] = float(((obs >= rows["q25_noisy"])
                                    & (obs <= rows["q75_noisy"])).mean())
        out["in_90_noisy"] = float(((obs >= rows["q05_noisy"])
                                    & (obs <= rows["q95_noisy"])).mean())
    return out


def score_records(scores: pd.DataFrame) -> list[dict]:
    """``holdout_scores`` as JSON-ready rows (a score that could not be computed is None)."""
    return scores.astype(object).where(scores.notna(), None).to_dict("records")


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))
