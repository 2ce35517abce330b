"""Command line: ``market-abm run`` (more subcommands join as the tool grows).

Errors in the input are one line on stderr and exit status 2, with nothing written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from market_abm.runner import save_run, simulate
from market_abm.scenario import ScenarioError, load_scenario, parse_assignments

SUMMARY = ("{year:>4.0f}  retail {share_retail:6.1%}  online {share_online:6.1%}  "
           "home print {share_home_print:6.1%}  print service {share_print_service:6.1%}  "
           "stores {active_retailers:4.0f}  platforms {active_platforms:3.0f}  "
           "hubs {active_print_hubs:4.0f}  printer owners {printer_owner_share:6.1%}")


class UsageError(Exception):
    """Bad command-line input; the message is one line."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="market-abm", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one scenario and write its results to a folder")
    run.add_argument("--scenario", default="baseline",
                     help="preset name (baseline, bass) or a .toml/.yaml file")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override one parameter (repeatable)")
    run.add_argument("--seed", type=int, default=1, help="random seed (integer)")
    run.add_argument("--out", type=Path, required=True, help="output folder")
    run.add_argument("--quiet", action="store_true", help="no yearly summary")
    return parser


def cmd_run(args: argparse.Namespace) -> None:
    scenario = load_scenario(args.scenario, parse_assignments(args.set))
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out} exists and is not a folder")
    start = time.perf_counter()

    def report(year_mean) -> None:
        if not args.quiet:
            print(SUMMARY.format(**year_mean), flush=True)

    result = simulate(scenario, args.seed, report)
    save_run(result, args.out)
    print(f"wrote {args.out}/timeseries.parquet, flows.parquet, channels.png, manifest.json "
          f"in {time.perf_counter() - start:.1f} s")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        {"run": cmd_run}[args.command](args)
    except (ScenarioError, UsageError) as err:
        print(f"market-abm {args.command}: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
