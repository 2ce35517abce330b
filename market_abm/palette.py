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
