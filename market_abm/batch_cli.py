"""``market-abm sweep`` and ``market-abm sensitivity``: many runs on a laptop or a Dask cluster.

Both validate everything first (parameters, ranges, design rows, the output folder, the
scheduler) and write nothing on bad input. See docs/experiments.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from market_abm import designs, sensitivity
from market_abm.cli import (
    add_out_arguments,
    add_scenario_arguments,
    check_seed,
    warn_if_large,
)
from market_abm.engines import open_engine
from market_abm.errors import SizeError, UsageError
from market_abm.plots import save_figure
from market_abm.scenario import Scenario, load_scenario, parse_assignments
from market_abm.storage import atomic_write, write_parquet
from market_abm.sweep import Sweep, check_out, check_size, run_sweep

INDICES = ("indices.csv", "indices.parquet", "indices.png", "indices.svg")
RESUME = "the runs stored in --out are kept: rerun the same command to resume"


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--workers", type=int, help="local worker processes (default: all "
                       "cores on an embedded Dask cluster; 1 runs in this process)")
    group.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="send the runs to this existing Dask scheduler")


def register(sub) -> None:
    sweep = sub.add_parser("sweep", help="run a grid, Latin hypercube or design file of "
                           "parameter sets, with replicates, on Dask (resumable)")
    add_scenario_arguments(sweep)
    sweep.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                       help="values of one parameter; several --grid make a full grid")
    sweep.add_argument("--lhs", type=int, metavar="N", help="N Latin hypercube points over "
                       "the --range parameters")
    sweep.add_argument("--range", action="append", default=[], metavar="NAME=LO:HI",
                       help="range of one parameter for --lhs")
    sweep.add_argument("--design", type=Path, metavar="FILE.csv",
                       help="one parameter set per row; header = parameter names")
    sweep.add_argument("--replicates", type=int, default=1, help="runs per parameter set")
    sweep.add_argument("--seed", type=int, default=1, help="root seed of the sweep")
    sweep.add_argument("--network", action="store_true", help="also store the yearly "
                       "supply-network metrics of every run (network_<metric> columns)")
    add_out_arguments(sweep)
    add_engine_arguments(sweep)
    sweep.set_defaults(handler=cmd_sweep, interrupted=RESUME)

    sens = sub.add_parser("sensitivity", help="Morris or Sobol indices of outputs (SALib)")
    add_scenario_arguments(sens)
    sens.add_argument("--method", choices=sensitivity.METHODS, required=True)
    sens.add_argument("--param", action="append", default=[], metavar="NAME=LO:HI",
                      help="a parameter and its range (repeatable)")
    sens.add_argument("--output", action="append", default=[], metavar="final_COLUMN",
                      help="a column of runs.parquet to analyse (repeatable)")
    sens.add_argument("--trajectories", type=int, default=10, help="Morris trajectories")
    sens.add_argument("--samples", type=int, default=256,
                      help="Sobol base samples (power of 2)")
    sens.add_argument("--replicates", type=int, default=1,
                      help="runs per sampled point, averaged")
    sens.add_argument("--seed", type=int, default=1, help="seed of sampling and runs")
    add_out_arguments(sens)
    add_engine_arguments(sens)
    sens.set_defaults(handler=cmd_sensitivity, interrupted=RESUME)


def check_runs(args: argparse.Namespace, base: Scenario, n_points: int, flags: str,
               network: bool = False) -> None:
    """Refuse, before any design is built, a sweep too large for this machine."""
    if args.replicates < 1:
        raise UsageError(f"--replicates must be at least 1, got {args.replicates}")
    try:
        check_size(n_points * args.replicates, base.end_year - base.start_year + 1, network,
                   args.out)
    except SizeError as err:
        raise SizeError(f"{flags} and --replicates {args.replicates}: {err}") from None


def design_points(args: argparse.Namespace, base: Scenario) -> tuple[list[dict], dict]:
    """The points asked for by --grid, --lhs/--range or --design, and how they were made."""
    check_seed(args.seed)
    modes = [m for m, on in (("--grid", args.grid), ("--lhs", args.lhs is not None),
                             ("--design", args.design)) if on]
    if len(modes) > 1:
        raise UsageError(f"give one of --grid, --lhs, --design (got {' and '.join(modes)})")
    if args.range and args.lhs is None:
        raise UsageError("--range needs --lhs N")
    if args.grid:
        check_runs(args, base, designs.grid_size(args.grid), "--grid", args.network)
        return designs.grid_design(args.grid), {"design_kind": "grid", "grid": args.grid}
    if args.lhs is not None:
        check_runs(args, base, max(args.lhs, 1), f"--lhs {args.lhs}", args.network)
        return (designs.lhs_design(args.range, args.lhs, args.seed),
                {"design_kind": "lhs", "lhs": args.lhs, "ranges": args.range})
    check_runs(args, base, 1, "the design", args.network)
    if args.design:
        return (designs.read_design(args.design),
                {"design_kind": "file", "design_file": str(args.design)})
    return [{}], {"design_kind": "base scenario only"}


def base_scenario(args: argparse.Namespace) -> tuple[Scenario, dict]:
    overrides = parse_assignments(args.set)
    return load_scenario(args.scenario, overrides), overrides


def build_sweep(args: argparse.Namespace, base: Scenario, overrides: dict, points: list[dict],
                info: dict, network: bool = False) -> Sweep:
    for point in points[:1]:
        both = sorted(set(point) & set(overrides))
        if both:
            raise UsageError(f"parameter '{both[0]}' is given by both --set and the design")
    scenarios = designs.validate_design(base, points)
    sweep = Sweep(base, points, scenarios, replicates=args.replicates, root_seed=args.seed,
                  info=info, network=network)
    largest = max(scenarios, key=lambda s: s.n_customers * s.n_steps)
    warn_if_large(args.command, largest, sweep.n_runs)
    return sweep


def execute(args: argparse.Namespace, sweep: Sweep, also_writes: tuple[str, ...] = (),
            then=None):
    """Check the folder, open the engine (nothing written yet), then run the sweep."""
    check_out(args.out, sweep, args.overwrite, also_writes)
    with open_engine(args.workers, args.scheduler) as engine:
        return run_sweep(args.out, sweep, engine, overwrite=args.overwrite,
                         also_writes=also_writes, then=then)


def cmd_sweep(args: argparse.Namespace) -> None:
    base, overrides = base_scenario(args)
    points, info = design_points(args, base)
    execute(args, build_sweep(args, base, overrides, points, info, network=args.network))


def cmd_sensitivity(args: argparse.Namespace) -> None:
    check_seed(args.seed)
    if not args.param:
        raise UsageError("give at least one --param name=lo:hi")
    ranges = designs.parse_ranges(args.param, "--param")
    sensitivity.check_outputs(args.output)
    base, overrides = base_scenario(args)
    n = args.trajectories if args.method == "morris" else args.samples
    sensitivity.check_size(args.method, n)
    per_point = len(ranges) + (1 if args.method == "morris" else 2)
    flag = "--trajectories" if args.method == "morris" else "--samples"
    check_runs(args, base, n * per_point, f"{flag} {n} x {per_point}")
    prob = sensitivity.problem(ranges)
    x = sensitivity.sample(args.method, prob, n, args.seed)
    points = designs.scale_points(x, ranges)
    info = {"kind": "sensitivity", "method": args.method, "problem": prob,
            "outputs": args.output, "size": n, "size_flag": flag}

    def write_indices(runs) -> None:  # into the folder while it is still claimed
        table = sensitivity.indices(args.method, prob, x, runs, args.output, args.seed)
        atomic_write(args.out / "indices.csv",
                     lambda tmp: table.to_csv(tmp, index=False, float_format="%.6g"))
        write_parquet(table, args.out / "indices.parquet")
        fig = sensitivity.figure(table, args.method)
        save_figure(fig, args.out / "indices.svg", close=False)
        save_figure(fig, args.out / "indices.png")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))

    execute(args, build_sweep(args, base, overrides, points, info), INDICES, write_indices)
    print(f"sensitivity: wrote {args.out}/indices.csv, indices.png, indices.svg")
