"""Kundenbild core: the encrypted store, the data model, ingestion and the CLI."""
