"""Test helpers: validated ``Inputs`` from tiny inline tables, with defaults filled as
validation fills them (docs/internal-contracts.md section 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from prepaid_recon.domain import Inputs, Period
from prepaid_recon.pipeline import Options, Result, run

SHARED = Path("/work/shared/acceptance")

COLUMNS: dict[str, dict[str, Any]] = {
    "teams": {
        "team": "text",
        "timesheet_on_ticket": ("bool", True),
        "time_reinvoicing": ("bool", False),
        "project": "text",
    },
    "products": {
        "product": "text",
        "name": "text",
        "type": ("text", "service"),
        "uom": ("text", "Hours"),
        "invoicing_policy": "text",
        "service_tracking": ("text", "no"),
        "project": "text",
        "unit_price": ("number", 0.0),
        "tax_rate": ("number", 0.0),
        "upsell_threshold": ("number", 100.0),
    },
    "uoms": {
        "uom": "text",
        "category": "text",
        "hours": "number",
        "ratio": "number",
        "rounding": ("number", 0.01),
    },
    "orders": {
        "order": "text",
        "customer": "text",
        "order_date": "date",
        "state": ("text", "sale"),
        "currency": ("text", "USD"),
        "customer_ref": "text",
    },
    "order_lines": {
        "order": "text",
        "line": "line",
        "product": "text",
        "description": "text",
        "quantity": "number",
        "uom": "text",
        "unit_price": "number",
        "discount": ("number", 0.0),
        "delivered": "number",
    },
    "tickets": {
        "ticket": "text",
        "team": ("text", "Support"),
        "customer": "text",
        "created": "date",
        "subject": "text",
        "task": "text",
        "order": "text",
        "line": "line",
    },
    "timesheets": {
        "timesheet": "text",
        "source_row": "int",
        "date": "date",
        "employee": ("text", "Ana"),
        "ticket": "text",
        "task": "text",
        "hours": "number",
        "description": "text",
        "billable": ("bool", True),
        "order": "text",
        "line": "line",
        "invoice": "text",
    },
    "invoices": {
        "invoice": "text",
        "invoice_date": "date",
        "kind": ("text", "invoice"),
        "state": ("text", "posted"),
        "customer": "text",
        "currency": "text",
        "reverses": "text",
    },
    "invoice_lines": {
        "invoice": "text",
        "order": "text",
        "line": "line",
        "quantity": "number",
        "uom": "text",
        "unit_price": "number",
        "discount": "number",
        "subtotal": "number",
    },
}


def _base() -> dict[str, list[dict]]:
    return json.loads((SHARED / "base" / "support.json").read_text())


def frame(sheet: str, rows: list[dict]) -> pd.DataFrame:
    """One validated frame: every column present, typed, defaults applied, indexed by row."""
    spec = COLUMNS[sheet]
    index = pd.RangeIndex(2, 2 + len(rows), name="row")
    data: dict[str, pd.Series] = {}
    for col, kind in spec.items():
        kind, default = kind if isinstance(kind, tuple) else (kind, None)
        values = [r.get(col, default) for r in rows]
        values = [default if v is None else v for v in values]
        if kind == "text":
            data[col] = pd.Series(values, index=index, dtype="str")
        elif kind == "number":
            data[col] = pd.Series(
                [np.nan if v is None else float(v) for v in values], index=index, dtype="float64"
            )
        elif kind == "line":
            data[col] = pd.Series(values, index=index, dtype="Int64")
        elif kind == "int":
            data[col] = pd.Series(list(index), index=index, dtype="int64")
        elif kind == "bool":
            data[col] = pd.Series(values, index=index, dtype=bool)
        elif kind == "date":
            data[col] = pd.Series(
                pd.to_datetime(pd.Series(values, dtype=object)).to_numpy("datetime64[ns]"),
                index=index,
            )
    out = pd.DataFrame(data, index=index)
    if sheet == "products":
        out["name"] = out["name"].fillna(out["product"])
        out["invoicing_policy"] = out["invoicing_policy"].fillna("prepaid")
    if sheet == "timesheets":
        ids = pd.Series("timesheets.xlsx:" + out.index.astype(str), index=out.index)
        out["timesheet"] = out["timesheet"].fillna(ids)
    return out


def make_inputs(base: bool = True, **tables: list[dict]) -> Inputs:
    """Inputs from inline rows; the shared acceptance base (teams, products) is included unless
    ``base=False``; rows given for teams/products are appended to it."""
    sheets: dict[str, list[dict]] = {name: [] for name in COLUMNS}
    if base:
        for name, rows in _base().items():
            sheets[name].extend(rows)
    for name, rows in tables.items():
        sheets[name].extend(rows)
    frames = {name: frame(name, rows) for name, rows in sheets.items()}
    products = frames["products"].set_index("product")["uom"]
    lines = frames["order_lines"]
    lines["uom"] = lines["uom"].fillna(lines["product"].map(products))
    return Inputs(**frames)


def reconcile(period: str = "2026-10", **kwargs: Any) -> Result:
    """Run the whole engine on inline tables."""
    grouping = kwargs.pop("grouping", "order")
    invoice_date = kwargs.pop("invoice_date", None)
    inputs = make_inputs(**kwargs)
    return run(inputs, Options(Period.parse(period), "USD", grouping, invoice_date))


def row(frame: pd.DataFrame, **match: Any) -> pd.Series:
    """The single row of ``frame`` matching every ``column=value``."""
    mask = pd.Series(True, index=frame.index)
    for col, value in match.items():
        mask &= frame[col].eq(value).fillna(False)
    found = frame[mask]
    assert len(found) == 1, f"{len(found)} rows match {match}"
    return found.iloc[0]


def scenario(name: str) -> dict:
    """A shared acceptance scenario (v1 ... v4) by its name prefix."""
    path = next((SHARED / "scenarios").glob(f"{name}_*.json"))
    return json.loads(path.read_text())
