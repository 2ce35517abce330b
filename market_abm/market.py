"""Channel offers and the customers' multinomial-logit channel choice.

Channels, in column order everywhere in the package:
``retail`` (shop), ``online`` (home delivery), ``home_print`` (design bought on a platform,
printed at home) and ``print_service`` (a print hub prints the design).

A purchase is a basket of ``items`` items of one category bought together on one channel. Its
generalised cost per item ($) is

    price + (per-purchase fee + travel + delay * time value) / items
    + reference price * (mismatch - personal fit value)  [+ printing effort, failed prints]

where the mismatch is what the buyer loses, as a fraction of the price, when the channel does
not carry the exact item wanted (the long tail: ``long_tail * (1 - coverage)``), when the item
cannot be seen or tried first (``touch``, online), and when a printed item falls short of a
made one (``1 - quality``). The utility is
``-sensitivity * cost / reference price + habit_weight * own use + social_weight * neighbours'
use`` (Train 2009, ch. 3, for the logit form).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market_abm.technology import print_quality

CHANNELS = ("retail", "online", "home_print", "print_service")
RETAIL, ONLINE, HOME_PRINT, PRINT_SERVICE = range(4)


@dataclass
class Offer:
    """What the supply side offers in one step, per category (rows) and channel (columns).

    price: $ per item paid (travel excluded); purchase_fee: $ per purchase (the parcel fee
    online); delay: days per purchase; fit: personal fit in [0, 1]; mismatch: fraction of the
    reference price lost per item to a missing exact match, to buying unseen, or (print
    service) to print quality; open: the channel is supplied for that category; findable
    (K,): chance that a design of the item wanted is on sale (a printer can make the item
    and someone has shared or licensed its design): only then can a purchase be printed.
    Per category: ref_price ($ per item at the start), items (per purchase), personalisation,
    printability, quality_max, material ($ per home print attempt); and quality_scale,
    print_effort ($ of attention per item for a household of average hassle), failure_scale.
    """

    price: np.ndarray
    purchase_fee: np.ndarray
    delay: np.ndarray
    fit: np.ndarray
    mismatch: np.ndarray
    open: np.ndarray
    findable: np.ndarray
    ref_price: np.ndarray
    items: np.ndarray
    personalisation: np.ndarray
    printability: np.ndarray
    quality_max: np.ndarray
    quality_scale: float
    material: np.ndarray
    print_effort: float
    failure_scale: float
    member_discount: np.ndarray | None = None  # (K, 1 + marketplaces) share of the fee waived


@dataclass
class Shoppers:
    """The customer-side attributes of a batch of purchases (one row per purchase).

    category: index of the category; travel_store and travel_hub: $ per purchase of the trip
    to the nearest store of the category's type and to the nearest print hub (inf when there
    is none); time_value: $ / day; taste: personalisation taste; sensitivity: logit weight;
    internet: has access; printer: capability of the owned printer (0 if none); hassle:
    multiple of the average attention a home print costs this customer; order_effort: $ of
    the household's time an online order takes (less with a smartphone); usage and social:
    (m, 4) own and neighbours' channel use; design_found: a design of the item wanted exists
    (drawn per purchase with the offer's ``findable`` chance), so it can be printed.
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
    order_effort: np.ndarray
    usage: np.ndarray
    social: np.ndarray
    design_found: np.ndarray | bool = True
    member_of: np.ndarray | None = None  # marketplace index + 1 of the household's membership
    counts: np.ndarray | None = None

    def per_category(self, values: np.ndarray) -> np.ndarray:
        """``values`` (one per category) for each purchase. With ``counts`` (purchases per
        category, rows grouped by category as they are drawn) a repeat replaces the gather."""
        values = np.asarray(values, dtype=np.float32 if values.dtype.kind == "f" else None)
        if self.counts is not None:
            return np.repeat(values, self.counts)
        return values.take(self.category)

    def waived(self, offer: Offer) -> np.ndarray:
        """Share of each purchase's parcel fee its household's membership waives (m,)."""
        table = offer.member_discount
        width = table.shape[1]
        return table.ravel().take(self.category * width + self.member_of).astype(np.float32)

    def subset(self, rows: np.ndarray) -> Shoppers:
        """The purchases ``rows`` (indices) only."""
        fields = {name: (value.take(rows, axis=0) if isinstance(value, np.ndarray) else value)
                  for name, value in vars(self).items() if name != "counts"}
        return Shoppers(**fields)


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
    """$ per good item printed at home on top of the price paid: attention, failed attempts
    and the shortfall of the printed item's quality."""
    effort = offer.print_effort * hassle
    margin = printer - offer.printability[category]
    extra = retries(margin, offer.failure_scale) - 1.0
    quality = print_quality(printer, offer.printability[category],
                            offer.quality_max[category], offer.quality_scale)
    return effort + (offer.material[category] + effort) * extra + (
        offer.ref_price[category] * (1.0 - quality))


def relative_cost(offer: Offer, shoppers: Shoppers, channel: int) -> np.ndarray:
    """Generalised cost per item of each purchase on one channel, divided by the category's
    reference price (shape (m,)): the term the logit weighs by price sensitivity.

    The per-category parts (price, fee, mismatch, delay and travel per item) are combined
    once per category; terms that are zero for every category on this channel (the shop's
    delay, most fits) are skipped.
    """
    inv = 1.0 / (offer.items * offer.ref_price)  # per purchase -> per item, relative
    base = offer.price[:, channel] / offer.ref_price + offer.purchase_fee[:, channel] * inv \
        + offer.mismatch[:, channel]
    cost = shoppers.per_category(base)
    delay = offer.delay[:, channel]
    if delay.any():
        cost += shoppers.per_category(delay * inv) * shoppers.time_value
    travel = {RETAIL: shoppers.travel_store, ONLINE: shoppers.order_effort,
              PRINT_SERVICE: shoppers.travel_hub}.get(channel)
    if travel is not None:
        cost += shoppers.per_category(inv) * travel
    if channel == ONLINE and shoppers.member_of is not None and shoppers.member_of.any():
        cost -= shoppers.waived(offer) * shoppers.per_category(offer.purchase_fee[:, ONLINE] * inv)
    fit = offer.personalisation * offer.fit[:, channel]
    if fit.any():
        cost -= shoppers.per_category(fit) * shoppers.taste
    if channel == HOME_PRINT:
        k = shoppers.category
        cost += home_print_cost(offer, k, shoppers.printer, shoppers.hassle) / \
            offer.ref_price.take(k)
    return cost



def channel_available(offer: Offer, shoppers: Shoppers, channel: int) -> np.ndarray:
    """Which purchases can use ``channel`` (bool (m,)): it is supplied for the category, and
    the household can reach it (a store of the type, internet, a printer that can print the
    item and a design found, a print hub)."""
    avail = shoppers.per_category(offer.open[:, channel])
    if channel == RETAIL:
        avail &= np.isfinite(shoppers.travel_store)
    elif channel == ONLINE:
        avail &= shoppers.internet
    elif channel == HOME_PRINT:
        if avail.any():
            avail &= shoppers.internet & (
                shoppers.printer > shoppers.per_category(offer.printability))
        avail &= shoppers.design_found
    else:
        avail &= shoppers.internet & np.isfinite(shoppers.travel_hub)
        avail &= shoppers.design_found
    return avail


def available(offer: Offer, shoppers: Shoppers) -> np.ndarray:
    """Which channels each purchase can use (bool, shape (m, 4); channel-major in memory)."""
    avail = np.empty((len(CHANNELS), len(shoppers.category)), dtype=bool)
    for c, row in enumerate(avail):
        row[:] = channel_available(offer, shoppers, c)
    return avail.T


# A channel open to fewer than this share of a step's purchases has its utilities computed on
# those purchases only (printing, early on): gathering them costs less than computing all.
SUBSET_SHARE = 0.3


def channel_utility(offer: Offer, shoppers: Shoppers, channel: int, habit_weight: float,
                    social_weight: float) -> np.ndarray:
    """Systematic utility (m,) of each purchase on one channel (availability aside)."""
    util = relative_cost(offer, shoppers, channel)
    util *= -shoppers.sensitivity
    util += habit_weight * shoppers.usage[:, channel]
    util += social_weight * shoppers.social[:, channel]
    return util


def utilities(offer: Offer, shoppers: Shoppers, habit_weight: float,
              social_weight: float) -> np.ndarray:
    """Systematic utility (m, 4); -inf where a channel is not available.

    A row with no finite entry is a purchase no channel can serve (lost demand). The array is
    the transpose of a channel-major (4, m) array: with four channels and 10^5-10^6
    purchases a step, whole-column operations are several times faster than row-wise ones
    (``choose`` reads it the same way). A channel no purchase can use is -inf throughout
    and its costs are not computed; a channel few can use is computed for those only.
    """
    util = np.full((len(CHANNELS), len(shoppers.category)), -np.inf, dtype=np.float32)
    return channel_utilities(offer, shoppers, habit_weight, social_weight, range(len(CHANNELS)),
                             util).T


def channel_utilities(offer: Offer, shoppers: Shoppers, habit_weight: float,
                      social_weight: float, channels, util: np.ndarray) -> np.ndarray:
    """Write the utilities of ``channels`` into the channel-major (4, m) float32 ``util``
    (-inf where unavailable) and return it; the other channels' rows are left as they are (a
    what-if that changes one channel reuses the others). Each row's value depends on that
    purchase alone, so a row computed on a subset equals the same row computed on all."""
    m = len(shoppers.category)
    for c in channels:
        row = util[c]
        avail = channel_available(offer, shoppers, c)
        usable = np.count_nonzero(avail)
        if usable == 0:
            row[:] = -np.inf
        elif usable < SUBSET_SHARE * m:
            rows = np.flatnonzero(avail)
            row[:] = -np.inf
            row[rows] = channel_utility(offer, shoppers.subset(rows), c, habit_weight,
                                        social_weight)
        else:
            row[:] = channel_utility(offer, shoppers, c, habit_weight, social_weight)
            row[~avail] = -np.inf
    return util


def served(util: np.ndarray) -> np.ndarray:
    """Purchases with at least one available channel (bool (m,))."""
    u = util.T
    ok = np.isfinite(u[0])
    for row in u[1:]:
        ok |= np.isfinite(row)
    return ok


def _best(u: np.ndarray) -> np.ndarray:
    """Highest utility per purchase of channel-major utilities (4, m)."""
    top = u[0].copy()
    for row in u[1:]:
        np.maximum(top, row, out=top)
    return top


def choice_probabilities(util: np.ndarray) -> np.ndarray:
    """Logit probabilities (m, 4) from utilities (rows need one finite entry)."""
    u = util.T
    expu = np.exp(u - _best(u))
    total = expu[0].copy()
    for row in expu[1:]:
        total += row  # summed in channel order, as numpy sums a row of four
    return (expu / total).T


def choose(util: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one channel per row from the logit probabilities (one uniform per row)."""
    u = util.T
    top = _best(u)
    cum = np.zeros(u.shape)
    for c, row in enumerate(u):
        finite = np.isfinite(row)
        if finite.all():
            np.exp(row - top, out=cum[c])
        elif finite.any():  # exp(-inf) = 0 exactly; skipping it saves its slow path
            np.exp(row - top, out=cum[c], where=finite)
        if c:  # running sums: unnormalised, the draw scales instead
            cum[c] += cum[c - 1]
    draw = rng.random(u.shape[1]) * cum[-1]  # in [0, total): never above the last sum
    chosen = np.zeros(u.shape[1], dtype=np.int64)
    for row in cum[:-1]:
        chosen += draw > row
    return chosen
