"""market_abm: how distribution networks mutate as consumer 3D printing grows."""

from market_abm.market import CHANNELS
from market_abm.model import MarketModel
from market_abm.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["CHANNELS", "MarketModel", "Scenario", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"
