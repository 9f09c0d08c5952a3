"""What people did: orders for shop accounts, posts by followers and tickets by support contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from demo.exports import Row
from demo.people import Inventor, Person
from demo.sources import Sources
from demo.spelling import euro, german_date
from demo.words import (
    FREE_SHIPPING_FROM,
    PRODUCTS,
    SHIPPING_CENTS,
    SHOP,
    SHOP_HANDLE,
    TEMPLATES,
    TIMELINE_END,
    TIMELINE_START,
    Template,
)


@dataclass(frozen=True)
class Order:
    number: str
    account: str
    when: datetime
    lines: tuple[tuple[int, str], ...]  # (quantity, product)
    cents: int


class Activity:
    """Orders for shop accounts, posts by followers and tickets by support contacts."""

    def __init__(self, inventor: Inventor, exports: Sources) -> None:
        self.inventor, self.rng, self.exports = inventor, inventor.rng, exports
        self.orders_of: dict[int, list[Order]] = {}

    def purchases(self) -> list[Row]:
        drafts = []
        for number, person, since, until in self.exports.accounts:
            count = self.inventor.weighted({0: 15, 1: 30, 2: 20, 3: 12, 4: 9, 5: 6, 6: 4, 8: 4})
            for _ in range(count):
                drafts.append((self.inventor.moment_on(self.inventor.day_between(since, until)), number, person))
        drafts.sort(key=lambda draft: (draft[0], draft[1]))
        rows = []
        for sequence, (when, account, person) in enumerate(drafts, start=200001):
            order = self.order(str(sequence), account, when)
            self.orders_of.setdefault(person.key, []).append(order)
            rows.append(Row(person.key, _order_values(order)))
        return rows

    def order(self, number: str, account: str, when: datetime) -> Order:
        picks = self.rng.sample(PRODUCTS, self.inventor.weighted({1: 40, 2: 30, 3: 20, 4: 10}))
        quantities = [self.inventor.weighted({1: 70, 2: 22, 3: 8}) for _ in picks]
        lines = tuple((quantity, name) for quantity, (name, _, _) in zip(quantities, picks, strict=True))
        cents = sum(quantity * price for quantity, (_, price, _) in zip(quantities, picks, strict=True))
        if cents < FREE_SHIPPING_FROM:
            cents += SHIPPING_CENTS
        return Order(number, account, when, lines, cents)

    def posts(self, followers: list[Row], persons: list[Person]) -> list[Row]:
        drafts = []
        for row in followers:
            if self.inventor.chance(0.45):
                person = persons[row.person]
                for _ in range(self.inventor.weighted({1: 60, 2: 28, 3: 12})):
                    day = self.inventor.day_between(date.fromisoformat(row.values["followed_at"]), TIMELINE_END)
                    drafts.append((self.inventor.moment_on(day), row, person))
        drafts.sort(key=lambda draft: (draft[0], draft[1].values["id"]))
        rows = []
        for sequence, (when, follower, person) in enumerate(drafts, start=1):
            network = follower.values["network"]
            template = self.template("post", person, has_orders=False)
            slots = self.slots(person, follower.values.get("first_name", ""), "", None)
            values = {
                "post_id": f"{network}-{1_800_000 + sequence}",
                "author": follower.values["id"],
                "created_at": when.isoformat(),
                "network": network,
                "type": "post",
                "text": template.text.format(**slots),
            }
            rows.append(Row(person.key, values))
        return rows

    def tickets(self, contacts: list[Row], persons: list[Person]) -> list[Row]:
        """Tickets, mostly a few days after one of the person's orders, which they then refer to."""
        drafts = []
        for contact in contacts:
            person = persons[contact.person]
            for _ in range(self.inventor.weighted({1: 60, 2: 30, 3: 10})):
                orders = self.orders_of.get(person.key)
                order = self.rng.choice(orders) if orders else None
                drafts.append((self.ticket_time(order), contact, person, order))
        drafts.sort(key=lambda draft: (draft[0], draft[1].values["Ticket contact id"]))
        rows = []
        for sequence, (when, contact, person, order) in enumerate(drafts, start=50001):
            template = self.template("ticket", person, has_orders=order is not None)
            first = contact.values["First name"]
            slots = self.slots(person, first, " ".join(filter(None, (first, contact.values["Last name"]))), order)
            values = {
                "Ticket ID": str(sequence),
                "Ticket contact id": contact.values["Ticket contact id"],
                "Created at": when.isoformat(sep=" "),
                "Channel": "email",
                "Type": "ticket",
                "Subject": template.subject.format(**slots),
                "Text": template.text.format(**slots),
            }
            rows.append(Row(person.key, values))
        return rows

    def ticket_time(self, order: Order | None) -> datetime:
        if order:
            return order.when + timedelta(days=self.rng.randint(2, 20), minutes=self.rng.randrange(600))
        return self.inventor.moment_on(self.inventor.day_between(TIMELINE_START, TIMELINE_END))

    def template(self, kind: str, person: Person, has_orders: bool) -> Template:
        form = "" if person.language == "en" else person.address_form
        if kind == "post" and form == "Sie" and self.inventor.chance(0.5):
            form = "du"  # on social media even formal people often write informally
        fitting = [
            template
            for template in TEMPLATES
            if (template.kind, template.language, template.form) == (kind, person.language, form)
            and (has_orders or not template.needs_order)
        ]
        return self.rng.choice(fitting)

    def slots(self, person: Person, first: str, name: str, order: Order | None) -> dict[str, str]:
        """What fills a template: products from ``order`` (else from anything the person bought)."""
        lines = order.lines if order else [line for each in self.orders_of.get(person.key, []) for line in each.lines]
        bought = [product for _, product in lines]
        drinks = [product for product in bought if _kind_of(product) != "item"] or _names("tea", "coffee")
        teas = [product for product in bought if _kind_of(product) == "tea"] or _names("tea")
        items = [product for product in bought if _kind_of(product) == "item"] or _names("item")
        product = self.rng.choice(drinks)
        return {
            "product": _short(product),
            "product2": _short(self.rng.choice([other for other in _names("tea", "coffee") if other != product])),
            "tea": _short(self.rng.choice(teas)),
            "item": _short(self.rng.choice(items)),
            "order": order.number if order else "",
            "days": str(self.rng.randint(5, 21)),
            "quick": str(self.rng.randint(2, 4)),
            "shop": SHOP,
            "handle": SHOP_HANDLE,
            "first": first or person.first_name,
            "name": name or person.first_name,
        }


def _names(*kinds: str) -> list[str]:
    return [name for name, _, kind in PRODUCTS if kind in kinds]


def _kind_of(product: str) -> str:
    return next(kind for name, _, kind in PRODUCTS if name == product)


def _short(product: str) -> str:
    """The product's name without its pack size: ``Sencha Kagoshima, 100 g`` → ``Sencha Kagoshima``."""
    return product.split(",")[0]


def _order_values(order: Order) -> dict[str, str]:
    return {
        "Bestellnummer": order.number,
        "Kundennummer": order.account,
        "Bestelldatum": f"{german_date(order.when.date())} {order.when:%H:%M}",
        "Betrag": euro(order.cents),
        "Währung": "EUR",
        "Artikel": "; ".join(f"{quantity}x {name}" for quantity, name in order.lines),
    }
