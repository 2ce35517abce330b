"""Validation experiments produce their data and figures."""

from __future__ import annotations

from experiments import bass_docking


def test_bass_docking_experiment_writes_its_files(tmp_path, monkeypatch):
    monkeypatch.setattr(bass_docking, "NETWORKS", ("complete", "watts_strogatz"))
    data = bass_docking.run(3000, [1])
    gap = (data.owner_share - data.bass).abs().groupby(data.network).max()
    assert gap["complete"] < 0.03  # complete graph = Bass within sampling error
    assert gap["watts_strogatz"] > gap["complete"]  # local imitation slows diffusion
    fig = bass_docking.figure(data)
    assert len(fig.axes[0].lines) == 3
