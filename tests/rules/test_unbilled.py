"""docs/rules.md sections 9-11: a block's running balance, unbilled work and its reasons, the
hours bridge."""

from __future__ import annotations

import pandas as pd
import pytest
from rules_factory import reconcile, row

from prepaid_recon.errors import InternalError
from prepaid_recon.report.listings import AnnexError, annex
from prepaid_recon.rules import unbilled

ACME = {"order": "S1", "customer": "Acme", "order_date": "2026-09-01"}


def _reasons(result) -> dict[str, float]:
    frame = result.unbilled
    return frame.groupby("reason")["hours"].sum().to_dict()


def test_a_ticket_created_when_every_block_was_used_up_is_no_block_left():
    result = reconcile(
        orders=[ACME],
        order_lines=[{"order": "S1", "line": 1, "product": "PREPAID-H", "quantity": 2}],
        tickets=[
            {"ticket": "T1", "customer": "Acme", "created": "2026-09-02"},
            {"ticket": "T2", "customer": "Acme", "created": "2026-10-05"},
        ],
        timesheets=[
            {"ticket": "T1", "date": "2026-09-03", "hours": 2},
            {"ticket": "T2", "date": "2026-10-06", "hours": 1.5},
        ],
    )
    assert _reasons(result) == {unbilled.NO_BLOCK_LEFT: 1.5}
    group = row(result.unbilled_groups, ticket="T2")
    assert group["reason"] == unbilled.NO_BLOCK_LEFT and group["timesheets"] == 1


def test_an_unlinked_ticket_of_a_time_and_materials_customer_is_ticket_not_linked():
    result = reconcile(
        orders=[ACME],
        order_lines=[{"order": "S1", "line": 1, "product": "TM-H", "quantity": 0}],
        tickets=[{"ticket": "T1", "customer": "Acme", "created": "2026-10-02"}],
        timesheets=[{"ticket": "T1", "date": "2026-10-03", "hours": 2}],
    )
    assert _reasons(result) == {unbilled.TICKET_NOT_LINKED: 2.0}
    priced = row(result.unbilled, reason=unbilled.TICKET_NOT_LINKED)
    assert priced["priced_by"] == "S1/1" and priced["list_value"] == 180.0  # 2 h x 90


def test_time_linked_to_an_order_after_the_cut_off_is_line_not_available():
    later = {"order": "S2", "customer": "Acme", "order_date": "2026-11-02"}
    result = reconcile(
        orders=[ACME, later],
        order_lines=[
            {"order": "S1", "line": 1, "product": "PREPAID-H", "quantity": 5},
            {"order": "S2", "line": 1, "product": "TM-H", "quantity": 0},
        ],
        tickets=[{"ticket": "T1", "customer": "Acme", "created": "2026-10-02"}],
        timesheets=[{"ticket": "T1", "date": "2026-10-03", "hours": 1, "order": "S2", "line": 1}],
    )
    assert _reasons(result) == {unbilled.LINE_NOT_AVAILABLE: 1.0}
    assert row(result.unbilled, reason=unbilled.LINE_NOT_AVAILABLE)["list_value"] != 0


def test_time_marked_non_billable_is_not_unbilled_work():
    result = reconcile(
        orders=[ACME],
        order_lines=[{"order": "S1", "line": 1, "product": "TM-H", "quantity": 0}],
        tickets=[{"ticket": "T1", "customer": "Nobody", "created": "2026-10-02"}],
        timesheets=[{"ticket": "T1", "date": "2026-10-03", "hours": 2, "billable": False}],
    )
    assert result.unbilled.empty and result.unbilled_groups.empty


def test_a_correction_back_under_the_block_gives_negative_hours_beyond_it():
    result = reconcile(
        orders=[ACME],
        order_lines=[{"order": "S1", "line": 1, "product": "PREPAID-H", "quantity": 2}],
        tickets=[
            {"ticket": "T1", "customer": "Acme", "created": "2026-09-02", "order": "S1", "line": 1}
        ],
        timesheets=[
            {"ticket": "T1", "date": "2026-10-01", "hours": 1.5},
            {"ticket": "T1", "date": "2026-10-02", "hours": 1.5},
            {"ticket": "T1", "date": "2026-10-03", "hours": -1},
        ],
    )
    audit = result.timesheets
    assert audit["block_remaining_hours"].tolist() == [0.5, -1.0, 0.0]
    assert audit["beyond_block_hours"].tolist() == [0.0, 1.0, -1.0]
    assert audit["first_beyond_block"].tolist() == [False, True, False]
    assert row(result.prepaid_balances, order="S1")["overrun_hours"] == 0.0
    assert _reasons(result) == {unbilled.BEYOND_BLOCK: 0.0}


def test_the_bridge_ties_with_minutes_that_round_differently_in_every_part():
    third = 1 / 3  # 0:20
    result = reconcile(
        orders=[ACME],
        order_lines=[{"order": "S1", "line": 1, "product": "TM-H", "quantity": 0}],
        tickets=[
            {"ticket": "T1", "customer": "Acme", "created": "2026-09-01", "order": "S1", "line": 1},
            {"ticket": "T2", "customer": "Nobody", "created": "2026-09-01"},
        ],
        timesheets=[
            {"ticket": "T1", "date": "2026-10-03", "hours": third},
            {"ticket": "T2", "date": "2026-10-03", "hours": third},
            {"ticket": "T1", "date": "2026-10-04", "hours": third, "billable": False},
            {"ticket": "T1", "date": "2026-09-04", "hours": third},
            {"ticket": "T1", "date": "2026-11-04", "hours": third},
        ],
    )
    bridge = result.bridge.set_index("step")["hours"]
    assert bridge["all input timesheets"] == pytest.approx(5 * third, abs=1e-5)
    parts = result.bridge["hours"].to_numpy()
    assert parts[0] == pytest.approx(parts[1] + parts[2], abs=1e-5)
    assert parts[2] == pytest.approx(parts[3] + parts[4], abs=1e-5)
    assert parts[4] == pytest.approx(parts[5:].sum(), abs=1e-5)
    assert bridge["unbilled: the customer has no sales order"] == pytest.approx(third, abs=1e-5)


def test_an_annex_that_does_not_tie_stops_the_run_as_an_internal_error():
    result = reconcile(
        orders=[ACME],
        order_lines=[{"order": "S1", "line": 1, "product": "TM-H", "quantity": 0}],
        tickets=[
            {"ticket": "T1", "customer": "Acme", "created": "2026-09-01", "order": "S1", "line": 1}
        ],
        timesheets=[{"ticket": "T1", "date": "2026-10-03", "hours": 2}],
    )
    assert annex(result)["entry"].tolist() == ["timesheet", "subtotal"]
    broken = result.attribution.assign(quantity=result.attribution["quantity"] - 0.5)
    result.attribution = broken
    with pytest.raises(AnnexError) as caught:
        annex(result)
    assert isinstance(caught.value, InternalError) and caught.value.exit_code == 3
    result.attribution = broken.iloc[0:0]
    with pytest.raises(AnnexError, match="without their annex"):
        annex(result)


def test_unbilled_groups_are_one_row_per_ticket_with_first_and_last_date():
    result = reconcile(
        orders=[ACME],
        order_lines=[{"order": "S1", "line": 1, "product": "TM-H", "quantity": 0}],
        tickets=[{"ticket": "T9", "customer": "Nobody", "created": "2026-10-01"}],
        timesheets=[
            {"ticket": "T9", "date": "2026-10-09", "hours": 1},
            {"ticket": "T9", "date": "2026-10-02", "hours": 0.5},
            {"ticket": "T9", "date": "2026-09-30", "hours": 4},  # before the period
        ],
    )
    group = row(result.unbilled_groups, ticket="T9")
    assert group["hours"] == 1.5 and group["timesheets"] == 2
    assert group["first_date"] == pd.Timestamp("2026-10-02")
    assert group["last_date"] == pd.Timestamp("2026-10-09")
    summary = row(result.unbilled, customer="Nobody")
    assert (summary["hours"], summary["hours_in_period"]) == (5.5, 1.5)
    assert summary["priced_by"] == "" and pd.isna(summary["list_value"])
