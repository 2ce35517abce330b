"""The results column of the page: the run's caption, status, year scrubber, headline
numbers, downloads, pins and replicates, the live views and the firm inspector; and run B's
column beside it (``SecondRun``).

``Results`` shows the live run of a ``Session`` or a stored run folder (stored.py), at its
latest step or at a closed year's December; each ``View`` draws one LiveView into a
``FigureImage`` sized to its box (figure_image.py).
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from market_abm.viz.charts import (
    MAX_PINS,
    ActiveFirms,
    ChannelShares,
    Pin,
    RevenueShares,
    Technology,
    pin,
)
from market_abm.viz.compare import SideBySide, differences
from market_abm.viz.export import (
    FIGURE_DPI,
    can_archive,
    figures_archive,
    run_archive,
    scenario_text,
)
from market_abm.viz.figure_image import FigureImage, scale_for
from market_abm.viz.headline import css_key, date_label, firm_counts, headline
from market_abm.viz.inspect import FirmInspector
from market_abm.viz.live import LiveView
from market_abm.viz.map_view import MapView
from market_abm.viz.network_view import NetworkView
from market_abm.viz.replicates import ReplicatesControl
from market_abm.viz.state import Session, Settings, Snapshot
from market_abm.viz.stored import StoredRun

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
def View(name: str, kind: type[LiveView], snap: Snapshot, pins: tuple[Pin, ...] = (),
         on_pick: Callable[[tuple[str, int | None]], None] | None = None):
    """One view: its frame (with the pinned runs, for the charts that draw them) is built once
    per run, set of pins and drawing scale (the pixels its box has on the screen), its data
    redrawn for each snapshot while it is on screen (scrolled away, it keeps its last image
    and is drawn at the current snapshot when it comes back). A click on a firm the view
    draws calls ``on_pick((role, id))`` (id None for a group of firms).
    """
    shown_at = solara.use_reactive((0, 1.0))  # (CSS width, pixel ratio) the browser reports
    on_screen = solara.use_reactive(True)  # False while the browser has it scrolled away
    drawn = solara.use_ref(snap.version)  # the snapshot drawn: kept while off screen
    if on_screen.value:
        drawn.current = snap.version
    scale = scale_for(kind, *shown_at.value)
    view = solara.use_memo(lambda: kind(snap, pins, scale=scale), [snap.run, pins, scale])
    png = solara.use_memo(lambda: view.render(snap), [view, drawn.current])

    def clicked(at: dict) -> None:
        firm = view.pick(float(at["x"]), float(at["y"]))
        if firm is not None and on_pick is not None:
            on_pick(firm)

    with solara.Div(classes=[name], style={"min-width": "380px", "flex": "1 1 380px"}):
        FigureImage(png=png, event_clicked=clicked,
                    event_resized=lambda box: shown_at.set((float(box["width"]),
                                                            float(box["ratio"]))),
                    event_seen=lambda seen: on_screen.set(bool(seen["visible"])))


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
                children=[solara.Tooltip(
                    "zip: the run folder, its tables as CSV and Parquet, its manifest",
                    children=[solara.Button("Run data", small=True, icon_name="mdi-download",
                                            classes=["download-run"])])])
        else:
            solara.Button("Run data: after the first year", small=True, disabled=True,
                          icon_name="mdi-download", classes=["download-run"])
        solara.FileDownload(
            figures, filename=f"market_abm_figures_{stamp(snap)}.zip",
            children=[solara.Tooltip(
                f"zip: each view shown as SVG and {FIGURE_DPI}-dpi PNG",
                children=[solara.Button("Figures", small=True, icon_name="mdi-download",
                                        classes=["download-figures"])])])
        solara.FileDownload(
            scenario, filename="market_abm_scenario.toml",
            children=[solara.Tooltip(
                "the applied settings as a scenario file (TOML) for market-abm run",
                children=[solara.Button("Scenario", small=True, icon_name="mdi-download",
                                        classes=["download-scenario"])])])


@solara.component
def Headline(snap: Snapshot, prefix: str = "headline"):
    """The date, channel shares and intermediation index of the latest step (each value's
    css class: ``prefix``-label, e.g. headline-date)."""
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}, classes=["headline"]):
        for label, value in headline(snap).items():
            key = css_key(label)
            with solara.Card(margin=0, style={"min-width": "92px", "padding": "0px"}):
                solara.Text(label, style={"font-size": "0.7em", "color": "#666"})
                solara.Div(children=[value], classes=[f"{prefix}-{key}"],
                           style={"font-size": "1.05em", "font-weight": "bold"})
    solara.Text(firm_counts(snap), classes=[f"{prefix}-firms"], style={"color": "#333"})


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



@solara.component
def Results(session: Session, current: solara.Reactive[Snapshot],
            error: solara.Reactive[str], playing: solara.Reactive[bool],
            shown: solara.Reactive[list[str]], pins: solara.Reactive[tuple[Pin, ...]],
            bands: solara.Reactive[tuple], year_shown: solara.Reactive[int | None],
            opened: solara.Reactive[StoredRun | None], beside: dict | None = None):
    """What the run shows: its settings, errors, state, headline numbers and the views
    chosen in ``shown`` (names of VIEWS without ``view-``; the others are not drawn), at the
    latest step or at the December of ``year_shown`` (the year scrubber); a stored run's
    (``opened``) instead of the live one's when one is open; ``beside``: the arguments of
    compare.SideBySide (settings, drafts, on_start) to offer run B, or None. A click on a
    store or hub of the map, or a firm of the network, opens it in the firm inspector."""
    chosen = solara.use_reactive(("retailer", None))  # the inspector's (role, firm id)
    picked = solara.use_reactive(0)  # clicks on a firm so far: each opens the inspector
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

    def pick(firm: tuple[str, int | None]) -> None:
        chosen.set(firm)
        picked.set(picked.value + 1)

    with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text("Views drawn:", style={"color": "#555"})
        solara.ToggleButtonsMultiple(shown, values=VIEW_NAMES, dense=True,
                                     classes=["views-shown"])
    if live:
        with solara.Row(gap="12px", style={"align-items": "center", "flex-wrap": "wrap"}):
            Downloads(session, snap, [(n, k) for n, k in VIEWS
                                      if n.removeprefix("view-") in shown.value],
                      pins.value + bands.value)
            Pins(session, snap, pins)
            ReplicatesControl(session, bands)
            if beside is not None:
                SideBySide(session=session, playing=playing.value, on_error=error.set,
                           **beside)
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        for name, kind in VIEWS:
            if name.removeprefix("view-") in shown.value:
                View(name, kind, snap, pins.value + bands.value if live else (),
                     on_pick=pick if live else None)
    if live:
        with solara.Details("Inspect a firm: its years and why it left",
                            expand=picked.value > 0):
            FirmInspector(session, snap, chosen)


@solara.component
def SecondRun(b: Session, snap: Snapshot, a: Settings, views: list, on_close: Callable):
    """Run B's column: what it differs in, its headline numbers and the views shown
    (``views``: (css class, view class) of VIEWS), drawn as A's are (compare.py)."""
    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.Text(f"Run B: {differences(a, b.settings)}", classes=["b-caption"],
                    style={"color": "#555"})
        solara.Button("Close B", small=True, text=True, on_click=on_close,
                      classes=["btn-close-b"])
    Headline(snap, prefix="b-headline")
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        for name, kind in views:
            View(f"b-{name}", kind, snap)
