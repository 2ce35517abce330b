"""Two scenarios side by side: run B beside the page's run A, stepped with it.

B starts from the settings in the boxes when "Run B beside" is pressed (A keeps its own), is
brought to A's step, and from then on every Step, Step a year, Play and Run to year advance
both, step for step; Reset restarts both from their first step (A with the settings in the
boxes, B with its own). B needs A's calendar (start year and steps per year), so that the
same step is the same month in both. Pins, replicates, downloads, the year scrubber and the
firm inspector stay with A. B's column is results.SecondRun.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from market_abm.scenario import ScenarioError
from market_abm.viz.controls import blocking
from market_abm.viz.state import Session, Settings

CALENDAR = ("start_year", "steps_per_year")  # what B must share with A


def differences(a: Settings, b: Settings) -> str:
    """How B's settings differ from A's, in one line: the source, the seed and every
    parameter whose value differs (B's value, then A's).

    Example:
        >>> a = Settings(edits={"social_weight": 0.5})
        >>> differences(a, a.with_value("social_weight", 0.4))
        'social_weight 0.4 (A: 0.5)'
        >>> differences(a, a)
        'the same settings as A'
    """
    out = []
    if a.source != b.source:
        out.append(f"{b.source} (A: {a.source})")
    if a.seed != b.seed:
        out.append(f"seed {b.seed} (A: {a.seed})")
    va, vb = _values(a), _values(b)
    out += [f"{key} {vb[key]} (A: {va[key]})" for key in vb if vb[key] != va.get(key)]
    return ", ".join(out) or "the same settings as A"


def _values(settings: Settings) -> dict[str, Any]:
    return {**settings.source_values(), **dict(settings.edits)}


def start_beside(a: Session, settings: Settings) -> Session:
    """Run B with ``settings``, brought to A's step; ScenarioError (one line) when the
    settings are invalid or do not share A's calendar."""
    b = Session(settings)
    sa, sb = a.model.scenario, b.model.scenario
    for key in CALENDAR:
        if getattr(sa, key) != getattr(sb, key):
            raise ScenarioError(f"run B needs A's {key.replace('_', ' ')} ({getattr(sa, key)}) "
                                f"to run step for step beside it, got {getattr(sb, key)}")
    b.step(a.snapshot.steps)
    return b


@solara.component
def SideBySide(session: Session, settings: solara.Reactive[Settings],
               drafts: solara.Reactive[dict], playing: bool,
               on_start: Callable[[Session], None], on_error: Callable[[str], None]):
    """The button that starts run B beside A with the settings in the boxes (disabled while
    a box holds a value it cannot take, as Reset is)."""
    blocked = solara.use_memo(lambda: blocking(settings.value, drafts.value),
                              [settings.value, drafts.value])

    def start() -> None:
        try:
            on_start(start_beside(session, settings.value))
            on_error("")
        except ScenarioError as exc:
            on_error(f"Could not start run B: {exc}")

    solara.Button("Run B beside", small=True, icon_name="mdi-compare",
                  on_click=start, disabled=blocked is not None or playing,
                  classes=["btn-side-by-side"])
