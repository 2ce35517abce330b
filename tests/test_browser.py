"""The app in a real browser: `market-abm app` started here on 127.0.0.1, Debian's chromium driven
by Playwright (pytest-playwright's fixtures; Playwright cannot download a browser here).

Fails on any page error, failed or non-loopback request, server traceback, asset the server
could not serve offline ("Could not load URL"), or front-end in development mode. The server is
started with the command `make app` runs (`market-abm app --port N`).
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: scripts/setup.sh --test installs it")
    pytest.skip(f"{CHROMIUM} is missing (scripts/setup.sh --test installs it)",
                allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`market-abm app` on a free loopback port; its log is checked at teardown."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "solara.log"
    market_abm = Path(sys.executable).with_name("market-abm")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([str(market_abm), "app", "--port", str(port)],
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    text = log_path.read_text()
    assert "Traceback" not in text, text
    assert "Could not load URL" not in text and "refused" not in text, text


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--headless", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run"]}


class Watch:
    """Collects what must not happen on a page: errors, failed and outside requests."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("pageerror", lambda err: self.problems.append(f"page error: {err}"))
        page.on("request", self.request)
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on("response", self.response)
        page.on("console", self.console)
        self.scripts: list[str] = []

    def console(self, message) -> None:
        if "development mode" in message.text.lower():  # Vue's development build says so
            self.problems.append(f"development mode: {message.text}")

    def request(self, request) -> None:
        if request.resource_type == "script":
            self.scripts.append(request.url)
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOOPBACK:
            self.problems.append(f"outside request: {request.url}")

    def response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


def open_page(browser, url):
    context = browser.new_context(viewport={"width": 1500, "height": 1150})
    page = context.new_page()
    watch = Watch(page)
    page.goto(url)
    page.wait_for_selector(".headline-date", timeout=60_000)
    # the production front-end: Solara's production flag and its minified Vue app
    assert page.evaluate("solara.production") is True
    app = [u for u in watch.scripts if "solara-vuetify-app" in u]
    assert app and all(u.endswith(".min.js") for u in app), watch.scripts
    assert page.get_by_text("This website runs on").count() == 0  # no banner over the views
    assert page.title() == "market_abm"
    return context, page, watch


def headline(page, key: str) -> str:
    return page.inner_text(f".headline-{key}").strip()


def wait_headline(page, key: str, value: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "([sel, want]) => { const e = document.querySelector(sel);"
        " return e && e.innerText.trim() === want; }",
        arg=[f".headline-{key}", value], timeout=timeout)


def click(page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()


def chart(page, name: str) -> bytes:
    """A screenshot of a view. A view scrolled off screen is not drawn: scroll to it and give
    the page the time to draw it at the current step."""
    image = page.locator(f".view-{name} img")
    if not image.is_visible() or not in_viewport(page, image):
        image.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
    return image.screenshot()


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def type_in(page, name: str, value: str) -> None:
    """Type into a parameter's box (class param-NAME) and press Enter."""
    box = page.locator(f".param-{name} input")
    box.fill(value)
    box.press("Enter")


def download(page, selector: str, path: Path) -> Path:
    """Click a download button and save what the browser received to ``path``."""
    with page.expect_download() as done:
        page.locator(selector).click()
    done.value.save_as(path)
    return path


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the menu of the select labelled ``label``. A redraw of the controls
    while the menu is open (the server still sending the last Reset's updates on a loaded
    machine) replaces the menu: open it again, up to five times."""
    for attempt in range(5):
        page.locator(".v-select", has_text=label).locator(".v-select__slot").click()
        try:
            page.locator(".menuable__content__active .v-list-item", has_text=option).first \
                .click(timeout=8_000)
            return
        except PlaywrightTimeout:
            if attempt == 4:
                raise
            page.keyboard.press("Escape")


def test_page_steps_changes_settings_resets_and_keeps_sessions_apart(server, browser,
                                                                     tmp_path):
    url, _ = server
    ctx_a, a, watch_a = open_page(browser, url)
    assert headline(a, "date") == "start of 1990"
    before = {name: chart(a, name) for name in ("channels", "technology", "network", "map")}

    click(a, "Step")
    wait_headline(a, "date", "Jan 1990")
    click(a, "Step a year")
    wait_headline(a, "date", "Jan 1991")
    wait_headline(a, "step", "13 / 732")  # the headline's parts arrive one by one
    a.wait_for_timeout(300)  # let the images of the last step arrive
    changed = [name for name, png in before.items() if chart(a, name) != png]
    assert len(changed) >= 3, f"only {changed} changed after 13 steps"

    # a parameter box, applied at Reset
    type_in(a, "n_customers", "2030")
    a.get_by_text("Changed settings apply at Reset.").wait_for()
    assert headline(a, "step") == "13 / 732"
    click(a, "Reset")
    wait_headline(a, "date", "start of 1990")
    a.get_by_text("2030 customers", exact=False).wait_for()
    click(a, "Step a year")
    wait_headline(a, "date", "Dec 1990")

    # a second session has its own run
    ctx_b, b, watch_b = open_page(browser, url)
    assert headline(b, "date") == "start of 1990"
    b.get_by_text("2000 customers", exact=False).wait_for()
    click(b, "Step")
    wait_headline(b, "date", "Jan 1990")
    a.wait_for_timeout(500)
    wait_headline(a, "step", "12 / 732", timeout=5_000)
    assert headline(a, "date") == "Dec 1990"

    # session b runs a short scenario to its end
    choose(b, "Scenario preset", "bass")
    type_in(b, "n_customers", "100")
    b.get_by_text("Changed settings apply at Reset.").wait_for()
    click(b, "Reset")
    wait_headline(b, "date", "start of 2000")
    for _ in range(30):
        click(b, "Step a year")
    wait_headline(b, "date", "Dec 2029")
    b.get_by_text("The run has ended").wait_for()
    # Step is disabled by the run card's own update, which can arrive after the status line
    b.wait_for_function("() => document.querySelector('.btn-step').disabled")
    assert headline(a, "date") == "Dec 1990"

    # session b's ended run, its scenario and a figure downloaded; the scenario run through the
    # command line gives the run the page showed
    run = download(b, ".download-run", tmp_path / "run.zip")
    with zipfile.ZipFile(run) as archive:
        archive.extractall(tmp_path / "page_run")
    scenario = download(b, ".download-scenario", tmp_path / "page.toml")
    cli = Path(sys.executable).with_name("market-abm")
    subprocess.run([str(cli), "run", "--scenario", str(scenario), "--seed", "1", "--out",
                    str(tmp_path / "cli_run")], check=True, capture_output=True, timeout=300)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cli_run" / "timeseries.parquet"),
                                  pd.read_parquet(tmp_path / "page_run" / "timeseries.parquet"))
    figures = download(b, ".download-figures", tmp_path / "figures.zip")
    with zipfile.ZipFile(figures) as archive:
        assert len(archive.namelist()) == 12  # six views, SVG and PNG each
        assert b"<svg" in archive.read("view-channels.svg")
        png = Image.open(io.BytesIO(archive.read("view-channels.png")))
        assert png.info["dpi"] == pytest.approx((300, 300), abs=0.1)

    # replicates of session b's settings in the background (the page's Dask cluster), then
    # their band on the charts; session a stays usable meanwhile
    seeds = b.locator(".replicates-n input")
    seeds.fill("3")
    seeds.press("Enter")
    b.locator(".btn-replicates").click()
    click(a, "Step")
    wait_headline(a, "date", "Jan 1991")
    b.get_by_text("replicates: 3 seeds of preset bass, seed 1 drawn").wait_for(timeout=180_000)
    b.locator(".btn-clear-band").wait_for()

    # the command line's run folder opened in the page and scrubbed, without rerunning it
    folder = b.locator(".stored-folder input")
    folder.fill(str(tmp_path / "cli_run"))
    folder.press("Enter")
    b.locator(".btn-open-stored").click()
    b.get_by_text("opened without rerunning it", exact=False).wait_for()
    wait_headline(b, "date", "Dec 2029")
    thumb = b.locator(".year-scrubber [role=slider]")
    thumb.focus()
    thumb.press("Home")
    wait_headline(b, "date", "Dec 2000")
    b.locator(".btn-close-stored").click()
    wait_headline(b, "date", "Dec 2029")  # back to the live run, where it was

    # play in session a, then pause
    click(a, "Play")
    a.wait_for_function("() => !document.querySelector('.headline-date')"
                        ".innerText.includes('1990')", timeout=60_000)
    click(a, "Pause")
    a.get_by_role("button", name="Play", exact=True).wait_for()

    # a scenario file (as `market-abm discover --export-scenario` writes) replaces the preset
    from market_abm.scenario import load_scenario, scenario_to_toml

    box = tmp_path / "box1.toml"
    box.write_text(scenario_to_toml(load_scenario("baseline", {"n_customers": 300})))
    with a.expect_file_chooser() as chooser:  # the upload button opens the file dialog
        a.get_by_role("button", name="Load scenario file", exact=False).click()
    chooser.value.set_files(str(box))
    a.get_by_text("Loaded: box1.toml", exact=False).wait_for()
    click(a, "Reset")
    a.get_by_text("Scenario file box1.toml, seed 1, 300 customers", exact=False).wait_for()
    a.wait_for_function("() => location.search.includes('file=box1.toml')")  # Reset's last
    a.wait_for_timeout(500)  # update (the address) has arrived: the controls are settled

    # run to a year with a yearly redraw: it stops in December of that year
    choose(a, "Redraw every", "year")
    year = a.locator(".run-to-year input")
    year.fill("1995")
    year.press("Enter")
    click(a, "Run to year")
    wait_headline(a, "date", "Dec 1995", timeout=60_000)
    a.get_by_role("button", name="Play", exact=True).wait_for()
    wait_headline(a, "step", "72 / 732")
    a.locator(".btn-pin").click()  # pin the run as ghost lines, then start another
    a.get_by_text("Clear pins (1)").wait_for()
    # scrub back to the first closed year (keyboard on the slider), then back to the latest
    thumb = a.locator(".year-scrubber [role=slider]")
    thumb.focus()
    thumb.press("Home")
    wait_headline(a, "date", "Dec 1990")
    a.get_by_text("Showing December 1990 as stored; the run is at Dec 1995.").wait_for()
    a.locator(".btn-latest").click()
    wait_headline(a, "date", "Dec 1995")

    shot = tmp_path / "app.png"
    a.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    if os.environ.get("APP_SCREENSHOT"):  # keep a copy to look at
        Path(os.environ["APP_SCREENSHOT"]).write_bytes(shot.read_bytes())
    ctx_a.close()
    ctx_b.close()
    assert not watch_a.problems + watch_b.problems, watch_a.problems + watch_b.problems


def test_boxes_explain_themselves_and_bad_values_block_reset(server, browser):
    url, _ = server
    ctx, page, watch = open_page(browser, url)
    reset = page.get_by_role("button", name="Reset", exact=True)
    # the rationale of a parameter as a tooltip on its help icon
    page.locator(".param-help").first.hover()
    page.get_by_text("Households simulated", exact=False).wait_for()
    # an invalid seed: one line under the box, Reset blocked until it is mended
    for typed in ("abc", "1.5", ""):
        type_in(page, "seed", typed)
        page.get_by_text(f"Seed: must be a whole number from 0 to 9,223,372,036,854,775,807, "
                         f"got '{typed}'").first.wait_for()
        assert reset.is_disabled()
    type_in(page, "seed", "3")
    page.get_by_text("Changed settings apply at Reset.").wait_for()
    assert reset.is_enabled()
    # customers at the minimum of the scenario (10) with 10 social ties: refused at the box
    type_in(page, "n_customers", "10")
    page.get_by_text("Customers (agents): must be at least 11", exact=False).first.wait_for()
    assert reset.is_disabled()
    page.get_by_text("Social network (", exact=False).click()  # unfold the section
    type_in(page, "social_degree", "4")
    page.get_by_text("Changed settings apply at Reset.").wait_for()
    click(page, "Reset")
    page.get_by_text("seed 3, 10 customers", exact=False).wait_for()
    # the address keeps the run's settings: a reload or a shared link restores them
    page.wait_for_function("() => location.search.includes('n_customers=10')")
    assert {"preset=baseline", "seed=3", "social_degree=4"} <= set(
        urlparse(page.url).query.split("&")), page.url
    page.reload()
    page.wait_for_selector(".headline-date", timeout=60_000)
    page.get_by_text("Preset baseline, seed 3, 10 customers", exact=False).wait_for()
    page.get_by_text("Social network (2, 1 changed)").click()  # its section counts the edit
    assert page.locator(".param-social_degree input").input_value() == "4"
    shared = ctx.new_page()
    watch_shared = Watch(shared)
    shared.goto(url + "?preset=bass&seed=abc")
    shared.get_by_text("The address's settings were not used: link: seed must be a whole "
                       "number", exact=False).wait_for()
    shared.get_by_text("Preset baseline, seed 1, 2000 customers", exact=False).wait_for()
    ctx.close()
    assert not watch.problems + watch_shared.problems, watch.problems + watch_shared.problems


def pixels_per_css_px(page, view: str) -> float:
    """Image pixels per CSS pixel of a view's image as shown."""
    return page.evaluate(
        "(sel) => { const i = document.querySelector(sel);"
        " return i.naturalWidth / i.getBoundingClientRect().width; }", f".view-{view} img")


def closed_store_on_map() -> dict:
    """Where (fractions of the map image) the default run draws the first store its 1990
    review closed, and that store's id: computed from the same run in this process."""
    from market_abm.viz.map_view import MapView
    from market_abm.viz.state import Session

    session = Session()
    session.step(12)
    snap = session.snapshot
    view = MapView(snap)
    view.render(snap)
    x, y = view.ax.transData.transform(snap.closed[0])
    return {"x": x / view.fig.bbox.width, "y": 1 - y / view.fig.bbox.height,
            "id": snap.closed_firms[0][1]}


def test_views_are_sharp_on_a_hidpi_screen_and_run_b_steps_beside_a(server, browser):
    url, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 720},
                                  device_scale_factor=2)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(".headline-date", timeout=60_000)
    page.wait_for_function(
        "() => { const i = document.querySelector('.view-channels img');"
        " return i && i.naturalWidth / i.getBoundingClientRect().width > 1.9; }",
        timeout=30_000)
    assert abs(pixels_per_css_px(page, "channels") - 2.0) < 0.12
    # run B beside A: a changed setting, then both step together, each in its column
    type_in(page, "social_weight", "0.4")
    page.locator(".btn-side-by-side").click()
    page.locator(".b-caption").get_by_text("social_weight 0.4", exact=False).wait_for()
    click(page, "Step a year")
    wait_headline(page, "date", "Dec 1990")
    page.wait_for_function(
        "() => { const e = document.querySelector('.b-headline-date');"
        " return e && e.innerText.trim() === 'Dec 1990'; }", timeout=30_000)
    a_box = page.locator(".view-channels img").bounding_box()
    b_box = page.locator(".b-view-channels img").bounding_box()
    assert b_box["x"] > a_box["x"] + a_box["width"]  # B's column is beside A's
    context.close()


def test_the_controls_fit_a_1280_by_720_screen(server, browser, tmp_path):
    url, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    watch = Watch(page)
    page.goto(url)
    page.wait_for_selector(".headline-date", timeout=60_000)
    click(page, "Step a year")
    wait_headline(page, "date", "Dec 1990")
    # a changed seed (a box of the Run card: a box of the Scenario card below scrolls the
    # controls column to itself, as a browser does)
    type_in(page, "seed", "2")
    page.get_by_text("Changed settings apply at Reset.").wait_for()
    top = page.locator("header").first.bounding_box()["height"]  # under the app bar

    def on_screen(locator) -> bool:
        box = locator.bounding_box()
        return box is not None and box["y"] >= top and box["y"] + box["height"] <= 720

    for label in ("Play", "Step", "Step a year", "Reset", "Run to year"):
        assert on_screen(page.get_by_role("button", name=label, exact=True)), label
    for selector in (".param-seed", ".reset-note", ".headline-date", ".view-channels img"):
        assert on_screen(page.locator(selector).first), selector
    sidebar = page.locator(".controls").bounding_box()
    assert sidebar["width"] <= 0.26 * 1280
    shot = tmp_path / "app_1280.png"
    page.screenshot(path=str(shot))
    if os.environ.get("APP_SCREENSHOT_1280"):  # keep a copy (docs/app.md shows one)
        Path(os.environ["APP_SCREENSHOT_1280"]).write_bytes(shot.read_bytes())
    # each view is drawn at the pixels its box has: one image pixel per screen pixel
    assert abs(pixels_per_css_px(page, "channels") - 1.0) < 0.06
    # click a store that the 1990 review closed (a cross on the map): the inspector opens on
    # it with the rule that fired and its numbers. Where it is drawn comes from the same run
    # made here (same settings and seed).
    at = closed_store_on_map()
    image = page.locator(".view-map img")
    image.scroll_into_view_if_needed()
    box = image.bounding_box()
    image.click(position={"x": at["x"] * box["width"], "y": at["y"] * box["height"]})
    page.get_by_text("Left at the review of 1990: insolvent: cash below zero",
                     exact=False).wait_for()
    assert page.locator(".inspect-line").first.inner_text().startswith(
        f"retailer #{at['id']}, entered 1990")
    context.close()
    assert not watch.problems, watch.problems
