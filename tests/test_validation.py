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

    size = {"n_customers": 200, "steps_per_year": 2, "evaluation_sample": 100}
    frames = []
    for run_id, growth in ((0, 0.12), (1, 0.0)):  # run 1: the frontier never moves
        scenario = load_scenario("baseline", size | {"printer_capability_growth": growth})
        model = MarketModel(scenario, rng=run_id)
        model.run_for(scenario.n_steps)
        frames.append(yearly(model.timeseries).reset_index().assign(run_id=run_id))
    table = check_runs(pd.concat(frames), patterns.baseline_patterns)
    assert list(table.run_id) == [0, 1]
    assert list(table.columns[1:]) == list(patterns.BASELINE)
    assert table.drop(columns="run_id").dtypes.eq(bool).all()
    # each row holds its own run's checks
    for frame, (_, row) in zip(frames, table.iterrows(), strict=True):
        assert row.drop("run_id").to_dict() == patterns.baseline_patterns(
            frame.drop(columns="run_id").set_index("year"))
    assert not table.at[1, "5 printing late, then spreading"]
