"""Validation: history matching of every observed series at once (ABC-SMC, issue 13).

Runs ``market-abm calibrate --targets experiments/targets/history.toml`` twice on the sweep
engine: on every observation (``fit/``) and without the years 2005-2009 (``holdout/``, scored
against the predictive bands, a straight line and a Bass curve fitted to the same window).
Both forecast to 2050. A killed run resumes from its ``abc.db`` when rerun. ``--variant fit``
or ``--variant holdout`` runs one of them (each takes about two and a half hours on 2 cores
at paper size).

Paper size: the baseline (monthly, 2,000 customers), 100 particles x 6 populations, 100
predictive draws. --quick: 300 customers, quarterly, 3 populations of 12, 12 draws (a first
try: not for interpretation).

Writes to results/history_match/: fit/ and holdout/, each with the files of
``calibrate --targets`` (docs/validation.md, section 5).

    python -m experiments.history_match --quick
"""

from __future__ import annotations

import sys
from pathlib import Path

from experiments import common
from market_abm import cli

NAME = "history_match"
TARGETS = Path("experiments/targets/history.toml")
HOLDOUT = "2005:2009"
FORECAST_TO = 2050


VARIANTS = {"fit": [], "holdout": ["--holdout", HOLDOUT]}


def run() -> None:
    parser = common.parser(NAME, __doc__)
    parser.add_argument("--variant", choices=(*VARIANTS, "both"), default="both",
                        help="run only the fit on every observation or only the holdout "
                        "variant (e.g. on two machines; default both, one after the other)")
    args = parser.parse_args()
    engine = (["--scheduler", args.scheduler] if args.scheduler else
              ["--workers", str(args.workers)] if args.workers else [])
    chosen = VARIANTS if args.variant == "both" else {args.variant: VARIANTS[args.variant]}
    for name, extra in chosen.items():
        argv = ["calibrate", "--targets", str(TARGETS), "--seed", str(args.seed),
                "--forecast-to", str(FORECAST_TO), "--out", str(args.out / name),
                *extra, *engine, *(["--quick"] if args.quick else [])]
        print(f"history_match: {name}: market-abm {' '.join(argv)}")
        status = cli.main(argv)
        if status:
            sys.exit(status)


if __name__ == "__main__":
    common.main(run)
