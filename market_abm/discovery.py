"""Scenario discovery over a finished sweep: the regions of the design that lead to an outcome.

Bryant & Lempert (2010): label every run of an ensemble with a condition on its outputs (the
*outcome*, e.g. ``regime_3d == "takeover"``), then find the boxes of parameter space where the
outcome is common. Two methods, both from EMA Workbench (Kwakkel 2017), not written here:

- ``prim``: ``ema_workbench.analysis.prim.Prim`` peels the design box by box; each box found
  comes with its peeling trajectory (coverage against density). The chosen box on a
  trajectory is the one with the highest coverage among those of density at least
  ``min_density`` (ties: the denser), or the densest if none reaches it. Further boxes are
  searched among the runs outside the boxes already chosen, and kept while they reach
  ``min_density``, up to ``max_boxes``.
- ``cart``: ``ema_workbench.analysis.cart.CART`` (a scikit-learn classification tree with
  leaves of at least ``mass_min`` of the runs); its boxes are the leaves, densest first.

Coverage: share of the runs where the outcome holds that lie in the box; density: share of
the box's runs where it holds; mass: share of all runs in the box (all fractions, 0-1).

The runs table is the sweep's runs.parquet (parameters, ``final_<column>``) with the regime
and timing outputs of ``market_abm.regimes`` recomputed from yearly.parquet at the given
thresholds, so a sweep written before these outputs existed can be analysed too.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from market_abm.errors import UsageError, reason
from market_abm.outdir import read_manifest
from market_abm.regimes import NICHE_SHARE, OUTPUTS, TAKEOVER_SHARE, outcome_table
from market_abm.scenario import Scenario, ScenarioError, load_scenario, make_scenario

METHODS = ("prim", "cart")
MIN_DENSITY = 0.8  # the chosen PRIM box: highest coverage at this density or more
MAX_BOXES = 3
MASS_MIN = 0.05  # smallest box or leaf, fraction of the runs (EMA Workbench's default)
YEARLY_NEEDS = ("run_id", "year", "printed_share_shopping",
                "active_retailers", "carrier_volume_per_unit")
# What an outcome may use besides column names: comparisons, and, or, not, arithmetic.
ALLOWED_NODES = (ast.Expression, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Name,
                 ast.Constant, ast.Load, ast.List, ast.Tuple, ast.And, ast.Or, ast.Not,
                 ast.Invert, ast.USub, ast.UAdd, ast.BitAnd, ast.BitOr, ast.Add, ast.Sub,
                 ast.Mult, ast.Div, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
                 ast.In, ast.NotIn)
MISSING_TESTS = ("isna", "notna")  # year_stores_halve.isna(): "never"


@dataclass
class SweepRuns:
    """A finished sweep, ready for discovery: one row per run, the varying parameters."""

    folder: Path
    runs: pd.DataFrame
    parameters: list[str]
    fingerprint: str

    @property
    def x(self) -> pd.DataFrame:
        return self.runs[self.parameters].reset_index(drop=True)

    def base(self) -> Scenario:
        """The sweep's base scenario (its scenario.toml)."""
        try:
            return load_scenario(self.folder / "scenario.toml")
        except (ScenarioError, OSError) as exc:
            raise UsageError(f"the base scenario {self.folder / 'scenario.toml'} cannot be "
                             f"used: {reason(exc)}") from None


@dataclass
class Box:
    """A box of the design: the restricted parameters' limits and its statistics.

    ``limits``: parameter -> (low, high), both included, for numbers; parameter -> the
    allowed values for switches and names. ``runs``: runs in the box; ``of_interest``: those
    where the outcome holds.
    """

    limits: dict[str, Any]
    coverage: float
    density: float
    mass: float
    runs: int
    of_interest: int

    def describe(self) -> list[str]:
        lines = [f"coverage {self.coverage:.2f}, density {self.density:.2f}, {self.runs} runs "
                 f"({self.of_interest} where the outcome holds)"]
        for name, lim in self.limits.items():
            shown = (f"[{lim[0]:.4g}, {lim[1]:.4g}]" if isinstance(lim, tuple)
                     else "{" + ", ".join(map(str, sorted(lim, key=str))) + "}")
            lines.append(f"  {name} in {shown}")
        if not self.limits:
            lines.append("  (no parameter restricted: the whole design)")
        return lines


def load_sweep(folder: Path, niche: float = NICHE_SHARE,
               takeover: float = TAKEOVER_SHARE) -> SweepRuns:
    """The runs of the finished sweep in ``folder`` with their regime and timing outputs at
    the given thresholds; UsageError if the folder holds no finished sweep with runs."""
    if not folder.is_dir():
        raise UsageError(f"no sweep folder at {folder}")
    manifest = read_manifest(folder)
    if manifest is None or "parameters" not in manifest or "fingerprint" not in manifest:
        raise UsageError(f"{folder} holds no runs of a sweep (no sweep manifest.json): give "
                         "the folder of a finished market-abm sweep")
    if manifest.get("status") != "complete":
        raise UsageError(f"the sweep in {folder} is not finished (status "
                         f"{manifest.get('status')}): rerun its command to complete it")
    tables = []
    for name in ("runs.parquet", "yearly.parquet"):
        if not (folder / name).is_file():
            raise UsageError(f"{folder} has no runs ({name} missing)")
        try:
            columns = None
            if name == "yearly.parquet":
                columns = [c for c in pq.read_schema(folder / name).names
                           if c in YEARLY_NEEDS or c.startswith("network_flow_betweenness_")]
            tables.append(pd.read_parquet(folder / name, columns=columns))
        except Exception as exc:  # any reader failure: empty, truncated, not Parquet
            raise UsageError(f"{folder / name} is unreadable ({reason(exc)})") from None
    runs, yearly = tables
    if runs.empty:
        raise UsageError(f"{folder} has no runs (runs.parquet is empty)")
    if "run_id" not in runs or runs["run_id"].duplicated().any():
        raise UsageError(f"{folder / 'runs.parquet'} is not a sweep's runs table (run_id "
                         "missing or repeated)")
    missing = [c for c in YEARLY_NEEDS if c not in yearly]
    if missing:
        raise UsageError(f"{folder / 'yearly.parquet'} lacks the column {missing[0]}")
    outcomes = outcome_table(yearly, niche, takeover)
    runs = runs.drop(columns=[c for c in OUTPUTS if c in runs]).merge(
        outcomes, on="run_id", how="left", validate="one_to_one")
    declared = [p for p in manifest["parameters"] if p in runs]
    varying = [p for p in declared if runs[p].nunique() > 1]
    if not varying:
        shown = ", ".join(declared) or "none"
        raise UsageError(f"the sweep in {folder} varies no parameter (design: {shown}): PRIM "
                         "and CART need runs that differ in their parameters")
    return SweepRuns(folder, runs, varying, str(manifest["fingerprint"]))


def check_condition(expr: str, columns: list[str], parameters: Sequence[str] = ()) -> None:
    """UsageError unless ``expr`` only compares columns with numbers and text (pandas eval
    syntax: ==, <, &, |, ~, and, or, not, in, arithmetic, ``column.isna()``)."""
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise UsageError(f"the outcome {expr!r} is not a condition ({exc.msg})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in columns:
            raise UsageError(f"the outcome names {node.id!r}, which is not a column of the "
                             f"runs table; use a parameter{_named(parameters)}, "
                             f"{', '.join(OUTPUTS[:4])} "
                             f"(year_platform_most_central needs a sweep with network "
                             f"metrics) or final_<column> (e.g. final_share_online)")
        if isinstance(node, ast.Call):
            f = node.func
            if not (isinstance(f, ast.Attribute) and f.attr in MISSING_TESTS
                    and isinstance(f.value, ast.Name) and not node.args and not node.keywords):
                raise UsageError(f"the outcome {expr!r} calls a function: only "
                                 "column.isna() and column.notna() are allowed")
        elif isinstance(node, ast.Attribute):
            if node.attr not in MISSING_TESTS:
                raise UsageError(f"the outcome {expr!r} reads .{node.attr}: only "
                                 "column.isna() and column.notna() are allowed")
        elif not isinstance(node, ALLOWED_NODES):
            raise UsageError(f"the outcome {expr!r} uses {type(node).__name__}: only "
                             "comparisons of columns with numbers or text, and, or, not, "
                             "arithmetic and column.isna() are allowed")


def _named(parameters: Sequence[str]) -> str:
    return f" ({', '.join(parameters)})" if parameters else ""


def holds(runs: pd.DataFrame, expr: str, parameters: Sequence[str] = ()) -> np.ndarray:
    """Where ``expr`` holds for each run (bool array); missing values count as false.
    UsageError if it is not a condition or names an unknown column."""
    check_condition(expr, list(runs.columns), parameters)
    try:
        value = runs.eval(expr, engine="python", local_dict={}, global_dict={})
    except Exception as exc:  # pandas' own refusal of a well-formed expression
        raise UsageError(f"the outcome {expr!r} cannot be evaluated ({reason(exc)})") from None
    if not isinstance(value, pd.Series) or not (pd.api.types.is_bool_dtype(value.dtype)):
        raise UsageError(f"the outcome {expr!r} is not a condition: it gives values, not "
                         "true or false for each run")
    return value.fillna(False).to_numpy(dtype=bool)


def nothing_to_find(y: np.ndarray) -> str | None:
    """``"no run"`` or ``"every run"`` when the outcome ``y`` leaves PRIM and CART nothing
    to find, else None."""
    k = int(y.sum())
    if k == 0:
        return "no run"
    return "every run" if k == len(y) else None


def outcome(runs: pd.DataFrame, expr: str, parameters: Sequence[str] = ()) -> np.ndarray:
    """Where ``expr`` holds for each run (``holds``); UsageError also if it holds for no run
    or for every run (PRIM and CART would have nothing to find)."""
    y = holds(runs, expr, parameters)
    which = nothing_to_find(y)
    if which is not None:
        raise UsageError(f"the outcome {expr!r} holds for {which} ({int(y.sum())} of "
                         f"{len(y)}): PRIM and CART have nothing to find; choose a condition "
                         "that holds for some runs only")
    return y


def _ema(module: str):
    """An EMA Workbench analysis module (imported on use: it takes seconds)."""
    import importlib

    with warnings.catch_warnings():  # optional parallel back-ends EMA does not need here
        warnings.simplefilter("ignore")
        return importlib.import_module(f"ema_workbench.analysis.{module}")


def design_box(x: pd.DataFrame) -> dict[str, Any]:
    """The whole design: (min, max) of each numeric parameter, the set of the others."""
    return {c: (x[c].min(), x[c].max()) if is_numeric(x[c]) else set(x[c].unique())
            for c in x.columns}


def is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def categorical(x: pd.DataFrame) -> pd.DataFrame:
    """``x`` with switches and names as pandas categories, as EMA Workbench's CART needs."""
    return x.astype({c: "category" for c in x.columns if not is_numeric(x[c])})


def restricted(lims: pd.DataFrame, whole: dict[str, Any]) -> dict[str, Any]:
    """The limits of an EMA box (rows 0 and 1: low and high) that differ from the design."""
    out: dict[str, Any] = {}
    for name, full in whole.items():
        lo, hi = lims.loc[0, name], lims.loc[1, name]
        if isinstance(full, tuple):
            if lo > full[0] or hi < full[1]:
                out[name] = (_plain(lo), _plain(hi))
        elif set(lo) != full:
            out[name] = frozenset(_plain(v) for v in lo)
    return out


def _plain(v):
    return v.item() if hasattr(v, "item") else v


def inside(x: pd.DataFrame, limits: dict[str, Any]) -> np.ndarray:
    """Which runs (rows of ``x``) lie in a box's limits."""
    mask = np.ones(len(x), dtype=bool)
    for name, lim in limits.items():
        col = x[name]
        mask &= (col.between(*lim) if isinstance(lim, tuple) else col.isin(lim)).to_numpy()
    return mask


def choose(trajectory: pd.DataFrame, min_density: float) -> int:
    """The chosen box of a peeling trajectory: highest coverage at density >= min_density
    (ties: the denser), or the densest box if none reaches it."""
    ok = trajectory[trajectory["density"] >= min_density]
    pool, keys = (ok, ["coverage", "density"]) if len(ok) else (trajectory, ["density",
                                                                             "coverage"])
    best = pool.sort_values(keys, ascending=False, kind="stable")
    return int(best.index[0])


def mass_min(n_runs: int) -> float:
    """MASS_MIN, but at least one run (tiny sweeps)."""
    return max(MASS_MIN, 1.0 / n_runs)


def prim_boxes(x: pd.DataFrame, y: np.ndarray, min_density: float = MIN_DENSITY,
               max_boxes: int = MAX_BOXES) -> tuple[list[Box], list[tuple[pd.DataFrame, int]]]:
    """PRIM's chosen boxes and, for each, its peeling trajectory and the chosen index."""
    prim = _ema("prim")
    whole = design_box(x)
    with warnings.catch_warnings():  # EMA's use of a keyword pandas deprecates
        warnings.simplefilter("ignore", category=DeprecationWarning)
        warnings.simplefilter("ignore", category=FutureWarning)
        finder = prim.Prim(x, y.copy(), mass_min=mass_min(len(x)))
    boxes, trajectories = [], []
    for k in range(max_boxes):
        box = finder.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory.reset_index(drop=True)
        i = choose(traj, min_density)
        if k > 0 and traj.at[i, "density"] < min_density:
            break
        box.select(i)
        row = traj.loc[i]
        boxes.append(Box(restricted(box.box_lims[i], whole), float(row["coverage"]),
                         float(row["density"]), float(row["mass"]), int(row["n"]),
                         int(row["k"])))
        trajectories.append((traj, i))
    return boxes, trajectories


def cart_tree(x: pd.DataFrame, y: np.ndarray):
    """EMA Workbench's CART fitted on the runs (its ``clf`` is the scikit-learn tree).

    scikit-learn breaks ties between equally good splits at random with numpy's global
    generator when the tree has no seed, as EMA builds it: a fixed seed, restored after,
    makes the tree the same every time."""
    cart = _ema("cart")
    tree = cart.CART(categorical(x), y.astype(int), mass_min=mass_min(len(x)))
    state = np.random.get_state()  # noqa: NPY002 (the generator scikit-learn uses)
    np.random.seed(0)  # noqa: NPY002
    try:
        tree.build_tree()
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return tree


def cart_boxes(tree, x: pd.DataFrame, y: np.ndarray) -> list[Box]:
    """The leaves of a CART tree as boxes, densest first (then the most covering).

    Numeric limits are EMA Workbench's (``CART.boxes``). The allowed values of switches and
    names are read from each leaf's path here, and the statistics counted from the runs in
    each box: EMA 3.0 removes a category from a set its leaves share (one shallow copy of
    the design box), so its limits and statistics of such parameters are wrong."""
    whole = design_box(x)
    numeric = {k: v for k, v in whole.items() if isinstance(v, tuple)}
    boxes = []
    for lims, values in zip(tree.boxes, leaf_values(tree, x), strict=True):
        limits = {**restricted(lims, numeric), **values}
        limits = {name: limits[name] for name in x.columns if name in limits}
        mask = inside(x, limits)
        runs, hits = int(mask.sum()), int(y[mask].sum())
        boxes.append(Box(limits, hits / y.sum(), hits / runs if runs else 0.0, runs / len(y),
                         runs, hits))
    return sorted(boxes, key=lambda b: (-b.density, -b.coverage))


def leaf_values(tree, x: pd.DataFrame) -> list[dict[str, frozenset]]:
    """For each leaf of the tree (in node order, as ``CART.boxes``), the allowed values of
    every switch or name its path restricts. A split on the dummy ``name!?!value`` sends
    runs without that value left and runs with it right."""
    t = tree.clf.tree_
    parent = {}
    for node, (left, right) in enumerate(zip(t.children_left, t.children_right, strict=True)):
        if left != -1:
            parent[int(left)], parent[int(right)] = (node, False), (node, True)
    out = []
    for leaf in np.flatnonzero(t.children_left == -1):
        allowed: dict[str, set] = {}
        node = int(leaf)
        while node in parent:
            node, has = parent[node]
            name, sep, value = tree.feature_names[t.feature[node]].partition(tree.sep)
            if sep:
                kept = allowed.setdefault(name, {str(v) for v in x[name].unique()})
                kept &= {value} if has else kept - {value}
        out.append({name: frozenset(_plain(v) for v in x[name].unique() if str(v) in kept)
                    for name, kept in allowed.items()
                    if len(kept) < x[name].nunique()})
    return out


def boxes_table(boxes: list[Box]) -> pd.DataFrame:
    """One row per box: box (1, 2...), coverage, density, mass, runs, runs_of_interest,
    restricted (names), then ``<parameter>_min`` and ``_max`` (or ``_values``, joined by
    '|') of every parameter some box restricts (empty where a box does not)."""
    rows = []
    for i, box in enumerate(boxes, start=1):
        row: dict[str, Any] = {"box": i, "coverage": box.coverage, "density": box.density,
                               "mass": box.mass, "runs": box.runs,
                               "runs_of_interest": box.of_interest,
                               "restricted": " ".join(box.limits)}
        for name, lim in box.limits.items():
            if isinstance(lim, tuple):
                row[f"{name}_min"], row[f"{name}_max"] = lim
            else:
                row[f"{name}_values"] = "|".join(sorted(map(str, lim)))
        rows.append(row)
    return pd.DataFrame(rows)


def most_restricted(box: Box, x: pd.DataFrame, n: int = 2) -> list[str]:
    """The ``n`` parameters the box narrows most (share of the design's range or values
    kept), then the others in design order."""
    whole = design_box(x)

    def kept(name: str) -> float:
        lim, full = box.limits.get(name), whole[name]
        if lim is None:
            return 1.0
        if isinstance(full, tuple):
            return (lim[1] - lim[0]) / (full[1] - full[0]) if full[1] > full[0] else 1.0
        return len(lim) / len(full)

    return sorted(x.columns, key=kept)[:n]


def centre(box: Box, x: pd.DataFrame, y: np.ndarray) -> dict[str, Any]:
    """Parameter values at the centre of a box: the middle of each restricted range (integer
    parameters rounded), and for a restricted switch or name the value most common among
    the box's runs where the outcome holds."""
    mask = inside(x, box.limits)
    values: dict[str, Any] = {}
    for name, lim in box.limits.items():
        if isinstance(lim, tuple):
            mid = (lim[0] + lim[1]) / 2
            whole = pd.api.types.is_integer_dtype(x[name])
            values[name] = int(round(mid)) if whole else float(mid)
        else:
            hits = x.loc[mask & y, name]
            values[name] = _plain(hits.mode().sort_values(key=lambda s: s.astype(str)).iloc[0])
    return values


def box_scenario(base: Scenario, box: Box, x: pd.DataFrame, y: np.ndarray) -> Scenario:
    """The sweep's base scenario with the box's restricted parameters at its centre."""
    values = centre(box, x, y)
    try:
        return make_scenario({**base.model_dump(), **values})
    except ScenarioError as exc:
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        raise UsageError(f"the centre of the box ({shown}) is not a valid scenario: "
                         f"{exc}") from None
