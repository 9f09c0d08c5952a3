"""``cdp resolve`` and ``cdp export links``: identity resolution from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from cdp import spreadsheet
from cdp.cli import opened_store
from identity import store as identity_store
from identity.resolve import STEPS, resolve_all


@click.command()
@click.option("--retrain", is_flag=True, help="Train the match model afresh on the records as they are now.")
def resolve(retrain: bool) -> None:
    """Re-run identity resolution over every record (staff decisions are kept).

    Shared identifiers join records first; from 1,000 records on, a match
    model (Splink) trained on this store's own records adds the pairs it is
    sure of. Typos in names and dates are weighed, not vetoed; nothing
    ever joins records that certainly name two people (two members of one
    household, or first and last name both different).
    """
    with (
        opened_store() as store,
        click.progressbar(
            length=len(STEPS), label="Resolving", file=click.get_text_stream("stderr"), item_show_func=lambda step: step
        ) as bar,
    ):
        learnt: list[str] = []
        counts = resolve_all(
            store, actor="cli", retrain=retrain, progress=lambda step: bar.update(1, step), processes=True,
            notes=learnt.append,
        )  # fmt: skip
    for note in dict.fromkeys(learnt):
        click.echo(f"Match model: {note}", err=True)
    click.echo(
        f"Resolved {counts['records']} records into {counts['profiles']} profiles "
        f"({counts['moved']} records moved, {counts['profiles_removed']} profiles merged away)."
    )


@click.command(name="links")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def export_links(file: Path) -> None:
    """Write source,source_record_id,profile_id for every source record to FILE (CSV)."""
    with opened_store() as store:
        with store.read() as tx:
            rows = identity_store.export_links(tx, store.personal)
        with file.open("w", newline="", encoding="utf-8") as handle:
            writer = spreadsheet.writer(handle)
            writer.writerow(["source", "source_record_id", "profile_id"])
            writer.writerows(sorted(rows))
    click.echo(f"Wrote {len(rows)} links to {file}.")
