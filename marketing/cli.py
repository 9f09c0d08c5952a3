"""``cdp campaign`` and ``cdp offers``: list the campaigns, read a mail tool's report into one, and link
purchases imported before products were kept to their products.

The same core code and the same audit entries as the campaign page.
"""

from __future__ import annotations

from pathlib import Path

import click

from cdp import products
from cdp.cli import messages, opened_store
from cdp.ingest.pipeline import read_bytes
from marketing import campaigns, responses

ACTOR = "cli"


@click.group(name="campaign")
def campaign_group() -> None:
    """Campaigns: list them, read the mail tool's report of what recipients did."""


@campaign_group.command(name="list")
def campaign_list() -> None:
    """Every campaign: its number, name, purpose and channel, and when it was sent."""
    with opened_store() as store:
        found = campaigns.every(store)
    for one in found:
        sent = f"sent {one.sent_at[:16].replace('T', ' ')}" if one.sent_at else "not sent"
        click.echo(f"{one.id}\t{one.name}\t{one.purpose}/{one.channel}\t{sent}")
    if not found:
        click.echo("No campaigns yet.")


@campaign_group.command(name="responses")
@click.argument("campaign_id", type=int)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=click.Choice(responses.KINDS), default=None,
              help="What every row is, when neither the file's name nor an event column says it.")  # fmt: skip
def campaign_responses(campaign_id: int, file: Path, kind: str | None) -> None:
    """Read the mail tool's report of CAMPAIGN_ID: who opened, clicked, replied, unsubscribed or bounced.

    Mailchimp's report lists and granular activity files, CleverReach's and
    Brevo's recipient exports, or any list with an email column. Only the
    campaign's recipients count; an unsubscribe withdraws their consent for
    the campaign's purpose and channel. Reading the same file again adds
    nothing.
    """
    with opened_store() as store:
        done = responses.import_responses(store, campaign_id, file, read_bytes(file), kind, ACTOR)
    gettext = messages(click.get_current_context())
    first, *rest = done.summary()
    click.echo(first.render(gettext))
    for line in rest:
        click.echo("  " + line.render(gettext))


@click.group(name="offers")
def offers_group() -> None:
    """The next best offer: what customers bought together."""


@offers_group.command(name="rebuild")
def offers_rebuild() -> None:
    """Link the purchases imported before products were kept to their products, so that they count in what
    is bought together. Purchases imported since are linked as they come; running it again adds nothing."""
    with opened_store() as store:
        purchases, links = products.backfill(store)
    click.echo(f"Linked {purchases} purchase(s) to their products ({links} link(s)).")
