"""``cdp resolve`` and ``cdp export links``: identity resolution from the command line."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from cdp import linking
from cdp.cli import main, opened_store
from identity.resolve import resolve_all


@main.command()
def resolve() -> None:
    """Re-run identity resolution over every record (staff decisions are kept)."""
    with opened_store() as store:
        counts = resolve_all(store, actor="cli")
    click.echo(
        f"Resolved {counts['records']} records into {counts['profiles']} profiles "
        f"({counts['moved']} records moved, {counts['profiles_removed']} profiles merged away)."
    )


@main.group()
def export() -> None:
    """Export data from the store."""


@export.command(name="links")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def export_links(file: Path) -> None:
    """Write source,source_record_id,profile_id for every source record to FILE (CSV)."""
    with opened_store() as store:
        rows = linking.export_links(store)
        with file.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["source", "source_record_id", "profile_id"])
            writer.writerows(sorted(rows))
    click.echo(f"Wrote {len(rows)} links to {file}.")
