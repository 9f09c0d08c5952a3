"""Bringing files and API pushes in: reading every file type, mapping columns, contacts, interactions."""
