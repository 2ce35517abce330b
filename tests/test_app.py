"""The app's components without a browser: solara.render, as Mesa's own visualization tests do."""

from __future__ import annotations

import io
import time

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pandas as pd
import pytest
import solara
from PIL import Image

from market_abm.agents import FIRM_ROLES
from market_abm.scenario import ScenarioError
from market_abm.viz.charts import ChannelShares
from market_abm.viz.controls import COMMON, FIELDS, MAX_CUSTOMERS, bounds, limits, parse
from market_abm.viz.headline import css_key, headline
from market_abm.viz.page import VIEW_NAMES, VIEWS, MarketPage
from market_abm.viz.state import Session, Settings, preset_settings

SMALL = Settings(edits={"n_customers": 200})


@solara.component
def Wrapped():
    with solara.AppLayout():  # the sidebar is drawn only inside an AppLayout
        MarketPage()


def render_page():
    _, rc = solara.render(Wrapped(), handle_error=False)
    return rc


def text(rc, cls: str) -> str:
    return rc.find(v.Html, class_=cls).widget.children[0]


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.fire_event("click", {})


def press(rc, cls: str) -> None:
    """Click the button of css class ``cls`` (for buttons with an icon)."""
    rc.find(v.Btn, class_=cls).widget.fire_event("click", {})


def images(rc) -> list[bytes]:
    """The PNGs of the views drawn (FigureImage widgets), in page order."""
    return [w.png for w in rc.find(v.VuetifyTemplate).widgets if w.has_trait("png")]


def set_box(rc, name: str, value) -> None:
    """Type ``value`` into a parameter's box and press Enter."""
    box = rc.find(v.TextField, class_=f"param-{name}").widget
    box.v_model = str(value)
    box.fire_event("keyup.enter", {})


def unfold(rc, section: str) -> None:
    """Open a folded section of parameter boxes (its boxes exist only while it is open)."""
    button = next(w for w in rc.find(v.Btn, class_="section-toggle").widgets
                  if f" {section} (" in w.children[0])
    button.fire_event("click", {})


def set_pause(rc, ms: int) -> None:
    rc.find(v.Html, class_="pause-between").find(v.Slider).widget.v_model = ms


def set_select(rc, label: str, value: str) -> None:
    rc.find(v.Select, label=label).widget.v_model = value


# --- the session -------------------------------------------------------------------------------
def test_session_steps_and_snapshots_do_not_change_afterwards():
    s = Session(SMALL)
    assert s.snapshot.steps == 0 and s.snapshot.last == {}
    first = s.step(1)
    owners = first.customers["printer"].copy()
    s.step(24)
    assert (first.steps, first.year, first.month) == (1, 1990, 1)
    assert (s.snapshot.steps, s.snapshot.year, s.snapshot.month) == (25, 1992, 1)
    assert len(first.timeseries) == 1 and len(s.snapshot.timeseries) == 25
    np.testing.assert_array_equal(first.customers["printer"], owners)
    assert s.snapshot.version > first.version


def test_reset_rebuilds_the_run_and_bad_settings_keep_the_current_one():
    s = Session(SMALL)
    s.step(5)
    assert s.reset().steps == 0
    s.step(3)
    with pytest.raises(ScenarioError, match="social_degree"):
        s.reset(Settings(edits={"n_customers": 10}))  # fewer customers than social ties
    with pytest.raises(ScenarioError, match="seed"):
        s.reset(Settings(edits={"n_customers": 200}, seed=-3))
    assert s.snapshot.steps == 3 and s.settings == SMALL


def test_same_seed_same_run_other_seed_other_run():
    a, b, c = (Session(Settings(edits={"n_customers": 300}, seed=k)) for k in (4, 4, 5))
    ta, tb, tc = (x.step(24).timeseries for x in (a, b, c))
    assert ta.equals(tb)
    assert not ta.equals(tc)


def test_preset_settings_show_the_preset_values():
    bass = preset_settings("bass")
    assert bass.value("social_network") == "complete" and bass.value("n_customers") == 2000
    assert bass.edits == () and bass.scenario().adoption_model == "bass"
    with pytest.raises(ScenarioError):
        preset_settings("nope")


def test_run_to_the_last_step_ends_and_further_steps_do_nothing():
    s = Session(Settings(preset="bass", edits={"n_customers": 100}))
    snap = s.step(10_000)
    assert snap.ended and snap.steps == snap.n_steps == 360
    assert (snap.year, snap.month) == (2029, 12)
    again = s.step(5)
    assert again.steps == 360 and not s.model.running


def test_year_to_date_network_adds_up_to_the_closed_year():
    s = Session(SMALL)
    ytd = s.step(11).network  # January to November, summed by the session
    assert set(ytd["year"]) == {1990} and (ytd["units"] > 0).all()
    s.step(1)
    december = pd.Series({f.kind: 0.0 for f in s.model.last_flows})
    for f in s.model.last_flows:
        december[f.kind] += f.units.sum()
    closed = s.snapshot.network  # the ledger's closed year
    got = ytd.groupby("kind")["units"].sum().add(december, fill_value=0.0)
    want = closed.groupby("kind")["units"].sum()
    assert list(got.sort_index().index) == list(want.index)
    np.testing.assert_allclose(got.sort_index(), want, rtol=1e-9)
    assert s.step(1).network["year"].eq(1991).all()


# --- views -------------------------------------------------------------------------------------
def png_pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_views_draw_before_the_first_step_and_redraw_only_the_data():
    s = Session(SMALL)
    first = s.snapshot
    views = [kind(first) for _, kind in VIEWS]
    empty = [png_pixels(v.render(first)) for v in views]
    later = s.step(14)
    drawn = [png_pixels(v.render(later)) for v in views]
    for view, a, b in zip(views, empty, drawn, strict=True):
        assert a.shape == b.shape and a.shape[0] > 100, type(view).__name__
        assert (a != b).any(), f"{type(view).__name__} did not change after 14 steps"
    # redrawing an earlier snapshot gives its picture back: the frame is not drawn over
    again = [png_pixels(v.render(first)) for v in views]
    for view, a, b in zip(views, empty, again, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=type(view).__name__)


def test_snapshot_graph_keeps_idle_firms_and_matches_the_flows():
    s = Session(SMALL)
    assert s.snapshot.graph.number_of_edges() == 0  # before the first step: nodes only
    snap = s.step(6)
    g = snap.graph
    for role, firms in s.model.firm_lists.items():
        assert {f"{role}:{f.unique_id}" for f in firms} <= set(g)
    assert sum(1 for _, r in g.nodes(data="role") if r == "customers") == snap.segment_grid ** 2
    sold = snap.network.loc[snap.network["dst_role"] == "customers", "units"].sum()
    assert sum(d["units"] for u, v, d in g.edges(data=True) if v.startswith("customers")) \
        == pytest.approx(sold)
    december = s.step(6)  # the closed year, through the firms before the review
    assert december.network["year"].eq(1990).all() and december.graph.number_of_edges()


def test_charts_span_the_whole_scenario():
    snap = Session(SMALL).step(3)
    assert ChannelShares(snap).ax.get_xlim() == (1990, 2051)


def test_headline_before_and_after_the_first_step():
    s = Session(SMALL)
    assert headline(s.snapshot)["intermediation index"] == "-"
    h = headline(s.step(1))
    # 1990: every unit goes producer -> logistician -> store -> customer
    assert h["date"] == "Jan 1990" and h["intermediation index"] == "2.00"
    assert h["retail ($)"] == "100.0 %"  # of retail sales, in dollars


def test_every_parameter_has_a_box_with_its_limits_unit_and_rationale():
    from market_abm.scenario import Scenario, parameter_docs
    from market_abm.viz.controls import SECTIONS

    on_page = [*COMMON, *(k for _, keys in SECTIONS for k in keys)]
    assert sorted(on_page) == sorted(Scenario.model_fields)  # each once
    for doc in parameter_docs():
        assert doc["rationale"] in FIELDS[doc["name"]].help
        assert f"Unit: {doc['unit'] or 'none'}." in FIELDS[doc["name"]].help
    assert limits("platform_commission") == ((0.0, False), (1.0, False))
    assert parse(FIELDS["platform_commission"], "0.25", SMALL) == 0.25
    with pytest.raises(ValueError, match="must be above 0 and at most 100, got 0"):
        parse(FIELDS["price_sensitivity"], "0", SMALL)  # gt 0: the bound is excluded
    with pytest.raises(ValueError, match="must be a number .*got 'abc'"):
        parse(FIELDS["price_sensitivity"], "abc", SMALL)
    with pytest.raises(ValueError, match="must be a whole number"):
        parse(FIELDS["n_customers"], "12.5", SMALL)
    assert parse(FIELDS["capability_freeze_year"], "", SMALL) is None  # optional
    # customers: above the social degree (10 by default) and at most the page's cap
    assert bounds(FIELDS["n_customers"], SMALL) == ((11, False), (MAX_CUSTOMERS, False))
    with pytest.raises(ValueError, match="Customers .*at least 11 .*got 10"):
        parse(FIELDS["n_customers"], "10", SMALL)
    fewer_ties = SMALL.with_value("social_degree", 4)
    assert parse(FIELDS["n_customers"], "10", fewer_ties) == 10


# --- the page ----------------------------------------------------------------------------------
def test_page_steps_redraws_and_resets():
    rc = render_page()
    assert text(rc, "headline-date") == "start of 1990"
    before = images(rc)
    assert len(before) == len(VIEWS)
    click(rc, "Step")
    assert text(rc, "headline-date") == "Jan 1990"
    click(rc, "Step a year")
    assert text(rc, "headline-date") == "Jan 1991"
    assert text(rc, "headline-step") == "13 / 732"
    after = images(rc)
    assert sum(a != b for a, b in zip(before, after, strict=True)) >= 4
    click(rc, "Reset")
    assert text(rc, "headline-date") == "start of 1990"


def test_slider_changes_apply_at_reset():
    rc = render_page()
    click(rc, "Step")
    set_box(rc, "n_customers", 500)
    assert any("apply at Reset" in w.children[0] for w in rc.find(v.Alert, type="info").widgets)
    assert text(rc, "headline-step") == "1 / 732"  # nothing changes until Reset
    click(rc, "Reset")
    spans = [w.children[0] for w in rc.find(v.Html, tag="span").widgets if w.children]
    assert any("seed 1, 500 customers" in s for s in spans)
    assert text(rc, "headline-step") == "0 / 732"


def test_two_pages_have_their_own_runs():
    one, two = render_page(), render_page()
    click(one, "Step a year")
    assert text(one, "headline-date") == "Dec 1990"
    assert text(two, "headline-date") == "start of 1990"
    click(two, "Step")
    assert text(one, "headline-date") == "Dec 1990"


def extremes(name: str) -> list:
    """The lowest and highest value a box takes (strict bounds: just inside)."""
    field = FIELDS[name]
    low, high = bounds(field, Settings())
    nudge = 1 if field.kind == "int" else 1e-6
    values = [low[0] + nudge * low[1], high[0] - nudge * high[1]]
    return [int(v) if field.kind == "int" else v for v in values]


@pytest.mark.parametrize("name", [k for k in COMMON if FIELDS[k].kind in ("int", "float")])
def test_extreme_values_never_break_the_page(name):
    rc = render_page()
    for value in extremes(name):
        if name == "n_customers" and value == MAX_CUSTOMERS:
            value = 5000  # the full cap is exercised in the browser-free session test below
        set_box(rc, name, value)
        assert not rc.find(v.Btn, children=["Reset"]).widget.disabled, (name, value)
        click(rc, "Reset")
        click(rc, "Step a year")
        errors = rc.find(v.Alert, type="error").widgets
        if errors:  # the page explains and keeps the previous run
            assert "Could not start a run" in errors[0].children[0]
        else:
            assert text(rc, "headline-date") == "Dec 1990"


def test_largest_population_on_the_page_runs():
    s = Session(Settings(edits={"n_customers": MAX_CUSTOMERS}))
    assert s.step(2).steps == 2


def blocked(rc) -> str | None:
    """The line beside Reset when it is blocked, else None (Reset enabled)."""
    disabled = rc.find(v.Btn, children=["Reset"]).widget.disabled
    notes = rc.find(v.Alert, class_="reset-blocked").widgets
    assert disabled == bool(notes)
    return notes[0].children[0] if notes else None


def box_error(rc, name: str) -> list[str]:
    return rc.find(v.TextField, class_=f"param-{name}").widget.messages


def caption(rc) -> str:
    spans = [w.children[0] for w in rc.find(v.Html, tag="span").widgets if w.children]
    return next(s for s in spans if "customers," in s)


@pytest.mark.parametrize("typed", ["abc", "1.5", "", "-5", str(2**63)])
def test_an_invalid_seed_blocks_reset_with_one_line(typed):
    rc = render_page()
    click(rc, "Step")
    set_box(rc, "seed", typed)
    [line] = box_error(rc, "seed")
    assert line.startswith("Seed: must be a whole number from 0") and f"got '{typed}'" in line
    assert blocked(rc) == f"Reset is blocked: {line}"
    click(rc, "Reset")  # a click that reaches the server anyway starts nothing
    assert text(rc, "headline-step") == "1 / 732"
    set_box(rc, "seed", "7")
    assert blocked(rc) is None and not box_error(rc, "seed")
    click(rc, "Reset")
    assert "seed 7," in caption(rc) and text(rc, "headline-step") == "0 / 732"


def test_customers_must_exceed_the_social_degree_on_the_page():
    rc = render_page()
    set_box(rc, "n_customers", 10)
    [line] = box_error(rc, "n_customers")
    assert line == "Customers (agents): must be at least 11 and at most 20000, got 10"
    assert blocked(rc) == f"Reset is blocked: {line}"
    unfold(rc, "Social network")
    set_box(rc, "social_degree", 4)  # folded under "Social network": 10 is now allowed
    assert blocked(rc) is None and not box_error(rc, "n_customers")
    click(rc, "Reset")
    assert "seed 1, 10 customers" in caption(rc)
    click(rc, "Step a year")
    assert text(rc, "headline-date") == "Dec 1990"


def test_a_rule_across_parameters_marks_the_box_it_names_and_blocks_reset():
    rc = render_page()
    unfold(rc, "Technology")
    set_box(rc, "printer_price_floor", 5000)  # above printer_price_start
    [line] = box_error(rc, "printer_price_floor")
    assert line.startswith("printer_price_floor: must be <= printer_price_start")
    assert blocked(rc) == f"Reset is blocked: {line}"
    set_box(rc, "printer_price_floor", 100)
    assert blocked(rc) is None and not box_error(rc, "printer_price_floor")


def test_a_folded_parameter_reaches_the_run():
    import gc

    before = {id(o) for o in gc.get_objects() if isinstance(o, Session)}
    rc = render_page()
    session = next(o for o in gc.get_objects() if isinstance(o, Session)
                   and id(o) not in before)
    assert rc.find(v.TextField, class_="param-internet_q").widgets == []  # folded
    unfold(rc, "Internet")
    unfold(rc, "Printer adoption")
    unfold(rc, "Producers")
    set_box(rc, "internet_q", 0.9)
    set_select(rc, "Adoption model", "bass")
    rc.find(v.Html, class_="param-dynamic_pricing").find(v.Checkbox).widget.v_model = False
    assert session.model.scenario.internet_q != 0.9  # applied at Reset only
    click(rc, "Reset")
    s = session.model.scenario
    assert (s.internet_q, s.adoption_model, s.dynamic_pricing) == (0.9, "bass", False)


def test_run_to_the_end_states_it_and_disables_stepping():
    rc = render_page()
    set_select(rc, "Scenario preset", "bass")
    set_box(rc, "n_customers", 100)
    click(rc, "Reset")
    for _ in range(30):
        click(rc, "Step a year")
    assert text(rc, "headline-date") == "Dec 2029"
    status = rc.find(v.Alert, class_="run-status run-ended").widget.children[0]
    assert "The run has ended" in status
    assert rc.find(v.Btn, children=["Step"]).widget.disabled
    assert rc.find(v.Btn, children=["Play"]).widget.disabled
    click(rc, "Reset")
    assert not rc.find(v.Btn, children=["Step"]).widget.disabled


def test_play_steps_until_paused():
    rc = render_page()
    set_pause(rc, 0)
    click(rc, "Play")
    deadline = time.monotonic() + 20
    while text(rc, "headline-step").startswith("0 ") and time.monotonic() < deadline:
        time.sleep(0.05)
    click(rc, "Pause")
    # the play thread may be rendering: wait for the button to turn back to Play
    deadline = time.monotonic() + 10
    while not rc.find(v.Btn, children=["Play"]).widgets and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rc.find(v.Btn, children=["Play"]).widgets
    time.sleep(1.0)  # a step under way when Pause was pressed still lands
    stopped = text(rc, "headline-step")
    assert not stopped.startswith("0 ")
    time.sleep(1.0)
    assert text(rc, "headline-step") == stopped


def test_reset_while_playing_stops_play_and_starts_over():
    rc = render_page()
    set_pause(rc, 0)
    click(rc, "Play")
    deadline = time.monotonic() + 20
    while text(rc, "headline-step").startswith("0 ") and time.monotonic() < deadline:
        time.sleep(0.05)
    click(rc, "Reset")
    deadline = time.monotonic() + 10
    while not rc.find(v.Btn, children=["Play"]).widgets and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # a step of the old run under way at Reset must not touch the new run
    assert text(rc, "headline-date") == "start of 1990"
    assert text(rc, "headline-step") == "0 / 732"
    assert not rc.find(v.Alert, type="error").widgets


def wait_for_play_button(rc, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not rc.find(v.Btn, children=["Play"]).widgets and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rc.find(v.Btn, children=["Play"]).widgets, "still playing"


def set_year(rc, year) -> None:
    box = rc.find(v.TextField, label="Year").widget
    box.v_model = str(year)
    box.fire_event("keyup.enter", {})


def run_to_year(rc, year: int) -> set[str]:
    """Run to ``year`` and wait until Play is back; returns the step counts shown meanwhile."""
    set_year(rc, year)
    click(rc, "Run to year")
    seen = set()
    deadline = time.monotonic() + 60
    while not rc.find(v.Btn, children=["Play"]).widgets and time.monotonic() < deadline:
        seen.add(text(rc, "headline-step"))
        time.sleep(0.01)
    wait_for_play_button(rc)
    return seen


def test_run_to_year_stops_in_december_of_that_year_redrawing_yearly():
    rc = render_page()
    set_box(rc, "n_customers", 100)
    click(rc, "Reset")
    set_pause(rc, 0)
    set_select(rc, "Redraw every", "year")
    seen = run_to_year(rc, 1993)
    assert text(rc, "headline-date") == "Dec 1993"
    assert text(rc, "headline-step") == "48 / 732"
    # a yearly redraw shows Decembers only
    assert all(int(s.split(" / ")[0]) % 12 == 0 for s in seen | {text(rc, "headline-step")})
    time.sleep(0.5)
    assert text(rc, "headline-step") == "48 / 732"  # stopped there
    click(rc, "Step")  # step 49: a quarterly redraw then falls on quarters' ends
    set_select(rc, "Redraw every", "quarter")
    seen = run_to_year(rc, 1994)
    assert text(rc, "headline-date") == "Dec 1994"
    assert all(int(s.split(" / ")[0]) % 3 == 0 for s in seen - {"49 / 732"}), seen


@pytest.mark.parametrize("year", [1989, 2051])
def test_run_to_a_year_outside_the_run_is_one_line(year):
    rc = render_page()
    set_year(rc, year)
    click(rc, "Run to year")
    message = rc.find(v.Alert, type="error").widget.children[0]
    assert f"give a year from 1990 to 2050 (the run is at step 0), got {year}" in message
    assert text(rc, "headline-step") == "0 / 732"


# --- scenario files --------------------------------------------------------------------------
def scenario_file(**values) -> bytes:
    from market_abm.scenario import load_scenario, scenario_to_toml

    return scenario_to_toml(load_scenario("baseline", values)).encode()


def upload(rc, name: str, content: bytes) -> None:
    import datetime

    rc.find(widgets.FileUpload).widget.value = (
        {"name": name, "type": "", "size": len(content), "content": memoryview(content),
         "last_modified": datetime.datetime.now(datetime.UTC)},)


def test_scenario_file_replaces_the_preset_and_runs_as_written():
    content = scenario_file(n_customers=300, social_weight=0.4, printer_capability_growth=0.2)
    s = Settings().with_file("box1.toml", content)
    assert (s.file_name, s.value("n_customers"), s.value("printer_capability_growth")) == (
        "box1.toml", 300, 0.2)
    scenario = Session(s).model.scenario
    assert scenario.social_weight == 0.4 and scenario.n_customers == 300  # not a slider
    assert s.with_preset("baseline").file_name is None


@pytest.mark.parametrize("name, content, says", [
    ("box.toml", b"n_customers = [", "box.toml is malformed"),
    ("box.toml", b"no_such_parameter = 1\n", "box.toml: unknown parameter 'no_such_parameter'"),
    ("box.toml", b"n_customers = 1000000\n", "above the page's 20,000"),
    ("box.json", b"{}", "use .toml, .yaml or .yml"),
    ("box.toml", b"\xff\xfe", "is not UTF-8"),
])
def test_bad_scenario_file_is_refused_with_one_line(name, content, says):
    with pytest.raises(ScenarioError) as err:
        Settings().with_file(name, content)
    assert says in str(err.value) and "\n" not in str(err.value)


def test_page_loads_a_scenario_file_and_reports_a_bad_one():
    rc = render_page()
    upload(rc, "bad.toml", b"habit_weight = -1\n")
    assert "Could not load the file: scenario file bad.toml: habit_weight" in rc.find(
        v.Alert, type="error").widget.children[0]
    upload(rc, "box1.toml", scenario_file(n_customers=250))
    rc.find(v.Html, class_="scenario-file").assert_single()
    assert not rc.find(v.Alert, type="error").widgets  # the earlier error is cleared
    click(rc, "Reset")
    spans = [w.children[0] for w in rc.find(v.Html, tag="span").widgets if w.children]
    assert any("Scenario file box1.toml, seed 1, 250 customers" in s for s in spans)
    click(rc, "Use the preset")
    assert not rc.find(v.Html, class_="scenario-file").widgets


def test_thresholds_are_the_categories_the_run_can_print():
    today = Session(SMALL).snapshot.thresholds
    assert "spare_parts" in today and "clothing" not in today and "books" not in today
    wider = Session(Settings().with_file(
        "mm.toml", scenario_file(n_customers=200, multi_material_reach=0.5))).snapshot.thresholds
    assert wider["clothing"] == 0.85 and "books" not in wider


# --- export ------------------------------------------------------------------------------------
def test_run_archive_is_the_run_folder_with_csv_and_the_scenario(tmp_path):
    import json
    import zipfile

    from market_abm.runner import RUN_FILES
    from market_abm.scenario import load_scenario
    from market_abm.viz.export import can_archive, run_archive

    s = Session(SMALL)
    s.step(5)
    assert not can_archive(s.snapshot)
    with pytest.raises(ValueError, match="once its first year has closed"):
        run_archive(s)
    s.step(25)  # March 1992: two closed years
    assert can_archive(s.snapshot)
    with zipfile.ZipFile(io.BytesIO(run_archive(s))) as archive:
        archive.extractall(tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert set(RUN_FILES) | {"timeseries.csv", "flows.csv", "firms.csv", "exits.csv",
                             "scenario.toml"} == names
    exits = pd.read_csv(tmp_path / "exits.csv")
    assert len(exits) == len(s.model.exited) and exits["rule"].notna().all()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert (manifest["steps_done"], manifest["n_steps"], manifest["complete"]) == (30, 732, False)
    assert manifest["seed"] == 1 and manifest["scenario"]["n_customers"] == 200
    series = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert len(series) == 30
    pd.testing.assert_frame_equal(series, s.model.timeseries)
    for name in ("flows", "firms"):
        parquet = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert sorted(parquet["year"].unique()) == [1990, 1991]
        csv = pd.read_csv(tmp_path / f"{name}.csv")
        if "store_type" in csv:  # CSV has no empty string apart from a missing value
            csv["store_type"] = csv["store_type"].fillna("")
        pd.testing.assert_frame_equal(csv, parquet, check_dtype=False)
    assert load_scenario(tmp_path / "scenario.toml") == s.model.scenario


def test_figures_export_as_svg_and_300_dpi_png():
    from market_abm.viz.export import figure_file

    snap = Session(SMALL).step(14)
    for _, kind in VIEWS:
        svg = figure_file(kind, snap, "svg")
        assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
        png = Image.open(io.BytesIO(figure_file(kind, snap, "png")))
        assert png.info["dpi"] == pytest.approx((300, 300), abs=0.1)
        assert png.size[0] == round(kind.size[0] * 300)  # 5 in wide: 1500 px, not 400
    with pytest.raises(ValueError, match="use one of svg, png"):
        figure_file(ChannelShares, snap, "gif")


def test_scenario_download_runs_as_written_through_the_cli(tmp_path):
    from market_abm.cli import main
    from market_abm.viz.export import scenario_text

    settings = Settings(preset="bass", edits={"n_customers": 120, "end_year": 2003}, seed=5)
    path = tmp_path / "page.toml"
    path.write_text(scenario_text(settings))
    assert "--seed 5" in path.read_text()
    assert main(["run", "--scenario", str(path), "--seed", "5", "--out",
                 str(tmp_path / "run")]) == 0
    from_cli = pd.read_parquet(tmp_path / "run" / "timeseries.parquet")
    page = Session(settings)
    page.step(page.snapshot.n_steps)
    pd.testing.assert_frame_equal(from_cli, page.model.timeseries)  # same seed, same run


def test_page_offers_the_downloads():
    rc = render_page()
    run = rc.find(v.Btn, class_="download-run").widget
    assert run.disabled and "after the first year" in run.children[-1]
    click(rc, "Step a year")
    assert not rc.find(v.Btn, class_="download-run").widget.disabled
    rc.find(v.Btn, class_="download-scenario").assert_single()
    rc.find(v.Btn, class_="download-figures").assert_single()


def test_the_figures_download_holds_each_view_shown_in_both_formats():
    import zipfile

    from market_abm.viz.export import figures_archive

    snap = Session(SMALL).step(3)
    with zipfile.ZipFile(io.BytesIO(figures_archive(list(VIEWS[:2]), snap))) as archive:
        assert archive.namelist() == ["view-channels.svg", "view-channels.png",
                                      "view-firms.svg", "view-firms.png"]
        png = Image.open(io.BytesIO(archive.read("view-firms.png")))
        assert png.info["dpi"] == pytest.approx((300, 300), abs=0.1)


# --- settings in the address -------------------------------------------------------------------
def test_settings_round_trip_through_the_address():
    from market_abm.viz.state import from_query, to_query

    edited = Settings(preset="bass", seed=9,
                      edits={"n_customers": 300, "dynamic_pricing": False, "social_weight": 0.4})
    assert to_query(edited) == ("preset=bass&seed=9&dynamic_pricing=false&n_customers=300&"
                                "social_weight=0.4")
    assert from_query(to_query(edited)) == edited
    from_file = Settings().with_file("b.toml", scenario_file(n_customers=250)).with_value(
        "bass_p", 0.05)
    back = from_query(to_query(from_file))
    assert back.file_name == "b.toml" and back.scenario() == from_file.scenario()
    assert from_query("") == Settings()


@pytest.mark.parametrize("query, says", [
    ("seed=abc", "link: seed must be a whole number"),
    ("preset=nope", "link: unknown preset 'nope'"),
    ("n_customers=5", "link: n_customers"),
    ("zzz=1", "link: unknown parameter 'zzz'"),
    ("n_customers=99999", "above the page's 20,000"),
    ("seed=1&seed=2", "'seed' is given twice"),
])
def test_a_bad_address_is_one_line(query, says):
    from market_abm.viz.state import from_query

    with pytest.raises(ScenarioError) as err:
        from_query(query)
    assert says in str(err.value) and "\n" not in str(err.value)


def test_the_page_starts_from_its_address_and_writes_the_applied_settings_to_it():
    from solara.routing import Router, router_context

    pushed = []

    @solara.component
    def AtAddress(path: str):
        router_context.provide(Router(path, [], set_path=pushed.append))
        with solara.AppLayout():
            MarketPage()

    _, rc = solara.render(AtAddress("/?preset=bass&seed=4&n_customers=150"), handle_error=False)
    assert "Preset bass, seed 4, 150 customers" in caption(rc)
    set_box(rc, "n_customers", 120)
    assert not pushed  # pending settings are not the run's
    click(rc, "Reset")
    assert pushed == ["/?preset=bass&seed=4&n_customers=120"]
    _, bad = solara.render(AtAddress("/?seed=-1"), handle_error=False)
    assert "The address's settings were not used: link: seed" in bad.find(
        v.Alert, type="error").widget.children[0]
    assert "Preset baseline, seed 1, 2000 customers" in caption(bad)


# --- legibility --------------------------------------------------------------------------------
def test_a_crowded_role_is_drawn_as_groups_that_keep_every_firm_and_unit():
    from market_abm.viz.network_view import MOST_NODES, readable

    g = Session(SMALL).step(12).graph  # December 1990: 200-odd stores
    stores = [n for n, r in g.nodes(data="role") if r == "retailer"]
    assert len(stores) > MOST_NODES
    h = readable(g)
    groups = {d["label"]: d for _, d in h.nodes(data=True) if d["role"] == "retailer"}
    assert set(groups) == {g.nodes[n]["store_type"].replace("_", " ") for n in stores}
    assert sum(d["members"] for d in groups.values()) == len(stores)
    assert sum(d["throughput"] for d in groups.values()) == pytest.approx(
        sum(g.nodes[n]["throughput"] for n in stores))
    assert sum(d["units"] for *_, d in h.edges(data=True)) == pytest.approx(
        sum(d["units"] for *_, d in g.edges(data=True)))
    few = [n for n, r in g.nodes(data="role") if r == "logistician"]
    assert all(n in h for n in few)  # roles with few firms keep one node per firm


def test_headline_counts_the_active_firms_of_every_role():
    from market_abm.viz.headline import firm_counts

    snap = Session(SMALL).snapshot
    assert firm_counts(snap) == "Active firms: - (before the first step)"
    snap = Session(SMALL).step(1)
    row = snap.last
    assert firm_counts(snap).startswith(f"Active firms: {row['active_producers']:.0f} producers · "
                                        f"{row['active_logisticians']:.0f} logisticians · ")


def test_only_the_views_chosen_are_drawn():

    rc = render_page()
    assert len(images(rc)) == len(VIEWS) == len(VIEW_NAMES)  # all drawn at first
    toggle = rc.find(v.BtnToggle, class_="views-shown").widget
    toggle.v_model = [0, 1]  # channels and firms
    assert len(images(rc)) == 2
    click(rc, "Step a year")
    assert text(rc, "headline-date") == "Dec 1990"
    toggle.v_model = [0, 1, 5]  # the map again: drawn at the current step
    assert len(images(rc)) == 3


# --- compare -----------------------------------------------------------------------------------
def test_a_pinned_run_is_drawn_as_ghost_lines_on_the_share_and_firm_charts():
    from market_abm.viz.charts import ActiveFirms, Technology, pin

    first = Session(SMALL).step(36)
    ghost = pin(first, "seed 1")
    later = Session(replace_seed(SMALL, 2)).step(12)

    def lines(view):
        view.render(later)  # the pins are drawn over the data at each redraw
        return view.ax.lines

    plain, pinned = ChannelShares(later), ChannelShares(later, (ghost,))
    assert len(lines(pinned)) == len(lines(plain)) + 3  # the stack's three boundaries
    assert lines(pinned)[-1].get_xdata()[-1] == pytest.approx(1992 + 11 / 12)
    assert "pinned: seed 1" in [t.get_text() for t in pinned.overlays[0].get_texts()]
    assert len(lines(ActiveFirms(later, (ghost,)))) == (len(lines(ActiveFirms(later)))
                                                         + len(FIRM_ROLES))
    assert len(lines(Technology(later, (ghost,)))) == len(lines(Technology(later)))


def replace_seed(settings, seed):
    from dataclasses import replace

    return replace(settings, seed=seed)


def test_pins_stay_across_a_reset_and_can_be_cleared():
    rc = render_page()
    assert rc.find(v.Btn, class_="btn-pin").widget.disabled  # nothing to pin yet
    click(rc, "Step a year")
    rc.find(v.Btn, class_="btn-pin").widget.fire_event("click", {})
    set_box(rc, "seed", 2)
    click(rc, "Reset")
    click(rc, "Step a year")
    pinned = images(rc)[0]
    clear = rc.find(v.Btn, class_="btn-clear-pins").widget
    assert "Clear pins (1)" in clear.children
    clear.fire_event("click", {})
    assert rc.find(v.Btn, class_="btn-clear-pins").widgets == []
    assert images(rc)[0] != pinned  # the ghost lines are gone


# --- inspect -----------------------------------------------------------------------------------
def test_every_exit_records_the_rule_that_fired_with_its_numbers():
    s = Session(Settings(edits={"n_customers": 300}))
    s.step(12 * 30)
    m = s.model
    assert set(m.exit_reasons) == set(m.exited)  # one reason per exit
    rules = {why["rule"].split(":")[0] for why in m.exit_reasons.values()}
    assert {"insolvent", "converted into a print hub"} <= rules
    for (_, role, _), why in m.exit_reasons.items():
        if why["rule"].startswith("insolvent"):
            assert why["cash"] < 0
        if why["rule"].startswith("converted"):
            assert role == "retailer" and why["hub_profit"] - why["conversion_cost"] > \
                why["store_profit"]


def test_a_firm_story_tells_its_years_and_why_it_left():
    from market_abm.viz.inspect import firm_choices, firm_story

    s = Session(Settings(edits={"n_customers": 300}))
    s.step(12 * 30)
    m = s.model
    (year, role, firm), why = next((k, w) for k, w in m.exit_reasons.items()
                                   if w["rule"].startswith("converted"))
    story = firm_story(m.firm_table, m.exited, m.exit_reasons, role, firm)
    assert story.left == year and story.rows["year"].iloc[-1] == year
    assert story.lines()[-1].startswith(f"Left at the review of {year}: converted into a "
                                        "print hub")
    assert f"conversion cost ${why['conversion_cost']:,.0f}" in story.lines()[-1]
    hub = next(i for i in firm_choices(m.firm_table, m.exited, m.exit_reasons,
                                       "print_hub").values()
               if firm_story(m.firm_table, m.exited, m.exit_reasons, "print_hub",
                             i).converted_from == firm)
    assert f"converted from firm #{firm}" in firm_story(
        m.firm_table, m.exited, m.exit_reasons, "print_hub", hub).lines()[0]
    with pytest.raises(KeyError):
        firm_story(m.firm_table, m.exited, m.exit_reasons, "platform", -5)


def test_the_page_inspects_a_firm():
    rc = render_page()
    click(rc, "Step a year")
    firm = rc.find(v.Select, class_="inspect-firm").widget
    left = [label for label in firm.items if not label.endswith("-)")]
    assert left and all(label.endswith("(1990-1990)") for label in left)  # the 1990 review
    firm.v_model = left[0]
    lines = [w.children[0] for w in rc.find(v.Html, class_="inspect-line").widgets]
    assert lines[0].startswith(f"retailer {left[0].split()[0]}, entered 1990")
    assert lines[-1].startswith("Left at the review of 1990: insolvent")


def figure_images(rc) -> list:
    return [w for w in rc.find(v.VuetifyTemplate).widgets if w.has_trait("png")]


def drawn_at(view, xy) -> dict:
    """The click, as fractions of ``view``'s image (from the top left), on the point ``xy``
    in data coordinates."""
    x, y = view.ax.transData.transform(xy)
    return {"x": x / view.fig.bbox.width, "y": 1 - y / view.fig.bbox.height}


def test_the_map_marks_the_stores_a_review_closed_and_picks_the_firm_clicked():
    from market_abm.viz.map_view import MapView

    s = Session()
    s.step(12)
    snap = s.snapshot
    m = s.model
    closed = {(r, i) for y, r, i in m.exited if y == 1990 and r == "retailer"}
    assert closed and set(snap.closed_firms) == closed  # every store the 1990 review closed
    assert not set(snap.store_ids) & {i for _, i in closed}  # and none of them is open
    view = MapView(snap)
    view.render(snap)
    for k in (0, len(snap.store_ids) - 1):
        at = drawn_at(view, snap.stores[k])
        assert view.pick(at["x"], at["y"]) == ("retailer", int(snap.store_ids[k]))
    at = drawn_at(view, snap.closed[0])
    assert view.pick(at["x"], at["y"]) == snap.closed_firms[0]
    assert view.pick(0.0, 0.0) is None  # the image's corner: no firm there
    s.step(1)  # January: no review, no crosses
    assert len(s.snapshot.closed) == 0 and s.snapshot.closed_firms == ()


def test_a_click_on_the_map_or_the_network_opens_that_firm_in_the_inspector():
    from market_abm.viz.map_view import MapView
    from market_abm.viz.network_view import NetworkView

    rc = render_page()
    click(rc, "Step a year")
    reference = Session()  # the page's run, rerun here: same settings and seed
    reference.step(12)
    snap = reference.snapshot
    store = MapView(snap)
    store.render(snap)
    by_name = dict(zip(VIEW_NAMES, figure_images(rc), strict=True))
    by_name["map"].vue_clicked(drawn_at(store, snap.closed[0]))
    lines = [w.children[0] for w in rc.find(v.Html, class_="inspect-line").widgets]
    assert lines[0].startswith(f"retailer #{snap.closed_firms[0][1]}, entered 1990")
    assert lines[-1].startswith("Left at the review of 1990: insolvent")
    # a producer on the network: its own node (a group of firms opens the role's list)
    network = NetworkView(snap)
    network.render(snap)
    firms, xy = network.targets
    k = next(k for k, (role, firm) in enumerate(firms) if role == "producer" and firm is not None)
    by_name["network"].vue_clicked(drawn_at(network, xy[k]))
    lines = [w.children[0] for w in rc.find(v.Html, class_="inspect-line").widgets]
    assert lines[0].startswith(f"producer #{firms[k][1]}, entered 1990") and \
        lines[-1] == "Still active."
    by_name["map"].vue_clicked({"x": 0.0, "y": 0.0})  # no firm there: the panel stays
    assert [w.children[0] for w in rc.find(v.Html, class_="inspect-line").widgets] == lines


def test_views_are_drawn_at_the_pixels_of_their_box_on_the_screen():
    from market_abm.viz.figure_image import MAX_SCALE, scale_for
    from market_abm.viz.live import DPI

    rc = render_page()
    channels = figure_images(rc)[0]
    width = Image.open(io.BytesIO(channels.png)).size[0]
    assert width == ChannelShares.size[0] * DPI  # before the browser says anything: scale 1
    channels.vue_resized({"width": 480, "ratio": 2})  # a HiDPI screen, a 480-px box
    scale = scale_for(ChannelShares, 480, 2)
    assert scale == 2.4
    png = figure_images(rc)[0].png
    assert Image.open(io.BytesIO(png)).size[0] == round(ChannelShares.size[0] * DPI * scale)
    figure_images(rc)[0].vue_resized({"width": 4000, "ratio": 3})  # capped
    png = figure_images(rc)[0].png
    assert Image.open(io.BytesIO(png)).size[0] == round(ChannelShares.size[0] * DPI * MAX_SCALE)


def test_a_view_scrolled_off_screen_is_not_drawn_until_it_comes_back():
    from market_abm.viz.map_view import MapView

    rc = render_page()
    by_name = dict(zip(VIEW_NAMES, figure_images(rc), strict=True))
    by_name["map"].vue_seen({"visible": False})  # the browser scrolled it away
    hidden, channels = by_name["map"].png, by_name["channels"].png
    click(rc, "Step a year")
    by_name = dict(zip(VIEW_NAMES, figure_images(rc), strict=True))
    assert by_name["map"].png == hidden  # not drawn while off screen
    assert by_name["channels"].png != channels  # the views on screen are
    by_name["map"].vue_seen({"visible": True})
    back = dict(zip(VIEW_NAMES, figure_images(rc), strict=True))["map"].png
    assert back != hidden  # drawn at the current step as soon as it is back
    s = Session()
    s.step(12)
    assert np.array_equal(png_pixels(back), png_pixels(MapView(s.snapshot).render(s.snapshot)))


# --- side by side --------------------------------------------------------------------------
def test_run_b_steps_beside_run_a_as_its_own_run_would():
    from market_abm.viz.compare import differences

    rc = render_page()
    click(rc, "Step a year")
    set_box(rc, "social_weight", 0.4)
    a_settings = preset_settings()
    b_settings = a_settings.with_value("social_weight", 0.4)
    press(rc, "btn-side-by-side")
    assert text(rc, "b-caption") == f"Run B: {differences(a_settings, b_settings)}"
    assert "social_weight 0.4" in text(rc, "b-caption")
    assert text(rc, "b-headline-date") == "Dec 1990"  # brought to A's step
    assert len(figure_images(rc)) == 2 * len(VIEWS)
    click(rc, "Step a year")
    alone = Session(b_settings)  # B is the run its settings make, stepped alone
    expected = headline(alone.step(24))
    assert text(rc, "headline-date") == text(rc, "b-headline-date") == "Dec 1991"
    for label in ("online ($)", "retail ($)", "printer owners"):
        assert text(rc, f"b-headline-{css_key(label)}") == expected[label]
    click(rc, "Reset")  # both start again (A with the boxes' settings, B with its own)
    assert text(rc, "headline-date") == text(rc, "b-headline-date")
    assert text(rc, "b-headline-date") == headline(Session(b_settings).snapshot)["date"]
    press(rc, "btn-close-b")
    assert rc.find(v.Html, class_="b-caption").widgets == []
    assert len(figure_images(rc)) == len(VIEWS)


def test_run_b_needs_the_calendar_of_run_a():
    rc = render_page()
    unfold(rc, "Time")
    set_box(rc, "steps_per_year", 4)
    press(rc, "btn-side-by-side")
    assert rc.find(v.Alert, type="error").widget.children[0].startswith(
        "Could not start run B: run B needs A's steps per year (12) to run step for step "
        "beside it, got 4")
    assert rc.find(v.Html, class_="b-caption").widgets == []


def test_replicates_give_the_same_band_on_any_engine():
    from market_abm.engines import open_engine
    from market_abm.viz.replicates import run_replicates, tasks

    settings = Settings(edits={"n_customers": 120, "end_year": 1998}, seed=7)
    seen = []
    with open_engine(workers=1) as engine:
        one = run_replicates(settings, 3, engine, lambda done, n: seen.append((done, n)))
    with open_engine(workers=2) as engine:
        two = run_replicates(settings, 3, engine)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    for table in ("mean", "low", "high"):
        pd.testing.assert_frame_equal(getattr(one, table), getattr(two, table))
    assert (one.low <= one.mean + 1e-12).all().all() and (one.mean <= one.high + 1e-12).all().all()
    assert list(one.mean.index) == list(range(1990, 1999)) and one.t[0] == 1990.5
    seeds = [key for _, _, key in tasks(settings, 3)]
    assert len(set(seeds)) == 3  # three different children of seed 7
    with pytest.raises(ValueError, match="from 2 to 50 seeds"):
        tasks(settings, 1)


def test_the_page_runs_replicates_in_the_background_and_draws_their_band(monkeypatch):
    from market_abm.viz import replicates

    monkeypatch.setattr(replicates, "PAGE_WORKERS", 1)
    rc = render_page()
    set_box(rc, "n_customers", 100)
    unfold(rc, "Time")
    set_box(rc, "end_year", 1996)
    click(rc, "Reset")
    click(rc, "Step a year")
    before = images(rc)[0]
    box = rc.find(v.TextField, class_="replicates-n").widget
    box.v_model = "3"
    box.fire_event("keyup.enter", {})
    rc.find(v.Btn, class_="btn-replicates").widget.fire_event("click", {})
    deadline = time.monotonic() + 120
    while not rc.find(v.Btn, class_="btn-clear-band").widgets:
        assert time.monotonic() < deadline, "the replicates did not finish"
        time.sleep(0.2)
    line = rc.find(v.Html, class_="replicates-progress").widget.children[0]
    assert line == "replicates: 3 seeds of preset baseline, seed 1 drawn"
    assert images(rc)[0] != before  # the band is on the channel-share chart
    rc.find(v.Btn, class_="btn-clear-band").widget.fire_event("click", {})
    assert images(rc)[0] == before


def test_the_year_scrubber_shows_a_closed_year_while_the_run_goes_on():
    rc = render_page()
    assert rc.find(v.Slider, label="Year shown: latest").widgets == []  # no closed year yet
    for _ in range(3):
        click(rc, "Step a year")
    assert text(rc, "headline-date") == "Dec 1992"
    latest = images(rc)
    slider = rc.find(v.Slider, label="Year shown: latest").widget
    assert (slider.min, slider.max) == (1990, 1992)
    slider.v_model = 1990
    assert text(rc, "headline-date") == "Dec 1990" and text(rc, "headline-step") == "12 / 732"
    assert images(rc) != latest
    click(rc, "Step")  # the run goes on; the page stays on 1990
    assert text(rc, "headline-date") == "Dec 1990"
    note = rc.find(v.Html, class_="scrubbed-note").widget.children[0]
    assert note == "Showing December 1990 as stored; the run is at Jan 1993."
    rc.find(v.Btn, class_="btn-latest").widget.fire_event("click", {})
    assert text(rc, "headline-date") == "Jan 1993"


def test_a_session_keeps_the_december_snapshot_of_every_closed_year():
    s = Session(SMALL)
    s.step(5)
    assert s.years == {} and s.year_snapshot(1990) is None
    s.step(26)  # to Jul 1992
    assert sorted(s.years) == [1990, 1991]
    dec = s.year_snapshot(1991)
    assert (dec.year, dec.month, dec.steps) == (1991, 12, 24)
    assert len(dec.timeseries) == 24 and dec.network["year"].eq(1991).all()
    s.reset()
    assert s.years == {}


# --- a stored run ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    from market_abm.cli import main

    folder = tmp_path_factory.mktemp("stored") / "run"
    assert main(["run", "--set", "n_customers=150", "--set", "end_year=1995", "--seed", "4",
                 "--out", str(folder)]) == 0
    return folder


def test_a_stored_run_opens_as_december_snapshots_of_its_years(run_folder):
    from market_abm.viz.stored import open_run_folder

    run = open_run_folder(run_folder)
    assert run.closed_years() == list(range(1990, 1996)) and run.seed == "seed 4"
    live = Session(Settings(edits={"n_customers": 150, "end_year": 1995}, seed=4))
    live.step(12 * 3)
    stored, same = run.year_snapshot(1992), live.year_snapshot(1992)
    # (the stored table has 0 where the live rows leave a year's events out)
    pd.testing.assert_frame_equal(stored.timeseries, same.timeseries.fillna(0),
                                  check_dtype=False)
    assert headline(stored) == headline(same)  # the same numbers as the live run's December
    assert stored.graph.number_of_edges() == same.graph.number_of_edges()
    for _, kind in VIEWS:
        assert kind(stored).render(stored)[:4] == b"\x89PNG"


@pytest.mark.parametrize("make, says", [
    (lambda p: p / "nope", "is not a folder"),
    (lambda p: p, "is not a run folder: it lacks manifest.json"),
])
def test_a_folder_that_is_not_a_run_is_one_line(tmp_path, make, says):
    from market_abm.viz.stored import open_run_folder

    with pytest.raises(ValueError) as err:
        open_run_folder(make(tmp_path))
    assert says in str(err.value) and "\n" not in str(err.value)


def test_the_page_opens_a_stored_run_and_scrubs_it(run_folder):
    rc = render_page()
    box = rc.find(v.TextField, class_="stored-folder").widget
    box.v_model = str(run_folder.parent / "missing")
    box.fire_event("keyup.enter", {})
    rc.find(v.Btn, class_="btn-open-stored").widget.fire_event("click", {})
    assert "Could not open the run:" in box.messages[0]
    box.v_model = str(run_folder)
    box.fire_event("keyup.enter", {})
    rc.find(v.Btn, class_="btn-open-stored").widget.fire_event("click", {})
    assert text(rc, "headline-date") == "Dec 1995"
    assert rc.find(v.Btn, children=["Step"]).widgets == []  # the live run waits
    rc.find(v.Slider, label="Year shown: latest").widget.v_model = 1991
    assert text(rc, "headline-date") == "Dec 1991"
    rc.find(v.Btn, class_="btn-close-stored").widget.fire_event("click", {})
    assert text(rc, "headline-date") == "start of 1990"
