"""The encrypted store: the database and its unit of work, keys, vault, sealing, schema, migrations, backup."""
