"""The app's page: the controls column (run buttons, scenario parameters) beside the results
column (results.py) of one session's run.

Every browser session renders its own ``MarketPage`` and so builds its own ``Session`` (in
``solara.use_memo``): there is no module-level model. Play runs in a thread of the session
(``solara.lab.use_task``) and stops at the last step, at Pause, or when the run is reset.
"""

from __future__ import annotations

import logging
import time

import solara
import solara.lab

from market_abm.scenario import ScenarioError
from market_abm.viz.controls import (
    REDRAW_EVERY,
    ParameterControls,
    RunControls,
    SeedBox,
    blocking,
)
from market_abm.viz.results import VIEW_NAMES, VIEWS, Results, SecondRun
from market_abm.viz.state import (
    Session,
    Settings,
    Snapshot,
    from_query,
    preset_settings,
    to_query,
)
from market_abm.viz.stored import StoredRun, open_run_folder

log = logging.getLogger(__name__)

# Compact headline cards, so that the run buttons, the first views and the headline fit
# 1280 x 720 beside a 320-px controls column (Solara's sidebar took 400 px, 31 % of 1280).
LAYOUT_CSS = """
.headline .v-card__text { padding: 4px 8px !important; }
"""
# The controls column: 320 px, scrolling on its own beside the results.
CONTROLS_STYLE = {"width": "320px", "min-width": "320px", "position": "sticky", "top": "0",
                  "max-height": "calc(100vh - 80px)", "overflow-y": "auto"}

HALF = {"flex": "1 1 0", "min-width": "0"}  # each run's column when B is beside A

__all__ = ["VIEWS", "VIEW_NAMES", "MarketPage"]


def linked_settings(query: str | None) -> tuple[Settings, str]:
    """The settings of the page's address (``?preset=...&seed=...&key=value``, state.to_query)
    and "" ; the default settings and one line when the address has none or bad ones."""
    if not query:
        return preset_settings(), ""
    try:
        return from_query(query), ""
    except ScenarioError as exc:
        return preset_settings(), f"The address's settings were not used: {exc}"


@solara.component
def RunCard(session: Session, ended: solara.Reactive[bool],
            settings: solara.Reactive[Settings], drafts: solara.Reactive[dict],
            playing: solara.Reactive[bool], actions: dict,
            opened: solara.Reactive[StoredRun | None], year_shown: solara.Reactive):
    """The run's buttons and opening a stored run. It reads whether the run has ended, not the
    snapshot, so that it is not redrawn at each step."""
    changed = settings.value != session.settings
    blocked = solara.use_memo(lambda: blocking(settings.value, drafts.value),
                              [settings.value, drafts.value])
    if opened.value is None:
        RunControls(playing=playing.value, ended=ended.value, changed=changed,
                    blocked=blocked, **actions)
        SeedBox(settings, drafts)
    StoredRunControl(opened, year_shown, playing)


@solara.component
def StoredRunControl(opened: solara.Reactive[StoredRun | None],
                     year_shown: solara.Reactive, playing: solara.Reactive[bool]):
    """Open a folder `market-abm run` wrote (a path on this machine) to scrub through it
    without rerunning it; close it to go back to the live run (which waits, paused)."""
    path = solara.use_reactive("")
    problem = solara.use_reactive("")
    runs = solara.use_ref(1000)  # stored runs get their own run numbers (views rebuild)

    def open_it() -> None:
        runs.current += 1
        try:
            run = open_run_folder(path.value.strip(), run=runs.current)
        except ValueError as exc:
            problem.set(f"Could not open the run: {exc}")
            return
        playing.set(False)
        problem.set("")
        year_shown.set(None)
        opened.set(run)

    if opened.value is not None:
        solara.Info(f"Showing the stored run in {opened.value.folder}; the live run waits.",
                    dense=True)
        solara.Button("Close stored run", small=True, classes=["btn-close-stored"],
                      on_click=lambda: (year_shown.set(None), opened.set(None)))
        return
    with solara.Row(gap="4px", style={"align-items": "center"}):
        solara.InputText("Stored run folder", value=path, classes=["stored-folder"],
                         dense=True, error=problem.value or False)
        solara.Button("Open", small=True, on_click=open_it, classes=["btn-open-stored"])


@solara.component
def MarketPage():
    """The whole page for one browser session.

    Only the components that show the run (``RunCard``, ``Results``) read the snapshot, so a
    step redraws them and not the parameter boxes."""
    router = solara.use_router()
    start, problem = solara.use_memo(lambda: linked_settings(router.search), [])
    session = solara.use_memo(lambda: Session(start), [])
    settings = solara.use_reactive(session.settings)
    drafts = solara.use_reactive({})  # {box: (text typed, why the box cannot take it)}
    current = solara.use_reactive(session.snapshot)
    ended = solara.use_reactive(session.snapshot.ended)  # changes twice a run, not each step

    def show(snap: Snapshot) -> None:
        current.set(snap)
        ended.set(snap.ended)
    playing = solara.use_reactive(False)
    interval = solara.use_reactive(100)
    redraw = solara.use_reactive("month")
    run_to = solara.use_reactive(session.model.scenario.end_year)
    stop_after = solara.use_reactive(0)  # Play stops after this step (0: at the end)
    error = solara.use_reactive(problem)
    shown = solara.use_reactive(list(VIEW_NAMES))  # views drawn (hidden ones cost nothing)
    pins = solara.use_reactive(())  # pinned runs, drawn as ghost lines
    bands = solara.use_reactive(())  # the replicates' mean and band (one at most)
    year_shown = solara.use_reactive(None)  # a closed year to show instead of the latest
    opened = solara.use_reactive(None)  # a stored run shown instead of the live one
    second = solara.use_reactive(None)  # run B, stepped beside the live run (compare.py)
    current_b = solara.use_reactive(None)  # its latest snapshot

    def show_b(snap: Snapshot) -> None:
        current_b.set(snap)

    def start_b(b: Session) -> None:
        second.set(b)
        b.publish(show_b)

    def advance(n: int, model=None) -> None:
        try:
            session.step(n, model=model)
            b = second.value
            if b is not None and (model is None or session.model is model):
                b.step(n)  # step for step with A
                b.publish(show_b)
            session.publish(show)
        except Exception as exc:  # the page must stay usable; the log keeps the details
            log.exception("step failed")
            error.set(f"The model failed at this step: {exc}")
            playing.set(False)

    def play_loop() -> None:
        model = session.model
        while playing.value and session.model is model:
            start = time.monotonic()
            every = REDRAW_EVERY[redraw.value]
            n = every - session.snapshot.steps % every  # redraw at the interval's boundaries
            if stop_after.value:
                n = min(n, stop_after.value - session.snapshot.steps)
            advance(n, model)
            if session.model is not model:  # reset while this step ran
                break
            reached = stop_after.value and session.snapshot.steps >= stop_after.value
            if session.snapshot.ended or error.value or reached:
                stop_after.set(0)
                playing.set(False)
                break
            time.sleep(max(interval.value / 1000 - (time.monotonic() - start), 0.0))

    def run_to_year() -> None:
        """Play to the end of the year in the Year box (redrawing at the render interval)."""
        s, steps = session.model.scenario, session.snapshot.steps
        year = run_to.value
        last = (year - s.start_year + 1) * s.steps_per_year  # December of that year
        if not s.start_year <= year <= s.end_year or last <= steps:
            done = s.start_year + steps // s.steps_per_year
            error.set(f"Run to year: give a year from {done} to {s.end_year} (the run is at "
                      f"step {steps}), got {year}.")
            return
        error.set("")
        stop_after.set(last)
        playing.set(True)

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    def reset() -> None:
        playing.set(False)
        stop_after.set(0)
        year_shown.set(None)
        reason = blocking(settings.value, drafts.value)
        if reason is not None:  # the button is disabled then; a stale click changes nothing
            error.set(f"Could not start a run with these settings: {reason}")
            return
        try:
            session.reset(settings.value)
            if second.value is not None:  # B restarts too, with its own settings
                second.value.reset()
                second.value.publish(show_b)
            session.publish(show)
            error.set("")
        except ScenarioError as exc:
            error.set(f"Could not start a run with these settings: {exc}")
            return
        if router.set_path is not None:  # the address keeps the run's settings
            router.push(f"{router.path or '/'}?{to_query(session.settings)}")

    actions = dict(on_play=lambda: (stop_after.set(0), playing.set(not playing.value)),
                   on_step=lambda: advance(1), on_year=lambda: advance(12),
                   on_reset=reset, interval=interval, redraw=redraw, run_to=run_to,
                   on_run_to=run_to_year)

    solara.Title("market_abm")
    solara.Style(LAYOUT_CSS)
    with solara.AppBar():
        solara.AppBarTitle("market_abm: distribution networks and 3D printing")

    # controls on the left, results on the right, in the page itself: with Solara's Sidebar
    # (a portal into AppLayout) every redraw of the results reconciled all the controls too,
    # 60-70 ms a step (benchmarks/README.md)
    with solara.Row(gap="0px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Column(gap="0px", classes=["controls"], style=CONTROLS_STYLE):
            with solara.Card("Run"):
                RunCard(session, ended, settings, drafts, playing, actions, opened,
                        year_shown)
            with solara.Card("Scenario"):
                ParameterControls(settings, drafts, on_error=error.set)
        with solara.Column(style={"padding": "8px", "flex": "1 1 auto", "min-width": "0"}):
            if second.value is None or current_b.value is None or opened.value is not None:
                Results(session, current, error, playing, shown, pins, bands, year_shown,
                        opened, beside=dict(settings=settings, drafts=drafts,
                                            on_start=start_b))
            else:  # A and B side by side, in two columns
                with solara.Row(gap="12px", style={"flex-wrap": "nowrap",
                                                   "align-items": "flex-start"}):
                    with solara.Column(style=HALF, classes=["run-a"]):
                        Results(session, current, error, playing, shown, pins, bands,
                                year_shown, opened)
                    with solara.Column(style=HALF, classes=["run-b"]):
                        SecondRun(second.value, current_b.value, session.settings,
                                  [(n, k) for n, k in VIEWS
                                   if n.removeprefix("view-") in shown.value],
                                  on_close=lambda: second.set(None))
