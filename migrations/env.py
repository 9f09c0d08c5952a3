"""Alembic environment: migrations always run on a connection Kundenbild opened.

The connection (already keyed for SQLCipher) arrives in
``config.attributes["connection"]``; nothing here reads a URL or a key.
"""

from alembic import context

from cdp.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations through 'cdp init' or 'cdp migrate', not the alembic command.")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
