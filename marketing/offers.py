"""The next best offer: what a customer is likely to want next, from what other customers bought together.

"Customers who bought X also bought Y": for every two products the store counts the customers who bought
both (``co_purchase``, kept by triggers as purchases come, move and go: migration 0014). A person's offers
are the products they have not bought that the customers of their own products bought most, counted over
all of their products; each says which of their products it goes with most often, and how many of that
product's customers bought both. Pairs fewer than ``LEAST`` customers share are chance, not a pattern, and
are left out. Nothing of anyone's purchases is opened for it: the counts hold product names and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdp.store.database import Store
from marketing import store as marketing_store

LEAST = 2
SHOWN = 3


@dataclass(frozen=True)
class Offer:
    """A product to offer, ``because`` the person bought that one: ``together`` of its ``buyers`` bought both;
    ``score`` sums the customers over all of the person's products."""

    product: str
    score: int
    because: str
    together: int
    buyers: int


def next_best(store: Store, profile_id: int, limit: int = SHOWN) -> list[Offer]:
    """The ``limit`` best offers for one profile, the likeliest first."""
    with store.read() as tx:
        owned = marketing_store.products_of(tx, profile_id)
        pairs = marketing_store.bought_with(tx, owned, LEAST)
        score: dict[int, int] = {}
        best: dict[int, tuple[int, int]] = {}  # other -> (customers, own product)
        for own, other, customers in pairs:
            score[other] = score.get(other, 0) + customers
            if customers > best.get(other, (0, 0))[0]:
                best[other] = (customers, own)
        chosen = sorted(score, key=lambda other: (-score[other], -best[other][0], other))[:limit]
        names = marketing_store.product_names(tx, chosen + [best[other][1] for other in chosen])
        counts = marketing_store.buyers(tx, [best[other][1] for other in chosen])
    return [Offer(names[other], score[other], names[best[other][1]], best[other][0], counts[best[other][1]])
            for other in chosen]  # fmt: skip
