"""RULES section 1: one rounding, half away from zero, immune to binary representation."""

from __future__ import annotations

import pandas as pd
import pytest

from prepaid_recon.domain import Uom, UomTable, round_half_away, round_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.675, 2.68), (1.625, 1.63), (0.3333, 0.33), (-1.625, -1.63), (-2.675, -2.68), (0.005, 0.01)],
)
def test_quantities_round_half_away_from_zero_not_bankers(value: float, expected: float) -> None:
    assert round_half_away(value, 0.01) == expected


def test_money_rounds_to_the_currency_minor_unit() -> None:
    amounts = pd.Series([2.5, 1.0005, 10.125])
    currencies = pd.Series(["JPY", "KWD", "USD"])
    assert round_money(amounts, currencies).tolist() == [3.0, 1.001, 10.13]


def test_hours_convert_to_days_and_custom_pack_units() -> None:
    uoms = UomTable([Uom("Pack50", "time", 50.0)])
    hours = pd.Series([13.0, 25.0])
    units = pd.Series(["Hours", "Hours"])
    assert uoms.convert(hours, units, pd.Series(["Days", "Pack50"])).tolist() == [1.63, 0.5]
