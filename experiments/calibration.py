"""Validation: calibrate the online share to US e-commerce 1999-2009, forecast 2010-2019.

The observed series (market_abm/data/history/us_ecommerce_share_1999_2009.csv, US Census
Bureau, FRED ECOMPCTSA, fourth quarter, share of retail sales value) is matched by the model's
``spend_share_online`` (share of money spent online), fitting the default parameters of
``market-abm calibrate`` for that target. The best point is then run to 2019 with several seeds:
the forecast and its band go to results/validation/ (calibration_fit.csv,
forecast_online_2010_2019.csv, calibration.png/.svg, calibrated_scenario.toml), to be set
against later data.

Paper size: 12 points per round, 3 seeds each, 20 seeds for the best point, 2,000 customers.
--quick: 4 points, 1 seed, 3 seeds for the best point, 300 customers.

    python -m experiments.calibration --quick
"""

from __future__ import annotations

from experiments import common
from market_abm import history
from market_abm.calibrate_cli import fit_figure
from market_abm.calibration import DEFAULT_PARAMS, calibrate, read_observations
from market_abm.engines import open_engine
from market_abm.scenario import scenario_to_toml
from market_abm.storage import atomic_write

NAME = "validation"
DATA = history.path("us_ecommerce_share_1999_2009.csv")
TARGET = "spend_share_online"


def run() -> None:
    args = common.parser(NAME, __doc__).parse_args()
    observed = read_observations(DATA)
    size = ({"n_customers": 300} if args.quick else {})
    points, reps, final = (4, 1, 3) if args.quick else (12, 3, 20)
    base = common.base_scenario(False, **size)
    out = args.out / "calibration"
    with open_engine(args.workers, args.scheduler) as engine:
        fit = calibrate(observed, TARGET, base, DEFAULT_PARAMS[TARGET], out, engine,
                        args.seed, points, reps, final, forecast_to=2019)
    table = fit.table
    common.write_table(table, args.out, "calibration_fit")
    forecast = table[table.year.between(2010, 2019)][["year", "model_mean", "model_lower",
                                                      "model_upper"]]
    common.write_table(forecast, args.out, "forecast_online_2010_2019")
    common.save(fit_figure(fit, TARGET, int(observed.index.max())), args.out, "calibration")
    text = scenario_to_toml(fit.scenario)
    atomic_write(args.out / "calibrated_scenario.toml", lambda tmp: tmp.write_text(text))
    print(f"calibration: {fit.params}, RMSE {fit.rmse:.5f}; per seed "
          f"{fit.rmse_per_seed.mean():.5f} ± {fit.rmse_per_seed.std(ddof=1):.5f}")
    print(forecast.round(4).to_string(index=False))


if __name__ == "__main__":
    common.main(run)
