"""Inspect one firm of the run: its years in the firm table and, if it left, why.

``firm_story`` gathers a firm's yearly rows (units, revenue, profit, cash at each yearly
review), its entry, the firm it was converted from, and the rule that made it leave with the
rule's numbers (``MarketModel.exit_reasons``: insolvency, a store's conversion into a print
hub, a carrier's pivot into a material supplier). ``FirmInspector`` is the page's panel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
import reacton.ipywidgets as rw
import solara
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from market_abm.agents import FIRM_ROLES
from market_abm.palette import ROLE_COLOURS, ROLE_LABELS
from market_abm.viz.state import Session, Snapshot

MONEY = ("cash", "profit", "store_profit", "hub_profit", "carrier_profit", "supplier_profit",
         "conversion_cost")


@dataclass(frozen=True)
class FirmStory:
    """One firm: ``rows`` (year, units, revenue $, profit $, cash $ at each yearly review it
    was active), ``entry_year``, ``converted_from`` (id of the firm it replaced, -1 if none),
    ``left`` (year of the review it left at, or None) and ``reason`` (the rule and its
    numbers, {} while active)."""

    role: str
    id: int
    rows: pd.DataFrame
    entry_year: int
    converted_from: int
    left: int | None
    reason: dict

    def lines(self) -> list[str]:
        """The story in plain lines, for the page."""
        out = [f"{ROLE_LABELS[self.role][:-1]} #{self.id}, entered {self.entry_year}"
               + (f" (converted from firm #{self.converted_from})"
                  if self.converted_from >= 0 else "")]
        if len(self.rows):
            last = self.rows.iloc[-1]
            out.append(f"{int(last['year'])}: {last['units']:,.0f} units, revenue "
                       f"${last['revenue']:,.0f}, profit ${last['profit']:,.0f}, cash "
                       f"${last['cash']:,.0f}")
        if self.left is None:
            out.append("Still active.")
        else:
            numbers = ", ".join(f"{k.replace('_', ' ')} ${v:,.0f}"
                                for k, v in self.reason.items() if k in MONEY)
            out.append(f"Left at the review of {self.left}: {self.reason.get('rule', '?')}"
                       + (f" ({numbers})" if numbers else "") + ".")
        return out


def firm_choices(table: pd.DataFrame, exited: list, reasons: dict,
                 role: str) -> dict[str, int]:
    """{'#12 (1990-2003)': 12, '#40 (2001-)': 40, ...}: the firms of ``role`` in the firm
    table, in order of entry, labelled with their years (open-ended while active)."""
    left = {i: y for y, r, i in exited if r == role}
    part = table[table["role"] == role].drop_duplicates("id").sort_values(["entry_year", "id"])
    return {f"#{i} ({e}-{left.get(i, '')})": int(i)
            for i, e in zip(part["id"], part["entry_year"], strict=True)}


def firm_story(table: pd.DataFrame, exited: list, reasons: dict, role: str,
               firm: int) -> FirmStory:
    """The story of firm ``firm`` of ``role`` (model.firm_table, model.exited,
    model.exit_reasons); KeyError if the table has no such firm."""
    rows = table[(table["role"] == role) & (table["id"] == firm)].sort_values("year")
    if rows.empty:
        raise KeyError(f"no {role} #{firm} in the firm table")
    left = next(((y, r, i) for y, r, i in exited if r == role and i == firm), None)
    return FirmStory(role, firm, rows[["year", "units", "revenue", "profit", "cash"]]
                     .reset_index(drop=True), int(rows["entry_year"].iloc[0]),
                     int(rows["converted_from"].iloc[0]), None if left is None else left[0],
                     reasons.get(left, {}) if left else {})


def story_png(story: FirmStory) -> bytes:
    """Cash and profit ($) of the firm at each yearly review, as a small PNG."""
    fig = Figure(figsize=(4.2, 2.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colour = ROLE_COLOURS[story.role]
    ax.plot(story.rows["year"], story.rows["cash"], color=colour, lw=1.8, label="cash")
    ax.plot(story.rows["year"], story.rows["profit"], color=colour, lw=1.0, ls="--",
            label="profit")
    ax.axhline(0, color="0.5", lw=0.6)
    if story.left is not None:
        ax.axvline(story.left, color="k", lw=0.8, ls=":")
    ax.set_ylabel("$", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="best")
    ax.set_title(f"{ROLE_LABELS[story.role][:-1]} #{story.id}", fontsize=9)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


@solara.component
def FirmInspector(session: Session, snap: Snapshot,
                  chosen: solara.Reactive[tuple[str, int | None]]):
    """Choose a role and a firm of the run so far (or click one on the map or the network:
    the page sets ``chosen``, (role, id or None)): its yearly numbers and, for a firm that
    left, the rule that fired with its numbers."""
    role, firm = chosen.value
    reviews = snap.year if snap.steps else 0  # the firm table grows at each December

    def table():
        with session._lock:
            m = session.model
            return m.firm_table, list(m.exited), dict(m.exit_reasons)

    data = solara.use_memo(table, [snap.run, reviews, snap.month == 12])
    choices = firm_choices(*data, role) if len(data[0]) else {}
    label = {i: text for text, i in choices.items()}
    told = solara.use_memo(lambda: _told(data, role, firm) if firm in label else None,
                           [data, role, firm])
    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.Select("Role", value=role, values=list(FIRM_ROLES),
                      on_value=lambda r: chosen.set((r, None)), dense=True,
                      classes=["inspect-role"])
        solara.Select("Firm", value=label.get(firm), values=list(choices),
                      on_value=lambda text: chosen.set((role, choices.get(text))), dense=True,
                      classes=["inspect-firm"])
    if not choices:
        solara.Text("The firm table fills at the first yearly review (December).")
    elif told is None:
        missing = (f"{ROLE_LABELS[role][:-1]} #{firm} has no yearly review yet (it entered "
                   "this year). " if firm is not None else "")
        solara.Text(f"{missing}{len(choices)} {ROLE_LABELS[role]} so far: choose one, or "
                    "click a store or hub on the map or a firm on the network.")
    else:
        story, png = told
        for line in story.lines():
            solara.Text(line, classes=["inspect-line"])
        rw.Image(value=png, format="png")


def _told(data: tuple, role: str, firm: int) -> tuple[FirmStory, bytes]:
    story = firm_story(*data, role, firm)
    return story, story_png(story)
