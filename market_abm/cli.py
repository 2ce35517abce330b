"""Command line of market_abm: ``market-abm run`` and the other subcommands.

Each subcommand lives in its own module with a ``register(subparsers)`` function that adds its
parser and sets ``handler``; ``COMMANDS`` lists those modules. Every failure is one line on
stderr, ``market-abm CMD: error: ...``, never a traceback: exit status 2 for bad input (with
nothing written, a previous result intact), 1 when the disk or the cluster failed, 130 on
Ctrl-C (``interrupted``; a sweep is left resumable).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

import numpy as np

from market_abm.errors import MarketAbmError, OutputError, SizeError, UsageError
from market_abm.outdir import Claim
from market_abm.runner import run_estimate, run_job, save_run, simulate
from market_abm.scenario import ScenarioError, load_scenario, parse_assignments

# Modules (besides this one) that add subcommands; each defines register(subparsers).
COMMANDS: list[str] = ["market_abm.batch_cli", "market_abm.network_cli",
                       "market_abm.calibrate_cli", "market_abm.discover_cli",
                       "market_abm.app_cli"]

# The yearly line: shares of retail sales ($, as the Census counts e-commerce) first, then
# parcels per household (Pitney Bowes' unit), firms and printer owners.
SUMMARY = ("{year:>4.0f}  retail sales: online {spend_share_online:5.1%}  "
           "shops {spend_share_retail:5.1%}  home print {spend_share_home_print:5.1%}  "
           "print service {spend_share_print_service:5.1%}  "
           "parcels/household {parcels_per_household:4.0f}  stores {active_retailers:4.0f}  "
           "marketplaces {active_marketplaces:2.0f}  platforms {active_platforms:2.0f}  "
           "hubs {active_print_hubs:3.0f}  printer owners {printer_owner_share:5.1%}")


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """--scenario and repeatable --set, shared by every subcommand that builds scenarios."""
    parser.add_argument("--scenario", default="baseline",
                        help="preset name (baseline, bass) or a .toml/.yaml file")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one parameter (repeatable)")


def add_out_arguments(parser: argparse.ArgumentParser, what: str = "output folder") -> None:
    """--out and --overwrite, shared by every subcommand that writes a folder."""
    parser.add_argument("--out", type=Path, required=True, help=what)
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the results of another job held in --out (never files "
                        "market-abm did not write)")


def check_seed(seed: int, flag: str = "--seed") -> None:
    """A root seed: a whole number in [0, 2**63) (stored as int64 with the results)."""
    if not 0 <= seed < 2**63:
        raise UsageError(f"{flag} must be a whole number in [0, 2**63), got {seed}")


def register_run(sub) -> None:
    run = sub.add_parser("run", help="run one scenario and write its results to a folder")
    add_scenario_arguments(run)
    run.add_argument("--seed", type=int, default=1, help="random seed (integer)")
    run.add_argument("--entropy", type=int, help="seed a sweep's run instead: its root seed "
                     "(seed_entropy in runs.parquet)")
    run.add_argument("--spawn-key", help="with --entropy: the run's spawn key, e.g. 12 "
                     "(seed_spawn_key in runs.parquet)")
    add_out_arguments(run)
    run.add_argument("--quiet", action="store_true", help="no yearly summary")
    run.set_defaults(handler=cmd_run, interrupted="nothing was written (a previous "
                     "result in --out is intact)")


def cmd_run(args: argparse.Namespace) -> None:
    scenario = load_scenario(args.scenario, parse_assignments(args.set))
    seed = run_seed(args)
    warn_if_large(args.command, scenario)
    start = time.perf_counter()

    def report(year_mean) -> None:
        if not args.quiet:
            print(SUMMARY.format(**year_mean), flush=True)

    with Claim(args.out, run_job(scenario, seed), args.overwrite, whole=True) as claim:
        result = simulate(scenario, seed, report)
        save_run(result, args.out, claim=claim)
    print(f"wrote {args.out}/timeseries.parquet, flows.parquet, firms.parquet, network.parquet, "
          f"events.csv, channels.png, network.png, manifest.json in "
          f"{time.perf_counter() - start:.1f} s")


def warn_if_large(command: str, scenario, runs: int = 1) -> None:
    """Refuse a run that cannot fit in this machine's memory; warn, with an estimate, about a
    run that takes over an hour or half the free memory (``runs``: how many such runs)."""
    import psutil

    memory, seconds = run_estimate(scenario)
    what = f"{scenario.n_customers:,} customers x {scenario.n_steps:,} steps"
    total = psutil.virtual_memory().total
    if memory > total:
        raise SizeError(f"a run of {what} needs about {memory / 1e9:.1f} GB of memory, more "
                        f"than this machine's {total / 1e9:.1f} GB: use fewer customers or "
                        "years")
    if memory > 0.5 * psutil.virtual_memory().available or seconds > 3600:
        each = "" if runs == 1 else f" for each of {runs:,} runs"
        print(f"market-abm {command}: warning: a large run ({what}): about "
              f"{memory / 1e9:.1f} GB of memory and {seconds / 3600:.1f} h on one core{each}",
              file=sys.stderr, flush=True)


def run_seed(args: argparse.Namespace) -> int | np.random.SeedSequence:
    """--seed, or the SeedSequence(--entropy, spawn_key=--spawn-key) of one sweep run."""
    if args.entropy is None:
        if args.spawn_key is not None:
            raise UsageError("--spawn-key needs --entropy")
        check_seed(args.seed)
        return args.seed
    try:
        key = tuple(int(k) for k in (args.spawn_key or "").split(",") if k.strip())
    except ValueError:
        raise UsageError(f"--spawn-key expects integers like 3 or 0,3, got '{args.spawn_key}'"
                         ) from None
    check_seed(args.entropy, "--entropy")
    if any(not 0 <= k < 2**63 for k in key):
        raise UsageError(f"--spawn-key must be whole numbers in [0, 2**63), got "
                         f"'{args.spawn_key}'")
    return np.random.SeedSequence(args.entropy, spawn_key=key)


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block), exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="market-abm", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    register_run(sub)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def _line(err: BaseException) -> str:
    return " ".join(str(err).split("\n"))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    name = f"market-abm {args.command}"
    try:
        args.handler(args)
    except OutputError as err:  # always about --out
        hint = ", or add --overwrite to replace it" if err.replaceable else ""
        print(f"{name}: error: --out {_line(err)}{hint}", file=sys.stderr)
        return err.exit_status
    except (ScenarioError, MarketAbmError) as err:
        print(f"{name}: error: {_line(err)}", file=sys.stderr)
        return getattr(err, "exit_status", 2)
    except KeyboardInterrupt:
        done = getattr(args, "interrupted", "stopped")
        print(f"{name}: interrupted; {done}", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"{name}: error: out of memory", file=sys.stderr)
        return 1
    except OSError as err:  # the machine failed somewhere no message was prepared for
        where = f" ({err.filename})" if err.filename else ""
        print(f"{name}: error: {err.strerror or _line(err)}{where}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
