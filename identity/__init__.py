"""Identity resolution: which source records belong to the same person."""
