"""Print hubs: local shops that print designs for customers (print-service channel)."""

from __future__ import annotations

from market_abm.agents.base import LocatedFirm


class PrintHub(LocatedFirm):
    """A print hub at (x, y) km; ``converted_from`` is the unique_id of the store it was."""

    role = "print_hub"

    def __init__(self, model, fixed_cost, x, y, cash=None, converted_from: int | None = None):
        super().__init__(model, fixed_cost, x, y, cash)
        self.converted_from = converted_from
