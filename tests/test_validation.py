"""Validation (CONTRACT section 4): every schema rule and every cross-sheet check, one pass.

Each test starts from the clean input of ``builders.clean_inputs`` (Acme's confirmed order S1,
line 1 = 10 prepaid hours, ticket T1 of team Support linked to S1/1, two timesheets on T1),
changes what it is about, and asserts where the finding sits: ``(sheet, Excel row, column)``
and its code — never its wording.  Period 2026-10 (cut-off 2026-10-31) unless said otherwise.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.typing import Series

from builders import Text, check, clean_inputs, where
from prepaid_recon.domain import Period

D = dt.date
PERIOD = Period(2026, 10)


def errors(findings) -> set:
    return where(findings, severity="error")


def warnings(findings) -> set:
    return where(findings, severity="warning")


def ledger(**line) -> dict[str, list[dict]]:
    """A posted invoice INV1 of Acme billing 10 h of S1/1 (row 2 of both ledger sheets)."""
    return {
        "invoices": [{"invoice": "INV1", "invoice_date": D(2026, 10, 15), "customer": "Acme"}],
        "invoice_lines": [{"invoice": "INV1", "order": "S1", "line": 1, "quantity": 10, **line}],
    }


def test_clean_input_has_no_finding_and_hands_typed_inputs_over(tmp_path, inputs):
    from builders import write_inputs
    from prepaid_recon.read.tables import read_inputs
    from prepaid_recon.validate import validate

    inputs.update(ledger())
    result = validate(read_inputs(write_inputs(tmp_path, inputs)), None)
    assert result.findings.empty
    assert result.errors == 0
    assert result.inputs is not None
    assert list(result.inputs.timesheets.index) == [2, 3]
    assert result.inputs.order_lines.loc[2, "uom"] == "Hours"  # the product's unit


# --------------------------------------------------------------------------------------------
# Schema rules, sheet by sheet
# --------------------------------------------------------------------------------------------


def _with(row: dict, **changes) -> dict:
    """A copy of ``row`` with ``changes`` (None = the cell left empty)."""
    return {**row, **changes}


def test_empty_required_values_are_errors_on_their_cells(tmp_path, inputs):
    team, product, order = inputs["teams"][0], inputs["products"][0], inputs["orders"][0]
    line, ticket, ts = inputs["order_lines"][0], inputs["tickets"][0], inputs["timesheets"][0]
    inputs["teams"].append(_with(team, team="Ops", timesheet_on_ticket=None, time_reinvoicing=0))
    inputs["products"] += [
        _with(product, product="P1", type=None),  # row 8
        _with(product, product="P2", uom=None),  # row 9
    ]
    inputs["orders"] += [
        _with(order, order="S2", customer=None),  # row 3
        _with(order, order="S3", order_date=None),  # row 4
        _with(order, order="S4", state=None),  # row 5
    ]
    inputs["order_lines"] += [
        _with(line, line=2, quantity=None),  # row 3
        _with(line, line=3, product=None),  # row 4
        _with(line, order=None),  # row 5
    ]
    inputs["tickets"] += [
        _with(ticket, ticket="T2", created=None),  # row 3
        _with(ticket, ticket="T3", team=None),  # row 4
        _with(ticket, ticket=None),  # row 5
    ]
    inputs["timesheets"] += [
        _with(ts, employee=None),  # row 4
        _with(ts, hours=None),  # row 5
        _with(ts, date=None),  # row 6
    ]
    findings = check(tmp_path, inputs)
    assert where(findings, "missing_value") == {
        ("teams", 5, "timesheet_on_ticket"),
        ("products", 8, "type"),
        ("products", 9, "uom"),
        ("orders", 3, "customer"),
        ("orders", 4, "order_date"),
        ("orders", 5, "state"),
        ("order_lines", 3, "quantity"),
        ("order_lines", 4, "product"),
        ("order_lines", 5, "order"),
        ("tickets", 3, "created"),
        ("tickets", 4, "team"),
        ("tickets", 5, "ticket"),
        ("timesheets", 4, "employee"),
        ("timesheets", 5, "hours"),
        ("timesheets", 6, "date"),
    }
    assert set(where(findings, severity="error")) == where(findings, "missing_value")


def test_conditionally_required_values(tmp_path, inputs):
    inputs["products"][0]["invoicing_policy"] = None  # a service needs one: row 2
    inputs["products"][5]["invoicing_policy"] = None  # LICENSE, a consumable: prepaid default
    inputs["products"][1]["project"] = None  # task_global_project needs its project: row 3
    inputs["teams"][0]["project"] = None  # timesheet_on_ticket needs the project: row 2
    inputs["uoms"] = [
        {"uom": "Pack50", "category": "time"},  # a time unit needs hours: row 2
        {"uom": "Box", "category": "unit"},  # another unit needs its ratio: row 3
    ]
    assert where(check(tmp_path, inputs), "missing_value") == {
        ("products", 2, "invoicing_policy"),
        ("products", 3, "project"),
        ("teams", 2, "project"),
        ("uoms", 2, "hours"),
        ("uoms", 3, "ratio"),
    }


def test_values_outside_their_allowed_set_are_errors(tmp_path, inputs):
    inputs["products"][0]["type"] = "hardware"
    inputs["products"][1]["invoicing_policy"] = "weekly"
    inputs["products"][2]["service_tracking"] = "yes"
    inputs["products"][5]["invoicing_policy"] = "timesheet"  # a consumable cannot be
    inputs["orders"].append(_with(inputs["orders"][0], order="S2", state="confirmed"))
    inputs["orders"].append(_with(inputs["orders"][0], order="S3", state="Sale"))  # exact
    inputs["teams"][2]["time_reinvoicing"] = True  # Sales logs no time: cannot re-invoice it
    inputs.update(ledger())
    inputs["invoices"][0].update(kind="refund", state="paid")
    findings = check(tmp_path, inputs)
    assert where(findings, "not_allowed") == {
        ("products", 2, "type"),
        ("products", 3, "invoicing_policy"),
        ("products", 4, "service_tracking"),
        ("products", 7, "invoicing_policy"),
        ("orders", 3, "state"),
        ("orders", 4, "state"),
        ("teams", 4, "time_reinvoicing"),
        ("invoices", 2, "kind"),
        ("invoices", 2, "state"),
    }
    shown = findings.loc[findings["sheet"].eq("orders") & findings["row"].eq(3), "value"]
    assert list(shown) == ["confirmed"]


def test_values_outside_their_range_are_errors(tmp_path, inputs):
    p = inputs["products"]
    p[0]["tax_rate"], p[1]["tax_rate"], p[2]["unit_price"], p[3]["upsell_threshold"] = (
        150, -1, -10, 0,
    )  # fmt: skip
    line = inputs["order_lines"][0]
    inputs["order_lines"] += [
        _with(line, line=2, discount=100.5),  # row 3
        _with(line, line=3, unit_price=-0.01),  # row 4
        _with(line, line=0),  # row 5
    ]
    ts = inputs["timesheets"][0]
    inputs["timesheets"] += [
        _with(ts, hours=24.5),  # row 4
        _with(ts, hours=-25),  # row 5
        _with(ts, hours=Text("25:00")),  # row 6
    ]
    inputs["uoms"] = [
        {"uom": "Pack50", "category": "time", "hours": 0},
        {"uom": "Box", "category": "unit", "ratio": -2},
        {"uom": "Pack10", "category": "time", "hours": 10, "rounding": 0},
    ]
    findings = check(tmp_path, inputs)
    assert where(findings, "out_of_range") == {
        ("products", 2, "tax_rate"),
        ("products", 3, "tax_rate"),
        ("products", 4, "unit_price"),
        ("products", 5, "upsell_threshold"),
        ("order_lines", 3, "discount"),
        ("order_lines", 4, "unit_price"),
        ("order_lines", 5, "line"),
        ("timesheets", 4, "hours"),
        ("timesheets", 5, "hours"),
        ("timesheets", 6, "hours"),
        ("uoms", 2, "hours"),
        ("uoms", 3, "ratio"),
        ("uoms", 4, "rounding"),
    }
    assert set(findings.loc[findings["severity"] == "error", "code"]) == {"out_of_range"}


def test_values_at_the_edge_of_their_range_are_accepted(tmp_path, inputs):
    p = inputs["products"]
    p[0]["upsell_threshold"] = 150  # may exceed 100
    p[1]["tax_rate"], p[2]["tax_rate"], p[3]["unit_price"] = 100, 0, 0
    line = inputs["order_lines"][0]
    inputs["order_lines"] += [_with(line, line=2, discount=100), _with(line, line=3, discount=0)]
    ts = inputs["timesheets"][0]
    inputs["timesheets"] += [
        _with(ts, hours=24),
        _with(ts, hours=-24),  # a correction: no finding at all
        _with(ts, hours=Text("-1:30")),
        _with(ts, hours=Text("24:00"), employee="Bo"),  # not row 3 twice: a possible_duplicate
    ]
    assert check(tmp_path, inputs).empty


def test_values_of_the_wrong_type_are_errors_showing_the_cell(tmp_path, inputs):
    inputs["products"][0]["tax_rate"] = "ten"
    line = inputs["order_lines"][0]
    inputs["order_lines"] += [_with(line, line=2, quantity=Text("1,5")), _with(line, line=1.5)]
    ts = inputs["timesheets"][0]
    inputs["timesheets"] += [
        _with(ts, date=Text("03/04/2026")),  # row 4
        _with(ts, hours="abc"),  # row 5
        _with(ts, billable="maybe"),  # row 6
    ]
    inputs["tickets"][0]["created"] = dt.time(9, 0)
    findings = check(tmp_path, inputs)
    found = {
        (code, sheet, row, column, value)
        for code, sheet, row, column, value in findings[
            ["code", "sheet", "row", "column", "value"]
        ].itertuples(index=False)
    }
    assert {
        ("bad_percent", "products", 2, "tax_rate", "ten"),
        ("bad_number", "order_lines", 3, "quantity", "1,5"),
        ("bad_whole", "order_lines", 4, "line", "1.5"),
        ("bad_date", "timesheets", 4, "date", "03/04/2026"),
        ("bad_hours", "timesheets", 5, "hours", "abc"),
        ("bad_bool", "timesheets", 6, "billable", "maybe"),
        ("bad_date", "tickets", 2, "created", "1899-12-31 09:00:00"),
    } <= found
    assert where(findings, severity="error") == {f[1:4] for f in found if f[0].startswith("bad_")}


# --------------------------------------------------------------------------------------------
# Duplicate keys: on every row after the first, in the key column
# --------------------------------------------------------------------------------------------


def test_duplicate_keys_are_flagged_on_every_repeat_not_the_first(tmp_path, inputs):
    expected = set()
    for sheet, key in [
        ("teams", "team"),
        ("products", "product"),
        ("orders", "order"),
        ("tickets", "ticket"),
    ]:
        last = len(inputs[sheet]) + 1  # Excel row of the last row, repeated twice below
        inputs[sheet] += [dict(inputs[sheet][-1]), dict(inputs[sheet][-1])]
        expected |= {(sheet, last + 1, key), (sheet, last + 2, key)}
    inputs.update(ledger())
    inputs["invoices"].append(dict(inputs["invoices"][0]))
    expected.add(("invoices", 3, "invoice"))
    assert where(check(tmp_path, inputs), "duplicate_key") == expected


def test_duplicate_order_line_is_flagged_in_the_line_column(tmp_path, inputs):
    inputs["order_lines"] += [dict(inputs["order_lines"][0]), {**inputs["order_lines"][0]}]
    inputs["order_lines"].append({**inputs["order_lines"][0], "line": 2})  # another line: fine
    findings = check(tmp_path, inputs)
    assert where(findings, "duplicate_key") == {
        ("order_lines", 3, "line"),
        ("order_lines", 4, "line"),
    }


def test_duplicate_timesheet_id_is_flagged_but_absent_ids_are_not(tmp_path, inputs):
    ts = inputs["timesheets"]
    ts[0]["timesheet"] = "TS-1"
    ts[1]["timesheet"] = "TS-1"
    ts.append({**ts[0], "timesheet": None})
    ts.append({**ts[0], "timesheet": None})  # a possible_duplicate warning, not an error
    assert where(check(tmp_path, inputs), severity="error") == {("timesheets", 3, "timesheet")}


def test_duplicate_custom_unit_and_redefined_builtin_unit(tmp_path, inputs):
    inputs["uoms"] = [
        {"uom": "Pack50", "category": "time", "hours": 50},
        {"uom": "Pack50", "category": "time", "hours": 50},
        {"uom": "Hours", "category": "time", "hours": 1},
    ]
    assert where(check(tmp_path, inputs), "duplicate_key") == {
        ("uoms", 3, "uom"),
        ("uoms", 4, "uom"),
    }


# --------------------------------------------------------------------------------------------
# Cross-sheet: references and units
# --------------------------------------------------------------------------------------------


def test_unknown_references_are_errors_on_the_referring_cell(tmp_path, inputs):
    inputs["order_lines"].append({"order": "S9", "line": 1, "product": "PREPAID-H", "quantity": 1})
    inputs["order_lines"].append({"order": "S1", "line": 2, "product": "NOPE", "quantity": 1})
    inputs["order_lines"].append(
        {"order": "S1", "line": 3, "product": "PREPAID-H", "quantity": 1, "uom": "Weeks"}
    )
    inputs["products"].append({"product": "X", "type": "goods", "uom": "Crates"})
    inputs["tickets"].append(
        {"ticket": "T2", "team": "Nope", "customer": "Acme", "created": D(2026, 10, 1)}
    )
    inputs["tickets"].append(
        {
            "ticket": "T3",
            "team": "Support",
            "customer": "Acme",
            "created": D(2026, 10, 1),
            "order": "S1",
            "line": 7,
        }
    )
    inputs["timesheets"].append({"date": D(2026, 10, 3), "employee": "Ana", "ticket": "T404"})
    inputs["timesheets"][-1]["hours"] = 1
    findings = check(tmp_path, inputs)
    assert where(findings, "unknown_reference") == {
        ("order_lines", 3, "order"),
        ("order_lines", 4, "product"),
        ("order_lines", 5, "uom"),
        ("products", 8, "uom"),
        ("tickets", 3, "team"),
        ("tickets", 4, "order"),
        ("timesheets", 4, "ticket"),
    }


def test_references_match_case_sensitively_after_trimming(tmp_path, inputs):
    inputs["timesheets"][0]["ticket"] = "  T1 "
    inputs["timesheets"][1]["ticket"] = "t1"
    assert errors(check(tmp_path, inputs)) == {("timesheets", 3, "ticket")}


def test_ticket_number_typed_as_a_number_matches_its_text_reference(tmp_path, inputs):
    inputs["tickets"][0]["ticket"] = 404
    for ts in inputs["timesheets"]:
        ts["ticket"] = Text("404")
    assert check(tmp_path, inputs).empty


def test_unknown_task_on_ticket_and_timesheet(tmp_path, inputs):
    inputs["tickets"][0].update(order=None, line=None, task="No such task")
    inputs["timesheets"].append(
        {"date": D(2026, 10, 3), "employee": "Ana", "task": "Nope", "hours": 1}
    )
    assert where(check(tmp_path, inputs), "unknown_reference") == {
        ("tickets", 2, "task"),
        ("timesheets", 4, "task"),
    }


def test_timesheet_needs_a_ticket_or_a_task(tmp_path, inputs):
    inputs["timesheets"][1]["ticket"] = None
    assert where(check(tmp_path, inputs), "missing_value") == {("timesheets", 3, "ticket")}


@pytest.mark.parametrize(
    "currencies",
    [[None, None], ["EUR", None], ["EUR", "JPY"]],
    ids=["none_given", "some_given", "all_given"],
)
def test_currency_codes_are_checked_only_where_given(tmp_path, inputs, currencies):
    inputs.update(ledger())
    inputs["invoices"][0]["currency"] = currencies[0]
    inputs["invoices"].append({"invoice": "INV2", "invoice_date": D(2026, 10, 16)})
    inputs["invoices"][1]["currency"] = currencies[1]
    inputs["invoices"].append({"invoice": "INV3", "invoice_date": D(2026, 10, 17), "currency": "€"})
    inputs["orders"][0]["currency"] = currencies[1]
    inputs["orders"].append({**inputs["orders"][0], "order": "S2", "currency": "euro"})
    findings = check(tmp_path, inputs)
    assert errors(findings) == {("invoices", 4, "currency"), ("orders", 3, "currency")}
    assert set(findings["code"]) == {"bad_currency"}


def test_ledger_references_invoice_order_line_and_reversed_invoice(tmp_path, inputs):
    inputs.update(ledger())
    inputs["invoices"].append(
        {"invoice": "CN1", "invoice_date": D(2026, 10, 20), "kind": "credit_note", "reverses": "X"}
    )
    inputs["invoice_lines"] += [
        {"invoice": "INV9", "order": "S1", "line": 1, "quantity": 1},
        {"invoice": "INV1", "order": "S1", "line": 9, "quantity": 1},
    ]
    assert where(check(tmp_path, inputs), "unknown_reference") == {
        ("invoices", 3, "reverses"),
        ("invoice_lines", 3, "invoice"),
        ("invoice_lines", 4, "line"),
    }


def test_order_line_in_a_unit_of_another_category_is_an_error(tmp_path, inputs):
    inputs["order_lines"][0]["uom"] = "Units"  # PREPAID-H is sold in Hours
    inputs["order_lines"].append(
        {"order": "S1", "line": 2, "product": "PREPAID-H", "quantity": 1, "uom": "Days"}
    )
    assert where(check(tmp_path, inputs), "uom_category_mismatch") == {("order_lines", 2, "uom")}


def test_custom_unit_converts_only_within_its_category(tmp_path, inputs):
    inputs["uoms"] = [
        {"uom": "Pack50", "category": "time", "hours": 50},
        {"uom": "Box", "category": "unit", "ratio": 12},
    ]
    inputs["order_lines"][0]["uom"] = "Pack50"
    inputs["order_lines"].append(
        {"order": "S1", "line": 2, "product": "PREPAID-H", "quantity": 1, "uom": "Box"}
    )
    assert errors(check(tmp_path, inputs)) == {("order_lines", 3, "uom")}


def test_ledger_line_in_a_unit_of_another_category_is_an_error(tmp_path, inputs):
    inputs.update(ledger(uom="Units"))
    inputs["invoice_lines"].append({**inputs["invoice_lines"][0], "uom": "Days"})
    assert errors(check(tmp_path, inputs)) == {("invoice_lines", 2, "uom")}


# --------------------------------------------------------------------------------------------
# Cross-sheet: links to order lines, teams without timesheets
# --------------------------------------------------------------------------------------------


def _other_customer_order(inputs, state: str = "sale") -> None:
    inputs["orders"].append(
        {"order": "S2", "customer": "Bolt", "order_date": D(2026, 10, 1), "state": state}
    )
    inputs["order_lines"].append({"order": "S2", "line": 1, "product": "TM-H", "quantity": 5})


def test_ticket_linked_to_a_line_of_another_customer_is_an_error_on_its_order_cell(
    tmp_path, inputs
):
    _other_customer_order(inputs)
    inputs["tickets"][0]["order"] = "S2"
    findings = check(tmp_path, inputs)
    assert errors(findings) == {("tickets", 2, "order")}
    assert where(findings, "invalid_link") == {("tickets", 2, "order")}


@pytest.mark.parametrize("state", ["draft", "sent", "cancel"])
def test_ticket_linked_to_a_line_of_an_unconfirmed_order_is_an_error(tmp_path, inputs, state):
    inputs["orders"][0]["state"] = state
    findings = check(tmp_path, inputs)
    assert errors(findings) == {("tickets", 2, "order")}
    assert set(findings["code"]) == {"invalid_link"}


def test_ticket_linked_to_an_order_dated_after_the_cut_off_is_a_warning_not_an_error(
    tmp_path, inputs
):
    inputs["orders"].append(
        {"order": "S2", "customer": "Acme", "order_date": D(2026, 11, 2), "state": "sale"}
    )
    inputs["order_lines"].append({"order": "S2", "line": 1, "product": "TM-H", "quantity": 5})
    inputs["tickets"][0].update(order="S2", line=1)
    findings = check(tmp_path, inputs)
    assert errors(findings) == set()
    assert where(findings, "link_after_cutoff", "warning") == {("tickets", 2, "order")}


def _prepaid_units_line_with_a_task(inputs) -> None:
    inputs["products"].append(
        {"product": "BLOCK-U", "name": "Support Block", "type": "service", "uom": "Units",
         "invoicing_policy": "prepaid", "service_tracking": "task_global_project",
         "project": "Helpdesk", "unit_price": 10}
    )  # fmt: skip
    inputs["order_lines"].append({"order": "S1", "line": 2, "product": "BLOCK-U", "quantity": 5})


_UNITS_LINKS = pytest.mark.parametrize(
    "link",
    [{"line": 2}, {"order": None, "line": None, "task": "S1 - Support Block"}],
    ids=["its_own_link", "its_task"],
)
"""Ticket T1 linked to S1/2 (prepaid, sold in Units) by its order and line, or by its task."""


def _validated(tmp_path, inputs):
    from builders import write_inputs
    from prepaid_recon.read.tables import read_inputs
    from prepaid_recon.validate import validate

    return validate(read_inputs(write_inputs(tmp_path, inputs)), PERIOD)


@_UNITS_LINKS
def test_ticket_linked_to_a_prepaid_line_in_units_without_time_on_it_is_valid(
    tmp_path, inputs, link
):
    _prepaid_units_line_with_a_task(inputs)
    inputs["tickets"][0].update(link)
    inputs["timesheets"] = []
    result = _validated(tmp_path, inputs)
    assert result.findings.empty
    assert (result.errors, result.inputs is not None) == (0, True)


@_UNITS_LINKS
def test_time_on_a_ticket_linked_to_a_prepaid_line_in_units_is_an_error_on_the_timesheet(
    tmp_path, inputs, link
):
    _prepaid_units_line_with_a_task(inputs)
    inputs["tickets"][0].update(link)
    del inputs["timesheets"][1]
    findings = check(tmp_path, inputs)
    assert errors(findings) == {("timesheets", 2, "ticket")}
    assert where(findings, "non_time_unit_link", "error") == {("timesheets", 2, "ticket")}
    assert "S1/2" in findings["message"].item()


@_UNITS_LINKS
def test_time_that_bills_nothing_this_run_on_such_a_ticket_is_no_error(tmp_path, inputs, link):
    _prepaid_units_line_with_a_task(inputs)
    inputs["tickets"][0].update(link)
    inputs["timesheets"][0]["billable"] = False  # row 2
    inputs["timesheets"][1]["date"] = D(2026, 11, 2)  # row 3: counted in a later period
    findings = check(tmp_path, inputs)
    assert errors(findings) == set()
    assert where(findings) == {("timesheets", 3, "date")}  # after_cutoff


def test_time_on_such_a_ticket_of_a_team_that_does_not_reinvoice_is_no_error(tmp_path, inputs):
    _prepaid_units_line_with_a_task(inputs)
    inputs["tickets"][0].update(line=2, team="Internal")
    findings = check(tmp_path, inputs)
    assert errors(findings) == set()
    assert where(findings, "link_not_billed", "warning") == {("tickets", 2, "order")}


def test_timesheet_linked_to_a_prepaid_line_in_units_is_an_error_on_its_order_cell(
    tmp_path, inputs
):
    _prepaid_units_line_with_a_task(inputs)
    inputs["timesheets"][1].update(order="S1", line=2)  # row 3
    inputs["timesheets"].append({**inputs["timesheets"][1], "billable": False})  # row 4
    findings = check(tmp_path, inputs)
    assert errors(findings) == {("timesheets", 3, "order")}
    assert where(findings, "non_time_unit_link") == {("timesheets", 3, "order")}
    shown = findings.loc[findings["code"].eq("non_time_unit_link"), "value"]
    assert list(shown) == ["S1/2"]


def test_time_logged_on_the_task_of_a_prepaid_line_in_units_is_an_error(tmp_path, inputs):
    _prepaid_units_line_with_a_task(inputs)
    inputs["timesheets"].append(
        {"date": D(2026, 10, 4), "employee": "Ana", "task": "S1 - Support Block", "hours": 1}
    )
    findings = check(tmp_path, inputs)
    assert where(findings, "non_time_unit_link", "error") == {("timesheets", 4, "task")}


def test_ticket_linked_to_a_line_of_a_done_order_is_fine(tmp_path, inputs):
    inputs["orders"][0]["state"] = "done"
    assert check(tmp_path, inputs).empty


def test_timesheet_explicit_link_to_another_customer_is_an_error_on_the_timesheet(tmp_path, inputs):
    _other_customer_order(inputs)
    inputs["timesheets"][1].update(order="S2", line=1)
    assert where(check(tmp_path, inputs), severity="error") == {("timesheets", 3, "order")}


def test_timesheet_explicit_link_to_an_unconfirmed_order_is_an_error_on_the_timesheet(
    tmp_path, inputs
):
    inputs["orders"].append(
        {"order": "S2", "customer": "Acme", "order_date": D(2026, 10, 1), "state": "draft"}
    )
    inputs["order_lines"].append({"order": "S2", "line": 1, "product": "TM-H", "quantity": 5})
    inputs["timesheets"][0].update(order="S2", line=1)
    findings = check(tmp_path, inputs)
    assert where(findings, "invalid_link", "error") == {("timesheets", 2, "order")}
    assert errors(findings) == {("timesheets", 2, "order")}


def test_link_needs_both_order_and_line(tmp_path, inputs):
    inputs["tickets"][0]["line"] = None
    assert where(check(tmp_path, inputs), "incomplete_link", "error") == {("tickets", 2, "line")}


def test_time_on_a_ticket_of_a_team_without_timesheets_is_an_error_on_each_timesheet(
    tmp_path, inputs
):
    inputs["tickets"].append(
        {"ticket": "S-1", "team": "Sales", "customer": "Acme", "created": D(2026, 10, 1)}
    )
    inputs["timesheets"] += [
        {"date": D(2026, 10, 2), "employee": "Ana", "ticket": "S-1", "hours": 1},
        {"date": D(2026, 10, 3), "employee": "Bo", "ticket": "S-1", "hours": -0.5},
    ]
    findings = check(tmp_path, inputs)
    assert errors(findings) == {("timesheets", 4, "ticket"), ("timesheets", 5, "ticket")}
    assert set(findings["code"]) == {"team_without_timesheets"}


# --------------------------------------------------------------------------------------------
# Warnings: the run continues
# --------------------------------------------------------------------------------------------


def test_ticket_linked_while_its_team_does_not_reinvoice_time_is_a_warning(tmp_path, inputs):
    inputs["tickets"][0]["team"] = "Internal"
    findings = check(tmp_path, inputs)
    assert errors(findings) == set()
    assert where(findings, "link_not_billed", "warning") == {("tickets", 2, "order")}


def test_rows_dated_after_the_cutoff_are_warnings(tmp_path, inputs):
    inputs["orders"].append(
        {"order": "S2", "customer": "Acme", "order_date": D(2026, 11, 1), "state": "sale"}
    )
    inputs["timesheets"].append(
        {"date": D(2026, 11, 1), "employee": "Ana", "ticket": "T1", "hours": 1}
    )
    inputs["timesheets"].append(
        {"date": D(2026, 10, 31), "employee": "Ana", "ticket": "T1", "hours": 1}  # the cut-off
    )
    inputs.update(ledger())
    inputs["invoices"].append({"invoice": "INV2", "invoice_date": D(2026, 11, 2)})
    findings = check(tmp_path, inputs)
    assert errors(findings) == set()
    assert where(findings, "after_cutoff", "warning") == {
        ("orders", 3, "order_date"),
        ("timesheets", 4, "date"),
        ("invoices", 3, "invoice_date"),
    }


def test_without_a_period_the_cutoff_checks_are_skipped(tmp_path, inputs):
    inputs["timesheets"][0]["date"] = D(2030, 1, 1)
    assert check(tmp_path, inputs, period=None).empty


def test_manual_line_without_delivered_is_a_warning(tmp_path, inputs):
    inputs["order_lines"] += [
        {"order": "S1", "line": 2, "product": "SETUP", "quantity": 1},
        {"order": "S1", "line": 3, "product": "SETUP", "quantity": 1, "delivered": 1},
        {"order": "S1", "line": 4, "product": "SETUP", "quantity": 1, "delivered": 0},
    ]
    findings = check(tmp_path, inputs)
    assert where(findings) == {("order_lines", 3, "delivered")}
    assert set(findings["code"]) == {"missing_delivered"}
    assert set(findings["severity"]) == {"warning"}


def test_negative_quantity_on_order_line_or_ledger_line_is_a_warning(tmp_path, inputs):
    inputs["order_lines"].append({"order": "S1", "line": 2, "product": "TM-H", "quantity": -2})
    inputs.update(ledger(quantity=-1))
    findings = check(tmp_path, inputs)
    assert errors(findings) == set()
    assert where(findings, "negative_quantity", "warning") == {
        ("order_lines", 3, "quantity"),
        ("invoice_lines", 2, "quantity"),
    }


def test_negative_timesheet_hours_are_a_correction_not_a_warning(tmp_path, inputs):
    inputs["timesheets"][1]["hours"] = -1.5
    assert check(tmp_path, inputs).empty


def test_timesheet_dated_before_its_ticket_was_created_is_a_warning(tmp_path, inputs):
    inputs["tickets"][0]["created"] = D(2026, 10, 3)
    findings = check(tmp_path, inputs)
    assert where(findings) == {("timesheets", 2, "date")}
    assert set(zip(findings["severity"], findings["code"], strict=True)) == {
        ("warning", "before_ticket_created")
    }


def test_warnings_alone_still_hand_the_inputs_to_the_rules(tmp_path, inputs):
    from builders import write_inputs
    from prepaid_recon.read.tables import read_inputs
    from prepaid_recon.validate import validate

    inputs["tickets"][0]["team"] = "Internal"
    result = validate(read_inputs(write_inputs(tmp_path, inputs)), None)
    assert (result.errors, result.warnings) == (0, 1)
    assert result.inputs is not None


# --------------------------------------------------------------------------------------------
# One pass
# --------------------------------------------------------------------------------------------


def test_every_problem_of_every_sheet_is_reported_in_one_pass(tmp_path):
    inputs = clean_inputs()
    inputs["teams"][0]["timesheet_on_ticket"] = "perhaps"  # row 2
    inputs["products"][1]["uom"] = "Weeks"  # row 3
    inputs["orders"][0]["currency"] = "dollars"  # row 2
    inputs["order_lines"].append({"order": "S1", "line": 1.5, "product": "TM-H", "quantity": 1})
    inputs["tickets"].append({"ticket": "T1", "team": "Support", "customer": "Acme"})
    inputs["timesheets"] += [
        {"date": Text("03/04/2026"), "employee": "Ana", "ticket": "T1", "hours": 1},
        {"date": D(2026, 10, 5), "employee": "Ana", "ticket": "HT-404", "hours": "abc"},
    ]
    findings = check(tmp_path, inputs)
    assert {
        ("teams", 2, "timesheet_on_ticket"),
        ("products", 3, "uom"),
        ("orders", 2, "currency"),
        ("order_lines", 3, "line"),
        ("tickets", 3, "ticket"),
        ("tickets", 3, "created"),
        ("timesheets", 4, "date"),
        ("timesheets", 5, "ticket"),
        ("timesheets", 5, "hours"),
    } <= errors(findings)
    assert list(findings.columns) == [
        "severity",
        "code",
        "file",
        "sheet",
        "row",
        "column",
        "value",
        "message",
    ]
    assert findings["message"].str.len().gt(0).all()
    assert not findings["message"].str.contains("coerce|dtype|failure_case|Series").any()


def test_a_bad_cell_is_reported_once_not_again_as_missing(tmp_path, inputs):
    inputs["timesheets"][0]["hours"] = "abc"
    findings = check(tmp_path, inputs)
    assert list(zip(findings["code"], findings["row"], findings["column"], strict=True)) == [
        ("bad_hours", 2, "hours")
    ]


# --------------------------------------------------------------------------------------------
# The pandera models: every failure becomes a finding
# --------------------------------------------------------------------------------------------


def _model_findings(model, data: pd.DataFrame) -> pd.DataFrame:
    """Run ``model`` as validation runs a contract model on ``data``; the findings frame."""
    from prepaid_recon.validate.collector import Findings, Table
    from prepaid_recon.validate.columns import run_model

    table = Table("products", "products.xlsx", data, data, set(data.columns))
    findings = Findings()
    run_model(table, findings, model.to_schema())
    return findings.frame()


def test_every_check_of_every_contract_model_has_its_finding():
    from prepaid_recon.contract.inputs import CONTRACTS
    from prepaid_recon.validate.columns import CHECK_FINDINGS

    unmapped = []
    for sheet, contract in CONTRACTS.items():
        for name, column in contract.model.to_schema().columns.items():
            names = [c.name for c in column.checks]
            names += ["not_nullable"] if not column.nullable else []
            names += ["field_uniqueness"] if column.unique else []
            unmapped += [f"{sheet}.{name}: {n}" for n in names if n not in CHECK_FINDINGS]
    assert unmapped == [], "give these pandera checks a finding in validate/columns.py"


class _Tiny(pa.DataFrameModel):
    """A model using checks the contract does not use (yet)."""

    class Config:
        strict = False
        coerce = False

    hours: Series[float] = pa.Field(nullable=True, lt=10)
    rate: Series[float] = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 5})
    code: Series[str] = pa.Field(nullable=True, str_matches=r"^[A-Z]+$")
    kind: Series[str] = pa.Field(nullable=True, notin=["none"])
    amount: Series[float] = pa.Field(nullable=True)

    @pa.check("amount", name="positive_amount")
    def _positive(cls, amount: Series[float]) -> Series[bool]:
        return amount > 0


def test_a_failure_of_a_check_unmapped_before_is_a_finding_on_its_cell():
    data = pd.DataFrame(
        {
            "hours": [50.0, 1.0],
            "rate": [9.0, 1.0],
            "code": ["ab", "AB"],
            "kind": ["none", "x"],
            "amount": [1.0, 2.0],
        },
        index=[2, 3],
    )
    findings = _model_findings(_Tiny, data)
    found = set(
        zip(findings["code"], findings["row"], findings["column"], findings["value"], strict=True)
    )
    assert found == {
        ("out_of_range", 2, "hours", "50"),
        ("out_of_range", 2, "rate", "9"),
        ("not_allowed", 2, "code", "ab"),
        ("not_allowed", 2, "kind", "none"),
    }
    assert set(findings["severity"]) == {"error"}
    message = findings.loc[findings["column"].eq("hours"), "message"].item()
    assert message == "'hours' must be less than 10."


def test_a_failure_of_an_unknown_check_is_an_invalid_value_naming_the_check():
    data = pd.DataFrame(
        {"hours": 1.0, "rate": 1.0, "code": "AB", "kind": "x", "amount": [-1.0, 2.0]}, index=[2, 3]
    )
    findings = _model_findings(_Tiny, data)
    assert list(zip(findings["code"], findings["row"], findings["column"], strict=True)) == [
        ("invalid_value", 2, "amount")
    ]
    assert "positive amount" in findings["message"].item()


def test_a_failure_of_a_whole_column_is_a_finding_without_a_row():
    class Typed(pa.DataFrameModel):
        hours: Series[float] = pa.Field(nullable=True)

    data = pd.DataFrame({"hours": pd.array([1, 2], dtype="Int64")}, index=[2, 3])
    findings = _model_findings(Typed, data)
    assert findings[["severity", "code", "column", "value"]].to_dict("records") == [
        {"severity": "error", "code": "invalid_value", "column": "hours", "value": "Int64"}
    ]
    assert findings["row"].isna().all()


def test_a_column_missing_from_the_frame_is_a_missing_column_finding():
    data = pd.DataFrame({"hours": [1.0], "rate": [1.0], "code": ["AB"]}, index=[2])
    findings = _model_findings(_Tiny, data)
    assert set(zip(findings["code"], findings["column"], strict=True)) == {
        ("missing_column", "kind"),
        ("missing_column", "amount"),
    }
