"""Policy: export-control classification of chips and regulatory training-compute thresholds."""
