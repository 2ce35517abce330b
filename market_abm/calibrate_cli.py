"""``market-abm calibrate``: fit parameters to an observed yearly series (see calibration.py).

Writes DIR/scenario.toml (runnable with ``market-abm run --scenario DIR/scenario.toml``),
DIR/fit.csv and DIR/fit.png (fit against data, and the forecast band if asked), and
DIR/calibration.json (parameters, RMSE and its spread across seeds, manifest fields). The
search rounds are sweeps in DIR/round1, DIR/round2 and DIR/final: rerunning the same command
resumes them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from market_abm.batch_cli import add_engine_arguments  # noqa: E402
from market_abm.calibration import (  # noqa: E402
    Fit,
    calibrate,
    model_columns,
    parse_params,
    read_observations,
)
from market_abm.cli import add_scenario_arguments  # noqa: E402
from market_abm.engines import open_engine  # noqa: E402
from market_abm.errors import UsageError  # noqa: E402
from market_abm.plots import save_figure  # noqa: E402
from market_abm.scenario import load_scenario, parse_assignments, scenario_to_toml  # noqa: E402
from market_abm.storage import atomic_write, manifest, write_json  # noqa: E402


def register(sub) -> None:
    cal = sub.add_parser("calibrate", help="fit parameters to an observed yearly series")
    cal.add_argument("--data", type=Path, required=True, help="CSV with columns year,value")
    cal.add_argument("--target", required=True, help="model column compared with the data "
                     "(e.g. share_online, spend_share_online)")
    cal.add_argument("--params", help="parameters to fit: a,b or a=lo:hi,b=lo:hi "
                     "(default depends on the target; see docs/validation.md)")
    add_scenario_arguments(cal)
    cal.add_argument("--seed", type=int, default=1, help="root seed")
    cal.add_argument("--points", type=int, default=12, help="design points per round")
    cal.add_argument("--replicates", type=int, default=3, help="seeds per point")
    cal.add_argument("--final-replicates", type=int, default=10,
                     help="seeds for the best point (error spread and forecast band)")
    cal.add_argument("--forecast-to", type=int, help="also run the best point to this year")
    cal.add_argument("--out", type=Path, required=True, help="output folder")
    add_engine_arguments(cal)
    cal.set_defaults(handler=cmd_calibrate)


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


def cmd_calibrate(args: argparse.Namespace) -> None:
    observed = read_observations(args.data)
    columns = model_columns()
    if args.target not in columns:
        raise UsageError(f"--target '{args.target}' is not a model column; columns include "
                         f"{', '.join(c for c in columns if c.startswith(('share', 'spend')))}")
    ranges = parse_params(args.params, args.target)
    base = load_scenario(args.scenario, parse_assignments(args.set))
    if observed.index.min() < base.start_year:
        raise UsageError(f"data starts in {observed.index.min()}, before the scenario's "
                         f"start_year {base.start_year}")
    for flag in ("points", "replicates", "final_replicates"):
        if getattr(args, flag) < 1:
            raise UsageError(f"--{flag.replace('_', '-')} must be at least 1")
    if args.forecast_to is not None and args.forecast_to <= observed.index.max():
        raise UsageError(f"--forecast-to must be after the last observed year "
                         f"{observed.index.max()}")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out} exists and is not a folder")
    with open_engine(args.workers, args.scheduler) as engine:
        fit = calibrate(observed, args.target, base, ranges, args.out, engine, args.seed,
                        args.points, args.replicates, args.final_replicates, args.forecast_to)
    text = scenario_to_toml(fit.scenario)
    atomic_write(args.out / "scenario.toml", lambda tmp: tmp.write_text(text))
    atomic_write(args.out / "fit.csv", lambda tmp: fit.table.to_csv(tmp, index=False))
    save_figure(fit_figure(fit, args.target, int(observed.index.max())), args.out / "fit.png")
    write_json(manifest(kind="calibration", data=str(args.data), target=args.target,
                        ranges={k: list(v) for k, v in ranges.items()}, params=fit.params,
                        rmse=fit.rmse, rmse_per_seed_mean=float(fit.rmse_per_seed.mean()),
                        rmse_per_seed_sd=float(fit.rmse_per_seed.std(ddof=1))
                        if len(fit.rmse_per_seed) > 1 else 0.0,
                        seed=args.seed, points=args.points, replicates=args.replicates,
                        final_replicates=args.final_replicates),
               args.out / "calibration.json")
    print(f"calibrate: {', '.join(f'{k}={v:.4g}' for k, v in fit.params.items())}; RMSE "
          f"{fit.rmse:.4f} (per seed {fit.rmse_per_seed.mean():.4f} ± "
          f"{fit.rmse_per_seed.std():.4f}); wrote {args.out}/scenario.toml, fit.csv, fit.png, "
          "calibration.json")
