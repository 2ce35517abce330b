"""``market-abm network``: export the supply network of one year of a finished run.

    market-abm network --run results/base --year 2040 --format graphml --out base-2040.graphml

Reads the run's flows.parquet, firms.parquet and manifest.json (for the number of customer
segments) and writes the graph of network.build_graph as GraphML, GEXF or Cytoscape.js JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from market_abm.errors import UsageError
from market_abm.network import FORMATS, build_graph, write_graph

RUN_FILES = ("flows.parquet", "firms.parquet", "manifest.json")


def register(sub) -> None:
    """Add the ``network`` subcommand to the CLI's subparsers."""
    net = sub.add_parser("network", help="export the supply network of one year of a run")
    net.add_argument("--run", type=Path, required=True, help="folder written by market-abm run")
    net.add_argument("--year", required=True, help="calendar year of the run")
    net.add_argument("--format", required=True, help=f"one of {', '.join(FORMATS)}")
    net.add_argument("--out", type=Path, required=True, help="file to write")
    net.set_defaults(handler=cmd_network)


def parse_year(text: str) -> int:
    """The --year argument as an integer, or a UsageError."""
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"--year {text!r} is not a calendar year (an integer)") from None


def load_run(run: Path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Flows, firms and number of customer segments of a run folder, or a UsageError."""
    if not run.is_dir():
        raise UsageError(f"--run {run}: no such run folder")
    missing = [name for name in RUN_FILES if not (run / name).is_file()]
    if missing:
        raise UsageError(f"--run {run}: {', '.join(missing)} missing; "
                         "expected a folder written by market-abm run")
    grid = json.loads((run / "manifest.json").read_text())["scenario"]["segment_grid"]
    return (pd.read_parquet(run / "flows.parquet"), pd.read_parquet(run / "firms.parquet"),
            int(grid) ** 2)


def cmd_network(args: argparse.Namespace) -> None:
    fmt = args.format.lower()
    if fmt not in FORMATS:
        raise UsageError(f"--format {args.format!r} is unknown; use one of {', '.join(FORMATS)}")
    year = parse_year(args.year)
    if args.out.is_dir():
        raise UsageError(f"--out {args.out} is a folder; give a file name")
    flows, firms, segments = load_run(args.run)
    years = sorted(int(y) for y in firms["year"].unique())
    if year not in years:
        span = f"{years[0]}-{years[-1]}" if years else "no years"
        raise UsageError(f"--year {year} is outside the run ({span})")
    graph = build_graph(flows, firms, year, segments)
    write_graph(graph, args.out, fmt)
    print(f"wrote {args.out}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges "
          f"of {year} ({fmt})")
