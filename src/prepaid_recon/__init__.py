"""prepaid-recon: month-end reconciliation of prepaid support hours."""

__version__ = "0.1.0"
