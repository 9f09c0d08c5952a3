"""Unified profiles: the read model, survivorship, salutation and search."""
