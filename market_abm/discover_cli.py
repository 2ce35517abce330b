"""``market-abm discover``: scenario discovery (PRIM or CART) over a finished sweep.

    market-abm discover --runs runs/lhs --outcome 'regime_3d == "takeover"' --method prim \\
        --out runs/lhs-takeover --export-scenario takeover.toml

Everything is checked and the analysis done in memory before anything is written: a bad
outcome, a folder with no runs, an outcome that holds for no run or every run, an unknown
method give one line and exit status 2 with nothing written. The output folder is claimed and
written as a whole (market_abm.outdir); see docs/experiments.md, "Scenario discovery".
"""

from __future__ import annotations

import argparse
from pathlib import Path

from market_abm.cli import add_out_arguments
from market_abm.errors import UsageError
from market_abm.outdir import Claim, Job, identity, inspect, read_manifest
from market_abm.regimes import NICHE_SHARE, TAKEOVER_SHARE

METHODS = ("prim", "cart")
FILES = {"prim": ("boxes.csv", "trajectory.png", "scatter.png", "manifest.json"),
         "cart": ("boxes.csv", "tree.txt", "tree.png", "scatter.png", "manifest.json")}


def register(sub) -> None:
    d = sub.add_parser("discover", help="scenario discovery over a finished sweep: the "
                       "parameter boxes where an outcome holds (PRIM or CART)")
    d.add_argument("--runs", type=Path, required=True, help="folder of a finished sweep")
    d.add_argument("--outcome", required=True, metavar="EXPR", help="condition on the runs "
                   "table, e.g. 'regime_3d == \"takeover\"' or 'year_stores_halve <= 2040'")
    d.add_argument("--method", required=True, help=f"one of {', '.join(METHODS)}")
    add_out_arguments(d)
    d.add_argument("--niche-share", type=float, default=NICHE_SHARE, help="regime_3d: niche "
                   "if the 3D flow stays below this share of units (default %(default)s)")
    d.add_argument("--takeover-share", type=float, default=TAKEOVER_SHARE, help="regime_3d: "
                   "takeover if the 3D flow reaches this share (default %(default)s)")
    d.add_argument("--min-density", type=float, default=0.8, help="PRIM: the chosen box is "
                   "the most covering of density at least this (default %(default)s)")
    d.add_argument("--max-boxes", type=int, default=3, help="PRIM: most boxes to find "
                   "(default %(default)s)")
    d.add_argument("--export-scenario", type=Path, metavar="FILE.toml", help="write the "
                   "sweep's base scenario with the --box's parameters at its centre")
    d.add_argument("--box", type=int, default=1, help="box of boxes.csv to export "
                   "(default 1)")
    d.set_defaults(handler=cmd_discover, interrupted="nothing was written")


def check_numbers(args: argparse.Namespace) -> None:
    if args.method.lower() not in METHODS:
        raise UsageError(f"--method {args.method!r} is unknown; use one of "
                         f"{', '.join(METHODS)}")
    if not 0 < args.niche_share < args.takeover_share <= 1:
        raise UsageError(f"--niche-share and --takeover-share need 0 < niche < takeover <= 1, "
                         f"got {args.niche_share} and {args.takeover_share}")
    if not 0 < args.min_density <= 1:
        raise UsageError(f"--min-density must be in (0, 1], got {args.min_density}")
    if args.max_boxes < 1:
        raise UsageError(f"--max-boxes must be at least 1, got {args.max_boxes}")
    if args.box < 1:
        raise UsageError(f"--box must be at least 1, got {args.box}")


def _within(path: Path, folder: Path) -> bool:
    path, folder = path.absolute(), folder.absolute()
    return path == folder or folder in path.parents


def check_places(args: argparse.Namespace) -> None:
    """--out neither the sweep folder nor inside it; --export-scenario a .toml file outside
    both folders and any other market-abm folder, new unless --overwrite."""
    if _within(args.out, args.runs) or _within(args.runs, args.out):
        raise UsageError(f"--out {args.out} and --runs {args.runs} overlap: write the "
                         "discovery into a folder of its own")
    file = args.export_scenario
    if file is None:
        return
    if file.suffix != ".toml":
        raise UsageError(f"--export-scenario {file} must be a .toml file name")
    if file.is_dir():
        raise UsageError(f"--export-scenario {file} is a folder; give a file name")
    if _within(file, args.out) or _within(file, args.runs):
        raise UsageError(f"--export-scenario {file} is inside --out or --runs: write it "
                         "outside them")
    for folder in file.absolute().parents:
        if read_manifest(folder) is not None:
            raise UsageError(f"--export-scenario {file} is inside {folder}, a folder of "
                             "market-abm results: write it outside it")
    if file.exists() and not args.overwrite:
        raise UsageError(f"--export-scenario {file} exists: choose another file name, or add "
                         "--overwrite to replace it")


def cmd_discover(args: argparse.Namespace) -> None:
    from market_abm import discovery
    from market_abm.discovery_plots import scatter_figure, trajectory_figure, tree_figure
    from market_abm.plots import save_figure
    from market_abm.scenario import scenario_to_toml
    from market_abm.storage import atomic_write, manifest, write_json

    check_numbers(args)
    method = args.method.lower()
    check_places(args)
    settings = {"outcome": args.outcome, "method": method, "niche_share": args.niche_share,
                "takeover_share": args.takeover_share}
    if method == "prim":
        settings.update(min_density=args.min_density, max_boxes=args.max_boxes)
    sweep = discovery.load_sweep(args.runs, args.niche_share, args.takeover_share)
    job = Job("discovery", identity({"sweep": sweep.fingerprint, **settings}),
              frozenset(FILES[method]))
    inspect(args.out, job, args.overwrite)  # a wrong --out fails before the analysis
    try:
        y = discovery.outcome(sweep.runs, args.outcome, sweep.parameters)
    except UsageError as err:
        raise UsageError(f"--outcome: {err}") from None
    x = sweep.x
    tree = trajectories = None
    if method == "prim":
        boxes, trajectories = discovery.prim_boxes(x, y, args.min_density, args.max_boxes)
    else:
        tree = discovery.cart_tree(x, y)
        boxes = discovery.cart_boxes(tree, x, y)
    scenario = None
    if args.export_scenario is not None:
        if args.box > len(boxes):
            raise UsageError(f"--box {args.box}: {method.upper()} found {len(boxes)} "
                             f"box{'es' if len(boxes) > 1 else ''}")
        scenario = discovery.box_scenario(sweep.base(), boxes[args.box - 1], x, y)
    table = discovery.boxes_table(boxes)
    dims = discovery.most_restricted(boxes[0], x)
    title = f"{args.outcome}: {int(y.sum())} of {len(y)} runs"

    def write(folder: Path) -> None:
        atomic_write(folder / "boxes.csv",
                     lambda tmp: table.to_csv(tmp, index=False, float_format="%.6g"))
        save_figure(scatter_figure(x, y, boxes, dims, title), folder / "scatter.png")
        if method == "prim":
            save_figure(trajectory_figure(trajectories, args.min_density, title),
                        folder / "trajectory.png")
        else:
            text = text_of(tree) + "\n"
            atomic_write(folder / "tree.txt", lambda tmp: tmp.write_text(text))
            save_figure(tree_figure(tree), folder / "tree.png")
        write_json(manifest(kind="discovery", fingerprint=job.identity, runs=str(args.runs),
                            sweep_fingerprint=sweep.fingerprint, parameters=sweep.parameters,
                            n_runs=len(y), n_of_interest=int(y.sum()), **settings,
                            boxes=table.astype(object).where(table.notna(), None)
                            .to_dict(orient="records")), folder / "manifest.json")

    with Claim(args.out, job, args.overwrite, whole=True) as claim:
        claim.replace(write)
    print(f"{method.upper()} on {len(y)} runs of {args.runs}, outcome {args.outcome!r} holds "
          f"for {int(y.sum())}; parameters: {', '.join(sweep.parameters)}")
    if method == "cart":
        print(text_of(tree))
    for i, box in enumerate(boxes, start=1):
        lines = box.describe()
        print(f"box {i}: {lines[0]}")
        print("\n".join(lines[1:]))
    if scenario is not None:
        text = scenario_to_toml(scenario)
        atomic_write(args.export_scenario, lambda tmp: tmp.write_text(text))
        print(f"wrote {args.export_scenario}: the base scenario at the centre of box "
              f"{args.box}")
    print(f"wrote {args.out}/{', '.join(FILES[method])}")


def text_of(tree) -> str:
    from sklearn.tree import export_text

    return export_text(tree.clf, feature_names=tree.feature_names,
                       class_names=["false", "true"], show_weights=True).rstrip()
