"""market_abm: how distribution networks mutate as consumer 3D printing grows.

The public names are imported on first use (PEP 562), so that ``import market_abm.cli`` and a
command's ``--help`` do not pay for Mesa and the model before a command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from market_abm.market import CHANNELS
    from market_abm.model import MarketModel
    from market_abm.scenario import Scenario, ScenarioError, load_scenario

_PUBLIC = {"CHANNELS": "market_abm.market", "MarketModel": "market_abm.model",
           "Scenario": "market_abm.scenario", "ScenarioError": "market_abm.scenario",
           "load_scenario": "market_abm.scenario"}
__all__ = ["CHANNELS", "MarketModel", "Scenario", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'market_abm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
