"""The ``cdp demo`` command: a new store filled with invented customers and one user per role.

It is defined here and added to ``cdp`` by ``kundenbild.cli``. The generator (and with it Faker) is
imported only when the command runs, so no other ``cdp`` command loads it.
"""

from __future__ import annotations

import secrets

import click

from cdp import config
from cdp.cli import initialise, wiring
from cdp.errors import ConfigError
from cdp.staff.accounts import add_user
from cdp.staff.roles import ROLES


@click.command()
@click.option("--people", default=2000, show_default=True, help="How many people to invent.")
@click.option("--seed", default=7, show_default=True, help="Seed, so the same demo comes out each time.")
def demo(people: int, seed: int) -> None:
    """Create a new store filled with invented customers and one user per role.

    The users' passwords are random and printed once, here.
    """
    from demo.loader import build_demo  # here, not above: Faker loads for this command only

    paths = config.paths()
    if paths.store.exists():
        raise ConfigError(f"{paths.store} already exists; the demo only goes into a new data folder.")
    store = initialise(paths)
    try:
        region = config.default_region()
        hooks = wiring()
        click.echo(build_demo(store, people=people, seed=seed, region=region, after_import=hooks.after_import,
                              import_consent=hooks.import_consent))  # fmt: skip
        wiring().resolve_all(store, "demo")
        for line in hooks.add_to_demo(store, hooks.after_import):
            click.echo(line)
        passwords = {role: secrets.token_urlsafe(12) for role in ROLES}
        for role, password in passwords.items():
            add_user(store, f"demo-{role}", role, password, actor="demo")
    finally:
        store.close()
    click.echo("\nSign in with one of these users (passwords shown only now):")
    for role, password in passwords.items():
        click.echo(f"  demo-{role:<10} {password}")
