"""The sidebar controls: preset or scenario file, parameter sliders, seed, play / pause / step /
reset, speed.

Slider ranges come from the scenario's documented limits (scenario.parameter_docs); the number
of customers is capped at ``MAX_CUSTOMERS`` so that a step stays interactive. Changed settings
take effect at the next Reset, as in Mesa's SolaraViz.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import reacton.ipywidgets as rw
import solara

from market_abm.scenario import PRESETS, Scenario, ScenarioError, parameter_docs
from market_abm.viz.state import MAX_CUSTOMERS, Settings

SOCIAL_NETWORKS = ("watts_strogatz", "barabasi_albert", "complete")


@dataclass(frozen=True)
class Range:
    """A slider: label, bounds, step and whether the values are whole numbers."""

    label: str
    min: float
    max: float
    step: float
    integer: bool = False


def limits(name: str) -> tuple[float | None, float | None]:
    """(lowest, highest) allowed value of a scenario parameter; strict bounds move one step
    inside at the slider's resolution (the caller's job), None when unbounded."""
    doc = next(d for d in parameter_docs() if d["name"] == name)
    lo = hi = None
    for op, num in re.findall(r"(ge|gt|le|lt) ([-0-9.e+]+)", doc["allowed"]):
        if op in ("ge", "gt"):
            lo = (float(num), op == "gt")
        else:
            hi = (float(num), op == "lt")
    return lo, hi


def slider_range(name: str, label: str, step: float, cap: float | None = None,
                 integer: bool = False) -> Range:
    """A slider over a parameter's allowed values (strict bounds excluded), capped at ``cap``."""
    lo, hi = limits(name)
    if lo is None or (hi is None and cap is None):
        raise ValueError(f"{name}: a slider needs a lower and an upper bound")
    low = lo[0] + step if lo[1] else lo[0]
    high = cap if hi is None else (hi[0] - step if hi[1] else hi[0])
    if cap is not None:
        high = min(high, cap)
    return Range(label, low, high, step, integer)


PARAMETERS = {
    "printer_capability_growth": slider_range("printer_capability_growth",
                                              "Printer capability growth (1/year)", 0.01),
    "personalisation_taste": slider_range("personalisation_taste",
                                          "Taste for personalisation", 0.05),
    "price_sensitivity": slider_range("price_sensitivity", "Price sensitivity", 0.5),
    "platform_commission": slider_range("platform_commission", "Platform commission", 0.01),
    "n_customers": slider_range("n_customers", "Customers (agents)", 10, cap=MAX_CUSTOMERS,
                                integer=True),
}


@solara.component
def ScenarioFile(settings: solara.Reactive[Settings], on_error: Callable[[str], None]):
    """Load a scenario file (TOML or YAML, as ``market-abm run --scenario`` takes, e.g. the
    ``--export-scenario`` of ``market-abm discover``) in place of the preset; a file that is
    not a scenario the page can run is reported by ``on_error`` and changes nothing."""
    s = settings.value

    def on_upload(files) -> None:
        if not files:
            return
        upload = files[0]
        try:
            settings.set(settings.value.with_file(upload["name"], bytes(upload["content"])))
            on_error("")
        except ScenarioError as exc:
            on_error(f"Could not load the file: {exc}")

    rw.FileUpload(description="Load scenario file", accept=".toml,.yaml,.yml", multiple=False,
                  on_value=on_upload, layout=rw.Layout(width="auto"))
    if s.file_name is not None:
        with solara.Div(classes=["scenario-file"]), solara.Row(
                gap="6px", style={"align-items": "center"}):
            solara.Text(f"Loaded: {s.file_name} ({len(s.file_values)} parameters)")
            solara.Button("Use the preset", text=True, classes=["btn-forget-file"],
                          on_click=lambda: settings.set(settings.value.with_preset(
                              settings.value.preset)))


@solara.component
def ParameterControls(settings: solara.Reactive[Settings], applied: Settings,
                      on_error: Callable[[str], None] = lambda message: None):
    """Preset or scenario file, sliders, social network and seed; edits ``settings`` (applied
    at Reset); a file that cannot be loaded is reported by ``on_error``."""
    s = settings.value

    def set_field(name: str) -> Callable:
        def on_value(value):
            settings.set(replace(settings.value, **{name: value}))
        return on_value

    solara.Select("Scenario preset", value=s.preset, values=list(PRESETS),
                  on_value=lambda name: settings.set(settings.value.with_preset(name)),
                  disabled=s.file_name is not None)
    ScenarioFile(settings, on_error)
    defaults = Scenario()
    for name, r in PARAMETERS.items():
        value = getattr(s, name)
        value = getattr(defaults, name) if value is None else value
        slider = solara.SliderInt if r.integer else solara.SliderFloat
        with solara.Div(classes=[f"param-{name}"]):
            shown = f"{value:,}" if r.integer else f"{value:g}"
            slider(f"{r.label}: {shown}", value=value, min=r.min, max=r.max, step=r.step,
                   on_value=set_field(name))
    solara.Select("Social network", value=s.social_network or defaults.social_network,
                  values=list(SOCIAL_NETWORKS), on_value=set_field("social_network"))
    solara.InputInt("Seed", value=s.seed, on_value=set_field("seed"), classes=["param-seed"])
    if s != applied:
        solara.Info("Changed settings apply at Reset.", dense=True)


# Play's render interval: label -> months stepped between two redraws
REDRAW_EVERY = {"month": 1, "quarter": 3, "year": 12}


@solara.component
def RunControls(*, playing: bool, ended: bool, on_play: Callable, on_step: Callable,
                on_year: Callable, on_reset: Callable, interval: solara.Reactive[int],
                redraw: solara.Reactive[str], run_to: solara.Reactive[int],
                on_run_to: Callable):
    """Play / pause, step a month, step a year, run to a year, reset; the render interval
    (months between redraws while playing) and the pause between redraws."""
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button("Pause" if playing else "Play", on_click=on_play, color="primary",
                      disabled=ended and not playing, classes=["btn-play"])
        solara.Button("Step", on_click=on_step, disabled=playing or ended, classes=["btn-step"])
        solara.Button("Step a year", on_click=on_year, disabled=playing or ended,
                      classes=["btn-year"])
        solara.Button("Reset", on_click=on_reset, color="warning", outlined=True,
                      classes=["btn-reset"])
    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.InputInt("Year", value=run_to, classes=["run-to-year"])
        solara.Button("Run to year", on_click=on_run_to, disabled=playing or ended,
                      classes=["btn-run-to"])
    solara.Select("Redraw every", value=redraw, values=list(REDRAW_EVERY),
                  classes=["redraw-every"])
    solara.SliderInt("Pause between redraws (ms)", value=interval, min=0, max=1000, step=50)
