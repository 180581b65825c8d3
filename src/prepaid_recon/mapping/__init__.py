"""Mappings: how a user's exports (Odoo, Harvest, Zendesk, Freshdesk, their own) become the
contract's input sheets, applied while reading (docs/mappings.md)."""
