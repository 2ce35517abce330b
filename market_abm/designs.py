"""Experimental designs: which parameter sets a sweep runs.

A design is a list of points, each a dict of the parameters that vary (the rest come from the
base scenario). Three ways to build one:

- ``grid_design(["printer_capability_growth=0.2,0.4", "n_producers=100,200"])``: the full
  factorial grid (4 points here), first parameter varying slowest;
- ``lhs_design(["printer_capability_growth=0.1:0.5"], n=20, seed=7)``: a Latin hypercube of
  ``n`` points in the given ranges (scipy.stats.qmc);
- ``read_design("design.csv")``: one row per point, one column per parameter.

Integer parameters sampled from a range are rounded to the nearest integer. Every point is
validated against the base scenario with ``validate_design`` before anything runs, so a bad
design fails in seconds with one line naming the row and the key.

Example:
    >>> grid_design(["n_producers=100,200", "bass_q=0.3,0.4"])[1]
    {'n_producers': 100, 'bass_q': 0.4}
"""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from market_abm.errors import UsageError
from market_abm.scenario import Scenario, ScenarioError, make_scenario, parse_value


def check_name(name: str) -> str:
    """``name`` if it is a scenario parameter, else a UsageError."""
    if name not in Scenario.model_fields:
        raise UsageError(f"unknown parameter '{name}' (see docs/parameters.md for the "
                         "allowed keys)")
    return name


def is_integer(name: str) -> bool:
    """True if the scenario parameter ``name`` holds an int (and not a bool)."""
    return Scenario.model_fields[name].annotation is int


def _split(item: str, flag: str) -> tuple[str, str]:
    name, sep, rest = item.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise UsageError(f"{flag} expects name=..., got '{item}'")
    return check_name(name.strip()), rest.strip()


def _no_repeats(names: list[str], flag: str) -> None:
    for name in names:
        if names.count(name) > 1:
            raise UsageError(f"{flag}: parameter '{name}' is given twice")


def grid_size(items: list[str]) -> int:
    """The number of points of the grid of ``name=v1,v2,...`` items, without building it."""
    return math.prod(len(item.partition("=")[2].split(",")) for item in items)


def grid_design(items: list[str]) -> list[dict[str, Any]]:
    """The full factorial grid of ``name=v1,v2,...`` items (values parsed like --set)."""
    names, levels = [], []
    for item in items:
        name, rest = _split(item, "--grid")
        values = [v.strip() for v in rest.split(",")]
        if any(not v for v in values):
            raise UsageError(f"--grid {name}: empty value in '{rest}'")
        names.append(name)
        levels.append([parse_value(v) for v in values])
    _no_repeats(names, "--grid")
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*levels)]


def parse_range(item: str, flag: str = "--range") -> tuple[str, float, float]:
    """``name=lo:hi`` as (name, lo, hi), with lo < hi both finite numbers."""
    name, rest = _split(item, flag)
    lo_text, sep, hi_text = rest.partition(":")
    try:
        if not sep:
            raise ValueError
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        raise UsageError(f"{flag} {name}: expected lo:hi numbers, got '{rest}'") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise UsageError(f"{flag} {name}: bounds must be finite, got '{rest}'")
    if lo >= hi:
        kind = "empty" if lo == hi else "inverted"
        raise UsageError(f"{flag} {name}: {kind} range {rest} (need lo < hi)")
    if is_integer(name) and math.floor(hi) - math.ceil(lo) < 1:
        raise UsageError(f"{flag} {name}: integer parameter needs at least two integers "
                         f"in {rest}")
    return name, lo, hi


def parse_ranges(items: list[str], flag: str = "--range") -> list[tuple[str, float, float]]:
    """Several ``name=lo:hi`` items, each parameter at most once."""
    ranges = [parse_range(item, flag) for item in items]
    _no_repeats([r[0] for r in ranges], flag)
    return ranges


def scale_points(unit: np.ndarray, ranges: list[tuple[str, float, float]]
                 ) -> list[dict[str, Any]]:
    """Map rows of ``unit`` (already in parameter units) to points; round integer parameters."""
    points = []
    for row in unit:
        point = {}
        for value, (name, _, _) in zip(row, ranges, strict=True):
            point[name] = int(round(value)) if is_integer(name) else float(value)
        points.append(point)
    return points


def lhs_design(items: list[str], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` points of a Latin hypercube over the ``name=lo:hi`` ranges, seeded."""
    if n < 1:
        raise UsageError(f"--lhs: need at least one point, got {n}")
    if not items:
        raise UsageError("--lhs needs at least one --range name=lo:hi")
    ranges = parse_ranges(items)
    sampler = qmc.LatinHypercube(d=len(ranges), rng=np.random.default_rng(seed))
    lo = [r[1] for r in ranges]
    hi = [r[2] for r in ranges]
    return scale_points(qmc.scale(sampler.random(n), lo, hi), ranges)


def read_design(path: Path) -> list[dict[str, Any]]:
    """Points from a CSV file: a header of parameter names, then one row per point."""
    if path.is_dir():
        raise UsageError(f"design file {path} is a folder: give a .csv file")
    if not path.is_file():
        raise UsageError(f"design file not found: {path}")
    try:
        with path.open(newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"design file {path} is unreadable: {exc}") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise UsageError(f"design file {path} is empty: expected a header of parameter names")
    header = [h.strip() for h in rows[0]]
    if any(not h for h in header):
        raise UsageError(f"design file {path}: empty column name in the header")
    for name in header:
        check_name(name)
    _no_repeats(header, f"design file {path}")
    if len(rows) == 1:
        raise UsageError(f"design file {path} has a header but no rows")
    points = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise UsageError(f"design file {path} line {line}: {len(row)} values for "
                             f"{len(header)} columns")
        if any(not cell.strip() for cell in row):
            raise UsageError(f"design file {path} line {line}: empty value")
        points.append({h: parse_value(c.strip()) for h, c in zip(header, row, strict=True)})
    return points


def validate_design(base: Scenario, points: list[dict[str, Any]],
                    where: str = "design point") -> list[Scenario]:
    """The scenario of every point (base values overridden), or one line for the first bad one."""
    base_values = base.model_dump()
    scenarios = []
    for i, point in enumerate(points):
        try:
            scenarios.append(make_scenario({**base_values, **point}))
        except ScenarioError as err:
            shown = ", ".join(f"{k}={v}" for k, v in point.items())
            raise UsageError(f"{where} {i} ({shown}): {err}") from None
    return scenarios
