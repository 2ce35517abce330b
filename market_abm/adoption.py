"""Customer-side diffusion: internet access, and buying, retiring and replacing home printers.

Both follow the Bass mechanism on the social graph (Bass 1969; agent form in Rand & Rust 2011):
within a step a non-adopter adopts with probability (p + q f) / steps_per_year, f being the
adopter share among its neighbours at the start of the step (the population share on the
complete graph). In the economic adoption model the printer hazard is further multiplied by
a^k / (1 + a^k), a = (expected savings + enjoyment) * lifetime / price: what the printer is
worth to this customer against what it costs now.
"""

from __future__ import annotations

import numpy as np

from market_abm.agents.customers import HomePrinter
from market_abm.market import HOME_PRINT, ONLINE, RETAIL, home_print_cost


def spread_internet(model, neighbour_internet: np.ndarray) -> None:
    """Connect customers from internet_start_year on (Bass hazard on the social graph)."""
    s, pop = model.scenario, model.customers
    if model.year < s.internet_start_year:
        return
    off = ~pop.internet
    hazard = (s.internet_p + s.internet_q * neighbour_internet[off]) / s.steps_per_year
    pop.internet[np.flatnonzero(off)[model.rng.random(off.sum()) < hazard]] = True


def printer_savings(model, supply) -> np.ndarray:
    """Expected yearly savings ($) of owning a frontier printer, per customer.

    For each category the current frontier can print: demand rate times how much cheaper
    (in generalised cost) home printing is than the best other channel open to the customer.
    """
    pop, cat, offer = model.customers, model.categories, supply.offer
    printable = cat.printability <= model.capability
    if not printable.any():
        return np.zeros(pop.n)
    ks = np.flatnonzero(printable)
    price, ref = offer.price[ks], offer.ref_price[ks]
    fit_value = pop.taste[:, None] * (offer.personalisation[ks] * ref)[None, :]
    tv = pop.time_value[:, None]
    retail = price[:, RETAIL][None, :] + pop.travel_store[:, None]
    retail = np.where(offer.open[ks, RETAIL][None, :], retail, np.inf)
    online = (price[:, ONLINE][None, :] + offer.delay[ks, ONLINE] * tv
              - fit_value * offer.fit[ks, ONLINE])
    online = np.where(offer.open[ks, ONLINE][None, :] & pop.internet[:, None], online, np.inf)
    frontier = np.full(pop.n, model.capability)
    hassle = np.column_stack([home_print_cost(offer, np.full(pop.n, k), frontier, pop.hassle)
                              for k in ks])
    home = price[:, HOME_PRINT][None, :] + hassle + offer.delay[ks, HOME_PRINT] * tv - fit_value
    gain = np.minimum(retail, online) - home
    gain = np.where(np.isfinite(gain), np.maximum(gain, 0.0), 0.0)
    return gain @ (cat.purchases_per_year[ks])


def attractiveness_filter(value: np.ndarray, price: float, steepness: float) -> np.ndarray:
    """a^k / (1 + a^k) with a = value / price: 1/2 when a printer pays for itself."""
    a = np.maximum(value, 0.0) / max(price, 1e-9)
    ak = a**steepness
    return ak / (1.0 + ak)


def printer_keenness(model) -> np.ndarray:
    """Each customer's attractiveness filter of a printer at today's price (economic model):
    its value over a printer's life (yearly savings and enjoyment) against the price."""
    s = model.scenario
    worth = model.printer_value_per_year * s.printer_lifetime
    return attractiveness_filter(worth, model.printer_price, s.adoption_steepness)


def update_printers(model, neighbour_owners: np.ndarray) -> tuple[int, int]:
    """Retire old printers, replace some, and let non-owners adopt. Returns (bought, retired)."""
    s, pop, rng = model.scenario, model.customers, model.rng
    owners = pop.owners
    economic = s.adoption_model == "economic"
    keen = printer_keenness(model) if economic else np.ones(pop.n)

    # Printers wear out at a constant hazard; pure Bass adoption has no retirement.
    retire = (np.flatnonzero(owners)[rng.random(owners.sum()) < 1.0 / (s.printer_lifetime
                                                                        * s.steps_per_year)]
              if economic else np.zeros(0, dtype=np.int64))
    replace = retire[rng.random(len(retire)) < keen[retire]]
    eligible = ~owners & (pop.internet if economic else True)
    candidates = np.flatnonzero(eligible)
    hazard = (s.bass_p + s.bass_q * neighbour_owners[candidates]) / s.steps_per_year
    new = candidates[rng.random(len(candidates)) < hazard * keen[candidates]]

    gone = np.setdiff1d(retire, replace, assume_unique=True)
    for i in retire:
        model.printer_agents.pop(int(i)).remove()
    pop.printer[gone] = 0.0
    pop.printer_since[gone] = -1
    buyers = np.concatenate([replace, new])
    pop.printer[buyers] = model.capability
    pop.printer_since[buyers] = model.steps
    for i in buyers:
        model.printer_agents[int(i)] = HomePrinter(model, int(i), model.capability)
    model.cumulative_printers += len(buyers) / pop.n
    return len(buyers), len(retire)
