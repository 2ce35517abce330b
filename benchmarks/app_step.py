"""Benchmark: one step of the app with redraw, and a whole run with a yearly redraw, at the
default size (2,000 customers).

Clicks Step on the app's page rendered by ``solara.render`` (the model step, the snapshot, the
six views and the headline, as the server does for a browser; only the websocket transfer is
left out), at four points of a baseline run (1990, 2010, 2030, 2048) since later years have
more firms and flows. Prints ``name: value`` lines; the budget is a median of 200 ms
(wall clock). CPU time of the process is printed too: on a shared, busy machine it shows what
the step costs without the wait for a core. The bare model step is measured in the same run as
the reference. Then, on a fresh page, "Run to year" 2050 with "Redraw every" year and no pause:
the whole 1990-2050 baseline as a user would play it (budget 30 s), next to the bare model
run of the same scenario and seed (``Session.step`` with no redraw). Also one step with
redraw when only two views are drawn ("Views drawn": channels and firms), after 2048.

Views are drawn at the pixels their box has on the screen (viz/figure_image.py): the page is
told, as a browser would tell it, that each view's box is ``--width`` CSS pixels wide on a
screen of pixel ratio ``--ratio`` (default 460 px and 1: a 1280 x 720 window, two views a
row). One more figure: the step with redraw after 2048 on a HiDPI screen (ratio 2).

Usage: .venv/bin/python benchmarks/app_step.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

import ipyvuetify as v
import solara

from market_abm.viz.page import MarketPage
from market_abm.viz.state import Session

CHECKPOINTS = (0, 240, 480, 700)  # steps done before measuring (months since Jan 1990)


@solara.component
def Wrapped():
    with solara.AppLayout():
        MarketPage()


def page_session() -> Session:
    """The Session the rendered page built (the only one alive), to fast-forward it."""
    sessions = [o for o in gc.get_objects() if isinstance(o, Session)]
    if len(sessions) != 1:
        raise RuntimeError(f"expected the page's one Session, found {len(sessions)}")
    return sessions[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="steps timed per checkpoint")
    parser.add_argument("--width", type=int, default=460, help="CSS px of each view's box")
    parser.add_argument("--ratio", type=float, default=1.0, help="device px per CSS px")
    args = parser.parse_args()

    _, rc = solara.render(Wrapped(), handle_error=False)
    session = page_session()
    size_views(rc, args.width, args.ratio)
    step_button = rc.find(v.Btn, children=["Step"]).widget
    page_times, page_cpu, model_times = [], [], []
    for checkpoint in CHECKPOINTS:
        session.step(checkpoint - session.snapshot.steps)  # fast-forward without redraw
        step_button.fire_event("click", {})  # first redraw after the jump: not timed
        for _ in range(args.repeats):
            start, cpu = time.perf_counter(), time.process_time()
            step_button.fire_event("click", {})
            page_times.append(time.perf_counter() - start)
            page_cpu.append(time.process_time() - cpu)
    size_views(rc, args.width, 2.0)  # the same page on a HiDPI screen
    step_button = rc.find(v.Btn, children=["Step"]).widget
    step_button.fire_event("click", {})
    hidpi = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        step_button.fire_event("click", {})
        hidpi.append(time.perf_counter() - start)
    size_views(rc, args.width, args.ratio)
    # the same page drawing two of the six views (channels and firms): what hiding views saves
    rc.find(v.BtnToggle, class_="views-shown").widget.v_model = [0, 1]
    step_button = rc.find(v.Btn, children=["Step"]).widget
    step_button.fire_event("click", {})
    two_views = []
    for _ in range(args.repeats * len(CHECKPOINTS)):
        start = time.perf_counter()
        step_button.fire_event("click", {})
        two_views.append(time.perf_counter() - start)
    reference = Session()
    reference.step(CHECKPOINTS[-1])
    for _ in range(args.repeats * len(CHECKPOINTS)):
        start = time.perf_counter()
        reference.model.step()
        model_times.append(time.perf_counter() - start)

    full_s, bare_s = full_run(args.width, args.ratio)
    page_ms = statistics.median(page_times) * 1000
    model_ms = statistics.median(model_times) * 1000
    print(f"customers: {session.model.scenario.n_customers}")
    print(f"view_box_css_px: {args.width}")
    print(f"pixel_ratio: {args.ratio}")
    print(f"steps_timed: {len(page_times)}")
    print(f"app_step_redraw_median_ms: {page_ms:.1f}")
    print(f"app_step_redraw_p90_ms: {sorted(page_times)[int(0.9 * len(page_times))] * 1000:.1f}")
    print(f"app_step_redraw_cpu_median_ms: {statistics.median(page_cpu) * 1000:.1f}")
    print(f"app_step_redraw_hidpi_ratio2_median_ms: {statistics.median(hidpi) * 1000:.1f}")
    print(f"app_step_redraw_two_views_median_ms: {statistics.median(two_views) * 1000:.1f}")
    print(f"model_step_median_ms: {model_ms:.1f}")
    print(f"redraw_over_model_step: {page_ms / model_ms:.1f}")
    print("budget_ms: 200")
    print(f"within_budget: {page_ms <= 200}")
    print(f"app_full_run_yearly_redraw_s: {full_s:.1f}")
    print(f"model_full_run_s: {bare_s:.1f}")
    print(f"full_run_over_model_run: {full_s / bare_s:.2f}")
    print("full_run_budget_s: 30")
    print(f"full_run_within_budget: {full_s <= 30}")


def size_views(rc, width: int, ratio: float) -> None:
    """Tell every view of the page its box's width and the pixel ratio, as the browser does."""
    for image in [w for w in rc.find(v.VuetifyTemplate).widgets if w.has_trait("png")]:
        image.vue_resized({"width": width, "ratio": ratio})


def full_run(width: int, ratio: float) -> tuple[float, float]:
    """Seconds for Run to year (the end year) with a yearly redraw on a fresh page, and for
    the bare model run of the same settings."""
    gc.collect()
    before = {id(o) for o in gc.get_objects() if isinstance(o, Session)}
    _, rc = solara.render(Wrapped(), handle_error=False)
    session = next(o for o in gc.get_objects()
                   if isinstance(o, Session) and id(o) not in before)
    size_views(rc, width, ratio)
    rc.find(v.Html, class_="pause-between").find(v.Slider).widget.v_model = 0
    rc.find(v.Select, label="Redraw every").widget.v_model = "year"
    end = session.model.scenario.end_year
    box = rc.find(v.TextField, label="Year").widget
    box.v_model = str(end)
    box.fire_event("keyup.enter", {})
    start = time.perf_counter()
    rc.find(v.Btn, children=["Run to year"]).widget.fire_event("click", {})
    while not session.snapshot.ended or not rc.find(v.Btn, children=["Play"]).widgets:
        time.sleep(0.02)
    full = time.perf_counter() - start
    bare = Session(session.settings)
    start = time.perf_counter()
    bare.step(bare.model.scenario.n_steps)
    return full, time.perf_counter() - start


if __name__ == "__main__":
    main()
