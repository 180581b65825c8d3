"""Rule tests build their inputs with ``rules_factory`` (inline tables, defaults filled)."""
