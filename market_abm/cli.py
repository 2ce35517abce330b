"""Command line of market_abm: ``market-abm run`` and the other subcommands.

Each subcommand lives in its own module with a ``register(subparsers)`` function that adds its
parser and sets ``handler``; ``COMMANDS`` lists those modules. Errors in the input are one line
on stderr and exit status 2, with nothing written.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

import numpy as np

from market_abm.errors import UsageError
from market_abm.runner import save_run, simulate
from market_abm.scenario import ScenarioError, load_scenario, parse_assignments

# Modules (besides this one) that add subcommands; each defines register(subparsers).
COMMANDS: list[str] = ["market_abm.batch_cli", "market_abm.network_cli",
                       "market_abm.calibrate_cli"]

SUMMARY = ("{year:>4.0f}  retail {share_retail:6.1%}  online {share_online:6.1%}  "
           "home print {share_home_print:6.1%}  print service {share_print_service:6.1%}  "
           "stores {active_retailers:4.0f}  platforms {active_platforms:3.0f}  "
           "hubs {active_print_hubs:4.0f}  printer owners {printer_owner_share:6.1%}")


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """--scenario and repeatable --set, shared by every subcommand that builds scenarios."""
    parser.add_argument("--scenario", default="baseline",
                        help="preset name (baseline, bass) or a .toml/.yaml file")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one parameter (repeatable)")


def register_run(sub) -> None:
    run = sub.add_parser("run", help="run one scenario and write its results to a folder")
    add_scenario_arguments(run)
    run.add_argument("--seed", type=int, default=1, help="random seed (integer)")
    run.add_argument("--entropy", type=int, help="seed a sweep's run instead: its root seed "
                     "(seed_entropy in runs.parquet)")
    run.add_argument("--spawn-key", help="with --entropy: the run's spawn key, e.g. 12 "
                     "(seed_spawn_key in runs.parquet)")
    run.add_argument("--out", type=Path, required=True, help="output folder")
    run.add_argument("--quiet", action="store_true", help="no yearly summary")
    run.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> None:
    scenario = load_scenario(args.scenario, parse_assignments(args.set))
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out} exists and is not a folder")
    start = time.perf_counter()

    def report(year_mean) -> None:
        if not args.quiet:
            print(SUMMARY.format(**year_mean), flush=True)

    result = simulate(scenario, run_seed(args), report)
    save_run(result, args.out)
    print(f"wrote {args.out}/timeseries.parquet, flows.parquet, firms.parquet, network.parquet, "
          f"events.csv, channels.png, network.png, manifest.json in "
          f"{time.perf_counter() - start:.1f} s")


def run_seed(args: argparse.Namespace) -> int | np.random.SeedSequence:
    """--seed, or the SeedSequence(--entropy, spawn_key=--spawn-key) of one sweep run."""
    if args.entropy is None:
        if args.spawn_key is not None:
            raise UsageError("--spawn-key needs --entropy")
        return args.seed
    try:
        key = tuple(int(k) for k in (args.spawn_key or "").split(",") if k.strip())
    except ValueError:
        raise UsageError(f"--spawn-key expects integers like 3 or 0,3, got '{args.spawn_key}'"
                         ) from None
    if args.entropy < 0 or any(k < 0 for k in key):
        raise UsageError("--entropy and --spawn-key must be non-negative")
    return np.random.SeedSequence(args.entropy, spawn_key=key)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="market-abm", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    register_run(sub)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except (ScenarioError, UsageError) as err:
        print(f"market-abm {args.command}: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
