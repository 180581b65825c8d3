"""Fixtures shared by the reading, validation and CLI tests (helpers live in ``builders``)."""

from __future__ import annotations

import pytest

from builders import clean_inputs


@pytest.fixture
def inputs() -> dict[str, list[dict]]:
    """A fresh copy of the clean input (see ``builders.clean_inputs``), to modify per test."""
    return clean_inputs()
