"""Segments, the customer list and the consent-gated export at scale, timed on an encrypted store.

Builds a store of ``--profiles`` customers through the real import (a shop's contacts, one to five orders for
most of them over two years, each naming one to three of 200 products, newsletter consent for about half, some
withdrawn), then times, each several times (the median and the slowest are printed; timings are reported,
never asserted):

* the count of a segment of three conditions, one on purchase history: two orders or more, a purchase in the
  last 365 days of at least 20 €, newsletter consent by email (``marketing.customers.count``);
* the same count the naive way, as a peer on the same store: a correlated ``EXISTS`` over ``interaction`` per
  profile instead of the rollup and one grouped ``IN`` (what a hand-written query or an ORM filter does);
* a page of the customer list of that segment, sorted by revenue (``customer_page``, decrypting the page);
* the audience export of the whole store through the consent gate (``consent.segments.contacts``);
* the next best offer of a customer from the counts the triggers keep (``marketing.offers``), and as a peer the
  same counted from the purchases' links at the time of asking (one self-join, what a report query would do).

    .venv/bin/python bench/segments_speed.py --profiles 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import and_, exists, func, select

from cdp.config import Paths
from cdp.ingest.pipeline import import_data
from cdp.store.database import Store, create_store
from cdp.store.keys import MasterKey
from cdp.store.schema import interaction, profile, profile_product, purchase_product
from consent import repository
from consent import segments as exports
from kundenbild import bootstrap
from marketing import customers, offers, segments

SEGMENT = {"match": "all", "conditions": [
    {"field": "orders", "op": "at_least", "value": 2},
    {"field": "purchases", "op": "count_at_least", "value": {"count": 1, "within_days": 365, "amount_at_least": 20}},
    {"field": "consent", "op": "granted", "value": {"purpose": "newsletter", "channel": "email"}},
]}  # fmt: skip
TODAY = date.today()  # "within the last 365 days" counts back from the real today, in the segment as in the peer


def build(store: Store, profiles: int, seed: int) -> None:
    rng = random.Random(seed)
    contacts, orders, opt_ins = [], [], ["E-Mail;Status;Bestätigt am"]
    for number in range(profiles):
        email = f"kunde{number}@example.org"
        names = {"first_name": f"Vorname{number % 997}", "last_name": f"Nachname{number % 4999}"}
        contacts.append({"id": f"K{number}", **names, "email": email, "city": f"Ort{number % 300}"})
        for order in range(rng.choice((0, 1, 1, 2, 3, 5))):
            day = TODAY - timedelta(days=rng.randrange(730))
            orders.append({"id": f"B{number}-{order}", "contact_id": f"K{number}", "occurred_at": day.isoformat(),
                           "amount": f"{rng.randint(5, 200)}.{rng.randrange(100):02d}", "currency": "EUR",
                           "product": _basket(rng, number)})  # fmt: skip
        if rng.random() < 0.5:
            opt_ins.append(f"{email};{'angemeldet' if rng.random() < 0.9 else 'abgemeldet'};01.03.2025")
    import_data(store, "kunden.jsonl", _jsonl(contacts), "shop", processes=True)
    import_data(store, "bestellungen.jsonl", _jsonl(orders), "shop", kind="purchases", processes=True)
    bootstrap.import_consent(store, Path("newsletter.csv"), "\n".join(opt_ins).encode(), "newsletter", "email", "b")


def _basket(rng: random.Random, number: int) -> str:
    """One to three products of a shop of 200, mostly from the customer's favourite of 20 ranges of 10."""
    favourite = number % 20
    picks = {rng.randrange(200) if rng.random() < 0.3 else favourite * 10 + rng.randrange(10)
             for _ in range(rng.randint(1, 3))}  # fmt: skip
    return "; ".join(f"Produkt {pick:03d}" for pick in sorted(picks))


def _jsonl(rows: list[dict]) -> bytes:
    return "\n".join(json.dumps(row) for row in rows).encode()


def timed(function, repeat: int) -> tuple[float, float, object]:
    """Median and slowest of ``repeat`` runs, in milliseconds, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), result


def naive_count(store: Store) -> int:
    """The same segment as a hand-written query would put it: per profile, correlated subqueries."""
    since = (TODAY - timedelta(days=365)).isoformat()
    purchases = interaction.alias("purchase")
    per_profile = and_(purchases.c.profile_id == profile.c.id, purchases.c.kind == "purchase")
    orders = select(func.count()).where(per_profile).scalar_subquery()
    recent = exists().where(per_profile, purchases.c.occurred_at >= since, purchases.c.amount_minor >= 2000)
    granted = profile.c.id.in_(repository.consent_profiles("newsletter", "email", "granted"))
    query = select(func.count()).where(orders >= 2, recent, granted, profile.c.status != "restricted")
    with store.read() as tx:
        return tx.execute(query).scalar_one()


def naive_offers(store: Store, profile_id: int) -> list[tuple[int, int]]:
    """The next best offer counted at the time of asking (peer): the other products of every customer who
    bought one of this person's products, by customers, from the purchases' links."""
    mine = (
        select(purchase_product.c.product_id)
        .join(interaction, interaction.c.id == purchase_product.c.interaction_id)
        .where(interaction.c.profile_id == profile_id)
    )
    theirs = interaction.alias("theirs")
    others = purchase_product.alias("others")
    query = (
        select(others.c.product_id, func.count(theirs.c.profile_id.distinct()).label("customers"))
        .select_from(purchase_product)
        .join(interaction, interaction.c.id == purchase_product.c.interaction_id)
        .join(theirs, theirs.c.profile_id == interaction.c.profile_id)
        .join(others, others.c.interaction_id == theirs.c.id)
        .where(purchase_product.c.product_id.in_(mine), others.c.product_id.not_in(mine),
               interaction.c.profile_id != profile_id)
        .group_by(others.c.product_id)
        .order_by(func.count(theirs.c.profile_id.distinct()).desc())
        .limit(3)
    )  # fmt: skip
    with store.read() as tx:
        return [tuple(row) for row in tx.execute(query)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    group = segments.parse(SEGMENT)
    with tempfile.TemporaryDirectory() as folder:
        store = create_store(Paths(Path(folder)), MasterKey(raw=os.urandom(32)))
        started = time.perf_counter()
        build(store, args.profiles, args.seed)
        built = time.perf_counter() - started
        count_median, count_max, count = timed(lambda: customers.count(store, group, False), args.repeat)
        naive_median, naive_max, naive = timed(lambda: naive_count(store), max(1, args.repeat // 3))
        page_median, page_max, _ = timed(
            lambda: customers.customer_page(store, group, "bench", False, sort="revenue"), args.repeat
        )
        deep_median, deep_max, _ = timed(
            lambda: customers.customer_page(store, group, "bench", False, sort="revenue", number=200), args.repeat
        )
        export_median, export_max, (rows, _audience) = timed(
            lambda: exports.contacts(store, "newsletter", "email", "bench"), 3
        )
        with store.read() as tx:
            buyers = list(tx.execute(select(profile_product.c.profile_id).distinct().limit(50)).scalars())
        sample = iter(buyers * args.repeat)
        offers_median, offers_max, offered = timed(lambda: offers.next_best(store, next(sample)), len(buyers))
        naive_offers_median, naive_offers_max, _ = timed(lambda: naive_offers(store, next(sample)), 5)
        store.close()
    print(f"Segments on {args.profiles:,} profiles (store built in {built:.0f} s); median / slowest of the runs")
    print(f"{'what':<58}{'median ms':>11}{'slowest ms':>12}")
    lines = [
        (f"segment count, 3 conditions (rollup + IN): {count:,} people", count_median, count_max),
        (f"the same, correlated EXISTS per profile (peer): {naive:,}", naive_median, naive_max),
        ("customer list, first page of 25, sorted by revenue", page_median, page_max),
        ("customer list, page 200", deep_median, deep_max),
        (f"audience export through the consent gate: {len(rows):,} rows", export_median, export_max),
        (f"next best offer of one customer (co_purchase): {len(offered)} offers", offers_median, offers_max),
        ("the same counted at the time of asking (peer)", naive_offers_median, naive_offers_max),
    ]
    for label, median, slowest in lines:
        print(f"{label:<58}{median:>11.1f}{slowest:>12.1f}")


if __name__ == "__main__":
    main()
