"""The controls: preset or scenario file, every scenario parameter, seed, and play /
pause / step / reset with the render interval.

Every parameter of the scenario has a number box (a menu for a choice, a check box for a
switch) labelled with its unit, its rationale, source and allowed values as a tooltip
(scenario.parameter_docs): the common ones in view (``COMMON``), the rest folded by the
sections of the scenario (scenario.parameter_groups). A value the box cannot take is kept as
typed, marked with one plain line under the box, and blocks Reset; so does a value that breaks
a rule across parameters (the line goes under the box the rule names). The number of customers
is capped at ``MAX_CUSTOMERS`` so that a step stays interactive, and must exceed the social
degree. Changed settings take effect at the next Reset, as in Mesa's SolaraViz.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import reacton.ipywidgets as rw
import solara

from market_abm.scenario import (
    PRESETS,
    Scenario,
    ScenarioError,
    parameter_docs,
    parameter_groups,
    preset_description,
)
from market_abm.viz.state import MAX_CUSTOMERS, Settings

# The parameters in view; the others are folded by section.
COMMON = ("n_customers", "printer_capability_growth", "multi_material_reach",
          "personalisation_taste", "price_sensitivity", "social_weight",
          "platform_commission", "social_network")
# Labels other than the parameter's name in words.
LABELS = {"n_customers": "Customers (agents)", "bass_p": "Bass p (innovation)",
          "bass_q": "Bass q (imitation)", "internet_p": "Internet p (innovation)",
          "internet_q": "Internet q (imitation)"}
SEED_LIMIT = 2**63  # seeds are stored as int64 with results (as cli.check_seed)


@dataclass(frozen=True)
class Field:
    """A scenario parameter as the page shows it: its label, unit, tooltip, kind ('int',
    'float', 'optional int', 'switch' or 'choice'), choices, and bounds as (value, strict)
    or None."""

    name: str
    label: str
    unit: str
    help: str
    kind: str
    choices: tuple[str, ...] = ()
    low: tuple[float, bool] | None = None
    high: tuple[float, bool] | None = None


def limits(name: str) -> tuple[tuple[float, bool] | None, tuple[float, bool] | None]:
    """(lowest, highest) allowed value of a scenario parameter as (value, strict), None when
    unbounded."""
    doc = next(d for d in parameter_docs() if d["name"] == name)
    lo = hi = None
    for op, num in re.findall(r"(ge|gt|le|lt) ([-0-9.e+]+)", doc["allowed"]):
        if op in ("ge", "gt"):
            lo = (float(num), op == "gt")
        else:
            hi = (float(num), op == "lt")
    return lo, hi


def _field(doc: dict) -> Field:
    name, annotation = doc["name"], Scenario.model_fields[doc["name"]].annotation
    choices = tuple(getattr(annotation, "__args__", ()))
    kind = ("switch" if annotation is bool else "int" if annotation is int
            else "float" if annotation is float
            else "choice" if choices and all(isinstance(c, str) for c in choices)
            else "optional int")
    parts = [doc["rationale"], f"Unit: {doc['unit'] or 'none'}.",
             f"Default: {doc['default']}."]
    if doc["allowed"]:
        parts.append(f"Allowed: {doc['allowed']}.")
    if doc["source"]:
        parts.append(f"Source: {doc['source']}.")
    low, high = limits(name)
    if name == "n_customers":
        high = (float(MAX_CUSTOMERS), False)  # the page's cap
    unit = doc["unit"] if doc["unit"] not in ("", "-") else ""
    label = LABELS.get(name, name.replace("_", " ").capitalize())
    return Field(name, label, unit, " ".join(parts), kind,
                 choices if kind == "choice" else (), low, high)


FIELDS: dict[str, Field] = {doc["name"]: _field(doc) for doc in parameter_docs()}
# (section, parameters) of the folded boxes: every parameter not in COMMON
SECTIONS = tuple((section.capitalize(), tuple(k for k in keys if k not in COMMON))
                 for section, keys in parameter_groups())


def bounds(field: Field, settings: Settings) -> tuple[tuple[float, bool] | None,
                                                     tuple[float, bool] | None]:
    """A box's bounds under the current settings: the number of customers must also exceed
    the social degree (the social network needs that many others)."""
    if field.name == "n_customers":
        degree = settings.value("social_degree")
        return (max(field.low[0], degree + 1), False), field.high
    return field.low, field.high


def _span(low, high) -> str:
    words = []
    if low is not None:
        words.append(f"{'above' if low[1] else 'at least'} {low[0]:g}")
    if high is not None:
        words.append(f"{'below' if high[1] else 'at most'} {high[0]:g}")
    return " and ".join(words)


def parse(field: Field, text: str, settings: Settings) -> int | float | None:
    """The value typed in ``field``'s box; ValueError with one plain line when the box cannot
    take it (not a number of the right kind, or out of its bounds)."""
    text = (text or "").strip().replace(",", "") if field.kind != "float" else (
        (text or "").strip())
    low, high = bounds(field, settings)
    span = _span(low, high)
    whole = field.kind in ("int", "optional int")
    kind = "a whole number" if whole else "a number"
    if field.kind == "optional int" and text == "":
        return None
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise ValueError(f"{field.label}: must be {kind}{f' {span}' if span else ''}, "
                         f"got '{text}'") from None
    if not math.isfinite(value):
        raise ValueError(f"{field.label}: must be a finite number, got '{text}'")
    below = low is not None and (value <= low[0] if low[1] else value < low[0])
    above = high is not None and (value >= high[0] if high[1] else value > high[0])
    if below or above:
        raise ValueError(f"{field.label}: must be {span}, got {text}")
    return value


def parse_seed(text: str) -> int:
    """A seed typed in the Seed box; ValueError with one plain line unless a whole number in
    [0, 2**63)."""
    text = (text or "").strip()
    if not re.fullmatch(r"\d+", text) or int(text) >= SEED_LIMIT:
        raise ValueError(f"Seed: must be a whole number from 0 to {SEED_LIMIT - 1:,}, "
                         f"got '{text}'")
    return int(text)


def shown(value) -> str:
    """A parameter value as its box shows it."""
    if value is None:
        return ""
    return format(value, ".10g") if isinstance(value, float) else str(value)


def scenario_problem(settings: Settings) -> tuple[str, str] | None:
    """(parameter, one line) when the settings break a rule of the scenario, else None."""
    try:
        settings.scenario()
    except ScenarioError as exc:
        message = str(exc)
        name = message.split(":", 1)[0]
        return (name if name in FIELDS else "", message)
    return None


def settle(settings: solara.Reactive[Settings], drafts: solara.Reactive[dict],
           new: Settings, pending: dict) -> None:
    """Set ``new`` settings, then try again the values typed that a box could not take
    (``pending``): one that the new settings allow (customers above a lowered social degree)
    is applied; the others stay marked."""
    for name, (text, _) in list(pending.items()):
        if name in FIELDS:
            try:
                value = parse(FIELDS[name], text, new)
            except ValueError as exc:
                pending[name] = (text, str(exc))
                continue
            new = new.with_value(name, value)
            del pending[name]
    drafts.set(pending)
    settings.set(new)


@solara.component
def ParameterField(name: str, settings: solara.Reactive[Settings],
                   drafts: solara.Reactive[dict], problem: str | None = None):
    """One parameter's box: the value (or the text typed that it cannot take, with the reason
    under it), its unit in the label and its documentation as a tooltip. ``problem``: a rule
    across parameters this one breaks."""
    field, s = FIELDS[name], settings.value
    label = f"{field.label} ({field.unit})" if field.unit else field.label

    def set_value(value) -> None:
        settle(settings, drafts, settings.value.with_value(name, value),
               {k: v for k, v in drafts.value.items() if k != name})

    def on_text(text: str) -> None:
        try:
            value = parse(field, text, settings.value)
        except ValueError as exc:
            drafts.set({**drafts.value, name: (text, str(exc))})
            return
        set_value(value)

    draft = drafts.value.get(name)
    css = [f"param-{name}"]
    with solara.Row(gap="2px", classes=["param"],
                    style={"align-items": "center", "flex-wrap": "nowrap"}):
        if field.kind == "choice":
            solara.Select(label, value=s.value(name), values=list(field.choices),
                          on_value=set_value, dense=True, style={"flex": "1 1 auto"},
                          classes=css)
        elif field.kind == "switch":
            with solara.Div(classes=css):
                solara.Checkbox(label=label, value=s.value(name), on_value=set_value)
        else:
            solara.InputText(label, value=draft[0] if draft else shown(s.value(name)),
                             on_value=on_text, error=draft[1] if draft else problem or False,
                             dense=True, style={"flex": "1 1 auto"}, classes=css)
        with solara.Tooltip(field.help):
            solara.v.Icon(children=["mdi-information-outline"], small=True,
                          class_="param-help")


@solara.component
def ScenarioFile(settings: solara.Reactive[Settings], on_error: Callable[[str], None],
                 on_load: Callable[[], None] = lambda: None):
    """Load a scenario file (TOML or YAML, as ``market-abm run --scenario`` takes, e.g. the
    ``--export-scenario`` of ``market-abm discover`` or the page's own download) in place of
    the preset, then ``on_load``; a file that is not a scenario the page can run is reported
    by ``on_error`` and changes nothing."""
    s = settings.value

    def on_upload(files) -> None:
        if not files:
            return
        upload = files[0]
        try:
            settings.set(settings.value.with_file(upload["name"], bytes(upload["content"])))
            on_load()
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
                          on_click=lambda: (on_load(), settings.set(
                              settings.value.with_preset(settings.value.preset))))


@solara.component
def ParameterControls(settings: solara.Reactive[Settings], drafts: solara.Reactive[dict],
                      on_error: Callable[[str], None] = lambda message: None):
    """Preset (with what it is for) or scenario file and every parameter; edits
    ``settings`` (applied at Reset) and keeps in ``drafts`` {box: (text, reason)} the values
    typed that a box cannot take; a file that cannot be loaded is reported by ``on_error``."""
    s = settings.value

    def choose_preset(name: str) -> None:
        drafts.set({})
        settings.set(settings.value.with_preset(name))

    solara.Select("Scenario preset", value=s.preset, values=list(PRESETS),
                  on_value=choose_preset, disabled=s.file_name is not None)
    if s.file_name is None:
        solara.Text(preset_description(s.preset), classes=["preset-description"],
                    style={"font-size": "0.8em", "color": "#555"})
    ScenarioFile(settings, on_error, on_load=lambda: drafts.set({}))
    problem = scenario_problem(s)
    rule = problem if problem and problem[0] else None

    def field(name: str) -> None:
        ParameterField(name, settings, drafts,
                       problem=rule[1] if rule and rule[0] == name else None)

    for name in COMMON:
        field(name)
    for section, names in SECTIONS:
        if names:
            Section(section, names, settings, drafts, rule)


@solara.component
def Section(title: str, names: tuple[str, ...], settings: solara.Reactive[Settings],
            drafts: solara.Reactive[dict], rule: tuple[str, str] | None):
    """A folded section of parameter boxes. Its boxes exist only while it is open (a hundred
    boxes are a thousand widgets to build and update at each edit). The title counts the
    boxes changed in it."""
    unfolded, set_unfolded = solara.use_state(False)
    s = settings.value
    edited = sum(1 for k in names if k in dict(s.edits) or k in drafts.value)
    marks = f", {edited} changed" if edited else ""
    solara.Button(f"{'▾' if unfolded else '▸'} {title} ({len(names)}{marks})", text=True,
                  on_click=lambda: set_unfolded(not unfolded), classes=["section-toggle"],
                  style={"justify-content": "flex-start", "text-transform": "none"})
    if unfolded:
        for name in names:
            ParameterField(name, settings, drafts,
                           problem=rule[1] if rule and rule[0] == name else None)


@solara.component
def SeedBox(settings: solara.Reactive[Settings], drafts: solara.Reactive[dict]):
    """The run's seed (beside the run buttons): a text typed that is not a seed stays, with
    the reason under it, and blocks Reset."""
    seed = drafts.value.get("seed")

    def on_seed(text: str) -> None:
        try:
            value = parse_seed(text)
        except ValueError as exc:
            drafts.set({**drafts.value, "seed": (text, str(exc))})
            return
        settle(settings, drafts, replace(settings.value, seed=value),
               {k: v for k, v in drafts.value.items() if k != "seed"})

    solara.InputText("Seed", value=seed[0] if seed else str(settings.value.seed),
                     on_value=on_seed, error=seed[1] if seed else False,
                     classes=["param-seed"], dense=True)


def blocking(settings: Settings, drafts: dict) -> str | None:
    """Why Reset cannot start a run with these settings (one line), or None."""
    if drafts:
        return next(iter(drafts.values()))[1]
    problem = scenario_problem(settings)
    return problem[1] if problem else None


# Play's render interval: label -> months stepped between two redraws
REDRAW_EVERY = {"month": 1, "quarter": 3, "year": 12}


@solara.component
def RunControls(*, playing: bool, ended: bool, on_play: Callable, on_step: Callable,
                on_year: Callable, on_reset: Callable, interval: solara.Reactive[int],
                redraw: solara.Reactive[str], run_to: solara.Reactive[int],
                on_run_to: Callable, changed: bool = False, blocked: str | None = None):
    """Play / pause, step a month, step a year, run to a year, reset; the render interval
    (months between redraws while playing) and the pause between redraws. Beside Reset: that
    changed settings apply there (``changed``), or why it cannot start a run (``blocked``:
    Reset is then disabled)."""
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button("Pause" if playing else "Play", on_click=on_play, color="primary",
                      disabled=ended and not playing, classes=["btn-play"])
        solara.Button("Step", on_click=on_step, disabled=playing or ended, classes=["btn-step"])
        solara.Button("Step a year", on_click=on_year, disabled=playing or ended,
                      classes=["btn-year"])
        solara.Button("Reset", on_click=on_reset, color="warning", outlined=True,
                      disabled=blocked is not None, classes=["btn-reset"])
    if blocked is not None:
        solara.Warning(f"Reset is blocked: {blocked}", dense=True, classes=["reset-blocked"])
    elif changed:
        solara.Info("Changed settings apply at Reset.", dense=True, classes=["reset-note"])
    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.InputInt("Year", value=run_to, classes=["run-to-year"])
        solara.Button("Run to year", on_click=on_run_to, disabled=playing or ended,
                      classes=["btn-run-to"])
    solara.Select("Redraw every", value=redraw, values=list(REDRAW_EVERY),
                  classes=["redraw-every"])
    with solara.Div(classes=["pause-between"]):
        solara.SliderInt(f"Pause: {interval.value} ms", value=interval, min=0,
                         max=1000, step=50)
