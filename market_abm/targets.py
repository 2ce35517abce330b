"""Calibration targets: the observed series a calibration fits and the parameters it infers.

A targets file (TOML) holds ``[[target]]`` tables, one per observed series, and
``[[parameter]]`` tables, one per scenario parameter to infer with its prior::

    [[target]]
    data = "us_ecommerce_share_1999_2009.csv"   # a file of market_abm/data/history/, or a path
    column = "spend_share_online"               # a timeseries column or observables.DERIVED
    aggregate = "q4"                            # mean (default), q1, q4 or last
    years = [1999, 2009]
    scale = 0.005                               # the series' tolerance (its units)

    [[target]]
    data = "us_store_establishments.csv"
    filter = { store_type = "bookstores" }
    column = "active_stores_bookstores"
    transform = "index:1997"                    # compare change relative to 1997
    scale = 0.1

    [[parameter]]
    name = "social_weight"
    prior = "uniform"                           # uniform or loguniform
    bounds = [0.0, 3.0]

A data file is a UTF-8 CSV with a ``year`` column and a ``value`` column (``value_column``
names another); extra columns are allowed and ``filter`` keeps the rows whose columns equal
the given value (or one of a list of values); ``combine = "mean"`` averages several rows of
one year. ``transform`` is ``level`` (default), ``log`` (natural log of both sides) or
``index:YEAR`` (both sides divided by their value in YEAR). Relative paths are read from the
targets file's folder first, then from market_abm/data/history/. The distance of a run to the
targets (``distance``) is the root mean square, over the targets, of each target's mean
squared error in units of its ``scale``; every target weighs the same whatever its number of
years.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from market_abm import history, observables
from market_abm.errors import DataError, UsageError
from market_abm.scenario import Scenario, _limits

PRIORS = ("uniform", "loguniform")
_INDEX = re.compile(r"^index:(\d{4})$")


class TargetSpec(BaseModel):
    """One observed series and how the model is compared with it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data: str = Field(description="CSV file: a name in market_abm/data/history/ or a path")
    column: str = Field(description="model column: a timeseries column or a derived one")
    years: tuple[int, int] | None = Field(None, description="first and last year compared")
    scale: float = Field(gt=0, description="tolerance of the series, in its units")
    filter: dict[str, str | int | float | list[str | int | float]] = Field(
        default_factory=dict)
    transform: str = Field("level", description="level, log, or index:YEAR (relative change)")
    aggregate: Literal["mean", "q1", "q4", "last"] = "mean"
    combine: Literal["none", "mean"] = "none"
    value_column: str = "value"
    name: str | None = None

    @field_validator("transform")
    @classmethod
    def _transform(cls, value: str) -> str:
        if value not in ("level", "log") and not _INDEX.match(value):
            raise ValueError(f"transform must be 'level', 'log' or 'index:YEAR', got "
                             f"{value!r}")
        return value

    @field_validator("years")
    @classmethod
    def _years(cls, value):
        if value is not None and value[0] > value[1]:
            raise ValueError(f"years must be [first, last] in order, got {list(value)}")
        return value

    @property
    def label(self) -> str:
        """The name of the target in tables and figures."""
        if self.name:
            return self.name
        where = "".join(f" {v}" for v in self.filter.values() if not isinstance(v, list))
        return f"{self.column}{where}"

    @property
    def base_year(self) -> int | None:
        """The index year of an ``index:YEAR`` transform (None for levels)."""
        match = _INDEX.match(self.transform)
        return int(match.group(1)) if match else None


class ParameterSpec(BaseModel):
    """A scenario parameter to infer and its prior."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    prior: str = "uniform"
    bounds: tuple[float, float]


@dataclass(frozen=True)
class Targets:
    """A parsed and checked targets file; ``folder`` is where relative data paths start."""

    targets: tuple[TargetSpec, ...]
    parameters: tuple[ParameterSpec, ...]
    folder: Path
    holdout: tuple[int, int] | None = None  # years (first, last) left out of the fit

    @cached_property
    def _observed_all(self) -> tuple[pd.Series, ...]:
        series = (observed(t, self.folder) for t in self.targets)  # read once
        # An index target's base year is 1 on both sides by construction: not an observation.
        return tuple(s.drop(t.base_year) if t.base_year is not None else s
                     for t, s in zip(self.targets, series, strict=True))

    def observed_all(self) -> list[pd.Series]:
        """Each target's observed series (year -> value, after filter, years and
        transform), in file order, held-out years included; an index target's base year
        (1 by construction) is left out, so it is neither fitted nor scored."""
        return list(self._observed_all)

    def observed(self) -> list[pd.Series]:
        """The observations the fit sees: ``observed_all`` without the held-out years."""
        series = self.observed_all()
        if self.holdout is None:
            return series
        first, last = self.holdout
        return [s[(s.index < first) | (s.index > last)] for s in series]

    def check(self, scenario: Scenario, columns: list[str]) -> None:
        """Raise UsageError when a target cannot be compared with runs of ``scenario``
        producing ``columns``: a column the model does not output, observed years outside
        the run, an index year without an observation or outside the run."""
        known = set(columns) | set(observables.DERIVED)
        for t, every, obs in zip(self.targets, self.observed_all(), self.observed(),
                                 strict=True):
            if t.column not in known:
                raise UsageError(f"target {t.label}: the model has no column '{t.column}' "
                                 f"(see docs/outputs.md; derived: "
                                 f"{', '.join(observables.DERIVED)})")
            if every.empty:
                raise UsageError(f"target {t.label}: its only observation is the index year "
                                 f"{t.base_year}, which is 1 by construction: nothing to fit")
            if obs.empty:
                raise UsageError(f"target {t.label}: every observation lies in the holdout "
                                 f"years {self.holdout[0]}-{self.holdout[1]}, nothing is "
                                 "left to fit")
            years = [*every.index, *([t.base_year] if t.base_year is not None else [])]
            first, last = int(min(years)), int(max(years))
            if first < scenario.start_year or last > scenario.end_year:
                raise UsageError(f"target {t.label}: observed years {first}-{last} lie outside "
                                 f"the scenario's {scenario.start_year}-{scenario.end_year}")


def _error_line(err: ValidationError, where: str) -> str:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "value"
    if first["type"] == "extra_forbidden":
        return f"{where}: unknown key '{key}'"
    return f"{where}: {key}: {first['msg']} (got {first.get('input')!r})"


def _parameter(spec: dict, i: int) -> ParameterSpec:
    where = f"parameter {i}"
    try:
        p = ParameterSpec(**spec)
    except ValidationError as err:
        raise UsageError(_error_line(err, where)) from None
    field = Scenario.model_fields.get(p.name)
    if field is None:
        raise UsageError(f"{where}: '{p.name}' is not a scenario parameter (docs/parameters.md)")
    if field.annotation not in (float, int):
        raise UsageError(f"{where}: {p.name} is not a number and cannot be inferred")
    if p.prior not in PRIORS:
        raise UsageError(f"{where} ({p.name}): unknown prior '{p.prior}'; allowed: "
                         f"{', '.join(PRIORS)}")
    lo, hi = p.bounds
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise UsageError(f"{where} ({p.name}): bounds must be two finite numbers [low, high] "
                         f"with low < high, got {list(p.bounds)}")
    if p.prior == "loguniform" and lo <= 0:
        raise UsageError(f"{where} ({p.name}): a loguniform prior needs bounds above 0, got "
                         f"{list(p.bounds)}")
    limits = _limits(field)
    for op, value, bad in (("ge", limits.get("ge"), lo < limits.get("ge", -math.inf)),
                           ("gt", limits.get("gt"), lo <= limits.get("gt", -math.inf)),
                           ("le", limits.get("le"), hi > limits.get("le", math.inf)),
                           ("lt", limits.get("lt"), hi >= limits.get("lt", math.inf))):
        if bad:
            raise UsageError(f"{where} ({p.name}): bounds {list(p.bounds)} leave the "
                             f"parameter's allowed range ({op} {value:g})")
    return p


def parse_targets(data: dict[str, Any], folder: Path, where: str = "targets") -> Targets:
    """Targets from the parsed TOML of a targets file (UsageError naming what is wrong)."""
    unknown = set(data) - {"target", "parameter"}
    if unknown:
        raise UsageError(f"{where}: unknown table '{sorted(unknown)[0]}'; allowed: [[target]], "
                         "[[parameter]]")
    raw_targets, raw_params = data.get("target", []), data.get("parameter", [])
    if not isinstance(raw_targets, list) or not raw_targets:
        raise UsageError(f"{where}: no [[target]]: name at least one observed series")
    if not isinstance(raw_params, list) or not raw_params:
        raise UsageError(f"{where}: no [[parameter]]: name at least one parameter to infer")
    targets = []
    for i, spec in enumerate(raw_targets, start=1):
        try:
            targets.append(TargetSpec(**spec))
        except ValidationError as err:
            raise UsageError(_error_line(err, f"target {i}")) from None
    params = [_parameter(spec, i) for i, spec in enumerate(raw_params, start=1)]
    names = [p.name for p in params]
    if len(set(names)) < len(names):
        raise UsageError(f"{where}: a parameter is named twice: {names}")
    out = Targets(tuple(targets), tuple(params), folder)
    out.observed()  # every data file readable now, not in the middle of a calibration
    return out


def load_targets(path: Path) -> Targets:
    """Read and check a targets file (UsageError or DataError: one line)."""
    if not path.is_file():
        raise UsageError(f"targets file not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"targets file {path} is malformed: "
                         f"{str(err).splitlines()[0]}") from None
    return parse_targets(data, path.parent, f"targets file {path}")


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return repr(value)


def targets_to_toml(targets: Targets) -> str:
    """The TOML of a targets file (defaults left out); ``parse_targets`` reads it back."""
    lines = []
    for kind, specs in (("target", targets.targets), ("parameter", targets.parameters)):
        for spec in specs:
            lines.append(f"[[{kind}]]")
            for key, value in spec.model_dump(exclude_defaults=True).items():
                lines.append(f"{key} = {_toml_value(value)}")
            lines.append("")
    return "\n".join(lines)


def _data_path(name: str, folder: Path) -> Path:
    local = folder / name
    if local.is_file() or Path(name).is_absolute():
        return local
    packaged = history.path(name)
    return packaged if packaged.is_file() else local


def observed(target: TargetSpec, folder: Path) -> pd.Series:
    """The observed series of a target: year -> value, filtered, cut to ``years`` and
    transformed (DataError naming the file and the problem)."""
    path = _data_path(target.data, folder)
    if not path.is_file():
        raise DataError(f"target {target.label}: data file not found: {target.data}")
    try:
        table = pd.read_csv(path, dtype=str, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise DataError(f"data file {path} is not a UTF-8 CSV: "
                        f"{str(err).splitlines()[0]}") from None
    needed = ["year", target.value_column, *target.filter]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise DataError(f"data file {path}: no column '{missing[0]}' (has "
                        f"{', '.join(table.columns)})")
    for key, want in target.filter.items():
        allowed = [str(w) for w in (want if isinstance(want, list) else [want])]
        table = table[table[key].isin(allowed)]
    if table.empty:
        raise DataError(f"data file {path}: no row matches the filter {target.filter}")
    values = pd.to_numeric(table[target.value_column], errors="coerce")
    years = pd.to_numeric(table["year"], errors="coerce")
    bad = table.index[values.isna() | ~np.isfinite(values.fillna(0)) | years.isna()
                      | (years % 1 != 0)]
    if len(bad):
        row = table.loc[bad[0]]
        raise DataError(f"data file {path}: line {bad[0] + 2} has a year or "
                        f"{target.value_column} that is not a finite number "
                        f"(year {row['year']!r}, {target.value_column} "
                        f"{row[target.value_column]!r})")
    series = pd.Series(values.to_numpy(float), index=years.to_numpy(int)).sort_index()
    if target.combine == "mean":  # several observations of a year (e.g. a range of models)
        series = series.groupby(level=0).mean()
    if series.index.duplicated().any():
        year = int(series.index[series.index.duplicated()][0])
        raise DataError(f"data file {path}: year {year} appears twice after the filter "
                        f"{target.filter} (combine = \"mean\" averages a year's rows)")
    if target.base_year is not None:
        if target.base_year not in series.index:
            raise DataError(f"target {target.label}: index year {target.base_year} is not "
                            f"an observed year of {path.name}")
        series = series / series.loc[target.base_year]
    elif target.transform == "log":
        if (series <= 0).any():
            raise DataError(f"target {target.label}: a log transform needs values above 0 "
                            f"in {path.name}")
        series = np.log(series)
    if target.years is not None:
        series = series.loc[target.years[0]:target.years[1]]
        if series.empty:
            raise DataError(f"target {target.label}: no observation in the years "
                            f"{target.years[0]}-{target.years[1]}")
    return series


def simulated(target: TargetSpec, timeseries: pd.DataFrame, scenario) -> pd.DataFrame:
    """The model's values of a target: one column per run (``run_id``), one row per year,
    aggregated and transformed as the target says."""
    frame = observables.yearly(timeseries, target.aggregate)
    values = observables.column(frame, target.column, scenario)
    table = pd.DataFrame({"run_id": frame["run_id"], "year": frame["year"],
                          "value": values.to_numpy(float)})
    wide = table.pivot(index="year", columns="run_id", values="value")
    if target.base_year is not None:
        wide = wide / wide.loc[target.base_year]
    elif target.transform == "log":
        wide = np.log(wide.where(wide > 0))
    return wide


def target_errors(targets: Targets, timeseries: pd.DataFrame, scenario,
                  observations: list[pd.Series] | None = None) -> np.ndarray:
    """Root mean squared error of each target, in units of its scale, of the replicate mean
    of the runs in ``timeseries`` over the target's observed years (shape (targets,))."""
    observations = observations or targets.observed()
    out = []
    for t, obs in zip(targets.targets, observations, strict=True):
        mean = simulated(t, timeseries, scenario).mean(axis=1).reindex(obs.index)
        out.append(float(np.sqrt(np.mean(((mean - obs) / t.scale) ** 2))))
    return np.array(out)


def distance(targets: Targets, timeseries: pd.DataFrame, scenario,
             observations: list[pd.Series] | None = None) -> float:
    """The distance of runs to the targets: root mean square of the targets' scaled errors
    (NaN when a year the targets need is missing from the runs)."""
    errors = target_errors(targets, timeseries, scenario, observations)
    return float(np.sqrt(np.mean(errors**2)))
