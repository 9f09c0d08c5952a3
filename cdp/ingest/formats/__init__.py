"""Readers for file formats that need more than the CSV and JSON readers in ``cdp.ingest.files``."""
