"""Channel offers and the customers' multinomial-logit channel choice.

Channels, in column order everywhere in the package:
``retail`` (shop), ``online`` (home delivery), ``home_print`` (design bought on a platform,
printed at home) and ``print_service`` (a print hub prints the design).

The generalised cost of a purchase ($) is price + travel + delay * time value + printing effort
- personalisation value * fit; the utility is
``-sensitivity * cost / reference price + habit_weight * own use + social_weight * neighbours' use``
(Train 2009, ch. 3, for the logit form).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHANNELS = ("retail", "online", "home_print", "print_service")
RETAIL, ONLINE, HOME_PRINT, PRINT_SERVICE = range(4)
# Intermediaries between producer and customer on each channel (logistician and retailer;
# logistician; platform; platform and print hub).
INTERMEDIARIES = np.array([2, 1, 1, 2])


@dataclass
class Offer:
    """What the supply side offers in one step, per category (rows) and channel (columns).

    price: $ per unit paid by the customer (travel excluded); delay: days; fit: personal fit in
    [0, 1]; open: the channel is supplied for that category;
    ref_price: $ per unit, the category's shop price at the start (normalises utilities);
    printability: capability needed per category; pro_capability: print hubs' capability;
    material: $ of material per print attempt; print_effort: $ of attention per home print
    attempt for a customer of average hassle; failure_scale: see ``retries``.
    """

    price: np.ndarray
    delay: np.ndarray
    fit: np.ndarray
    open: np.ndarray
    ref_price: np.ndarray
    personalisation: np.ndarray
    printability: np.ndarray
    pro_capability: float
    material: np.ndarray
    print_effort: float
    failure_scale: float


@dataclass
class Shoppers:
    """The customer-side attributes of a batch of purchases (one row per purchase).

    category: index of the category; travel_store and travel_hub: $ per trip share (inf when
    there is none); time_value: $ / day; taste: personalisation taste; sensitivity: logit
    weight; internet: has access; printer: capability of the owned printer (0 if none);
    hassle: multiple of the average attention a home print costs this customer;
    usage and social: (m, 4) own and neighbours' channel use.
    """

    category: np.ndarray
    travel_store: np.ndarray
    travel_hub: np.ndarray
    time_value: np.ndarray
    taste: np.ndarray
    sensitivity: np.ndarray
    internet: np.ndarray
    printer: np.ndarray
    hassle: np.ndarray
    usage: np.ndarray
    social: np.ndarray


def retries(margin: np.ndarray, scale: float) -> np.ndarray:
    """Expected attempts per good print, 1 / (1 - failure rate), failure = exp(-margin / scale).

    ``margin`` is capability minus printability; failure is capped at 90 %.

    >>> round(float(retries(np.array([0.0]), 0.1)[0]), 6)
    10.0
    """
    fail = np.minimum(np.exp(-np.maximum(margin, 0.0) / scale), 0.9)
    return 1.0 / (1.0 - fail)


def home_print_cost(offer: Offer, category: np.ndarray, printer: np.ndarray,
                    hassle: np.ndarray) -> np.ndarray:
    """$ of attention and failed attempts per good home print (on top of the price paid)."""
    effort = offer.print_effort * hassle
    extra = retries(printer - offer.printability[category], offer.failure_scale) - 1.0
    return effort + (offer.material[category] + effort) * extra


def generalised_cost(offer: Offer, shoppers: Shoppers) -> np.ndarray:
    """Generalised cost ($, shape (m, 4)) of each purchase on each channel."""
    k = shoppers.category
    cost = offer.price[k] + offer.delay[k] * shoppers.time_value[:, None]
    cost[:, RETAIL] += shoppers.travel_store
    cost[:, PRINT_SERVICE] += shoppers.travel_hub
    cost[:, HOME_PRINT] += home_print_cost(offer, k, shoppers.printer, shoppers.hassle)
    value = shoppers.taste * offer.personalisation[k] * offer.ref_price[k]
    cost -= value[:, None] * offer.fit[k]
    return cost


def available(offer: Offer, shoppers: Shoppers) -> np.ndarray:
    """Which channels each purchase can use (bool, shape (m, 4))."""
    k = shoppers.category
    avail = offer.open[k].copy()
    avail[:, RETAIL] &= np.isfinite(shoppers.travel_store)
    avail[:, ONLINE] &= shoppers.internet
    avail[:, HOME_PRINT] &= shoppers.internet & (shoppers.printer >= offer.printability[k])
    avail[:, PRINT_SERVICE] &= shoppers.internet & np.isfinite(shoppers.travel_hub)
    return avail


def utilities(offer: Offer, shoppers: Shoppers, habit_weight: float,
              social_weight: float) -> np.ndarray:
    """Systematic utility (m, 4); -inf where a channel is not available.

    A row with no finite entry is a purchase no channel can serve (lost demand).
    """
    cost = generalised_cost(offer, shoppers)
    ref = offer.ref_price[shoppers.category]
    util = -shoppers.sensitivity[:, None] * cost / ref[:, None]
    util += habit_weight * shoppers.usage + social_weight * shoppers.social
    return np.where(available(offer, shoppers), util, -np.inf)


def choice_probabilities(util: np.ndarray) -> np.ndarray:
    """Logit probabilities (m, 4) from utilities (rows need one finite entry)."""
    top = util.max(axis=1, keepdims=True)
    expu = np.exp(util - top)
    return expu / expu.sum(axis=1, keepdims=True)


def choose(util: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one channel per row from the logit probabilities (one uniform per row)."""
    top = util.max(axis=1, keepdims=True)
    cum = np.cumsum(np.exp(util - top), axis=1)  # unnormalised: the draw scales instead
    draw = rng.random(len(util)) * cum[:, -1]
    return np.minimum((draw[:, None] > cum).sum(axis=1), len(CHANNELS) - 1)
