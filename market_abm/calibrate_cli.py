"""``market-abm calibrate``: fit parameters to an observed yearly series (see calibration.py).

Writes DIR/scenario.toml (runnable with ``market-abm run --scenario DIR/scenario.toml``),
DIR/fit.csv and DIR/fit.png (fit against data, and the forecast band if asked), and
DIR/calibration.json (parameters, RMSE and its spread across seeds, manifest fields). The
search rounds are sweeps in DIR/round1, DIR/round2 and DIR/final: rerunning the same command
resumes them. DIR/manifest.json, written first, marks the folder as this calibration's (the
data, target, ranges, base scenario, seed and sizes, as a fingerprint).

Every input is checked before the first run: the data (see calibration.read_observations),
the target, the ranges (finite, inside each parameter's limits), the fit and forecast
scenarios (``--forecast-to`` within end_year's limit), the sizes and the output folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from market_abm import match_cli  # noqa: E402
from market_abm.batch_cli import add_engine_arguments  # noqa: E402
from market_abm.calibration import (  # noqa: E402
    Fit,
    calibrate,
    model_columns,
    parse_params,
    read_observations,
)
from market_abm.cli import (  # noqa: E402
    add_out_arguments,
    add_scenario_arguments,
    check_seed,
    warn_if_large,
)
from market_abm.designs import validate_design  # noqa: E402
from market_abm.engines import open_engine  # noqa: E402
from market_abm.errors import SizeError, UsageError  # noqa: E402
from market_abm.outdir import Claim, Job, identity  # noqa: E402
from market_abm.plots import save_figure  # noqa: E402
from market_abm.scenario import (  # noqa: E402
    ScenarioError,
    load_scenario,
    make_scenario,
    parse_assignments,
    scenario_to_toml,
)
from market_abm.storage import atomic_write, manifest, write_json  # noqa: E402
from market_abm.sweep import check_size  # noqa: E402

# --method lhs settings, refused with --targets
LHS_DEFAULTS = {"points": 12, "replicates": 3, "final_replicates": 10}
CALIBRATION_FILES = frozenset({"manifest.json", "round1", "round2", "final", "scenario.toml",
                               "fit.csv", "fit.png", "calibration.json"})


def register(sub) -> None:
    cal = sub.add_parser("calibrate", help="fit parameters to observed series: one series "
                         "by Latin hypercube (--data, --target), several by ABC-SMC "
                         "(--targets)")
    cal.add_argument("--data", type=Path, help="CSV with columns year,value (--method lhs)")
    cal.add_argument("--target", help="model column compared with the data (e.g. "
                     "share_online, spend_share_online; --method lhs)")
    match_cli.add_arguments(cal)
    cal.add_argument("--params", help="parameters to fit: a,b or a=lo:hi,b=lo:hi "
                     "(default depends on the target; see docs/validation.md)")
    add_scenario_arguments(cal)
    cal.add_argument("--seed", type=int, default=1, help="root seed")
    cal.add_argument("--points", type=int, help=f"design points per round (default "
                     f"{LHS_DEFAULTS['points']})")
    cal.add_argument("--replicates", type=int, help=f"seeds per point (default "
                     f"{LHS_DEFAULTS['replicates']})")
    cal.add_argument("--final-replicates", type=int, help="seeds for the best point (error "
                     f"spread and forecast band; default {LHS_DEFAULTS['final_replicates']})")
    cal.add_argument("--forecast-to", type=int, help="forecast to this year: the best point "
                     "(--method lhs) or the posterior predictive (--targets)")
    add_out_arguments(cal)
    add_engine_arguments(cal)
    cal.set_defaults(handler=cmd_calibrate, interrupted="the rounds stored in --out are kept: "
                     "rerun the same command to resume")


def fit_figure(fit: Fit, target: str, last_observed: int) -> plt.Figure:
    t = fit.table
    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    ax.fill_between(t.year, t.model_lower, t.model_upper, alpha=0.25,
                    label="model, 95 % of seeds")
    ax.plot(t.year, t.model_mean, label="model, mean of seeds")
    ax.plot(t.year, t.observed, "ko", label="observed")
    if t.year.max() > last_observed:
        ax.axvline(last_observed + 0.5, color="grey", ls=":", label="end of data (forecast →)")
    ax.set(xlabel="year", ylabel=target, title=f"Calibration: RMSE {fit.rmse:.4f}")
    ax.legend()
    return fig


def check_inputs(args: argparse.Namespace, observed, base, ranges) -> None:
    """Everything calibrate() will build, checked before the first run."""
    check_seed(args.seed)
    if args.seed + 3 >= 2**63:  # the rounds use seed + 1, + 2, + 3
        raise UsageError(f"--seed must be below 2**63 - 3, got {args.seed}")
    for flag in ("points", "replicates", "final_replicates"):
        if getattr(args, flag) < 1:
            raise UsageError(f"--{flag.replace('_', '-')} must be at least 1, got "
                             f"{getattr(args, flag)}")
    first, last = int(observed.index.min()), int(observed.index.max())
    if first < base.start_year:
        raise UsageError(f"data starts in {first}, before the scenario's start_year "
                         f"{base.start_year}")
    if args.forecast_to is not None and args.forecast_to <= last:
        raise UsageError(f"--forecast-to must be after the last observed year {last}, got "
                         f"{args.forecast_to}")
    for end, what in ((last, "the data's last year"), (args.forecast_to, "--forecast-to")):
        if end is None:
            continue
        try:
            make_scenario({**base.model_dump(), "end_year": end})
        except ScenarioError as err:
            raise UsageError(f"{what} {end} makes no valid scenario: {err}") from None
    corners = [{k: lo for k, (lo, _) in ranges.items()}, {k: hi for k, (_, hi) in ranges.items()}]
    validate_design(base, corners, "--params corner")
    end = max(last, args.forecast_to or 0)
    warn_if_large(args.command, make_scenario({**base.model_dump(), "end_year": end}),
                  args.final_replicates)
    try:
        check_size(args.points * args.replicates, last - base.start_year + 1, folder=args.out)
        check_size(args.final_replicates, end - base.start_year + 1, folder=args.out)
    except SizeError as err:
        raise SizeError(f"--points, --replicates and --final-replicates: {err}") from None


def calibration_job(args: argparse.Namespace, observed, base, ranges) -> Job:
    """What calibrate writes into --out: same data, target, ranges, scenario, seed and sizes,
    same job."""
    fields = {"observed": [[int(y), float(v)] for y, v in observed.items()],
              "target": args.target, "ranges": {k: list(v) for k, v in ranges.items()},
              "base": base.model_dump(), "seed": args.seed, "points": args.points,
              "replicates": args.replicates, "final_replicates": args.final_replicates,
              "forecast_to": args.forecast_to}
    return Job("calibration", identity(fields), CALIBRATION_FILES)


def cmd_calibrate(args: argparse.Namespace) -> None:
    if match_cli.check_mode(args) == "abc":
        return match_cli.cmd_match(args)
    if args.quick:
        raise UsageError("--quick is an ABC setting: use it with --targets")
    for flag, default in LHS_DEFAULTS.items():
        if getattr(args, flag) is None:
            setattr(args, flag, default)
    observed = read_observations(args.data)
    columns = model_columns()
    if args.target not in columns:
        raise UsageError(f"--target '{args.target}' is not a model column; columns include "
                         f"{', '.join(c for c in columns if c.startswith(('share', 'spend')))}")
    ranges = parse_params(args.params, args.target)
    base = load_scenario(args.scenario, parse_assignments(args.set))
    check_inputs(args, observed, base, ranges)
    job = calibration_job(args, observed, base, ranges)
    settings = dict(kind="calibration", fingerprint=job.identity, data=str(args.data),
                    target=args.target, ranges={k: list(v) for k, v in ranges.items()},
                    seed=args.seed, points=args.points, replicates=args.replicates,
                    final_replicates=args.final_replicates, forecast_to=args.forecast_to)
    with Claim(args.out, job, args.overwrite), \
            open_engine(args.workers, args.scheduler) as engine:
        write_json(manifest(status="running", **settings), args.out / "manifest.json")
        fit = calibrate(observed, args.target, base, ranges, args.out, engine, args.seed,
                        args.points, args.replicates, args.final_replicates, args.forecast_to)
        text = scenario_to_toml(fit.scenario)
        atomic_write(args.out / "scenario.toml", lambda tmp: tmp.write_text(text))
        atomic_write(args.out / "fit.csv", lambda tmp: fit.table.to_csv(tmp, index=False))
        save_figure(fit_figure(fit, args.target, int(observed.index.max())),
                    args.out / "fit.png")
        write_json(manifest(**settings, params=fit.params, rmse=fit.rmse,
                            rmse_per_seed_mean=float(fit.rmse_per_seed.mean()),
                            rmse_per_seed_sd=float(fit.rmse_per_seed.std(ddof=1))
                            if len(fit.rmse_per_seed) > 1 else 0.0),
                   args.out / "calibration.json")
        write_json(manifest(status="complete", **settings), args.out / "manifest.json")
    print(f"calibrate: {', '.join(f'{k}={v:.4g}' for k, v in fit.params.items())}; RMSE "
          f"{fit.rmse:.4f} (per seed {fit.rmse_per_seed.mean():.4f} ± "
          f"{fit.rmse_per_seed.std():.4f}); wrote {args.out}/scenario.toml, fit.csv, fit.png, "
          "calibration.json")
