"""Marketing: segments, campaigns, their results (attribution and uplift) and offers."""
