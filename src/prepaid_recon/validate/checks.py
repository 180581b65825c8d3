"""Kept for existing importers: validation lives in :mod:`prepaid_recon.validate`.

``from prepaid_recon.validate import validate, Validated`` is the entry point.
"""

from prepaid_recon.validate import Validated, validate

__all__ = ["Validated", "validate"]
