"""What the page lets a user take away: the run so far, each view as a figure file, and the
settings as a scenario file.

- ``run_archive``: a zip of the run folder ``market-abm run`` writes (runner.RUN_FILES: Parquet
  tables, events, figures, manifest.json) for the steps done so far, plus CSV copies of the
  timeseries, flows and firms tables, ``exits.csv`` (every firm that left, the rule that
  fired and its numbers) and ``scenario.toml``. The manifest says how far the run
  went (``steps_done`` of ``n_steps``) and that the page wrote it.
- ``figure_file``: a view of a snapshot as SVG or as a 300-dpi PNG (drawn afresh, not the
  screen's 80-dpi image); ``figures_archive``: a zip of several views in both formats.
- ``scenario_text``: the applied scenario as TOML that ``market-abm run --scenario`` reads, with
  the seed in a comment.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from market_abm.network import exits_frame
from market_abm.runner import RunResult, write_run_files
from market_abm.scenario import scenario_to_toml
from market_abm.viz.live import LiveView
from market_abm.viz.state import Session, Settings, Snapshot

FIGURE_DPI = 300
FIGURE_FORMATS = ("svg", "png")
CSV_TABLES = ("timeseries", "flows", "firms")


def scenario_text(settings: Settings) -> str:
    """TOML of the scenario ``settings`` make, for ``market-abm run --scenario FILE``."""
    head = (f"# Written by the market_abm page ({settings.source}); run it with\n"
            f"#   market-abm run --scenario FILE --seed {settings.seed} --out DIR\n")
    return head + scenario_to_toml(settings.scenario())


def run_result(session: Session) -> tuple[RunResult, pd.DataFrame]:
    """The session's run so far as a RunResult, and its exits with the rule that fired and
    its numbers (``exit_table``), copied under the session's lock."""
    with session._lock:
        m = session.model
        return (RunResult(m.scenario, session.settings.seed, m.timeseries, m.flows,
                          m.firm_table, exits_frame(m.exited)), exit_table(m.exit_reasons))


def exit_table(reasons: dict) -> pd.DataFrame:
    """One row per firm that left: year (of the review), role, id, rule, and the rule's
    numbers ($; empty where the rule has none)."""
    rows = [{"year": y, "role": r, "id": i, **why} for (y, r, i), why in reasons.items()]
    return pd.DataFrame(rows, columns=["year", "role", "id", "rule", *sorted(
        {k for why in reasons.values() for k in why} - {"rule"})])


def can_archive(snap: Snapshot) -> bool:
    """A run can be downloaded once its first year has closed (the flows, firms and network
    tables are yearly)."""
    return snap.steps >= snap.n_steps / (snap.end_year - snap.start_year + 1)


def run_archive(session: Session) -> bytes:
    """Zip bytes of the run so far (see the module docstring); ValueError before the first
    year has closed."""
    result, exits = run_result(session)
    if result.firms.empty:
        raise ValueError("the run can be downloaded once its first year has closed")
    steps = len(result.timeseries)
    extra = {"written_by": "market-abm app", "steps_done": steps,
             "n_steps": result.scenario.n_steps,
             "complete": steps >= result.scenario.n_steps,
             "settings_source": session.settings.source}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_run_files(result, folder, extra)
        for name in CSV_TABLES:
            getattr(result, name).to_csv(folder / f"{name}.csv", index=False)
        exits.to_csv(folder / "exits.csv", index=False)
        (folder / "scenario.toml").write_text(scenario_text(session.settings))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, path.name)
    return out.getvalue()


def figures_archive(views: list[tuple[str, type[LiveView]]], snap: Snapshot,
                    pins: tuple = ()) -> bytes:
    """Zip bytes of each of ``views`` ((name, view class)) at ``snap`` as ``NAME.svg`` and
    ``NAME.png`` (FIGURE_DPI)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, kind in views:
            for fmt in FIGURE_FORMATS:
                archive.writestr(f"{name}.{fmt}", figure_file(kind, snap, fmt, pins))
    return out.getvalue()


def figure_file(kind: type[LiveView], snap: Snapshot, fmt: str, pins: tuple = ()) -> bytes:
    """A view of ``snap`` (with the pinned runs ``pins``, charts.Pin, where it draws them) as
    ``fmt`` ('svg', or 'png' at FIGURE_DPI)."""
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"figure format: use one of {', '.join(FIGURE_FORMATS)}, got {fmt!r}")
    figure = kind(snap, pins).figure(snap)
    out = io.BytesIO()
    figure.savefig(out, format=fmt, dpi=FIGURE_DPI)
    return out.getvalue()
