"""Common export mistakes (issue 6): reported, never silently merged, split or double-counted.

Already covered elsewhere and not repeated: a timesheet dated before its ticket was created is
a ``before_ticket_created`` warning (``tests/test_validation.py::
test_timesheet_dated_before_its_ticket_was_created_is_a_warning``); a timesheet id given twice
is a ``duplicate_key`` error (``test_duplicate_timesheet_id_is_flagged_but_absent_ids_are_not``).
Each test here is in-process on the small clean input (under 1 s, a few MB).
"""

from __future__ import annotations

import datetime as dt
import json

from hostile_files import invoke

from builders import check, where, write_inputs


def test_the_same_entry_exported_twice_is_a_warning_on_every_repeat(tmp_path, inputs):
    """The same employee, date, ticket, hours and description three times (no timesheet id):
    a ``possible_duplicate`` warning on the 2nd and 3rd rows, pointing at the first row."""
    first = {**inputs["timesheets"][0], "description": "call"}
    inputs["timesheets"] = [first, inputs["timesheets"][1], dict(first), dict(first)]
    findings = check(tmp_path, inputs)
    assert where(findings) == {("timesheets", 4, "hours"), ("timesheets", 5, "hours")}
    assert set(findings["code"]) == {"possible_duplicate"}
    assert set(findings["severity"]) == {"warning"}
    assert findings["message"].str.contains("as row 2").all()


def test_a_repeat_still_counts_its_hours(tmp_path, inputs):
    """A warning is not a correction: the run goes on (exit 0) and bills both rows, so the
    control total still equals the sum of every input row."""
    inputs["timesheets"].append(dict(inputs["timesheets"][0]))
    folder = write_inputs(tmp_path / "in", inputs)
    result = invoke("run", folder, "--period", "2026-10", "--out", tmp_path / "out", "--json")
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert (manifest["errors"], manifest["warnings"]) == (0, 1)
    totals = {t["status"]: t["hours"] for t in manifest["control_totals"]}
    assert totals["total"] == 1.5 + 2 + 1.5


def test_entries_that_differ_in_one_field_or_carry_their_own_ids_are_not_duplicates(
    tmp_path, inputs
):
    """Another description, employee, date or hours is another entry; two rows with two
    timesheet ids are two entries of the source system (the same id twice is an error)."""
    base = {**inputs["timesheets"][0], "description": "call"}
    inputs["timesheets"] = [
        base,
        {**base, "description": "call back"},
        {**base, "employee": "Bo"},
        {**base, "date": dt.date(2026, 10, 4)},
        {**base, "hours": 1},
        {**base, "timesheet": "TS-1"},
        {**base, "timesheet": "TS-2"},
    ]
    assert check(tmp_path, inputs).empty


def test_surrounding_spaces_in_a_reference_are_trimmed(tmp_path, inputs):
    """`' T1 '` in a timesheet and `'S1 '` in a ticket match T1 and S1 (text is trimmed)."""
    inputs["timesheets"][0]["ticket"] = " T1 "
    inputs["tickets"][0]["order"] = "S1 "
    inputs["tickets"][0]["ticket"] = "  T1"
    assert check(tmp_path, inputs).empty


def test_a_reference_differing_only_by_case_is_an_error_hinting_at_the_match(tmp_path, inputs):
    """`t1` is not `T1`: references match case-sensitively, so the row is an
    ``unknown_reference`` error (never merged into T1's hours), with a hint at the near match."""
    inputs["timesheets"][1]["ticket"] = "t1"
    inputs["order_lines"][0]["product"] = "prepaid-h"
    findings = check(tmp_path, inputs)
    refs = findings[findings["code"] == "unknown_reference"]
    assert where(refs) >= {("timesheets", 3, "ticket"), ("order_lines", 2, "product")}
    message = refs.set_index("column").loc["ticket", "message"]
    assert "did you mean 'T1'?" in message
    assert "did you mean 'PREPAID-H'?" in refs.set_index("column").loc["product", "message"]


def test_a_reference_matching_nothing_gets_no_hint(tmp_path, inputs):
    """No near match, no guess: the message just says the reference does not exist."""
    inputs["timesheets"][1]["ticket"] = "T9"
    findings = check(tmp_path, inputs)
    assert where(findings) == {("timesheets", 3, "ticket")}
    assert "did you mean" not in findings["message"].iloc[0]
