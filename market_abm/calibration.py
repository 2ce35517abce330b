"""Calibration: fit scenario parameters to an observed yearly series (``year,value``).

The fit minimises the root mean squared error (RMSE) between the observed values and the
replicate mean of a model column, year by year, over the observed years. It searches in two
rounds of a Latin hypercube on the sweep engine (the second round zooms on the best point of
the first), then reruns the best point with more replicates to measure the error and its
spread across seeds, and to forecast beyond the data with a band.

Model years are compared through the yearly mean of the column. The US Census e-commerce series
is a fourth-quarter figure, which leads the annual mean by about 3/8 of a year; at the
1999-2009 growth of ~0.35 percentage points a year that is ~0.13 points, well below the ~1 point
by which the Census revises recent quarters.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from market_abm.designs import validate_design
from market_abm.errors import DataError, UsageError, reason
from market_abm.model import MarketModel
from market_abm.scenario import Scenario, make_scenario, parameter_docs
from market_abm.sweep import Sweep, run_sweep

# Parameters fitted by default, per target, with their search ranges.
DEFAULT_PARAMS: dict[str, dict[str, tuple[float, float]]] = {
    "share_online": {"habit_weight": (0.5, 2.5), "online_margin": (0.15, 0.45)},
    "spend_share_online": {"habit_weight": (0.5, 2.5), "online_margin": (0.15, 0.45)},
    "printer_owner_share": {"bass_p": (0.005, 0.1), "bass_q": (0.1, 0.8)},
}
FALLBACK_PARAMS = {"social_weight": (0.5, 3.0), "habit_weight": (0.5, 3.0)}


@dataclass
class Fit:
    """The outcome of a calibration."""

    params: dict[str, float]
    rmse: float               # RMSE of the replicate mean against the data
    rmse_per_seed: np.ndarray  # RMSE of each final replicate on its own
    table: pd.DataFrame       # year, observed, model mean, lower, upper (2.5 / 97.5 %)
    scenario: Scenario


_WHOLE = re.compile(r"^[+-]?\d+(\.0*)?$")


def read_observations(path: Path) -> pd.Series:
    """The observed series from a UTF-8 CSV with columns year,value (value indexed by year).

    Every row must hold a whole-number year (1991 or 1991.0, not 1991.7) and a finite value:
    an empty, NaN or infinite value stops with the line it is on (DataError), nothing is
    dropped or rounded silently.
    """
    if path.is_dir():
        raise DataError(f"data file {path} is a folder: give a CSV file with columns "
                        "year,value")
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = [(line, row) for line, row in enumerate(csv.reader(fh, strict=True), start=1)
                    if row]
    except (csv.Error, UnicodeDecodeError, OSError) as err:
        raise DataError(f"data file {path} is not a UTF-8 CSV: {reason(err)}") from None
    if not rows:
        raise DataError(f"data file {path} is empty: expected the columns year,value")
    header = [cell.strip() for cell in rows[0][1]]
    if header != ["year", "value"]:
        raise DataError(f"data file {path}: expected the columns year,value, got "
                        f"{','.join(header)}")
    if len(rows) == 1:
        raise DataError(f"data file {path} has no rows")
    years, values = [], []
    for line, row in rows[1:]:
        if len(row) != 2:
            raise DataError(f"data file {path} line {line}: {len(row)} values for the 2 "
                            "columns year,value")
        year, value = row[0].strip(), row[1].strip()
        if not _WHOLE.match(year):
            raise DataError(f"data file {path} line {line}: year must be a whole number, "
                            f"got '{year}'")
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is None or not math.isfinite(number):
            raise DataError(f"data file {path} line {line}: value must be a finite number, "
                            f"got '{value}'")
        years.append(int(float(year)))
        values.append(number)
    if not all(1900 <= y <= 2200 for y in years):
        raise DataError(f"data file {path}: years must be in 1900-2200, got "
                        f"{min(years)}-{max(years)}")
    if len(set(years)) != len(years):
        raise DataError(f"data file {path}: a year appears twice")
    return pd.Series(values, index=years, name="observed", dtype=float).sort_index()


def model_columns() -> list[str]:
    """The timeseries columns a run produces (from a one-step run of a tiny market)."""
    tiny = make_scenario({"n_customers": 20, "store_cost_scale": 20.0, "n_producers": 2,
                          "n_logisticians": 1, "end_year": 1990, "evaluation_sample": 50,
                          "social_degree": 4})
    model = MarketModel(tiny, rng=0)
    model.step()
    return [c for c in model.timeseries.columns if c not in ("step", "year", "month")]


def parse_params(text: str | None, target: str) -> dict[str, tuple[float, float]]:
    """``a,b`` or ``a=lo:hi,b`` into search ranges (a bare name: half to twice its default)."""
    if not text:
        return dict(DEFAULT_PARAMS.get(target, FALLBACK_PARAMS))
    docs = {row["name"]: row for row in parameter_docs()}
    ranges = {}
    for item in text.split(","):
        name, sep, span = item.strip().partition("=")
        if name not in docs:
            raise UsageError(f"--params: unknown parameter '{name}'")
        default = docs[name]["default"]
        if isinstance(default, bool) or not isinstance(default, int | float):
            raise UsageError(f"--params: '{name}' is not numeric")
        if sep:
            lo_text, colon, hi_text = span.partition(":")
            try:
                lo, hi = float(lo_text), float(hi_text)
            except ValueError:
                lo = hi = float("nan")
            if not colon or not lo < hi or not math.isfinite(lo) or not math.isfinite(hi):
                raise UsageError(f"--params: '{item}' must be name=lo:hi with finite numbers "
                                 "lo < hi")
        elif default > 0:
            lo, hi = default / 2, default * 2
        else:
            raise UsageError(f"--params: give a range for '{name}' (name=lo:hi)")
        if name in ranges:
            raise UsageError(f"--params: parameter '{name}' is given twice")
        ranges[name] = (lo, hi)
    return ranges


def latin_points(ranges: dict[str, tuple[float, float]], n: int, seed: int
                 ) -> list[dict[str, float]]:
    """``n`` Latin-hypercube points over ``ranges`` (integer parameters rounded)."""
    sampler = qmc.LatinHypercube(d=len(ranges), rng=np.random.default_rng(seed))
    unit = qmc.scale(sampler.random(n), [r[0] for r in ranges.values()],
                     [r[1] for r in ranges.values()])
    ints = {row["name"] for row in parameter_docs() if isinstance(row["default"], int)
            and not isinstance(row["default"], bool)}
    return [{k: (int(round(v)) if k in ints else float(v)) for k, v in zip(ranges, row,
                                                                           strict=True)}
            for row in unit]


def rmse_by_point(yearly: pd.DataFrame, runs: pd.DataFrame, target: str,
                  observed: pd.Series) -> pd.Series:
    """RMSE of each design point's replicate mean against the observations."""
    merged = yearly.merge(runs[["run_id", "point"]], on="run_id")
    mean = merged.groupby(["point", "year"])[target].mean().unstack("year")
    model = mean.reindex(columns=observed.index)
    return np.sqrt(((model - observed.to_numpy()) ** 2).mean(axis=1))


def search_round(out: Path, base: Scenario, points: list[dict[str, Any]], replicates: int,
                 seed: int, engine, log) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run one round of design points on the engine (resumable in ``out``)."""
    scenarios = validate_design(base, points, "calibration point")
    sweep = Sweep(base, points, scenarios, replicates, seed, info={"kind": "calibration"})
    return run_sweep(out, sweep, engine, log=log)


def calibrate(observed: pd.Series, target: str, base: Scenario,
              ranges: dict[str, tuple[float, float]], out: Path, engine, seed: int,
              points: int = 12, replicates: int = 3, final_replicates: int = 10,
              forecast_to: int | None = None, log=print) -> Fit:
    """Two Latin-hypercube rounds, then the best point with ``final_replicates`` seeds."""
    fit_base = make_scenario({**base.model_dump(), "end_year": int(observed.index.max())})
    best_rmse, best = np.inf, None
    span = dict(ranges)
    for round_no in (1, 2):
        design = latin_points(span, points, seed + round_no)
        runs, yearly = search_round(out / f"round{round_no}", fit_base, design, replicates,
                                    seed + round_no, engine, log)
        errors = rmse_by_point(yearly, runs, target, observed)
        point = int(errors.idxmin())
        if errors[point] < best_rmse:
            best_rmse, best = float(errors[point]), design[point]
        log(f"calibrate: round {round_no}: best RMSE {best_rmse:.4f} at "
            + ", ".join(f"{k}={v:.4g}" for k, v in best.items()))
        span = {k: (max(lo, best[k] - (hi - lo) / 8), min(hi, best[k] + (hi - lo) / 8))
                for k, (lo, hi) in ranges.items()}
    end = max(int(observed.index.max()), forecast_to or 0)
    final_base = make_scenario({**base.model_dump(), "end_year": end})
    runs, yearly = search_round(out / "final", final_base, [best], final_replicates,
                                seed + 3, engine, log)
    series = yearly.pivot(index="year", columns="run_id", values=target)
    table = pd.DataFrame({"observed": observed.reindex(series.index),
                          "model_mean": series.mean(axis=1),
                          "model_lower": series.quantile(0.025, axis=1),
                          "model_upper": series.quantile(0.975, axis=1)})
    table.index.name = "year"
    seen = series.loc[observed.index]
    per_seed = np.sqrt(((seen.sub(observed, axis=0)) ** 2).mean(axis=0)).to_numpy()
    rmse = float(np.sqrt(((seen.mean(axis=1) - observed) ** 2).mean()))
    scenario = make_scenario({**base.model_dump(), **best})
    return Fit(best, rmse, per_seed, table.reset_index(), scenario)
