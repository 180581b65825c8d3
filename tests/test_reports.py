"""Report layout: the five workbooks, their sheets and columns, totals, highlights, the summary."""

from __future__ import annotations

import zipfile
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from prepaid_recon.app import write_outputs
from prepaid_recon.contract import outputs
from prepaid_recon.contract.outputs import REPORT_FILES
from prepaid_recon.domain import Period
from prepaid_recon.errors import InternalError
from prepaid_recon.findings import FINDING_COLUMNS
from prepaid_recon.reconcile import Options
from prepaid_recon.report.rollups import invoice_totals, top_customers
from prepaid_recon.report.workbooks import _with_columns, build_reports, exceptions_workbook

COLUMNS = {name: list(sheet.columns) for name, sheet in outputs.SHEETS.items()}

T = pd.Timestamp
NA = pd.NA


def fake_result() -> SimpleNamespace:
    """A Result with the documented columns (docs/architecture.md section 2)."""
    invoices = pd.DataFrame(
        {
            "invoice": ["INV/2026-10/0001", "INV/2026-10/0002", "RINV/2026-10/0001"],
            "kind": ["invoice", "invoice", "credit_note"],
            "state": ["draft"] * 3,
            "customer": ["=Acme", "Globex", "Acme"],
            "invoice_date": [T("2026-10-31")] * 3,
            "currency": ["USD", "JPY", "USD"],
            "untaxed": [1000.0, 15000.0, 100.0],
            "tax": [200.0, 1500.0, 20.0],
            "total": [1200.0, 16500.0, 120.0],
        }
    )
    invoice_lines = pd.DataFrame(
        {
            "invoice": [
                "INV/2026-10/0001",
                "INV/2026-10/0001",
                "INV/2026-10/0002",
                "RINV/2026-10/0001",
            ],
            "order": ["S1", "S1", "S2", "S3"],
            "line": pd.array([1, 2, 1, 1], dtype="Int64"),
            "product": ["TM-H", "TM-H", "TM-H", "TM-H"],
            "description": ["+SUM(A1)", "Support", "Support", "@cmd"],
            "quantity": [5.0, 5.0, 10.0, 1.0],
            "uom": ["Hours"] * 4,
            "unit_price": [100.0, 100.0, 1500.0, 100.0],
            "discount": [0.0, 0.0, 0.0, 0.0],
            "subtotal": [500.0, 500.0, 15000.0, 100.0],
            "tax": [100.0, 100.0, 1500.0, 20.0],
            "total": [600.0, 600.0, 16500.0, 120.0],
            "currency": ["USD", "USD", "JPY", "USD"],
        }
    )
    order_lines = pd.DataFrame(
        {
            "order": ["S1", "S1", "S2", "S3"],
            "line": pd.array([1, 2, 1, 1], dtype="Int64"),
            "customer": ["=Acme", "=Acme", "Globex", "Acme"],
            "product": ["PREPAID-H", "TM-H", "PREPAID-H", "TM-H"],
            "invoicing_policy": ["prepaid", "timesheet", "prepaid", "timesheet"],
            "uom": ["Hours"] * 4,
            "ordered": [10.0, 0.0, 20.0, 0.0],
            "delivered": [12.5, 10.0, 5.0, 0.0],
            "delivered_in_period": [2.5, 10.0, 5.0, 0.0],
            "invoiced": [10.0, 0.0, 0.0, 1.0],
            "to_invoice": [0.0, 10.0, 20.0, -1.0],
            "remaining_hours": [-2.5, np.nan, 15.0, np.nan],
            "invoice_status": ["upselling", "to_invoice", "to_invoice", "to_invoice"],
            "upsell_alert": [True, False, False, False],
            "task": ["S1 - Prepaid", NA, NA, NA],
            "currency": ["USD", "USD", "JPY", "USD"],
            "state": ["sale"] * 4,
            "ordered_hours": [10.0, 0.0, 20.0, 0.0],
            "delivered_hours": [12.5, 10.0, 5.0, 0.0],
            "consumed_percent": [125.0, np.nan, 25.0, np.nan],
            "alert_at": [100.0, np.nan, 100.0, np.nan],
            "near_threshold": [True, False, False, False],
            "source_row": [2, 3, 4, 5],
            "_internal": [1, 2, 3, 4],
        }
    )
    orders = pd.DataFrame(
        {
            "order": ["S1", "S2", "S3"],
            "customer": ["=Acme", "Globex", "Acme"],
            "state": ["sale"] * 3,
            "currency": ["USD", "JPY", "USD"],
            "invoice_status": ["to_invoice", "to_invoice", "to_invoice"],
            "untaxed_ordered": [1000.0, 30000.0, 0.0],
            "untaxed_invoiced": [1000.0, 0.0, 100.0],
            "untaxed_to_invoice": [1000.0, 15000.0, -100.0],
        }
    )
    prepaid_balances = pd.DataFrame(
        {
            "customer": ["=Acme", "Globex"],
            "order": ["S1", "S2"],
            "line": pd.array([1, 1], dtype="Int64"),
            "opening_hours": [0.0, 0.0],
            "purchased_hours": [10.0, 20.0],
            "consumed_hours": [12.5, 5.0],
            "closing_hours": [-2.5, 15.0],
        }
    )
    customers = pd.DataFrame(
        {
            "customer": ["=Acme", "Globex"],
            "opening_hours": [0.0, 0.0],
            "purchased_hours": [10.0, 20.0],
            "consumed_hours": [12.5, 5.0],
            "closing_hours": [-2.5, 15.0],
        }
    )
    timesheets = pd.DataFrame(
        {
            "timesheet": ["t1", "t2", "t3", "t4", "t5"],
            "source_row": [2, 3, 4, 5, 6],
            "date": [
                T("2026-09-30"),
                T("2026-10-01"),
                T("2026-10-15"),
                T("2026-10-20"),
                T("2026-11-01"),
            ],
            "employee": ["Ann", "Ann", "Bob", "Bob", "Ann"],
            "ticket": ["K1", "K1", "K2", "K3", "K1"],
            "task": [NA] * 5,
            "description": ["=2*3", "fix", "call", "-1", "late"],
            "order": ["S1", "S1", "S2", NA, "S1"],
            "line": pd.array([1, 1, 1, None, 1], dtype="Int64"),
            "hours": [10.0, 2.5, 5.0, 1.0, 3.0],
            "quantity": [10.0, 2.5, 5.0, np.nan, np.nan],
            "status": ["counted", "counted", "counted", "non_billable", "after_cutoff"],
            "reason": [NA, NA, NA, "no order line", "after_cutoff"],
            "invoice": [NA] * 5,
            "billable": [True] * 5,
            "billed_hours": [np.nan] * 5,
            "block_remaining_hours": [0.0, -2.5, 15.0, np.nan, np.nan],
            "beyond_block_hours": [0.0, 2.5, 0.0, np.nan, np.nan],
            "first_beyond_block": [False, True, False, np.nan, np.nan],
        }
    )
    tickets = pd.DataFrame(
        {
            "ticket": ["K1", "K2", "K3"],
            "team": ["Support"] * 3,
            "customer": ["=Acme", "Globex", "Acme"],
            "subject": ['=HYPERLINK("x")', "help", NA],
            "order": ["S1", "S2", NA],
            "line": pd.array([1, 1, None], dtype="Int64"),
            "task": [NA] * 3,
            "link": ["ticket", "auto", "none"],
            "hours": [12.5, 5.0, 1.0],
            "billable_hours": [12.5, 5.0, 0.0],
            "non_billable_hours": [0.0, 0.0, 1.0],
            "hours_in_period": [2.5, 5.0, 1.0],
            "timesheets": [2, 1, 1],
            "first_date": [T("2026-09-30"), T("2026-10-15"), T("2026-10-20")],
            "last_date": [T("2026-10-01"), T("2026-10-15"), T("2026-10-20")],
        }
    )
    employees = pd.DataFrame(
        {
            "employee": ["Ann", "Bob"],
            "hours": [12.5, 6.0],
            "billable_hours": [12.5, 5.0],
            "non_billable_hours": [0.0, 1.0],
        }
    )
    control_totals = pd.DataFrame(
        {
            "status": ["counted", "non_billable", "after_cutoff", "total"],
            "rows": [3, 1, 1, 5],
            "hours": [17.5, 1.0, 3.0, 21.5],
        }
    )
    tasks = pd.DataFrame(
        {
            "task": ["S1 - Prepaid"],
            "project": ["Support"],
            "order": ["S1"],
            "line": pd.array([1], dtype="Int64"),
            "customer": ["=Acme"],
            "allocated_hours": [10.0],
        }
    )
    projects = pd.DataFrame({"project": ["Support"], "order": [NA], "allocated_hours": [10.0]})
    attribution = pd.DataFrame(
        {
            "invoice": ["INV/2026-10/0001", "RINV/2026-10/0001"],
            "kind": ["invoice", "credit_note"],
            "source": ["draft", "draft"],
            "order": ["S1", "S3"],
            "line": pd.array([2, 1], dtype="Int64"),
            "row": pd.array([3, None], dtype="Int64"),
            "hours": [5.0, -1.0],
            "quantity": [5.0, -1.0],
            "part": ["timesheet", "over_credit"],
            "from_invoice": [NA, NA],
            "sequence": [0, 1],
        }
    )
    unbilled = pd.DataFrame(
        {
            "customer": ["=Acme"],
            "reason": ["no_order"],
            "hours": [1.0],
            "hours_in_period": [1.0],
            "tickets": [1],
            "timesheets": [1],
            "priced_by": ["S1/2"],
            "currency": ["USD"],
            "list_price": [90.0],
            "list_value": [90.0],
            "list_value_in_period": [90.0],
        }
    )
    bridge = pd.DataFrame(
        {
            "step": ["all input timesheets", "logged in the period"],
            "scope": ["all dates", "period"],
            "timesheets": [5, 3],
            "hours": [21.5, 8.5],
        }
    )
    tickets_input = tickets[["ticket", "team", "customer", "subject"]].assign(
        created=T("2026-09-01")
    )
    return SimpleNamespace(
        attribution=attribution,
        unbilled=unbilled,
        unbilled_groups=pd.DataFrame(),
        bridge=bridge,
        tickets_input=tickets_input,
        invoices=invoices,
        invoice_lines=invoice_lines,
        order_lines=order_lines,
        orders=orders,
        prepaid_balances=prepaid_balances,
        customers=customers,
        tickets=tickets,
        timesheets=timesheets,
        employees=employees,
        control_totals=control_totals,
        tasks=tasks,
        projects=projects,
    )


OPTIONS = Options(period=Period(2026, 10))

SHEETS = {
    "invoices.xlsx": ["invoices", "invoice_lines", "totals", "to_invoice_by_customer", "annex"],
    "delivered_vs_ordered.xlsx": [
        "summary", "order_lines", "orders", "prepaid_balances", "customers", "top_customers",
        "blocks_at_risk", "unbilled", "prepaid_usage",
    ],
    "hours_by_ticket.xlsx": ["tickets", "timesheets", "employees", "control_totals", "bridge"],
    "tasks.xlsx": ["tasks", "projects"],
    "exceptions.xlsx": ["exceptions"],
}  # fmt: skip


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / "out"
    write_outputs(folder, build_reports(fake_result(), OPTIONS), {"run.json": b"{}"})
    return folder


def rows(path, sheet) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def test_report_files_are_the_four_workbooks_of_a_successful_run():
    assert set(REPORT_FILES) | {"exceptions.xlsx"} == set(SHEETS)


def test_every_workbook_has_its_sheets_in_order_summary_first(out):
    for name, sheets in SHEETS.items():
        assert openpyxl.load_workbook(out / name).sheetnames == sheets, name


@pytest.mark.parametrize(
    ("workbook", "sheet"),
    [(w, s) for w, sheets in SHEETS.items() for s in sheets if s in COLUMNS],
)
def test_contract_columns_come_first_and_every_sheet_is_frozen_and_filtered(out, workbook, sheet):
    ws = openpyxl.load_workbook(out / workbook)[sheet]
    header = [c.value for c in ws[1]]
    assert header[: len(COLUMNS[sheet])] == COLUMNS[sheet]
    assert not any(str(h).startswith("_") for h in header)  # pipeline internals stay out
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:")


def test_no_totals_row_inside_a_data_table(out):
    """invoices.xlsx is read back as next month's ledger: every row must be a real document."""
    invoices = rows(out / "invoices.xlsx", "invoices")[1:]
    assert [r[0] for r in invoices] == list(fake_result().invoices["invoice"])
    lines = rows(out / "delivered_vs_ordered.xlsx", "order_lines")[1:]
    assert len(lines) == 4 and all(r[0] in {"S1", "S2", "S3"} for r in lines)
    customers = rows(out / "delivered_vs_ordered.xlsx", "customers")[1:]
    assert [r[0] for r in customers] == ["=Acme", "Globex"]


def test_invoice_totals_net_credit_notes_per_currency():
    result = fake_result()
    totals = invoice_totals(result.invoices, result.invoice_lines)
    assert list(totals["currency"]) == ["JPY", "JPY", "JPY", "USD", "USD", "USD"]
    assert list(totals["kind"]) == ["invoice", "credit_note", "net"] * 2
    usd_net = totals[(totals["currency"] == "USD") & (totals["kind"] == "net")].iloc[0]
    assert (usd_net["untaxed"], usd_net["tax"], usd_net["total"]) == (900.0, 180.0, 1080.0)
    assert usd_net["documents"] == 2 and usd_net["lines"] == 3


def test_money_is_formatted_in_each_rows_currency(out):
    ws = openpyxl.load_workbook(out / "invoices.xlsx")["invoices"]
    header = [c.value for c in ws[1]]
    total = header.index("total")
    formats = {ws.cell(r, 1).value: ws.cell(r, total + 1).number_format for r in range(2, 5)}
    assert formats["INV/2026-10/0001"] == "#,##0.00"  # USD
    assert formats["INV/2026-10/0002"] == "#,##0"  # JPY has no minor unit
    ws = openpyxl.load_workbook(out / "invoices.xlsx")["totals"]
    assert ws.cell(2, 1).value == "JPY" and ws.cell(2, 7).number_format == "#,##0"


def test_types_hours_dates_booleans_and_empty_remaining_hours(out):
    wb = openpyxl.load_workbook(out / "delivered_vs_ordered.xlsx")
    ws = wb["order_lines"]
    header = [c.value for c in ws[1]]
    alert = ws.cell(2, header.index("upsell_alert") + 1)
    assert alert.data_type == "b" and alert.value is True
    remaining = header.index("remaining_hours") + 1
    assert ws.cell(2, remaining).value == -2.5 and ws.cell(2, remaining).number_format == "0.00"
    assert ws.cell(3, remaining).value is None  # not prepaid in a time unit: empty
    assert ws.cell(2, header.index("ordered") + 1).number_format == "0.00"
    assert ws.cell(2, header.index("line") + 1).number_format == "0"
    tickets = openpyxl.load_workbook(out / "hours_by_ticket.xlsx")["tickets"]
    header = [c.value for c in tickets[1]]
    first = tickets.cell(2, header.index("first_date") + 1)
    assert first.is_date and first.number_format == "yyyy-mm-dd"


def test_text_from_input_is_never_a_formula(out):
    for name in SHEETS:
        for ws in openpyxl.load_workbook(out / name):
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, ws.title, cell.coordinate)
    subjects = [r[3] for r in rows(out / "hours_by_ticket.xlsx", "tickets")[1:]]
    assert subjects[0] == '=HYPERLINK("x")'
    descriptions = [r[6] for r in rows(out / "hours_by_ticket.xlsx", "timesheets")[1:]]
    assert descriptions[0] == "=2*3" and descriptions[3] == "-1"


def test_over_consumed_lines_upsell_alerts_and_blocks_past_their_level_are_highlighted(out):
    ws = openpyxl.load_workbook(out / "delivered_vs_ordered.xlsx")["order_lines"]
    header = [c.value for c in ws[1]]
    remaining = openpyxl.utils.get_column_letter(header.index("remaining_hours") + 1)
    alert = openpyxl.utils.get_column_letter(header.index("upsell_alert") + 1)
    near = openpyxl.utils.get_column_letter(header.index("near_threshold") + 1)
    formulas = [r.formula[0] for rng in ws.conditional_formatting for r in rng.rules]
    assert formulas == [f"${remaining}2<0", f"${alert}2=TRUE", f"${near}2=TRUE"]
    balances = openpyxl.load_workbook(out / "delivered_vs_ordered.xlsx")["customers"]
    assert [r.formula[0] for rng in balances.conditional_formatting for r in rng.rules] == ["$E2<0"]


def test_summary_holds_period_cutoff_key_totals_and_a_chart(out):
    ws = openpyxl.load_workbook(out / "delivered_vs_ordered.xlsx")["summary"]
    assert [c.value for c in ws[1]] == ["section", "figure", "unit", "value"]
    figures = {(r[1].value, r[2].value): r[3] for r in ws.iter_rows(min_row=2)}
    assert figures[("period", "")].value == "2026-10"
    cutoff = figures[("cut-off", "")]
    assert cutoff.is_date and cutoff.value.date().isoformat() == "2026-10-31"
    assert figures[("hours logged in the period", "hours")].value == 8.5  # t2 + t3 + t4
    assert figures[("hours delivered on order lines in the period", "hours")].value == 7.5
    usd = figures[("amount to invoice, untaxed", "USD")]
    assert usd.value == 900 and usd.number_format == "#,##0.00"
    jpy = figures[("amount to invoice, total", "JPY")]
    assert jpy.value == 16500 and jpy.number_format == "#,##0"
    assert figures[("prepaid blocks (in a unit of time, order confirmed)", "lines")].value == 2
    assert figures[("blocks past their alert level", "lines")].value == 1
    assert figures[("blocks used up (over 100 % consumed)", "lines")].value == 1
    assert figures[("blocks fully invoiced and used up (status upselling)", "lines")].value == 1
    assert figures[("total rows, all input dates", "rows")].value == 5
    assert figures[("total hours, all input dates", "hours")].value == 21.5
    assert figures[("closing hours, at the cut-off", "hours")].value == 12.5
    assert figures[("logged in the period (period)", "hours")].value == 8.5  # the bridge
    assert figures[("unbilled: no_order, in the period", "hours")].value == 1
    assert figures[("unbilled work at list price, in the period", "USD")].value == 90
    assert figures[("ordered", "Hours")].value == 30
    with zipfile.ZipFile(out / "delivered_vs_ordered.xlsx") as archive:
        names = archive.namelist()
        chart = archive.read("xl/charts/chart1.xml").decode()
        rels = archive.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    assert "xl/charts/chart1.xml" in names and "drawing1.xml" in rels  # on sheet1 = summary
    assert '<c:barDir val="col"/>' in chart
    assert "blocks_at_risk!$B$2:$B$3" in chart and "blocks_at_risk!$C$2:$C$3" in chart


def test_top_customers_compare_ordered_and_delivered_prepaid_hours():
    result = fake_result()
    top = top_customers(result.order_lines, result.timesheets, limit=5)
    assert list(top["customer"]) == ["Globex", "=Acme"]  # most hours ordered first
    acme = top.iloc[1]
    # ordered = remaining + delivered = -2.5 + 12.5 (t1 + t2; t5 is after the cut-off)
    assert (acme["ordered_hours"], acme["delivered_hours"], acme["remaining_hours"]) == (
        10.0,
        12.5,
        -2.5,
    )
    assert len(top_customers(result.order_lines, result.timesheets, limit=1)) == 1


def test_exceptions_workbook_alone_with_no_findings_has_its_header(tmp_path):
    out = tmp_path / "out"
    empty = pd.DataFrame(columns=FINDING_COLUMNS)
    write_outputs(out, exceptions_workbook(empty), {"run.json": b"{}"})
    assert sorted(p.name for p in out.iterdir()) == ["exceptions.xlsx", "run.json"]
    assert rows(out / "exceptions.xlsx", "exceptions") == [tuple(FINDING_COLUMNS)]


def test_exceptions_keep_values_as_text_and_file_level_rows_empty(tmp_path):
    findings = pd.DataFrame(
        [
            ["error", "E_TYPE", "orders.xlsx", "orders", 7, "order_date", "=1+2", "not a date"],
            ["warning", "W_FILE", "x.csv", "", None, "", "", "file-level"],
            ["error", "E_NUM", "order_lines.csv", "order_lines", 3, "quantity", 12.5, "bad"],
        ],
        columns=FINDING_COLUMNS,
    )
    out = tmp_path / "out"
    write_outputs(out, exceptions_workbook(findings))
    ws = openpyxl.load_workbook(out / "exceptions.xlsx")["exceptions"]
    assert ws.cell(2, 5).value == 7 and ws.cell(2, 5).number_format == "0"
    assert ws.cell(2, 7).value == "=1+2" and ws.cell(2, 7).data_type == "s"
    assert ws.cell(3, 5).value is None
    assert ws.cell(4, 7).value == "12.5" and ws.cell(4, 7).data_type == "s"
    formulas = [r.formula[0] for rng in ws.conditional_formatting for r in rng.rules]
    assert formulas == ['$A2="error"', '$A2="warning"']


def test_a_result_missing_a_contract_column_is_an_internal_error():
    result = fake_result()
    result.orders = result.orders.drop(columns=["invoice_status"])
    with pytest.raises(InternalError, match="invoice_status"):
        build_reports(result, OPTIONS)


def test_reports_are_byte_identical_run_after_run(tmp_path):
    write_outputs(tmp_path / "a", build_reports(fake_result(), OPTIONS))
    write_outputs(tmp_path / "b", build_reports(fake_result(), OPTIONS))
    for name in SHEETS:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_order_lines_show_the_controllers_extras_not_the_pipelines_flags():
    frame = fake_result().order_lines.assign(
        state="sale", unit_price=100.0, prepaid_time=True, service=True, tax_rate=20.0
    )
    header = list(_with_columns(frame, "order_lines").columns)
    assert header[: len(COLUMNS["order_lines"])] == COLUMNS["order_lines"]
    extras = header[len(COLUMNS["order_lines"]) :]
    assert extras == [c for c in outputs.SHEETS["order_lines"].extras if c in frame.columns]
    assert {"state", "unit_price"} <= set(extras)
    assert not {"prepaid_time", "service", "tax_rate"} & set(extras)
