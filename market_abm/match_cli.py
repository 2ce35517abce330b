"""``market-abm calibrate --targets FILE.toml``: history matching by ABC-SMC (history_match).

Writes into --out: abc.db (pyabc's database: every population; rerunning the same command
resumes from it), posterior.parquet (one row per accepted particle of every population: the
parameters, ``weight``, ``distance``, ``population``), posterior.png (the last population:
each parameter's weighted histogram and every pair), scenario.toml (the base scenario at the
weighted median of the last population: the point estimate, as manifest.json says),
predictive.parquet (every target, and the forecast columns of predictive.FORECASTS, every
year to --forecast-to: quantiles of the posterior predictive, market_abm.predictive), fit.png
(each series: data, bands, fit window), forecast.png (the forecast fans), with
--holdout FIRST:LAST holdout.csv (per series: held-out points inside the 50 % and 90 % bands,
RMSE of the median, of a straight line and of a Bass curve) and manifest.json (settings,
targets, status, fingerprint; when complete also the point estimate, the holdout scores, each
population's tolerance, runs and wall time, and the predictive stage's wall time). Every input
is checked before the first run.
"""

from __future__ import annotations

import argparse
import itertools
import time
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from market_abm.calibration import model_columns  # noqa: E402
from market_abm.cli import check_seed, warn_if_large  # noqa: E402
from market_abm.engines import open_engine  # noqa: E402
from market_abm.errors import UsageError  # noqa: E402
from market_abm.outdir import Claim, Job, identity  # noqa: E402
from market_abm.palette import CHANNEL_COLOURS, ROLE_COLOURS  # noqa: E402
from market_abm.plots import save_figure  # noqa: E402
from market_abm.scenario import (  # noqa: E402
    Scenario,
    load_scenario,
    make_scenario,
    parse_assignments,
    scenario_to_toml,
)
from market_abm.storage import atomic_write, manifest, write_json  # noqa: E402
from market_abm.targets import Targets, load_targets, targets_to_toml  # noqa: E402

MATCH_FILES = frozenset({"manifest.json", "abc.db", "posterior.parquet", "posterior.png",
                         "scenario.toml", "predictive.parquet", "fit.png", "forecast.png",
                         "holdout.csv"})
# --quick: a small quarterly market and a short ABC-SMC (minutes on two cores).
QUICK_SCENARIO = {"n_customers": 300, "steps_per_year": 4}
QUICK_POPULATION, QUICK_GENERATIONS, QUICK_DRAWS = 12, 3, 12
# Paper size: 6 populations. On the baseline the tolerance fell 1.93 -> 1.33 over populations
# 1-6 and only to 1.30 at 7, while populations 6 and 7 each cost more runs than 1-3 together
# (session 7's run, docs/validation.md section 5): 8 populations did not fit in a working day
# on 2 cores.
POPULATION, GENERATIONS, DRAWS = 100, 6, 100


def add_arguments(cal: argparse.ArgumentParser) -> None:
    """The options of the targets mode of ``calibrate``."""
    cal.add_argument("--targets", type=Path, default=None,
                     help="TOML targets file: observed series and parameters with priors "
                     "(history matching by ABC-SMC; e.g. experiments/targets/history.toml)")
    cal.add_argument("--method", choices=("abc", "lhs"), help="abc (with --targets, the "
                     "default) or lhs (with --data/--target, the default)")
    cal.add_argument("--population", type=int, help=f"ABC particles per population "
                     f"(default {POPULATION}; quick {QUICK_POPULATION})")
    cal.add_argument("--generations", type=int, help=f"ABC populations (default "
                     f"{GENERATIONS}; quick {QUICK_GENERATIONS})")
    cal.add_argument("--draws", type=int, help=f"posterior predictive runs (default {DRAWS}; "
                     f"quick {QUICK_DRAWS})")
    cal.add_argument("--holdout", metavar="FIRST:LAST", type=parse_holdout,
                     help="years left out of the fit and scored against the predictive bands, "
                     "a straight line and a Bass curve (e.g. 2005:2009)")
    cal.add_argument("--quick", action="store_true", help="small market and short ABC run "
                     "(a first try, CI)")


def parse_holdout(text: str) -> tuple[int, int]:
    """``FIRST:LAST`` (or one year) -> (first, last)."""
    parts = text.split(":")
    try:
        first, last = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (None, None)
    except ValueError:
        first = last = None
    if first is None or first > last:
        raise argparse.ArgumentTypeError(f"must be FIRST:LAST years in order, e.g. 2005:2009, "
                                         f"got {text!r}")
    return first, last


def check_mode(args: argparse.Namespace) -> str:
    """``abc`` or ``lhs`` from the flags given, or one line on what conflicts."""
    if args.targets is not None:
        if args.data is not None or args.target is not None:
            raise UsageError("give either --targets (several series, ABC-SMC) or --data and "
                             "--target (one series, Latin hypercube), not both")
        if args.method == "lhs":
            raise UsageError("--method lhs fits one series: give --data and --target (with "
                             "--targets the method is abc)")
        for flag in ("params", "points", "replicates", "final_replicates"):
            if getattr(args, flag) is not None:
                raise UsageError(f"--{flag.replace('_', '-')} is a --method lhs setting; with "
                                 "--targets the parameters and their priors are in the file")
        return "abc"
    if args.data is None or args.target is None:
        raise UsageError("give --targets FILE.toml, or --data FILE.csv with --target COLUMN")
    if args.method == "abc":
        raise UsageError("--method abc needs --targets FILE.toml (observed series and "
                         "parameters with their priors)")
    for flag in ("population", "generations", "draws", "holdout"):
        if getattr(args, flag) is not None:
            raise UsageError(f"--{flag} is an ABC setting: use it with --targets")
    return "lhs"


def posterior_figure(table: pd.DataFrame, names: list[str]) -> plt.Figure:
    """The last population: weighted histograms on the diagonal, pairs below it."""
    last = table[table["population"] == table["population"].max()]
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(1.9 * k + 1, 1.9 * k + 1), squeeze=False,
                             constrained_layout=True)
    for (i, y), (j, x) in itertools.product(enumerate(names), enumerate(names)):
        ax = axes[i, j]
        if i == j:
            ax.hist(last[x], weights=last["weight"], bins=12, color="0.4")
        elif i > j:
            ax.scatter(last[x], last[y], s=8 + 300 * last["weight"], alpha=0.5)
        else:
            ax.axis("off")
        if i == k - 1:
            ax.set_xlabel(x, fontsize=8)
        if j == 0 and i > 0:
            ax.set_ylabel(y, fontsize=8)
        ax.tick_params(labelsize=6)
    fig.suptitle(f"Posterior, population {int(last['population'].iloc[0])} "
                 f"({len(last)} particles)")
    return fig


def _base(args: argparse.Namespace) -> Scenario:
    base = load_scenario(args.scenario, parse_assignments(args.set))
    return make_scenario({**base.model_dump(), **QUICK_SCENARIO}) if args.quick else base


def check_inputs(args: argparse.Namespace, targets: Targets, base: Scenario) -> None:
    """Everything the calibration will use, checked before the first run."""
    check_seed(args.seed)
    for flag in ("population", "generations", "draws"):
        if getattr(args, flag) < 1:
            raise UsageError(f"--{flag} must be at least 1, got {getattr(args, flag)}")
    targets.check(base, model_columns())
    if targets.holdout is not None and not any(
            len(every) > len(fit) for every, fit in zip(targets.observed_all(),
                                                         targets.observed(), strict=True)):
        raise UsageError(f"--holdout {targets.holdout[0]}:{targets.holdout[1]}: no target has "
                         "an observation in those years")
    last_observed = last_year(targets)
    if args.forecast_to is not None and args.forecast_to < last_observed:
        raise UsageError(f"--forecast-to {args.forecast_to} ends before the last observation "
                         f"({last_observed})")
    make_scenario({**base.model_dump(), "end_year": forecast_end(args, base)})
    for p in targets.parameters:  # the prior's corners make valid scenarios
        for value in p.bounds:
            make_scenario({**base.model_dump(), p.name: value})
    warn_if_large(args.command, base, args.population * args.generations)


def last_year(targets: Targets) -> int:
    """The last observed year of any target (held-out years included): where the runs of
    the fit stop."""
    return max(int(s.index.max()) for s in targets.observed_all())


def forecast_end(args: argparse.Namespace, base: Scenario) -> int:
    """Last year of the predictive runs: --forecast-to, or the base scenario's end_year."""
    return base.end_year if args.forecast_to is None else args.forecast_to


def fit_figure(table: pd.DataFrame, holdout: tuple[int, int] | None) -> plt.Figure:
    """Each target: the predictive median, 50 % and 90 % bands, observations (filled: in the
    fit; open: held out) and the fit window shaded."""
    table = table[table["kind"] == "target"]
    names = list(dict.fromkeys(table["target"]))
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.9 * rows), squeeze=False,
                             constrained_layout=True)
    for ax, name in zip(axes.flat, names, strict=False):
        part = table[table["target"] == name]
        ax.fill_between(part["year"], part["q05"], part["q95"], color="C0", alpha=0.18,
                        lw=0, label="90 % band")
        ax.fill_between(part["year"], part["q25"], part["q75"], color="C0", alpha=0.35,
                        lw=0, label="50 % band")
        ax.plot(part["year"], part["q50"], color="C0", lw=1.2, label="median")
        fit = part[part["fitted"] & part["observed"].notna()]
        held = part[~part["fitted"] & part["observed"].notna()]
        ax.axvspan(fit["year"].min(), fit["year"].max(), color="0.9", zorder=0,
                   label="fit window")
        ax.plot(fit["year"], fit["observed"], "o", color="k", ms=3, label="data (fit)")
        if len(held):
            ax.plot(held["year"], held["observed"], "o", mfc="none", color="C3", ms=4,
                    label="data (held out)" if holdout else "data (not fitted)")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6, loc="best")
    fig.suptitle("Posterior predictive against the data")
    return fig


# the forecast fans: panel title and the FORECASTS columns it draws
FAN_PANELS = (("Channel shares of retail sales ($)", ("spend_share_retail",
                                                     "spend_share_online",
                                                     "spend_share_home_print",
                                                     "spend_share_print_service")),
              ("Printed share of the shopping goods' items", ("printed_share_shopping",)),
              ("Stores, carriers and producers", ("active_retailers", "active_logisticians",
                                                  "active_producers")),
              ("Marketplaces, platforms, print hubs, material suppliers",
               ("active_marketplaces", "active_platforms", "active_print_hubs",
                "active_material_suppliers")))


def fan_colour(column: str) -> str:
    """The palette's colour of a channel share or of a role's firm count."""
    if column.startswith("spend_share_"):
        return CHANNEL_COLOURS[column.removeprefix("spend_share_")]
    if column == "printed_share_shopping":
        return CHANNEL_COLOURS["home_print"]
    return ROLE_COLOURS[column.removeprefix("active_").removesuffix("s")]


def forecast_figure(table: pd.DataFrame) -> plt.Figure:
    """Forecast fans of the posterior predictive: median and 90 % band of the channel shares
    and of the active firms by role, every year of the predictive runs."""
    fans = table[table["kind"] == "forecast"]
    fig, axes = plt.subplots(2, 2, figsize=(9, 6), constrained_layout=True)
    for ax, (title, columns) in zip(axes.flat, FAN_PANELS, strict=True):
        for column in columns:
            part = fans[fans["column"] == column]
            colour = fan_colour(column)
            ax.fill_between(part["year"], part["q05"], part["q95"], color=colour, alpha=0.2,
                            lw=0)
            ax.plot(part["year"], part["q50"], color=colour, lw=1.3,
                    label=column.removeprefix("spend_share_").removeprefix("active_"))
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=6)
        ax.tick_params(labelsize=7)
    fig.suptitle("Forecast fans: posterior predictive median and 90 % band")
    return fig


def cmd_match(args: argparse.Namespace) -> None:
    from market_abm.history_match import (
        point_estimate,
        population_log,
        posterior_table,
        run_abc,
        typed_value,
    )
    from market_abm.predictive import band_coverage, holdout_scores, predictive, score_records

    targets = replace(load_targets(args.targets), holdout=args.holdout)
    base = _base(args)
    quick = args.quick
    defaults = {"population": (QUICK_POPULATION, POPULATION),
                "generations": (QUICK_GENERATIONS, GENERATIONS), "draws": (QUICK_DRAWS, DRAWS)}
    for flag, (small, full) in defaults.items():
        if getattr(args, flag) is None:
            setattr(args, flag, small if quick else full)
    check_inputs(args, targets, base)
    settings = dict(kind="calibration", method="ABC-SMC (pyabc)", targets_file=str(args.targets),
                    targets=targets_to_toml(targets), base_scenario=base.model_dump(),
                    seed=args.seed, population=args.population,
                    generations=args.generations, draws=args.draws,
                    holdout=list(args.holdout) if args.holdout else None,
                    forecast_to=forecast_end(args, base), quick=quick)
    job = Job("calibration", identity(settings), MATCH_FILES)
    settings["fingerprint"] = job.identity  # rerunning the same command resumes (outdir)
    names = [p.name for p in targets.parameters]
    with Claim(args.out, job, args.overwrite), \
            open_engine(args.workers, args.scheduler) as engine:
        write_json(manifest(status="running", **settings), args.out / "manifest.json")
        print(f"calibrate: ABC-SMC of {', '.join(names)} on {len(targets.targets)} series, "
              f"{args.generations} populations of {args.population} on "
              f"{engine.description}")
        fit_base = make_scenario({**base.model_dump(), "end_year": last_year(targets)})
        history = run_abc(targets, fit_base, args.out, engine, seed=args.seed,
                          population=args.population, generations=args.generations,
                          batch=max(2 * engine.workers(), 4))
        table = posterior_table(history)
        atomic_write(args.out / "posterior.parquet", lambda tmp: table.to_parquet(tmp))
        save_figure(posterior_figure(table, names), args.out / "posterior.png")
        estimate = point_estimate(table, names)
        values = base.model_dump()
        scenario = make_scenario(values | {k: typed_value(values, k, v)
                                           for k, v in estimate.items()})
        text = scenario_to_toml(scenario)
        atomic_write(args.out / "scenario.toml", lambda tmp: tmp.write_text(text))
        last = table[table["population"] == table["population"].max()]
        print(f"calibrate: posterior predictive, {args.draws} runs to "
              f"{forecast_end(args, base)}")
        started = time.perf_counter()
        bands = predictive(targets, base, last, engine, draws=args.draws, seed=args.seed,
                           end_year=forecast_end(args, base))
        predictive_seconds = round(time.perf_counter() - started, 1)
        atomic_write(args.out / "predictive.parquet", lambda tmp: bands.to_parquet(tmp))
        save_figure(fit_figure(bands, args.holdout), args.out / "fit.png")
        save_figure(forecast_figure(bands), args.out / "forecast.png")
        coverage = band_coverage(bands)
        print("calibrate: fitted observations inside the predictive bands:")
        print(coverage.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        scores = None
        if args.holdout:
            scores = holdout_scores(bands, args.holdout)
            atomic_write(args.out / "holdout.csv",
                         lambda tmp: scores.to_csv(tmp, index=False, float_format="%.6g"))
            print(f"calibrate: out of sample ({args.holdout[0]}-{args.holdout[1]}):")
            print(scores.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        write_json(manifest(status="complete", **settings, point_estimate=estimate,
                            point_estimate_is="weighted median of the last population",
                            final_tolerance=float(last["distance"].max()),
                            mean_distance=float(np.average(last["distance"],
                                                           weights=last["weight"])),
                            coverage=score_records(coverage),
                            holdout_scores=None if scores is None
                            else score_records(scores),
                            populations=population_log(history),
                            predictive_seconds=predictive_seconds),
                   args.out / "manifest.json")
    extra = ", holdout.csv" if args.holdout else ""
    print(f"calibrate: {', '.join(f'{k}={v:.4g}' for k, v in estimate.items())} (weighted "
          f"median of population {args.generations}); wrote {args.out}/posterior.parquet, "
          f"posterior.png, scenario.toml, predictive.parquet, fit.png, forecast.png{extra}, "
          "abc.db")
