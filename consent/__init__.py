"""Consent, retention and data-subject requests."""
