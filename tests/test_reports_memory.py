"""The audit reaches the writer with its repeated text as categories (issue 13): the same bytes
as the plain text columns, with one Python string per distinct value instead of one per row."""

from __future__ import annotations

import pandas as pd

from prepaid_recon.report.workbooks import _repeats_as_categories
from prepaid_recon.xlsx.writer import SheetSpec, write_workbook


def _frame() -> pd.DataFrame:
    n = 40
    return pd.DataFrame(
        {
            "timesheet": pd.Series([f"TS{i:03d}" for i in range(n)], dtype="str"),
            "employee": pd.Series(["Ana", "Bo", None, "Ana"] * (n // 4), dtype="str"),
            "status": pd.Series(["counted", "non_billable"] * (n // 2), dtype="str"),
            "description": pd.Series(["=1+2", "", " lead", "é€😀"] * (n // 4), dtype="str"),
            "task": pd.Series([None] * n, dtype="str"),
            "hours": [0.25 * (i % 5) for i in range(n)],
        }
    )


def test_repeated_text_becomes_categories_and_unique_text_stays():
    out = _repeats_as_categories(_frame())
    kinds = {c: isinstance(out[c].dtype, pd.CategoricalDtype) for c in out.columns}
    assert kinds == {
        "timesheet": False,
        "employee": True,
        "status": True,
        "description": True,
        "task": True,
        "hours": False,
    }
    for column in out.columns:
        assert out[column].astype(object).tolist() == _frame()[column].astype(object).tolist()


def test_the_workbook_is_the_same_bytes(tmp_path):
    frame = _frame()
    for name, table in (("plain", frame), ("categories", _repeats_as_categories(frame))):
        spec = SheetSpec("timesheets", table, formats={"hours": "hours"})
        write_workbook(tmp_path / f"{name}.xlsx", [spec], max_rows=15)
    assert (tmp_path / "plain.xlsx").read_bytes() == (tmp_path / "categories.xlsx").read_bytes()
