"""The ``cdp`` command, assembled: the core's commands, identity's, consent's, marketing's, ``serve`` and ``demo``.

Each area defines its commands without attaching them; they are added here,
so that what ``cdp`` offers is read in one place, and run with the wiring of
``kundenbild.bootstrap``.
"""

from __future__ import annotations

import click

from cdp.cli import export, main
from consent import cli as consent_cli
from demo import cli as demo_cli
from identity import cli as identity_cli
from kundenbild import bootstrap
from marketing import cli as marketing_cli
from web import cli as web_cli


def command() -> click.Group:
    """The whole ``cdp`` group."""
    main.add_command(identity_cli.resolve)
    export.add_command(identity_cli.export_links)
    export.add_command(consent_cli.export_contacts)
    for group in (consent_cli.consent, consent_cli.dsr, consent_cli.retention_group):
        main.add_command(group)
    main.add_command(marketing_cli.campaign_group)
    main.add_command(marketing_cli.offers_group)
    main.add_command(web_cli.serve)
    main.add_command(demo_cli.demo)
    return main


def run() -> None:
    """The ``cdp`` program."""
    command()(obj=bootstrap.wiring())


if __name__ == "__main__":
    run()
