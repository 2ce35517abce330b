"""``market-abm network``: export the supply network of one year of a finished run.

    market-abm network --run results/base --year 2040 --format graphml --out base-2040.graphml

Reads the run's flows.parquet, firms.parquet and manifest.json (for the number of customer
segments) and writes the graph of network.build_graph as GraphML, GEXF or Cytoscape.js JSON.
A damaged or foreign run file is one line naming it. The graph file is written atomically; an
existing file is replaced only with ``--overwrite``, and never inside a folder market-abm
wrote (a run, a sweep: its manifest.json, its tables).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from market_abm.errors import OutputError, UsageError, reason
from market_abm.network import FORMATS, build_graph, write_graph
from market_abm.outdir import read_manifest

RUN_FILES = ("flows.parquet", "firms.parquet", "manifest.json")
COLUMNS = {"flows.parquet": {"year", "kind", "src_role", "src_id", "dst_role", "dst_id",
                             "units", "value"},
           "firms.parquet": {"year", "role", "id", "entry_year", "x", "y", "converted_from"}}


def register(sub) -> None:
    """Add the ``network`` subcommand to the CLI's subparsers."""
    net = sub.add_parser("network", help="export the supply network of one year of a run")
    net.add_argument("--run", type=Path, required=True, help="folder written by market-abm run")
    net.add_argument("--year", required=True, help="calendar year of the run")
    net.add_argument("--format", required=True, help=f"one of {', '.join(FORMATS)}")
    net.add_argument("--out", type=Path, required=True, help="file to write")
    net.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    net.set_defaults(handler=cmd_network, interrupted="nothing was written")


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
    try:
        grid = json.loads((run / "manifest.json").read_text(encoding="utf-8"))["scenario"][
            "segment_grid"]
        if isinstance(grid, bool) or not isinstance(grid, int) or grid < 1:
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(f"--run {run}: manifest.json is damaged or not a run's manifest "
                         "(no scenario.segment_grid)") from None
    tables = []
    for name in ("flows.parquet", "firms.parquet"):
        try:
            table = pd.read_parquet(run / name)
        except Exception as exc:  # any reader failure: empty, truncated, not Parquet
            raise UsageError(f"--run {run}: {name} is unreadable ({reason(exc)})") from None
        missing = sorted(COLUMNS[name] - set(table.columns))
        if missing:
            raise UsageError(f"--run {run}: {name} lacks the column {missing[0]} of a run's "
                             "table")
        tables.append(table)
    return tables[0], tables[1], grid ** 2


def check_out_file(out: Path, overwrite: bool) -> None:
    """Refuse a folder, a file inside a folder market-abm wrote, or (without ``overwrite``)
    an existing file."""
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder; give a file name")
    for folder in out.absolute().parents:
        if read_manifest(folder) is not None:
            raise UsageError(f"--out {out} is inside {folder}, a folder of market-abm "
                             "results: write the graph outside it")
    if out.exists() and not overwrite:
        raise UsageError(f"--out {out} exists: choose another file name, or add --overwrite "
                         "to replace it")


def cmd_network(args: argparse.Namespace) -> None:
    fmt = args.format.lower()
    if fmt not in FORMATS:
        raise UsageError(f"--format {args.format!r} is unknown; use one of {', '.join(FORMATS)}")
    year = parse_year(args.year)
    check_out_file(args.out, args.overwrite)
    flows, firms, segments = load_run(args.run)
    years = sorted(int(y) for y in firms["year"].unique())
    if year not in years:
        span = f"{years[0]}-{years[-1]}" if years else "no years"
        raise UsageError(f"--year {year} is outside the run ({span})")
    try:
        graph = build_graph(flows, firms, year, segments)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--run {args.run}: flows.parquet and firms.parquet do not make a "
                         f"network ({reason(exc)})") from None
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{args.out} cannot be created: {exc.strerror}") from None
    write_graph(graph, args.out, fmt)
    print(f"wrote {args.out}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges "
          f"of {year} ({fmt})")
