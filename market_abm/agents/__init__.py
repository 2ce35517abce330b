"""The agent roles of market_abm.

``FIRM_CLASSES`` is the one list of firm roles: every output, figure and table that lists
roles derives it from here (``FIRM_ROLES``; colours and labels are class attributes).
"""

from market_abm.agents.base import Firm
from market_abm.agents.customers import CustomerPopulation, HomePrinter
from market_abm.agents.logisticians import Logistician
from market_abm.agents.marketplaces import Marketplace
from market_abm.agents.material_suppliers import MaterialSupplier
from market_abm.agents.platforms import Platform
from market_abm.agents.print_hubs import PrintHub
from market_abm.agents.producers import Producer
from market_abm.agents.retailers import Retailer

# Upstream to downstream: the order of columns, legends and review steps.
FIRM_CLASSES: tuple[type[Firm], ...] = (Producer, Logistician, Retailer, Marketplace,
                                        Platform, PrintHub, MaterialSupplier)
FIRM_ROLES: tuple[str, ...] = tuple(cls.role for cls in FIRM_CLASSES)
ROLE_CLASSES: dict[str, type[Firm]] = {cls.role: cls for cls in FIRM_CLASSES}

__all__ = ["FIRM_CLASSES", "FIRM_ROLES", "ROLE_CLASSES", "CustomerPopulation", "Firm",
           "HomePrinter", "Logistician", "Marketplace", "MaterialSupplier", "Platform",
           "PrintHub",
           "Producer", "Retailer"]
