"""The scenario runner itself: it passes a right scenario and, above all, fails a wrong one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from scenario_runner import column_key, read_sheet, run_scenario, same, write_inputs

LINE = {"file": "delivered_vs_ordered.xlsx", "sheet": "order_lines"}


def small_scenario() -> dict[str, Any]:
    """10 prepaid hours ordered, 4 h logged on a ticket linked to the line."""
    return {
        "name": "runner self-test",
        "period": "2026-10",
        "base": "support",
        "inputs": {
            "orders": [
                {"order": "S1", "customer": "Acme", "order_date": "2026-10-01", "state": "sale"}
            ],
            "order_lines": [{"order": "S1", "line": 1, "product": "PREPAID-H", "quantity": 10}],
            "tickets": [
                {
                    "ticket": "T1",
                    "team": "Support",
                    "customer": "Acme",
                    "created": "2026-10-02",
                    "order": "S1",
                    "line": 1,
                }
            ],
            "timesheets": [{"date": "2026-10-05", "employee": "Ana", "ticket": "T1", "hours": 4}],
        },
        "expect": {
            "exit_code": 0,
            "rows": [
                {
                    **LINE,
                    "match": {"order": "S1", "line": 1},
                    "values": {"ordered": 10, "delivered": 4, "remaining_hours": 6},
                }
            ],
            "counts": [{**LINE, "count": 1}],
        },
    }


def test_a_right_scenario_has_no_problem(tmp_path: Path) -> None:
    assert run_scenario(small_scenario(), tmp_path) == []


def test_a_wrong_value_is_a_problem_naming_the_column(tmp_path: Path) -> None:
    scenario = small_scenario()
    scenario["expect"]["rows"][0]["values"]["delivered"] = 5
    scenario["expect"]["counts"][0]["count"] = 2

    problems = run_scenario(scenario, tmp_path)

    assert len(problems) == 2, problems
    assert "delivered = 4" in problems[0] and "expected 5" in problems[0]
    assert "1 rows, expected 2" in problems[1]


def test_a_missing_row_or_column_is_a_problem(tmp_path: Path) -> None:
    scenario = small_scenario()
    scenario["expect"]["rows"] = [
        {**LINE, "match": {"order": "S2"}, "values": {}},
        {**LINE, "match": {"order": "S1"}, "values": {"no_such_column": 1}},
    ]
    scenario["expect"]["counts"] = []

    problems = run_scenario(scenario, tmp_path)

    assert len(problems) == 2, problems
    assert "no row matches {'order': 'S2'}" in problems[0]
    assert "no column 'no_such_column'" in problems[1]


def test_a_wrong_exit_code_is_a_problem(tmp_path: Path) -> None:
    scenario = small_scenario()
    scenario["expect"] = {"exit_code": [1, 2], "stderr_contains": ["no such words"]}

    problems = run_scenario(scenario, tmp_path)

    assert len(problems) == 2, problems
    assert problems[0].startswith("exit code 0, expected [1, 2]")
    assert "stderr does not mention 'no such words'" in problems[1]


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (10, 10.004),
        (10, 9.996),
        (10, "10.0"),
        (True, True),
        (True, "Yes"),
        (False, " no "),
        (False, 0),
        (None, None),
        (None, ""),
        ("2026-10-05", dt.date(2026, 10, 5)),
        ("2026-10-05", dt.datetime(2026, 10, 5, 13, 30)),
        ("To Invoice", " to invoice"),
        ("7", 7.0),
    ],
)
def test_same_accepts(expected: Any, actual: Any) -> None:
    assert same(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (10, 10.006),
        (10, 9.99),
        (10, None),
        (10, "ten"),
        (True, False),
        (True, "no"),
        (False, "yes"),
        (True, None),
        (None, 0),
        (None, "x"),
        ("2026-10-05", dt.date(2026, 10, 6)),
        ("invoiced", "to_invoice"),
        ("x", None),
    ],
)
def test_same_rejects(expected: Any, actual: Any) -> None:
    assert not same(expected, actual)


def test_headers_are_read_by_machine_name_across_continuation_sheets(tmp_path: Path) -> None:
    assert column_key(" To -  Invoice ") == "to_invoice"
    book = openpyxl.Workbook()
    first = book.active
    first.title = "order_lines"
    first.append(["Order", "To Invoice"])
    first.append(["S1", 1])
    first.append([None, None])
    second = book.create_sheet("order_lines_2")
    second.append(["order", "to-invoice"])
    second.append(["S2", 2])
    book.create_sheet("order_lines_summary").append(["order"])
    book.save(tmp_path / "report.xlsx")

    assert read_sheet(tmp_path / "report.xlsx", "order_lines") == [
        {"order": "S1", "to_invoice": 1},
        {"order": "S2", "to_invoice": 2},
    ]
    with pytest.raises(KeyError):
        read_sheet(tmp_path / "report.xlsx", "orders")


def test_inputs_are_written_as_typed_cells(tmp_path: Path) -> None:
    scenario = {
        "inputs": {
            "timesheets": [
                {
                    "date": "2026-10-05",
                    "employee": {"text": "=1+1"},
                    "ticket": "T1",
                    "hours": {"time": "1:30"},
                }
            ],
            "orders": [],
        }
    }
    assert write_inputs(scenario, tmp_path) == tmp_path

    timesheets = openpyxl.load_workbook(tmp_path / "timesheets.xlsx")["timesheets"]
    date, employee, _, hours = timesheets[2]
    assert date.value.date() == dt.date(2026, 10, 5)
    assert (employee.value, employee.data_type) == ("=1+1", "s")
    assert hours.value == dt.time(1, 30)
    orders = openpyxl.load_workbook(tmp_path / "orders.xlsx")["orders"]
    assert [c.value for c in orders[1]] == ["order", "customer", "order_date", "state"]
