"""Validation experiments produce their data and figures."""

from __future__ import annotations

import pandas as pd

from experiments import bass_docking


def test_bass_docking_experiment_writes_its_files(tmp_path, monkeypatch):
    monkeypatch.setattr(bass_docking, "NETWORKS", ("complete", "watts_strogatz"))
    data = bass_docking.run(3000, [1, 2])
    mean = data.groupby(["network", "year"])[["owner_share", "bass"]].mean()
    gap = (mean.owner_share - mean.bass).abs().groupby(level="network").max()
    assert gap["complete"] < 0.03  # complete graph = Bass within sampling error (two seeds)
    assert gap["watts_strogatz"] > gap["complete"]  # local imitation slows diffusion
    fig = bass_docking.figure(data)
    assert len(fig.axes[0].lines) == 3


def test_pattern_validation_checks_each_run():
    from experiments.pattern_validation import check_runs
    from market_abm import MarketModel, load_scenario, patterns
    from market_abm.indicators import yearly

    scenario = load_scenario("baseline", {"n_customers": 200, "steps_per_year": 2,
                                          "evaluation_sample": 100})
    frames = []
    for run_id in (0, 1):
        model = MarketModel(scenario, rng=run_id)
        model.run_for(scenario.n_steps)
        frames.append(yearly(model.timeseries).reset_index().assign(run_id=run_id))
    table = check_runs(pd.concat(frames), patterns.baseline_patterns)
    assert list(table.run_id) == [0, 1]
    assert list(table.columns[1:]) == list(patterns.BASELINE)
    assert table.drop(columns="run_id").dtypes.eq(bool).all()
