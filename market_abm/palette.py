"""The one palette of the package: a colour and a label per channel and per role.

Role colours and labels are attributes of the agent classes (market_abm.agents); this module
only gathers them, with the customers' and the channels', for every figure (run figures, the
interactive page, the paper).
"""

from __future__ import annotations

from market_abm.agents import FIRM_CLASSES, CustomerPopulation

CHANNEL_COLOURS = {"retail": "#8c564b", "online": "#1f77b4", "home_print": "#2ca02c",
                   "print_service": "#ff7f0e"}
CUSTOMER_COLOUR = "#1f77b4"
ROLE_COLOURS = {cls.role: cls.colour for cls in FIRM_CLASSES} | {
    CustomerPopulation.role: CUSTOMER_COLOUR}
ROLE_LABELS = {cls.role: cls.label for cls in FIRM_CLASSES} | {
    CustomerPopulation.role: "customers"}

# Scenario discovery (market_abm.discovery_plots, experiments/discovery.py): the regimes of
# the 3D flow, runs where an outcome holds or not, and the boxes found.
REGIME_COLOURS = {"niche": "#7f7f7f", "coexistence": "#1f77b4", "takeover": "#d62728"}
OUTCOME_TRUE_COLOUR, OUTCOME_FALSE_COLOUR = "#d62728", "#9e9e9e"
BOX_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
