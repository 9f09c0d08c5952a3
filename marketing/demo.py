"""Two past campaigns for the demo store, so that a new user finds a segment, an audience and a report with
real figures in the first minute.

The demo's people are invented by ``demo`` (which knows no area); this adds what marketing would have done
with them: the segment of everyone who agreed to the newsletter by email, and two campaigns on snapshots
of it with their holdouts, sent in spring and late summer. A share of the recipients answered each with an
order in the weeks after (the demo's shop export does not know the campaigns, so the orders are imported
here, as a shop would export them); the holdout bought only what it would have anyway. The report then
shows an uplift with its interval, as a real one would, and the mail tool's report says who opened, clicked,
unsubscribed or bounced.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from cdp.ingest.pipeline import import_data
from cdp.profiles import unified as profiles
from cdp.store.database import Store
from marketing import campaigns, customers, responses, segments

NEWSLETTER = {"match": "all", "conditions": [
    {"field": "consent", "op": "granted", "value": {"purpose": "newsletter", "channel": "email"}}]}  # fmt: skip
CAMPAIGNS = (
    ("Frühlingsaktion", "2026-04-20T08:00:00+00:00", 0.09, 15.0,
     ("Frühling bei uns, {first_name}", "{greeting}\n\nbis Ende April 15 % auf unsere Frühjahrsauswahl.\n"),
     ("Spring at our shop", "{greeting}\n\n15 % off our spring selection until the end of April.\n")),
    ("Sommerschluss", "2026-08-24T08:00:00+00:00", 0.05, 0.0,
     ("Sommerschlussverkauf", "{greeting}\n\nnur noch diese Woche: Sommerware zum halben Preis.\n"),
     ("End of summer sale", "{greeting}\n\nthis week only: summer goods at half price.\n")),
)  # fmt: skip
COST = 180.0
PRODUCT_OF = {"Frühlingsaktion": "Frühjahrsauswahl (Paket)", "Sommerschluss": "Sommer-Eistee (Paket)"}


def add_campaigns(store: Store, after_import, seed: int = 7) -> list[str]:
    """The newsletter segment and the two campaigns; returns a line about each for the demo's summary."""
    rng = random.Random(seed)
    group = segments.parse(NEWSLETTER)
    segment_id = customers.save_segment(store, "Newsletter-Leser", group, "demo")
    lines = []
    for name, sent_at, answered, discount, german, english in CAMPAIGNS:
        snapshot_id = campaigns.take_snapshot(store, f"{name}: Newsletter-Leser", group, "demo", (segment_id, 1))
        campaigns.freeze(store, snapshot_id, "demo")
        campaign_id = campaigns.create_campaign(store, name, snapshot_id, "newsletter", "email", "demo")
        message = {"subject_de": german[0], "body_de": german[1], "subject_en": english[0], "body_en": english[1]}
        campaigns.save_message(store, campaign_id, message, COST, "demo")
        recipients = campaigns.mark_sent(store, campaign_id, "demo", sent_at).recipients
        orders = _answers(store, recipients, sent_at, answered, discount, rng, name)
        if orders:
            data = "\n".join(json.dumps(order) for order in orders).encode()
            import_data(store, f"antworten-{campaign_id}.jsonl", data, "webshop", kind="purchases", actor="demo",
                        after_import=after_import)  # fmt: skip
        report = _report(store, recipients, {order["email"] for order in orders}, sent_at, rng)
        responses.import_responses(store, campaign_id, Path(f"bericht-{campaign_id}.csv"), report, None, "demo")
        lines.append(f"Campaign {name}: {len(recipients)} recipients, {len(orders)} answered with an order")
    return lines


def _report(store: Store, recipients: list[int], buyers: set[str], sent_at: str, rng: random.Random) -> bytes:
    """The mail tool's report of the campaign, as an event list: about 40 % opened it, whoever bought clicked
    first, a few others clicked, about one in a hundred unsubscribed and one in fifty bounced."""
    sent = datetime.fromisoformat(sent_at).replace(tzinfo=None)
    rows = ["Email,Event,Timestamp"]
    for person in profiles.load_many(store, recipients):
        email = person.value("email")
        if not email:
            continue
        opened = sent + timedelta(hours=rng.randint(1, 72))
        events = []
        if rng.random() < 0.02:
            events.append("bounce")
        elif email in buyers or rng.random() < 0.4:
            events.append("open")
            if email in buyers or rng.random() < 0.15:
                events.append("click")
            if rng.random() < 0.01:
                events.append("unsubscribe")
        rows += [f"{email},{event},{(opened + timedelta(minutes=5 * step)).isoformat(sep=' ')}"
                 for step, event in enumerate(events)]  # fmt: skip
    return ("\n".join(rows) + "\n").encode()


def _answers(store: Store, recipients: list[int], sent_at: str, share: float, discount: float,
             rng: random.Random, name: str) -> list[dict]:  # fmt: skip
    """The orders a share of the recipients placed in the weeks after the campaign, by their email."""
    sent = datetime.fromisoformat(sent_at).replace(tzinfo=None)
    chosen = [person for person in recipients if rng.random() < share]
    orders = []
    for number, person in enumerate(profiles.load_many(store, chosen)):
        email = person.value("email")
        if not email:
            continue
        when = sent + timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 12))
        amount = round(rng.uniform(25, 140) * (1 - discount / 100), 2)
        orders.append({"id": f"{name[:4].upper()}-{number + 1:04d}", "email": email, "occurred_at": when.isoformat(),
                       "amount": f"{amount:.2f}", "currency": "EUR", "product": PRODUCT_OF[name]})  # fmt: skip
    return orders
