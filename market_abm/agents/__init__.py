"""The agent roles of market_abm."""

from market_abm.agents.customers import Customer, HomePrinter
from market_abm.agents.logisticians import Logistician
from market_abm.agents.platforms import Platform
from market_abm.agents.print_hubs import PrintHub
from market_abm.agents.producers import Producer
from market_abm.agents.retailers import Retailer

__all__ = ["Customer", "HomePrinter", "Logistician", "Platform", "PrintHub", "Producer",
           "Retailer"]
