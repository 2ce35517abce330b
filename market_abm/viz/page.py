"""The app's page: controls, headline numbers and the live views of one session's run.

Every browser session renders its own ``MarketPage`` and so builds its own ``Session`` (in
``solara.use_memo``): there is no module-level model. Play runs in a thread of the session
(``solara.lab.use_task``) and stops at the last step, at Pause, or when the run is reset.
"""

from __future__ import annotations

import logging
import time

import reacton.ipywidgets as rw
import solara
import solara.lab

from market_abm.scenario import ScenarioError
from market_abm.viz.charts import (
    MAX_PINS,
    ActiveFirms,
    ChannelShares,
    Pin,
    RevenueShares,
    Technology,
    pin,
)
from market_abm.viz.controls import (
    REDRAW_EVERY,
    ParameterControls,
    RunControls,
    SeedBox,
    blocking,
)
from market_abm.viz.export import (
    FIGURE_DPI,
    can_archive,
    figures_archive,
    run_archive,
    scenario_text,
)
from market_abm.viz.headline import date_label, firm_counts, headline
from market_abm.viz.inspect import FirmInspector
from market_abm.viz.live import LiveView
from market_abm.viz.map_view import MapView
from market_abm.viz.network_view import NetworkView
from market_abm.viz.replicates import ReplicatesControl
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

# (css class, view class) of the live views, in page order.
VIEWS: tuple[tuple[str, type[LiveView]], ...] = (
    ("view-channels", ChannelShares),
    ("view-firms", ActiveFirms),
    ("view-technology", Technology),
    ("view-revenue", RevenueShares),
    ("view-network", NetworkView),
    ("view-map", MapView),
)


def stamp(snap: Snapshot) -> str:
    """The date of a snapshot for file names: 1990-01 (1990-00 before the first step)."""
    return f"{snap.year}-{snap.month:02d}"

VIEW_NAMES = [name.removeprefix("view-") for name, _ in VIEWS]


@solara.component
def View(name: str, kind: type[LiveView], snap: Snapshot, pins: tuple[Pin, ...] = ()):
    """One view: its frame (with the pinned runs, for the charts that draw them) is built once
    per run and set of pins, its data redrawn for each snapshot."""
    view = solara.use_memo(lambda: kind(snap, pins), [snap.run, pins])
    png = solara.use_memo(lambda: view.render(snap), [view, snap.version])
    with solara.Div(classes=[name], style={"min-width": "380px", "flex": "1 1 380px"}):
        rw.Image(value=png, format="png")


@solara.component
def YearScrubber(source: Session | StoredRun, latest: Snapshot,
                 year_shown: solara.Reactive[int | None], stored: Snapshot | None):
    """A slider over the Decembers the run (or the stored run, ``source``) has closed: the
    page then shows that year's snapshot (views, headline) while the run stays where it is;
    "Latest" goes back."""
    closed = source.closed_years()
    if not closed:
        return
    with solara.Row(gap="8px", style={"align-items": "center"}, classes=["year-scrubber"]):
        with solara.Div(style={"min-width": "320px"}):
            solara.SliderInt(f"Year shown: {stored.year if stored else 'latest'}",
                             value=stored.year if stored else closed[-1], min=closed[0],
                             max=closed[-1], on_value=year_shown.set)
        solara.Button("Latest", small=True, disabled=stored is None,
                      on_click=lambda: year_shown.set(None), classes=["btn-latest"])
        if stored is not None:
            solara.Text(f"Showing December {stored.year} as stored; the run is at "
                        f"{date_label(latest)}.", classes=["scrubbed-note"],
                        style={"color": "#b26a00"})


@solara.component
def Pins(session: Session, snap: Snapshot, pins: solara.Reactive[tuple[Pin, ...]]):
    """Pin the run so far as ghost lines on the channel-share and firm charts (they stay
    while other runs play; at most MAX_PINS, the oldest goes first), or clear the pins."""
    applied = session.settings

    def add() -> None:
        label = f"{applied.source}, seed {applied.seed}, to {stamp(snap)}"
        pins.set((*pins.value, pin(snap, label))[-MAX_PINS:])

    solara.Button("Pin this run", small=True, icon_name="mdi-pin", on_click=add,
                  disabled=not snap.steps, classes=["btn-pin"])
    if pins.value:
        solara.Button(f"Clear pins ({len(pins.value)})", small=True, text=True,
                      on_click=lambda: pins.set(()), classes=["btn-clear-pins"])


@solara.component
def Downloads(session: Session, snap: Snapshot, views: list, pins: tuple):
    """The run so far (zip of the run folder, CSV and Parquet), the views shown as figures
    (zip: SVG and 300-dpi PNG, with the pins) and the applied settings as a scenario file.

    The files are made when a button is pressed, from what the page shows then: the data
    functions stay the same from step to step (a new one would make Solara's FileDownload
    start a thread at every redraw)."""
    shown = solara.use_ref((views, snap, pins))
    shown.current = (views, snap, pins)
    run_data = solara.use_memo(lambda: (lambda: run_archive(session)), [session])
    figures = solara.use_memo(lambda: (lambda: figures_archive(*shown.current)), [session])
    scenario = solara.use_memo(lambda: (lambda: scenario_text(session.settings)), [session])
    with solara.Row(gap="6px", style={"align-items": "center", "flex-wrap": "wrap"},
                    classes=["downloads"]):
        if can_archive(snap):
            solara.FileDownload(
                run_data, filename=f"market_abm_run_{stamp(snap)}.zip",
                children=[solara.Button("Run data (zip: CSV, Parquet, manifest)", small=True,
                                        icon_name="mdi-download", classes=["download-run"])])
        else:
            solara.Button("Run data: after the first year", small=True, disabled=True,
                          icon_name="mdi-download", classes=["download-run"])
        solara.FileDownload(
            figures, filename=f"market_abm_figures_{stamp(snap)}.zip",
            children=[solara.Button(f"Figures (zip: SVG, PNG {FIGURE_DPI} dpi)", small=True,
                                    icon_name="mdi-download", classes=["download-figures"])])
        solara.FileDownload(
            scenario, filename="market_abm_scenario.toml",
            children=[solara.Button("Scenario (TOML)", small=True, icon_name="mdi-download",
                                    classes=["download-scenario"])])


@solara.component
def Headline(snap: Snapshot):
    """The date, channel shares and intermediation index of the latest step."""
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}, classes=["headline"]):
        for label, value in headline(snap).items():
            key = label.replace(" ", "-")
            with solara.Card(margin=0, style={"min-width": "92px", "padding": "0px"}):
                solara.Text(label, style={"font-size": "0.7em", "color": "#666"})
                solara.Div(children=[value], classes=[f"headline-{key}"],
                           style={"font-size": "1.05em", "font-weight": "bold"})
    solara.Text(firm_counts(snap), classes=["headline-firms"], style={"color": "#333"})


def status_text(snap: Snapshot, playing: bool) -> str:
    """One line on the state of the run."""
    if snap.ended:
        return (f"The run has ended: December {snap.end_year} was its last step. "
                "Press Reset to start a new run.")
    if playing:
        return "Playing."
    if not snap.steps:
        return "Ready: press Step, Step a year or Play."
    return "Paused."


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
def Results(session: Session, current: solara.Reactive[Snapshot],
            error: solara.Reactive[str], playing: solara.Reactive[bool],
            shown: solara.Reactive[list[str]], pins: solara.Reactive[tuple[Pin, ...]],
            bands: solara.Reactive[tuple], year_shown: solara.Reactive[int | None],
            opened: solara.Reactive[StoredRun | None]):
    """What the run shows: its settings, errors, state, headline numbers and the views
    chosen in ``shown`` (names of VIEWS without ``view-``; the others are not drawn), at the
    latest step or at the December of ``year_shown`` (the year scrubber); a stored run's
    (``opened``) instead of the live one's when one is open."""
    source = opened.value or session
    latest = opened.value.latest if opened.value else current.value
    stored = source.year_snapshot(year_shown.value) if year_shown.value is not None else None
    snap = stored or latest
    if opened.value is not None:
        run = opened.value
        solara.Text(f"Stored run {run.folder} ({run.seed}, {run.scenario.n_customers} "
                    f"customers), opened without rerunning it", style={"color": "#555"},
                    classes=["stored-caption"])
    else:
        applied = session.settings
        solara.Text(f"{applied.source[0].upper()}{applied.source[1:]}, seed {applied.seed}, "
                    f"{session.model.scenario.n_customers} customers, "
                    f"{session.model.scenario.social_network} social network",
                    style={"color": "#555"})
    if error.value:
        solara.Error(error.value, classes=["run-error"])
    if latest.ended:
        solara.Success(status_text(latest, playing.value), classes=["run-status", "run-ended"],
                       dense=True)
    else:
        solara.Info(status_text(latest, playing.value), classes=["run-status"], dense=True)
    YearScrubber(source, latest, year_shown, stored)
    Headline(snap)
    live = opened.value is None
    with solara.Row(gap="12px", style={"align-items": "center", "flex-wrap": "wrap"}):
        if live:
            Downloads(session, snap, [(n, k) for n, k in VIEWS
                                      if n.removeprefix("view-") in shown.value],
                      pins.value + bands.value)
        solara.Text("Views drawn:", style={"color": "#555"})
        solara.ToggleButtonsMultiple(shown, values=VIEW_NAMES, dense=True,
                                     classes=["views-shown"])
        if live:
            Pins(session, snap, pins)
            ReplicatesControl(session, bands)
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        for name, kind in VIEWS:
            if name.removeprefix("view-") in shown.value:
                View(name, kind, snap, pins.value + bands.value if live else ())
    if live:
        with solara.Details("Inspect a firm: its years and why it left"):
            FirmInspector(session, snap)


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

    def advance(n: int, model=None) -> None:
        try:
            session.step(n, model=model)
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
            Results(session, current, error, playing, shown, pins, bands, year_shown,
                    opened)
