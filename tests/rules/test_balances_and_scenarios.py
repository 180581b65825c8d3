"""RULES sections 6-7 and the shared acceptance scenarios v1-v4 reproduced on inline tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from rules_factory import make_inputs, reconcile, row, scenario

from prepaid_recon.domain import Period
from prepaid_recon.reconcile import Options, run
from prepaid_recon.rules.conservation import ConservationError, check_conservation


def test_prepaid_statement_rolls_opening_purchased_consumed_into_closing() -> None:
    result = reconcile(
        "2026-11",
        orders=[
            {"order": "S1", "customer": "Acme", "order_date": "2026-10-01"},
            {"order": "S2", "customer": "Acme", "order_date": "2026-11-10"},
        ],
        order_lines=[
            {"order": "S1", "line": 1, "product": "PREPAID-H", "quantity": 10},
            {"order": "S2", "line": 1, "product": "PREPAID-D", "quantity": 1},
        ],
        tickets=[
            {"ticket": "T1", "customer": "Acme", "created": "2026-10-01", "order": "S1", "line": 1},
            {"ticket": "T2", "customer": "Acme", "created": "2026-11-10", "order": "S2", "line": 1},
        ],
        timesheets=[
            {"ticket": "T1", "date": "2026-10-05", "hours": 3},
            {"ticket": "T1", "date": "2026-11-05", "hours": 2},
            {"ticket": "T2", "date": "2026-11-12", "hours": 1.5},
        ],
    )
    balances = result.prepaid_balances
    assert balances[
        ["opening_hours", "purchased_hours", "consumed_hours", "closing_hours"]
    ].values.tolist() == [
        [7.0, 0.0, 2.0, 5.0],
        [0.0, 8.0, 1.5, 6.5],
    ]
    assert row(result.customers, customer="Acme")[1:5].tolist() == [7.0, 8.0, 3.5, 11.5]


def test_conservation_violation_is_a_loud_internal_error() -> None:
    result = reconcile(
        orders=[{"order": "S1", "customer": "Acme", "order_date": "2026-10-01"}],
        order_lines=[{"order": "S1", "line": 1, "product": "TM-H", "quantity": 1}],
        tickets=[{"ticket": "T", "customer": "Acme", "created": "2026-10-01", "order": "S1",
                  "line": 1}],
        timesheets=[{"ticket": "T", "date": "2026-10-02", "hours": 3}],
    )  # fmt: skip
    lost = result.timesheets.assign(status="counted", hours=[2.0])
    inputs = make_inputs(timesheets=[{"ticket": "T", "date": "2026-10-02", "hours": 3}])
    with pytest.raises(ConservationError):
        check_conservation(
            inputs.timesheets.reset_index(drop=True), lost, result.control_totals,
            result.order_lines,
        )  # fmt: skip


def _check(result, expect: dict) -> None:
    for spec in expect["rows"]:
        frame = getattr(result, spec["sheet"])
        found = row(frame, **spec["match"])
        for col, value in spec["values"].items():
            got = found[col]
            if value is None:
                assert pd.isna(got), (spec, col)
            elif isinstance(value, bool):
                assert bool(got) is value, (spec, col)
            elif isinstance(value, int | float):
                assert math.isclose(float(got), value, abs_tol=0.005), (spec, col, got)
            else:
                assert str(got) == value, (spec, col)
    for spec in expect.get("counts", []):
        assert len(getattr(result, spec["sheet"])) == spec["count"]


@pytest.mark.parametrize("name", ["v1", "v2", "v3", "v4"])
def test_shared_acceptance_scenario_figures_are_reproduced(name: str) -> None:
    spec = scenario(name)
    inputs = make_inputs(**spec["inputs"])
    _check(run(inputs, Options(Period.parse(spec["period"]))), spec["expect"])
