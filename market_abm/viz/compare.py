"""Two scenarios side by side: run B beside the page's run A, stepped with it.

B starts from the settings in the boxes when "Run B beside" is pressed (A keeps its own), is
brought to A's step, and from then on every Step, Step a year, Play and Run to year advance
both, step for step; Reset restarts both from their first step (A with the settings in the
boxes, B with its own). B needs A's calendar (start year and steps per year), so that the
same step is the same month in both. Pins, replicates, downloads, the year scrubber and the
firm inspector stay with A.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from market_abm.scenario import ScenarioError
from market_abm.viz.results import Headline, View
from market_abm.viz.state import Session, Settings, Snapshot

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
def SideBySide(second: solara.Reactive[Session | None], session: Session,
               settings: Settings, blocked: str | None, playing: bool,
               on_start: Callable[[Session], None], on_error: Callable[[str], None]):
    """The Run card's control: start run B beside A with the settings in the boxes, or say
    how B differs from A and close it."""
    if second.value is None:
        def start() -> None:
            try:
                on_start(start_beside(session, settings))
                on_error("")
            except ScenarioError as exc:
                on_error(f"Could not start run B: {exc}")

        solara.Button("Run B beside A (settings in the boxes)", small=True,
                      icon_name="mdi-compare-horizontal", on_click=start,
                      disabled=blocked is not None or playing, classes=["btn-side-by-side"])
        return
    solara.Text(f"B differs from A in: {differences(session.settings, second.value.settings)}",
                classes=["b-differs"], style={"font-size": "0.85em"})
    solara.Button("Close B", small=True, text=True, on_click=lambda: second.set(None),
                  classes=["btn-close-b"])


@solara.component
def SecondRun(b: Session, snap: Snapshot, a: Settings, views: list):
    """Run B's column: what it differs in, its headline numbers and the views shown
    (``views``: (css class, view class) of results.VIEWS), drawn as A's are."""
    solara.Text(f"Run B: {differences(a, b.settings)}", classes=["b-caption"],
                style={"color": "#555"})
    Headline(snap, prefix="b-headline")
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        for name, kind in views:
            View(f"b-{name}", kind, snap)
