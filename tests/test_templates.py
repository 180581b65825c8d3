"""The blank input templates: regenerated identically, described, with dropdowns, and valid."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from prepaid_recon.xlsx.templates import (
    BOOL,
    CHOICE,
    COLUMNS,
    WORKBOOKS,
    column_names,
    sheet_columns,
    write_templates,
)

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "templates"


def _contents(path: Path) -> dict:
    """Everything a user sees in a workbook: cells, validations, formats, frozen panes."""
    book = openpyxl.load_workbook(path)
    out = {}
    for ws in book.worksheets:
        cells = [[c.value for c in row] for row in ws.iter_rows()]
        validations = sorted(
            (str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.showErrorMessage)
            for dv in ws.data_validations.dataValidation
        )
        formats = {k: ws.column_dimensions[k].number_format for k in ws.column_dimensions}
        out[ws.title] = (cells, validations, ws.freeze_panes, formats)
    return out


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("templates")
    write_templates(folder)
    return folder


def test_write_templates_returns_every_input_workbook(tmp_path):
    paths = write_templates(tmp_path / "new")
    assert [p.name for p in paths] == list(WORKBOOKS)
    assert all(p.is_file() for p in paths)


@pytest.mark.parametrize("name", list(WORKBOOKS))
def test_committed_templates_are_what_the_code_writes(fresh, name):
    assert (COMMITTED / name).is_file(), "run write_templates('templates') and commit"
    assert _contents(fresh / name) == _contents(COMMITTED / name)


@pytest.mark.parametrize("name", list(WORKBOOKS))
def test_regenerating_gives_the_same_bytes(fresh, tmp_path, name):
    write_templates(tmp_path)
    assert (tmp_path / name).read_bytes() == (fresh / name).read_bytes()


@pytest.mark.parametrize(("name", "sheets"), list(WORKBOOKS.items()))
def test_each_sheet_has_only_its_contract_header_and_is_frozen(fresh, name, sheets):
    book = openpyxl.load_workbook(fresh / name)
    assert book.sheetnames == [*sheets, "instructions"]
    for sheet in sheets:
        ws = book[sheet]
        rows = list(ws.iter_rows(values_only=True))
        assert rows == [tuple(column_names(sheet))]
        assert ws.freeze_panes == "A2"


@pytest.mark.parametrize(("name", "sheets"), list(WORKBOOKS.items()))
def test_every_enumeration_and_boolean_column_has_a_dropdown(fresh, name, sheets):
    book = openpyxl.load_workbook(fresh / name)
    for sheet in sheets:
        ws = book[sheet]
        lists = {
            str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1.strip('"').split(",")
            for dv in ws.data_validations.dataValidation
            if dv.type == "list"
        }
        for i, column in enumerate(column_names(sheet)):
            spec = next(c for c in COLUMNS if c.sheet == sheet and c.name == column)
            letter = openpyxl.utils.get_column_letter(i + 1)
            if spec.type in (CHOICE, BOOL):
                assert lists.get(letter) == list(spec.choices), f"{sheet}.{column}"


def test_known_dropdowns_have_the_contract_values(fresh):
    ws = openpyxl.load_workbook(fresh / "orders.xlsx")["orders"]
    sources = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"draft,sent,sale,done,cancel"' in sources
    ws = openpyxl.load_workbook(fresh / "teams.xlsx")["teams"]
    assert '"TRUE,FALSE"' in {dv.formula1 for dv in ws.data_validations.dataValidation}


def test_date_and_number_columns_are_formatted(fresh):
    ws = openpyxl.load_workbook(fresh / "timesheets.xlsx")["timesheets"]
    assert ws.column_dimensions["B"].number_format == "yyyy-mm-dd"  # date
    ws = openpyxl.load_workbook(fresh / "orders.xlsx")["order_lines"]
    assert ws.column_dimensions["E"].number_format == "0.00"  # quantity


@pytest.mark.parametrize(("name", "sheets"), list(WORKBOOKS.items()))
def test_instructions_describe_every_column(fresh, name, sheets):
    ws = openpyxl.load_workbook(fresh / name)["instructions"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert header[:5] == ("sheet", "column", "type", "required", "default")
    described = {(r[0], r[1]) for r in rows[1:] if r[0] in sheets}
    assert described == {(s, c) for s in sheets for c in column_names(s)}
    assert all(r[6] for r in rows[1:] if r[0] in sheets)  # every column has a meaning


def test_column_table_matches_the_contract_shape():
    assert column_names("timesheets") == [
        "timesheet", "date", "employee", "ticket", "task", "hours", "description",
        "billable", "order", "line", "invoice",
    ]  # fmt: skip
    assert all(c.meaning for c in COLUMNS)


def test_blank_templates_validate_without_errors(fresh):
    import prepaid_recon.validate as validation
    from prepaid_recon.domain import Period
    from prepaid_recon.read import tables as reader

    findings = validation.validate(reader.read_inputs(fresh), Period.parse("2026-10")).findings
    assert findings[findings["severity"] == "error"].to_dict("records") == []


def _spec(sheet: str, name: str):
    return next(c for c in COLUMNS if c.sheet == sheet and c.name == name)


def test_column_table_is_derived_from_the_schema_in_contract_order():
    from prepaid_recon.contract.inputs import SHEETS, columns_of

    assert [c.sheet for c in COLUMNS] == [
        s.sheet for s in SHEETS for _ in s.model.to_schema().columns
    ]
    for contract in SHEETS:
        contract_columns = columns_of(contract.sheet)
        assert column_names(contract.sheet) == [c.name for c in contract_columns]
        assert [c.meaning for c in sheet_columns(contract.sheet)] == [
            c.meaning for c in contract_columns
        ]


def test_allowed_values_and_bounds_come_from_the_pandera_checks():
    from prepaid_recon.contract import inputs as schemas

    state = _spec("orders", "state")
    assert (state.type, state.choices, state.strict) == (CHOICE, tuple(schemas.ORDER_STATES), True)
    tax = _spec("products", "tax_rate")
    assert (tax.type, tax.minimum, tax.maximum, tax.minimum_excluded) == ("percent", 0, 100, False)
    rounding = _spec("uoms", "rounding")
    assert (rounding.minimum, rounding.minimum_excluded) == (0, True)  # gt=0
    line = _spec("order_lines", "line")
    assert (line.type, line.minimum) == ("whole number", 1)
    informational = _spec("invoice_lines", "discount")
    assert (informational.minimum, informational.maximum, informational.choices) == (None, None, ())


def test_booleans_get_true_false_and_suggestions_do_not_refuse_other_text():
    assert _spec("timesheets", "billable").choices == ("TRUE", "FALSE")
    assert _spec("timesheets", "billable").type == BOOL
    uom = _spec("products", "uom")
    assert (uom.type, uom.choices, uom.strict) == ("text", ("Hours", "Days", "Units"), False)
    category = _spec("uoms", "category")
    assert (category.choices, category.strict) == (("time", "unit"), False)


def test_required_and_default_words_are_derived_or_taken_from_the_schema_metadata():
    assert _spec("teams", "team").required == "yes, unique"  # required + unique
    assert _spec("orders", "customer").required == "yes"
    assert _spec("orders", "customer_ref").required == "no"
    assert _spec("products", "invoicing_policy").required == "yes for services"  # metadata
    assert _spec("timesheets", "ticket").required == "ticket or task"
    assert _spec("teams", "time_reinvoicing").default == "FALSE"  # default=False
    assert _spec("timesheets", "billable").default == "TRUE"
    assert _spec("uoms", "rounding").default == "0.01"
    assert _spec("products", "upsell_threshold").default == "100"
    assert _spec("products", "name").default == "= product"  # metadata
    assert _spec("timesheets", "timesheet").default == "<file>:<row>"
    assert _spec("orders", "order").default == ""
