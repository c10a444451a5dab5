"""Stage 1, what every stage shares: paths, errors, periods, safe file writing, provinces, targets, provenance."""
